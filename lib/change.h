/* change.h: the changes feed (every create, update and delete in revision
 * order, as portals pull them) and the audit log (the same rows with who
 * and the state before). Both read bdg.audit, filtered to what the token
 * may read (bdg.audit_visible). */
#ifndef BDG_CHANGE_H
#define BDG_CHANGE_H

#include "ctx.h"

struct change_filter {
	const char *since;      /* revision, exclusive; "0" from the start */
	const char *types;      /* comma-separated resources, or NULL */
	const char *under;      /* unit code: only rows scoped in its subtree */
	int limit;
};

/* *items: JSON array text (malloc'd); *last: the last revision returned
 * (or since when none); *more: 1 when more rows follow. */
int change_list(struct bdg_ctx *c, const struct change_filter *f, char **items,
		long long *last, int *more);

struct audit_filter {
	const char *resource;
	const char *id;
	const char *key;
	const char *actor;
	const char *from;       /* timestamp or date, inclusive */
	const char *to;         /* exclusive */
	const char *after;      /* revision cursor */
	int limit;
};

int audit_list(struct bdg_ctx *c, const struct audit_filter *f, char **items,
	       long long *last, int *more);

#endif

/* unit.h: the unit tree (đơn vị): reads within the caller's subtree,
 * admin writes, merges. Every function returns 0 or -1 with c->err set;
 * doc and items are malloc'd JSON text the caller frees. */
#ifndef BDG_UNIT_H
#define BDG_UNIT_H

#include <jansson.h>

#include "ctx.h"
#include "page.h"
#include "valid.h"

extern const char *const unit_kinds[];
extern const struct vfield unit_fields[];
extern const struct vfield unit_merge_fields[];

struct unit_filter {
	const char *under;      /* code: the whole subtree of that unit */
	const char *parent;     /* code: direct children */
	const char *kind;
	const char *q;          /* diacritic-free search in code and name */
	const char *active_on;  /* date */
};

int unit_get(struct bdg_ctx *c, const char *code, char **doc, long long *version);
int unit_list(struct bdg_ctx *c, const struct unit_filter *f, const struct page *pg,
	      char **items, char *next, size_t nextlen);
int unit_ancestors(struct bdg_ctx *c, const char *code, char **items);
int unit_create(struct bdg_ctx *c, const json_t *body, char **doc, long long *version);
int unit_update(struct bdg_ctx *c, const char *code, const json_t *body,
		long long if_version, char **doc, long long *version);
int unit_delete(struct bdg_ctx *c, const char *code, long long if_version);
int unit_merge(struct bdg_ctx *c, const char *code, const json_t *body,
	       char **doc, long long *version);

#endif

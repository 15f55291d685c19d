/* query.h: the shapes of statement every resource runs, written once:
 * a list page, one document with its version, and the 404-or-412 answer
 * when a conditional write touched no row. */
#ifndef BDG_QUERY_H
#define BDG_QUERY_H

#include "ctx.h"

/* A list statement returns one row: (items JSON array text, next key text
 * or NULL). *items is malloc'd; next gets "" when there is no next page. */
int query_list(struct bdg_ctx *c, const struct db_stmt *st, const char *const *params,
	       char **items, char *next, size_t nextlen);

/* A statement returning (doc JSON text, version) in one row. No row: err
 * 404. *doc is malloc'd. version may be NULL. */
int query_doc(struct bdg_ctx *c, const struct db_stmt *st, const char *const *params,
	      char **doc, long long *version);

/* After a conditional write touched nothing: run probe (returning the
 * current version of a resource the caller can reach, or no row) and set
 * err to 404 (not there or out of reach) or 412 (stale If-Match). */
int query_missed(struct bdg_ctx *c, const struct db_stmt *probe, const char *const *params);

/* The same, knowing the If-Match version (<= 0 for "*"): when the resource
 * is there at that version, the write changed nothing (bdg.touch skips an
 * update that changes nothing): returns 1 with no error, and the caller
 * answers with the current document. */
int query_missed_v(struct bdg_ctx *c, const struct db_stmt *probe, const char *const *params,
		   long long if_version);

/* Run a statement for its effect; returns the number of rows it touched
 * (or returned), -1 with err set. */
long query_run(struct bdg_ctx *c, const struct db_stmt *st, const char *const *params);

/* A write statement's returned id (the first column of its first row): -1
 * when it returned no row (err untouched) or failed (err set). */
long long query_id(struct bdg_ctx *c, const struct db_stmt *st, const char *const *params);

/* The same for an INSERT that must return its row (none is a 500); the id
 * is also written as text into idtext. */
long long query_insert(struct bdg_ctx *c, const struct db_stmt *st, const char *const *params,
		       char *idtext, size_t n);

#endif

/* query.h: the shapes of statement every resource runs, written once:
 * a list page, one document with its version, and the 404-or-412 answer
 * when a conditional write touched no row. */
#ifndef BDG_QUERY_H
#define BDG_QUERY_H

#include "ctx.h"

/* Lists whose rows the caller reads by unit (plans, reports, activities)
 * take one of two ways to a page, chosen as the statement runs. A
 * statement names, after its CTE `actor` (the caller's path):
 *   LIST_NEAR(cond)   the units n whose rows the caller reads by place
 *                     (cond), at most LIST_NEAR_MAX + 1 of them;
 *   LIST_CAND(rows)   the ids those units' rows have (rows: a query of
 *                     one column `id` through the indexes by unit, over
 *                     LIST_NEAR_IDS), after the cursor $2, at most
 *                     LIST_CAND_MAX + 1; none when near is over its cap;
 *                     then `walk`: whether either cap was passed;
 *   LIST_KEYS(x, from, where)  the page's keys `k`: either all rows x in
 *                     id order, each checked by where (a caller who reads
 *                     most of them: the walk stops at the page's end), or
 *                     those of cand (a commune clerk: a walk read every row
 *                     in the database for a page of three). Each way is a
 *                     branch under a one-time filter on walk.yes; where
 *                     ends with the page's ORDER BY and LIMIT. */
#define LIST_NEAR_MAX "2000"
#define LIST_CAND_MAX "5000"
#define LIST_NEAR_IDS "ARRAY(SELECT id FROM near)"
#define LIST_NEAR(cond) \
	" near AS MATERIALIZED (SELECT n.id FROM bdg.unit n, actor WHERE " cond \
	"   LIMIT " LIST_NEAR_MAX " + 1),"
#define LIST_CAND(rows) \
	" cand AS MATERIALIZED (SELECT x.id FROM (" rows ") x" \
	"   WHERE (SELECT count(*) <= " LIST_NEAR_MAX " FROM near) AND x.id > coalesce($2::bigint, 0)" \
	"   LIMIT " LIST_CAND_MAX " + 1)," \
	" walk AS MATERIALIZED (SELECT (SELECT count(*) > " LIST_NEAR_MAX " FROM near)" \
	"   OR (SELECT count(*) > " LIST_CAND_MAX " FROM cand) AS yes),"
#define LIST_KEYS(x, from, where) \
	" keys AS ((SELECT " x ".id AS k " from " WHERE (SELECT yes FROM walk) AND " where ")" \
	"  UNION ALL" \
	"  (SELECT " x ".id " from " WHERE NOT (SELECT yes FROM walk)" \
	"   AND " x ".id = ANY (ARRAY(SELECT id FROM cand)) AND " where ")),"

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

/* change.c: reading bdg.audit as the changes feed and as the audit log. */
#include "change.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The row `a` is read by the token of unit $1 (bdg.audit_visible of
 * migrations/012_feed_visibility.sql, spelled inline): the actor's path is a
 * scalar sub-select (an InitPlan, computed once), and the test is a CASE,
 * which the planner estimates at one row in two. A bare OR of the ltree
 * operators is estimated at 0.2 %, and its custom plans then sort every
 * later revision instead of walking audit_pkey and stopping at the limit;
 * a function (bdg.audit_visible of 005) was called once per row. */
#define AUDIT_VISIBLE \
	"CASE WHEN a.above <@ (SELECT bdg.unit_path($1::text))" \
	" OR a.below @> (SELECT bdg.unit_path($1::text)) THEN true ELSE false END"

/* Both statements answer one row per item, (revision, item as json text),
 * in revision order, at most limit+1 (the last one only says that more
 * follow); run_page joins the items into the page's array. Each item is
 * printed by row_to_json from `data`, the json text of `after` stored at
 * write time: no jsonb printed per read, and no aggregate that sorts the
 * page again (three times the statement's time at 1,000 changes). */

/* $1 actor unit, $2 since, $3 limit+1, $4 types (text[] literal), $5 under */
static const struct db_stmt st_changes = {
	"change_list",
	"SELECT c.revision, row_to_json(c)::text"
	" FROM (SELECT a.revision, a.resource, a.resource_id AS id, a.key, a.op, a.at, a.data"
	"   FROM bdg.audit a"
	"   WHERE a.revision > $2::bigint AND " AUDIT_VISIBLE
	"   AND ($4::text[] IS NULL OR a.resource = ANY ($4::text[]))"
	"   AND ($5::text IS NULL OR a.scope <@ (SELECT u.path FROM bdg.unit u"
	"     WHERE u.code = $5::text AND u.path <@ bdg.unit_path($1::text)))"
	"   ORDER BY a.revision LIMIT $3::int) c",
	5,
};

/* $1 actor, $2 after, $3 limit+1, $4 resource, $5 id, $6 key, $7 actor sub, $8 from, $9 to */
#define AUDIT_PAGE(where) \
	"SELECT e.revision, json_build_object('revision', e.revision, 'at', e.at," \
	"   'actor', json_build_object('sub', e.actor_sub, 'unit', e.actor_unit, 'role', e.actor_role)," \
	"   'request_id', e.request_id, 'resource', e.resource, 'id', e.resource_id, 'key', e.key, 'op', e.op," \
	"   'before', e.before, 'after', e.data)::text" \
	" FROM (SELECT a.* FROM bdg.audit a" \
	"   WHERE " where " AND a.revision > $2::bigint AND " AUDIT_VISIBLE \
	"   AND ($6::text IS NULL OR a.key = $6::text)" \
	"   AND ($7::text IS NULL OR a.actor_sub = $7::text)" \
	"   AND ($8::timestamptz IS NULL OR a.at >= $8::timestamptz)" \
	"   AND ($9::timestamptz IS NULL OR a.at < $9::timestamptz)" \
	"   ORDER BY a.revision LIMIT $3::int) e"

static const struct db_stmt st_audit = {
	"audit_list",
	AUDIT_PAGE("($4::text IS NULL OR a.resource = $4::text)"
		   " AND ($5::bigint IS NULL OR a.resource_id = $5::bigint)"),
	9,
};

/* One resource's history (the web UI's "history" of a plan or a report):
 * its rows through audit_resource_idx (resource, resource_id, revision).
 * The statement above, whose filters are optional, walks every revision
 * after the cursor for them: 40 ms and 5,350 buffers a call with 110,000
 * revisions, growing with the table. */
static const struct db_stmt st_audit_resource = {
	"audit_list_resource",
	AUDIT_PAGE("a.resource = $4::text AND a.resource_id = $5::bigint"),
	9,
};

/* Run a page statement for `limit` items: *items the JSON array of the
 * first `limit` rows (malloc'd, sized once: a page of reports is megabytes),
 * *last the revision of the last of them (unchanged when there are none),
 * *more whether a row followed. */
static int run_page(struct bdg_ctx *c, const struct db_stmt *st, const char *const *p, int limit,
		    char **items, long long *last, int *more)
{
	struct db_conn *conn = ctx_conn(c);
	size_t size = 3, at = 0, len;
	PGresult *r;
	int i, n;

	*items = NULL;
	if (!conn || !(r = db_exec(conn, st, p, &c->err)))
		return -1;
	n = PQntuples(r);
	*more = n > limit;
	if (n > limit)
		n = limit;
	for (i = 0; i < n; i++)
		size += (size_t)PQgetlength(r, i, 1) + 1;
	*items = malloc(size);
	if (!*items) {
		PQclear(r);
		return bdg_fail(&c->err, 500, "internal", "Out of memory.");
	}
	(*items)[at++] = '[';
	for (i = 0; i < n; i++) {
		if (i)
			(*items)[at++] = ',';
		len = (size_t)PQgetlength(r, i, 1);
		memcpy(*items + at, PQgetvalue(r, i, 1), len);
		at += len;
	}
	(*items)[at++] = ']';
	(*items)[at] = '\0';
	if (n)
		*last = atoll(PQgetvalue(r, n - 1, 0));
	PQclear(r);
	return 0;
}

int change_list(struct bdg_ctx *c, const struct change_filter *f, char **items,
		long long *last, int *more)
{
	char lim[16], types[600] = "";
	const char *p[5];

	snprintf(lim, sizeof lim, "%d", f->limit + 1);
	if (f->types)
		snprintf(types, sizeof types, "{%s}", f->types);
	p[0] = c->who.unit;
	p[1] = f->since;
	p[2] = lim;
	p[3] = f->types ? types : NULL;
	p[4] = f->under;
	*last = atoll(f->since);
	return run_page(c, &st_changes, p, f->limit, items, last, more);
}

int audit_list(struct bdg_ctx *c, const struct audit_filter *f, char **items,
	       long long *last, int *more)
{
	char lim[16];
	const char *p[9];

	snprintf(lim, sizeof lim, "%d", f->limit + 1);
	p[0] = c->who.unit;
	p[1] = f->after ? f->after : "0";
	p[2] = lim;
	p[3] = f->resource;
	p[4] = f->id;
	p[5] = f->key;
	p[6] = f->actor;
	p[7] = f->from;
	p[8] = f->to;
	*last = atoll(p[1]);
	return run_page(c, f->resource && f->id ? &st_audit_resource : &st_audit, p, f->limit, items, last,
			more);
}

/* change.c: reading bdg.audit as the changes feed and as the audit log. */
#include "change.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* $1 actor unit, $2 since, $3 limit+1, $4 types (text[] literal), $5 under */
/* The actor's path is a scalar sub-select (an InitPlan), not a joined CTE:
 * every plan, custom or generic, then walks audit_pkey in revision order
 * and stops at the limit (joined to a CTE, the custom plans of a pooled
 * connection's first executions sorted every later revision). The page is
 * assembled as json, not jsonb: no binary tree built only to be printed. */
static const struct db_stmt st_changes = {
	"change_list",
	"WITH rows AS (SELECT a.revision, a.resource, a.resource_id, a.key, a.op, a.at, a.after"
	"   FROM bdg.audit a"
	"   WHERE a.revision > $2::bigint"
	"   AND bdg.audit_visible(a.scope, a.resource, (SELECT bdg.unit_path($1::text)))"
	"   AND ($4::text[] IS NULL OR a.resource = ANY ($4::text[]))"
	"   AND ($5::text IS NULL OR a.scope <@ (SELECT u.path FROM bdg.unit u"
	"     WHERE u.code = $5::text AND u.path <@ bdg.unit_path($1::text)))"
	"   ORDER BY a.revision LIMIT $3::int),"
	" page AS (SELECT *, row_number() OVER (ORDER BY revision) AS rn FROM rows)"
	" SELECT coalesce(json_agg(json_build_object('revision', revision, 'resource', resource,"
	"   'id', resource_id, 'key', key, 'op', op, 'at', at, 'data', after) ORDER BY revision)"
	"   FILTER (WHERE rn < $3::int), '[]'::json)::text,"
	"   max(revision) FILTER (WHERE rn < $3::int), count(*) = $3::int"
	" FROM page",
	5,
};

/* $1 actor, $2 after, $3 limit+1, $4 resource, $5 id, $6 key, $7 actor sub, $8 from, $9 to */
static const struct db_stmt st_audit = {
	"audit_list",
	"WITH actor AS (SELECT bdg.unit_path($1::text) AS path),"
	" rows AS (SELECT a.* FROM bdg.audit a, actor"
	"   WHERE a.revision > $2::bigint AND bdg.audit_visible(a.scope, a.resource, actor.path)"
	"   AND ($4::text IS NULL OR a.resource = $4::text)"
	"   AND ($5::bigint IS NULL OR a.resource_id = $5::bigint)"
	"   AND ($6::text IS NULL OR a.key = $6::text)"
	"   AND ($7::text IS NULL OR a.actor_sub = $7::text)"
	"   AND ($8::timestamptz IS NULL OR a.at >= $8::timestamptz)"
	"   AND ($9::timestamptz IS NULL OR a.at < $9::timestamptz)"
	"   ORDER BY a.revision LIMIT $3::int),"
	" page AS (SELECT *, row_number() OVER (ORDER BY revision) AS rn FROM rows)"
	" SELECT coalesce(jsonb_agg(jsonb_build_object('revision', revision, 'at', at,"
	"   'actor', jsonb_build_object('sub', actor_sub, 'unit', actor_unit, 'role', actor_role),"
	"   'request_id', request_id, 'resource', resource, 'id', resource_id, 'key', key, 'op', op,"
	"   'before', before, 'after', after) ORDER BY revision) FILTER (WHERE rn < $3::int), '[]')::text,"
	"   max(revision) FILTER (WHERE rn < $3::int), count(*) = $3::int"
	" FROM page",
	9,
};

static int run_page(struct bdg_ctx *c, const struct db_stmt *st, const char *const *p,
		    char **items, long long *last, int *more)
{
	struct db_conn *conn = ctx_conn(c);
	PGresult *r;

	*items = NULL;
	if (!conn || !(r = db_exec(conn, st, p, &c->err)))
		return -1;
	*items = strdup(PQgetvalue(r, 0, 0));
	if (!PQgetisnull(r, 0, 1))
		*last = atoll(PQgetvalue(r, 0, 1));
	*more = PQgetvalue(r, 0, 2)[0] == 't';
	PQclear(r);
	return *items ? 0 : bdg_fail(&c->err, 500, "internal", "Out of memory.");
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
	return run_page(c, &st_changes, p, items, last, more);
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
	return run_page(c, &st_audit, p, items, last, more);
}

/* target.c: a plan's targets as one set (bdg.target, 003). Reads reach the
 * plans the caller may read; the whole set is replaced by editors (and
 * above) of the issuing unit or of a unit above it. The rules on values
 * (a percent is 0-100, a count is whole, 'total' unless the indicator is
 * disaggregated by sex, the unit under the issuing unit or a recipient)
 * are 003's triggers; this file names the item at fault (/targets/3/...). */
#include "target.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "indicator.h"
#include "query.h"

const struct vfield target_fields[] = {
	{"indicator", V_CODE, VF_REQUIRED, 0, 0, NULL, NULL},
	{"unit", V_CODE, VF_REQUIRED, 0, 0, NULL, NULL},
	{"sex", V_ENUM, VF_NULLABLE, 0, 0, indicator_sexes, NULL},
	{"year", V_INT, VF_NULLABLE, 2000, 2100, NULL, NULL},
	{"baseline", V_NUMBER, VF_NULLABLE, 0, 1000000000000000LL, NULL, NULL},
	{"target", V_NUMBER, VF_REQUIRED, 0, 1000000000000000LL, NULL, NULL},
	{NULL, 0, 0, 0, 0, NULL, NULL},
};

const struct vfield target_set_fields[] = {
	{"targets", V_OBJECTS, VF_REQUIRED, 0, 0, NULL, target_fields},
	{NULL, 0, 0, 0, 0, NULL, NULL},
};

/* Who reads and who writes a plan p (006_plans_api.sql): the plan's
 * readers read its targets; editors of the issuing unit's subtree write
 * them. $1::text is the caller's unit. */
#define PLAN_VISIBLE "bdg.plan_visible(p, bdg.unit_path($1::text))"
#define PLAN_WRITABLE "bdg.plan_writable(p, bdg.unit_path($1::text))"

/* The set of plan p as the API shows it, ordered by indicator, unit, sex. */
#define SET_DOC \
	"(SELECT jsonb_build_object('targets', coalesce(jsonb_agg(bdg.target_doc(t) - 'plan'" \
	"   ORDER BY ti.code, tu.code, t.sex), '[]'::jsonb))" \
	"  FROM bdg.target t JOIN bdg.indicator ti ON ti.id = t.indicator_id" \
	"  JOIN bdg.unit tu ON tu.id = t.unit_id WHERE t.plan_id = p.id)"

/* The ETag of a set document d.doc: 60 bits of its MD5, plus 1. */
#define SET_ETAG "(('x' || left(md5(d.doc::text), 15))::bit(60)::bigint + 1)"

/* $1::text caller, $2::bigint plan. */
static const struct db_stmt st_get = {
	"target_get",
	"SELECT d.doc::text, " SET_ETAG
	" FROM bdg.plan p, LATERAL (SELECT " SET_DOC " AS doc) d"
	" WHERE p.id = $2::bigint AND " PLAN_VISIBLE,
	2,
};

/* Writers of one plan's set take turns (the two-key advisory lock space,
 * apart from bdg.next_revision's). $1::bigint plan. */
static const struct db_stmt st_lock = {
	"target_lock",
	"SELECT pg_advisory_xact_lock(7310002, ($1::bigint % 2147483647)::int)",
	1,
};

/* After the lock, in a fresh snapshot: may the caller ($1) read and write
 * plan $2, and the set's ETag. */
static const struct db_stmt st_check = {
	"target_check",
	"SELECT coalesce(" PLAN_VISIBLE ", false), coalesce(" PLAN_WRITABLE ", false),"
	"   " SET_ETAG ", bdg.plan_label(p), iu.code"
	" FROM bdg.plan p JOIN bdg.unit iu ON iu.id = p.unit_id, LATERAL (SELECT " SET_DOC " AS doc) d"
	" WHERE p.id = $2::bigint",
	2,
};

/* Create or update one target; returns its id. The unit is checked here
 * too, so that a unit that does not exist and one out of the plan's reach
 * answer alike. $1::bigint plan, $2::text indicator, $3::text unit,
 * $4::text sex, $5::text year, $6::text baseline, $7::text target. */
static const struct db_stmt st_put = {
	"target_put",
	"WITH ref AS (SELECT (SELECT id FROM bdg.indicator WHERE code = $2::text) AS ind,"
	"   (SELECT u.id FROM bdg.unit u, bdg.plan p JOIN bdg.unit iu ON iu.id = p.unit_id"
	"    WHERE p.id = $1::bigint AND u.code = $3::text AND (u.path <@ iu.path OR EXISTS ("
	"      SELECT 1 FROM bdg.plan_recipient r WHERE r.plan_id = p.id AND r.unit_id = u.id))) AS unit),"
	" chk AS (SELECT bdg.check(ref.ind IS NOT NULL, 'BD422', format('no such indicator: %s', $2::text), '/indicator')"
	"   AND bdg.check(ref.unit IS NOT NULL, 'BD422', format('unit %s is neither the issuing unit, nor under it,"
	" nor a recipient of the plan', $3::text), '/unit') AS ok, ref.ind, ref.unit FROM ref),"
	" cur AS (SELECT t.id FROM bdg.target t, chk WHERE chk.ok AND t.plan_id = $1::bigint"
	"   AND t.indicator_id = chk.ind AND t.unit_id = chk.unit AND t.sex = coalesce($4::text, 'total')),"
	" upd AS (UPDATE bdg.target t SET year = $5::int, baseline = $6::numeric, target = $7::numeric"
	"   FROM cur WHERE t.id = cur.id RETURNING t.id),"
	" ins AS (INSERT INTO bdg.target (plan_id, indicator_id, unit_id, sex, year, baseline, target)"
	"   SELECT $1::bigint, chk.ind, chk.unit, coalesce($4::text, 'total'), $5::int, $6::numeric, $7::numeric"
	"   FROM chk WHERE chk.ok AND NOT EXISTS (SELECT 1 FROM cur) RETURNING id)"
	" SELECT id FROM cur UNION ALL SELECT id FROM ins",
	7,
};

/* Delete the plan's targets that are not in the new set. $1::bigint plan,
 * $2::bigint[] the ids kept. */
static const struct db_stmt st_prune = {
	"target_prune",
	"DELETE FROM bdg.target WHERE plan_id = $1::bigint AND NOT (id = ANY ($2::bigint[]))",
	2,
};

/* The set as stored now (inside the writing transaction). $1::bigint plan. */
static const struct db_stmt st_result = {
	"target_result",
	"SELECT d.doc::text, " SET_ETAG
	" FROM bdg.plan p, LATERAL (SELECT " SET_DOC " AS doc) d WHERE p.id = $1::bigint",
	1,
};

/* A JSON number as SQL numeric text: integers exactly, reals with 15
 * significant digits (so 0.1 is stored as 0.1). */
static const char *number_text(const json_t *v, char *out, size_t outlen)
{
	if (!v || json_is_null(v))
		return NULL;
	if (json_is_integer(v))
		snprintf(out, outlen, "%lld", (long long)json_integer_value(v));
	else
		snprintf(out, outlen, "%.15g", json_real_value(v));
	return out;
}

/* Name item i in every field error that points into the item. */
static void fields_in_item(struct bdg_err *e, size_t i)
{
	char f[sizeof e->fields[0].field];
	int k;

	for (k = 0; k < e->nfields; k++) {
		if (e->fields[k].field[0] != '/' || strncmp(e->fields[k].field, "/targets/", 9) == 0)
			continue;
		snprintf(f, sizeof f, "/targets/%zu%s", i, e->fields[k].field);
		memcpy(e->fields[k].field, f, sizeof f);
	}
	if (e->nfields == 0 && (e->status == 409 || e->status == 422)) {
		snprintf(f, sizeof f, "/targets/%zu", i);
		bdg_field(e, f, "%s", e->detail);
	}
}

/* Check the caller may write plan's set, and the If-Match ETag. */
static int check_writer(struct bdg_ctx *c, const char *plan, long long if_etag)
{
	const char *p[] = {c->who.unit, plan};
	struct db_conn *conn = ctx_conn(c);
	PGresult *r;
	int rc = -1;

	if (!conn)
		return -1;
	if (query_run(c, &st_lock, p + 1) < 0 || !(r = db_exec(conn, &st_check, p, &c->err)))
		return -1;
	if (PQntuples(r) < 1 || strcmp(PQgetvalue(r, 0, 0), "t") != 0)
		bdg_fail(&c->err, 404, "not_found", "No such resource, or it is out of your reach.");
	else if (strcmp(PQgetvalue(r, 0, 1), "t") != 0)
		bdg_fail(&c->err, 403, "forbidden", "The targets of plan %s are set by the editors of its issuing "
			 "unit %s or of a unit above it.", PQgetvalue(r, 0, 3), PQgetvalue(r, 0, 4));
	else if (if_etag > 0 && atoll(PQgetvalue(r, 0, 2)) != if_etag)
		bdg_fail(&c->err, 412, "precondition_failed", "The targets of plan %s have changed since you read "
			 "them (ETag \"%s\"); read them again.", PQgetvalue(r, 0, 3), PQgetvalue(r, 0, 2));
	else
		rc = 0;
	PQclear(r);
	return rc;
}

int target_get(struct bdg_ctx *c, long long plan, char **doc, long long *etag)
{
	char id[24];
	const char *p[] = {c->who.unit, id};

	snprintf(id, sizeof id, "%lld", plan);
	return query_doc(c, &st_get, p, doc, etag);
}

/* Write the items of the set; *ids gets "{id,...}" of the targets kept. */
static int put_items(struct bdg_ctx *c, const char *plan, const json_t *items, struct buf *ids)
{
	struct db_conn *conn = ctx_conn(c);
	long long *seen;
	size_t i, j, n = json_array_size(items);
	int rc = -1;

	if (!conn)
		return -1;
	seen = calloc(n ? n : 1, sizeof *seen);
	if (!seen)
		return bdg_fail(&c->err, 500, "internal", "Out of memory.");
	buf_puts(ids, "{");
	for (i = 0; i < n; i++) {
		const json_t *t = json_array_get(items, i);
		char year[40], base[40], goal[40];
		const char *p[] = {plan, json_string_value(json_object_get(t, "indicator")),
			json_string_value(json_object_get(t, "unit")),
			json_string_value(json_object_get(t, "sex")),
			number_text(json_object_get(t, "year"), year, sizeof year),
			number_text(json_object_get(t, "baseline"), base, sizeof base),
			number_text(json_object_get(t, "target"), goal, sizeof goal)};
		PGresult *r = db_exec(conn, &st_put, p, &c->err);

		if (!r) {
			fields_in_item(&c->err, i);
			goto out;
		}
		seen[i] = PQntuples(r) == 1 ? atoll(PQgetvalue(r, 0, 0)) : 0;
		PQclear(r);
		for (j = 0; j < i; j++) {
			if (seen[j] == seen[i]) {
				char f[40];

				snprintf(f, sizeof f, "/targets/%zu", i);
				bdg_field(&c->err, f, "indicator %s, unit %s, sex %s is given twice (also at "
					  "/targets/%zu)", p[1], p[2], p[3] ? p[3] : "total", j);
				goto out;
			}
		}
		buf_printf(ids, "%s%lld", i ? "," : "", seen[i]);
	}
	buf_puts(ids, "}");
	rc = ids->oom ? bdg_fail(&c->err, 500, "internal", "Out of memory.") : 0;
out:
	free(seen);
	return rc;
}

int target_replace(struct bdg_ctx *c, long long plan, const json_t *body, long long if_etag,
		   char **doc, long long *etag)
{
	struct buf ids = {0};
	char id[24];
	const char *p[2] = {id, NULL};
	int rc = -1;

	*doc = NULL;
	if (valid_object(body, target_set_fields, "", &c->err) < 0)
		return -1;
	snprintf(id, sizeof id, "%lld", plan);
	if (ctx_begin(c) < 0)
		return -1;
	if (check_writer(c, id, if_etag) == 0 &&
	    put_items(c, id, json_object_get(body, "targets"), &ids) == 0) {
		p[1] = ids.data;
		if (query_run(c, &st_prune, p) >= 0)
			rc = query_doc(c, &st_result, p, doc, etag);
	}
	rc = ctx_finish(c, rc, doc);
	buf_free(&ids);
	return rc;
}

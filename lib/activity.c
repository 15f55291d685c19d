/* activity.c: queries and writes of activities. The caller's unit code is
 * $1::text of every statement that depends on the caller; reads filter
 * with bdg.activity_visible (migrations/006_plans_api.sql). The activity
 * row is written before its coordinating units, which are synchronised
 * (only differences written), so an unchanged list costs nothing and an
 * issued plan's activity can still take a new status and progress. */
#include "activity.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"
#include "query.h"

const char *const activity_categories[] = {"communication", "capacity_building", "targeted_direction",
	"victim_support", "model", "action_month", "committee", "inspection", "statistics",
	"commendation", "other", NULL};
const char *const activity_statuses[] = {"planned", "in_progress", "done", "cancelled", NULL};

const struct vfield activity_fields[] = {
	{"id", V_ID, VF_READONLY, 0, 0, NULL, NULL},
	{"plan", V_ID, VF_NULLABLE, 0, 0, NULL, NULL},
	{"section", V_STRING, VF_REQUIRED, 0, 40, NULL, NULL},
	{"category", V_ENUM, VF_NULLABLE, 0, 0, activity_categories, NULL},
	{"title", V_TEXT, VF_REQUIRED, 0, 1000, NULL, NULL},
	{"description", V_TEXT, VF_NULLABLE, 0, 20000, NULL, NULL},
	{"lead_unit", V_CODE, VF_NULLABLE, 0, 0, NULL, NULL},
	{"coordinating_units", V_CODES, VF_NULLABLE, 0, 0, NULL, NULL},
	{"starts_on", V_DATE, VF_NULLABLE, 0, 0, NULL, NULL},
	{"ends_on", V_DATE, VF_NULLABLE, 0, 0, NULL, NULL},
	{"budget_vnd", V_INT, VF_NULLABLE, 0, 999999999999999LL, NULL, NULL},
	{"status", V_ENUM, VF_NULLABLE, 0, 0, activity_statuses, NULL},
	{"progress", V_INT, VF_NULLABLE, 0, 100, NULL, NULL},
	{"version", V_INT, VF_READONLY, 0, 0, NULL, NULL},
	{"created_at", V_STRING, VF_READONLY, 0, 0, NULL, NULL},
	{"updated_at", V_STRING, VF_READONLY, 0, 0, NULL, NULL},
	{NULL, 0, 0, 0, 0, NULL, NULL},
};

static const struct db_stmt st_get = {
	"activity_get",
	"SELECT bdg.activity_doc(a)::text, a.version FROM bdg.activity a"
	" WHERE a.id = $2::bigint AND bdg.activity_visible(a, bdg.unit_path($1::text))",
	2,
};

/* $1 actor, $2 after id, $3 limit+1, $4 plan, $5 category, $6 lead_unit,
 * $7 unit, $8 status, $9 from, $10 to, $11 under. The page's keys come one
 * of two ways (LIST_KEYS in query.h): "near" is the caller's subtree and
 * the units above it; "cand" the activities of their plans and of the plans
 * addressed to them, and those they lead or coordinate (activity_plan_idx,
 * activity_lead_idx, activity_unit_unit_idx): a commune's list walked every
 * activity in the database, calling bdg.activity_visible on each. */
#define ACTIVITY_LIST_WHERE \
	"   bdg.activity_visible(a, actor.path)" \
	"   AND ($2::bigint IS NULL OR a.id > $2::bigint)" \
	"   AND ($4::bigint IS NULL OR a.plan_id = $4::bigint)" \
	"   AND ($5::text IS NULL OR a.category = $5::text)" \
	"   AND ($6::text IS NULL OR a.lead_unit_id = (SELECT id FROM bdg.unit WHERE code = $6::text))" \
	"   AND ($7::text IS NULL OR a.lead_unit_id = (SELECT id FROM bdg.unit WHERE code = $7::text)" \
	"     OR EXISTS (SELECT 1 FROM bdg.activity_unit au JOIN bdg.unit u ON u.id = au.unit_id" \
	"       WHERE au.activity_id = a.id AND u.code = $7::text))" \
	"   AND ($8::text IS NULL OR a.status = $8::text)" \
	"   AND ($9::date IS NULL OR coalesce(a.ends_on, a.starts_on) >= $9::date)" \
	"   AND ($10::date IS NULL OR coalesce(a.starts_on, a.ends_on) <= $10::date)" \
	"   AND ($11::text IS NULL OR bdg.plan_scope(a.plan_id) <@" \
	"     (SELECT s.path FROM bdg.unit s WHERE s.code = $11::text))" \
	"   ORDER BY a.id LIMIT $3::int"

static const struct db_stmt st_list = {
	"activity_list",
	"WITH actor AS MATERIALIZED (SELECT bdg.unit_path($1::text) AS path),"
	LIST_NEAR("n.path <@ actor.path OR actor.path <@ n.path")
	LIST_CAND("SELECT q.id FROM bdg.activity q WHERE q.plan_id = ANY (ARRAY("
		  "SELECT p.id FROM bdg.plan p WHERE p.unit_id = ANY (" LIST_NEAR_IDS ")"
		  " UNION ALL SELECT r.plan_id FROM bdg.plan_recipient r WHERE r.unit_id = ANY (" LIST_NEAR_IDS ")))"
		  " UNION ALL SELECT q.id FROM bdg.activity q WHERE q.lead_unit_id = ANY (" LIST_NEAR_IDS ")"
		  " UNION ALL SELECT au.activity_id FROM bdg.activity_unit au WHERE au.unit_id = ANY (" LIST_NEAR_IDS ")")
	LIST_KEYS("a", "FROM bdg.activity a, actor", ACTIVITY_LIST_WHERE)
	" page AS (SELECT keys.k, bdg.activity_doc(a) AS doc, row_number() OVER (ORDER BY keys.k) AS rn"
	"   FROM keys JOIN bdg.activity a ON a.id = keys.k)"
	" SELECT coalesce(jsonb_agg(doc ORDER BY rn) FILTER (WHERE rn < $3::int), '[]')::text,"
	"   (CASE WHEN count(*) = $3::int THEN max(k) FILTER (WHERE rn = $3::int - 1) END)::text"
	" FROM page",
	11,
};

/* $1 plan (visible: checked before), $2 after key "{2,3}/17", $3 limit+1 */
static const struct db_stmt st_list_plan = {
	"activity_list_plan",
	"WITH page AS (SELECT a.section_key::text || '/' || a.id AS k, bdg.activity_doc(a) AS doc,"
	"     row_number() OVER (ORDER BY a.section_key, a.id) AS rn"
	"   FROM bdg.activity a WHERE a.plan_id = $1::bigint"
	"   AND ($2::text IS NULL OR (a.section_key, a.id) >"
	"     (split_part($2::text, '/', 1)::int[], split_part($2::text, '/', 2)::bigint))"
	"   ORDER BY a.section_key, a.id LIMIT $3::int)"
	" SELECT coalesce(jsonb_agg(doc ORDER BY rn) FILTER (WHERE rn < $3::int), '[]')::text,"
	"   CASE WHEN count(*) = $3::int THEN min(k) FILTER (WHERE rn = $3::int - 1) END"
	" FROM page",
	3,
};

/* What the caller may do with an activity it can read. */
static const struct db_stmt st_access = {
	"activity_access",
	"SELECT a.version, a.plan_id, bdg.plan_writable(p, x.path),"
	"   EXISTS (SELECT 1 FROM bdg.unit u WHERE u.id = a.lead_unit_id AND u.path <@ x.path)"
	" FROM bdg.activity a JOIN bdg.plan p ON p.id = a.plan_id, (SELECT bdg.unit_path($1::text) AS path) x"
	" WHERE a.id = $2::bigint AND bdg.activity_visible(a, x.path)"
	" FOR UPDATE OF a",
	2,
};

/* Whether the body ($2..$10) keeps activity $1's content (everything but
 * status and progress). */
static const struct db_stmt st_same = {
	"activity_same",
	"SELECT a.section = $2::text AND a.category = coalesce($3::text, 'other') AND a.title = $4::text"
	"   AND a.description IS NOT DISTINCT FROM $5::text"
	"   AND a.lead_unit_id = coalesce((SELECT id FROM bdg.unit WHERE code = $6::text), p.unit_id)"
	"   AND a.starts_on IS NOT DISTINCT FROM $7::date AND a.ends_on IS NOT DISTINCT FROM $8::date"
	"   AND a.budget_vnd IS NOT DISTINCT FROM $9::bigint"
	"   AND ARRAY(SELECT u.code FROM bdg.activity_unit au JOIN bdg.unit u ON u.id = au.unit_id"
	"     WHERE au.activity_id = a.id ORDER BY u.code)"
	"     = ARRAY(SELECT c FROM jsonb_array_elements_text(coalesce($10::jsonb, '[]')) AS c ORDER BY c)"
	" FROM bdg.activity a JOIN bdg.plan p ON p.id = a.plan_id WHERE a.id = $1::bigint",
	10,
};

/* The units of an activity of plan $1: the lead ($2, NULL: the issuing
 * unit) and coordinating units ($3) exist and are valid at some time during
 * the activity ($4..$5, else the plan's year). Rows: (field, message). */
static const struct db_stmt st_check = {
	"activity_check",
	"WITH span AS (SELECT coalesce($4::date, $5::date, make_date(p.year, 1, 1)) AS f,"
	"     coalesce($5::date, $4::date, make_date(p.year, 12, 31)) AS t"
	"   FROM bdg.plan p WHERE p.id = $1::bigint)"
	" SELECT '/lead_unit', CASE WHEN u.id IS NULL THEN format('no unit %s', $2::text)"
	"     ELSE format('unit %s does not exist during the activity (%s to %s)', $2::text, span.f, span.t) END"
	"   FROM span LEFT JOIN bdg.unit u ON u.code = $2::text"
	"   WHERE $2::text IS NOT NULL AND (u.id IS NULL OR NOT bdg.unit_active(u, span.f, span.t))"
	" UNION ALL"
	" SELECT '/coordinating_units/' || (x.i - 1), CASE WHEN u.id IS NULL THEN format('no unit %s', x.c)"
	"     ELSE format('unit %s does not exist during the activity (%s to %s)', x.c, span.f, span.t) END"
	"   FROM span CROSS JOIN LATERAL jsonb_array_elements_text(coalesce($3::jsonb, '[]'))"
	"     WITH ORDINALITY AS x(c, i)"
	"   LEFT JOIN bdg.unit u ON u.code = x.c"
	"   WHERE u.id IS NULL OR NOT bdg.unit_active(u, span.f, span.t)",
	5,
};

#define ACTIVITY_COLUMNS \
	"section, category, title, description, lead_unit_id, starts_on, ends_on, budget_vnd, status, progress"
#define ACTIVITY_VALUES \
	"$2::text, coalesce($3::text, 'other'), $4::text, $5::text," \
	" (SELECT id FROM bdg.unit WHERE code = $6::text), $7::date, $8::date, $9::bigint," \
	" coalesce($10::text, 'planned'), $11::int"

/* $1 plan, $2 section, $3 category, $4 title, $5 description, $6 lead,
 * $7 starts_on, $8 ends_on, $9 budget, $10 status, $11 progress */
static const struct db_stmt st_insert = {
	"activity_insert",
	"INSERT INTO bdg.activity (plan_id, " ACTIVITY_COLUMNS ") VALUES ($1::bigint, " ACTIVITY_VALUES ")"
	" RETURNING id",
	11,
};

/* $1 activity, then as st_insert */
static const struct db_stmt st_update = {
	"activity_update",
	"UPDATE bdg.activity SET (" ACTIVITY_COLUMNS ") = (" ACTIVITY_VALUES ") WHERE id = $1::bigint",
	11,
};

/* Coordinating units become exactly $2 (codes). */
static const struct db_stmt st_units = {
	"activity_units",
	"WITH want AS (SELECT u.id FROM jsonb_array_elements_text(coalesce($2::jsonb, '[]')) AS c(code)"
	"   JOIN bdg.unit u ON u.code = c.code),"
	" gone AS (DELETE FROM bdg.activity_unit au WHERE au.activity_id = $1::bigint"
	"   AND au.unit_id NOT IN (SELECT id FROM want))"
	" INSERT INTO bdg.activity_unit (activity_id, unit_id)"
	" SELECT $1::bigint, w.id FROM want w WHERE NOT EXISTS (SELECT 1 FROM bdg.activity_unit au"
	"   WHERE au.activity_id = $1::bigint AND au.unit_id = w.id)",
	2,
};

static const struct db_stmt st_doc = {
	"activity_doc",
	"SELECT bdg.activity_doc(a)::text, a.version FROM bdg.activity a WHERE a.id = $1::bigint",
	1,
};

static const struct db_stmt st_delete = {
	"activity_delete",
	"DELETE FROM bdg.activity WHERE id = $1::bigint",
	1,
};

/* What valid_object cannot say: dates in order, no unit twice, the plan
 * (when given) is the one the activity belongs to. */
static int check_body(const json_t *body, const char *plan_id, struct bdg_err *err)
{
	const char *from = json_string_value(json_object_get(body, "starts_on"));
	const char *to = json_string_value(json_object_get(body, "ends_on"));
	const json_t *v = json_object_get(body, "coordinating_units");
	const json_t *plan = json_object_get(body, "plan");
	int before = err->nfields;
	char f[64], idtext[24];
	size_t i, j;

	if (from && to && strcmp(to, from) < 0)
		bdg_field(err, "/ends_on", "must not be before starts_on (%s)", from);
	for (i = 0; json_is_array(v) && i < json_array_size(v); i++)
		for (j = 0; j < i; j++)
			if (json_equal(json_array_get(v, i), json_array_get(v, j))) {
				snprintf(f, sizeof f, "/coordinating_units/%zu", i);
				bdg_field(err, f, "is listed twice");
				break;
			}
	if (json_is_integer(plan) && plan_id) {
		snprintf(idtext, sizeof idtext, "%lld", (long long)json_integer_value(plan));
		if (strcmp(idtext, plan_id) != 0)
			bdg_field(err, "/plan", "cannot be changed: the activity belongs to plan %s", plan_id);
	}
	return err->nfields > before ? -1 : 0;
}

/* The parameters of st_insert/st_update after the first. */
static void activity_args(struct sqlargs *a, const json_t *body)
{
	args_json(a, body, "section");
	args_json(a, body, "category");
	args_json(a, body, "title");
	args_json(a, body, "description");
	args_json(a, body, "lead_unit");
	args_json(a, body, "starts_on");
	args_json(a, body, "ends_on");
	args_json(a, body, "budget_vnd");
	args_json(a, body, "status");
	args_json(a, body, "progress");
}

/* The unit checks, the coordinating units and the document after the
 * activity row of `id` (plan `plan_id`) was written. */
static int check_units(struct bdg_ctx *c, const char *plan_id, const json_t *body)
{
	struct sqlargs a = {0};
	int rc;

	args_str(&a, plan_id);
	args_json(&a, body, "lead_unit");
	args_json(&a, body, "coordinating_units");
	args_json(&a, body, "starts_on");
	args_json(&a, body, "ends_on");
	rc = plan_problems(c, &st_check, a.v);
	args_free(&a);
	return rc;
}

static int write_units(struct bdg_ctx *c, const char *id, const json_t *body)
{
	struct sqlargs a = {0};
	int rc;

	args_str(&a, id);
	args_json(&a, body, "coordinating_units");
	rc = query_run(c, &st_units, a.v) < 0 ? -1 : 0;
	args_free(&a);
	return rc;
}

/* The key's section part is bdg.section_key's int[] (1 to 6 numbers, each
 * taken here to 9 digits so that it fits an int), then "/" and the id
 * (valid_digits: it fits a bigint). Anything else would fail in SQL. */
int activity_plan_key_valid(const char *key)
{
	const char *p = key;
	int digits, parts = 0;

	if (*p++ != '{')
		return 0;
	do {
		for (digits = 0; isdigit((unsigned char)*p); p++)
			digits++;
		if (digits < 1 || digits > 9 || ++parts > 6)
			return 0;
	} while (*p++ == ',');
	return p[-1] == '}' && *p++ == '/' && valid_digits(p);
}

int activity_get(struct bdg_ctx *c, const char *id, char **doc, long long *version)
{
	const char *p[] = {c->who.unit, id};

	return query_doc(c, &st_get, p, doc, version);
}

int activity_list(struct bdg_ctx *c, const struct activity_filter *f, const struct page *pg,
		  char **items, char *next, size_t nextlen)
{
	const char *p[] = {c->who.unit, pg->has_after ? pg->after : NULL, pg->limit_plus1,
		f->plan, f->category, f->lead_unit, f->unit, f->status, f->from, f->to, f->under};

	return query_list(c, &st_list, p, items, next, nextlen);
}

int activity_list_plan(struct bdg_ctx *c, const char *plan_id, const struct page *pg,
		       char **items, char *next, size_t nextlen)
{
	const char *p[] = {plan_id, pg->has_after ? pg->after : NULL, pg->limit_plus1};
	char *doc = NULL;

	*items = NULL;
	if (plan_get(c, plan_id, &doc, NULL) < 0)
		return -1;
	free(doc);
	return query_list(c, &st_list_plan, p, items, next, nextlen);
}

int activity_create(struct bdg_ctx *c, const char *plan_id, const json_t *body,
		    char **doc, long long *version, long long *id)
{
	struct sqlargs a = {0};
	struct plan_access acc;
	char idtext[24];
	const char *pd[] = {idtext};
	int bad, rc = -1;

	*doc = NULL;
	bad = valid_object(body, activity_fields, "", &c->err) < 0;
	if (!valid_sizes_ok(body, activity_fields) || check_body(body, plan_id, &c->err) < 0 || bad)
		return -1;
	if (ctx_begin(c) < 0)
		return -1;
	if (plan_access(c, plan_id, &acc) < 0)
		goto out;
	if (!acc.writable) {
		bdg_fail(&c->err, 403, "forbidden",
			 "This plan is issued by %s, outside your unit's subtree: you may not add activities to it.",
			 acc.unit);
		goto out;
	}
	if (check_units(c, plan_id, body) < 0)
		goto out;
	args_str(&a, plan_id);
	activity_args(&a, body);
	if ((*id = query_insert(c, &st_insert, a.v, idtext, sizeof idtext)) < 0 ||
	    write_units(c, idtext, body) < 0)
		goto out;
	rc = query_doc(c, &st_doc, pd, doc, version);
out:
	args_free(&a);
	return ctx_finish(c, rc, doc);
}

int activity_update(struct bdg_ctx *c, const char *id, const json_t *body,
		    long long if_version, char **doc, long long *version)
{
	const char *pa[] = {c->who.unit, id};
	const char *pd[] = {id};
	struct sqlargs a = {0};
	struct db_conn *conn;
	PGresult *r = NULL;
	char plan_id[24];
	long long cur_version;
	int bad, writable, lead, rc = -1;

	*doc = NULL;
	bad = valid_object(body, activity_fields, "", &c->err) < 0;
	if (!valid_sizes_ok(body, activity_fields) || check_body(body, NULL, &c->err) < 0 || bad)
		return -1;
	if (ctx_begin(c) < 0)
		return -1;
	if (!(conn = ctx_conn(c)) || !(r = db_exec(conn, &st_access, pa, &c->err)))
		goto out;
	if (PQntuples(r) < 1) {
		bdg_fail(&c->err, 404, "not_found", "No such resource, or it is out of your reach.");
		goto out;
	}
	cur_version = atoll(PQgetvalue(r, 0, 0));
	snprintf(plan_id, sizeof plan_id, "%s", PQgetvalue(r, 0, 1));
	writable = PQgetvalue(r, 0, 2)[0] == 't';
	lead = PQgetvalue(r, 0, 3)[0] == 't';
	PQclear(r);
	r = NULL;
	if (check_body(body, plan_id, &c->err) < 0)
		goto out;
	if (!writable && !lead) {
		bdg_fail(&c->err, 403, "forbidden",
			 "This activity belongs to a plan issued outside your unit's subtree, and your unit does not lead it.");
		goto out;
	}
	args_str(&a, id);
	activity_args(&a, body);
	if (!writable) {
		/* The lead unit's editors: status and progress only. st_same takes
		 * $1..$9 as st_update and the coordinating units as $10. */
		const char *ps[10];
		memcpy(ps, a.v, 9 * sizeof *ps);
		ps[9] = args_json(&a, body, "coordinating_units");
		if (!(r = db_exec(conn, &st_same, ps, &c->err)))
			goto out;
		if (PQntuples(r) != 1 || PQgetvalue(r, 0, 0)[0] != 't') {
			bdg_fail(&c->err, 403, "forbidden",
				 "Your unit leads this activity of a plan issued outside your subtree: "
				 "you may change its status and progress only.");
			goto out;
		}
	}
	if (if_version > 0 && cur_version != if_version) {
		bdg_fail(&c->err, 412, "precondition_failed",
			 "The resource has changed since you read it (version %lld); read it again.", cur_version);
		goto out;
	}
	if (check_units(c, plan_id, body) < 0 || query_run(c, &st_update, a.v) < 0 ||
	    write_units(c, id, body) < 0)
		goto out;
	rc = query_doc(c, &st_doc, pd, doc, version);
out:
	PQclear(r);
	args_free(&a);
	return ctx_finish(c, rc, doc);
}

int activity_delete(struct bdg_ctx *c, const char *id, long long if_version)
{
	const char *pa[] = {c->who.unit, id};
	const char *pd[] = {id};
	struct db_conn *conn;
	PGresult *r = NULL;
	int rc = -1;

	if (ctx_begin(c) < 0)
		return -1;
	if (!(conn = ctx_conn(c)) || !(r = db_exec(conn, &st_access, pa, &c->err)))
		goto out;
	if (PQntuples(r) < 1) {
		bdg_fail(&c->err, 404, "not_found", "No such resource, or it is out of your reach.");
		goto out;
	}
	if (PQgetvalue(r, 0, 2)[0] != 't') {
		bdg_fail(&c->err, 403, "forbidden",
			 "This activity belongs to a plan issued outside your unit's subtree: you may not delete it.");
		goto out;
	}
	if (if_version > 0 && atoll(PQgetvalue(r, 0, 0)) != if_version) {
		bdg_fail(&c->err, 412, "precondition_failed",
			 "The resource has changed since you read it (version %s); read it again.", PQgetvalue(r, 0, 0));
		goto out;
	}
	if (query_run(c, &st_delete, pd) >= 0)
		rc = 0;
out:
	PQclear(r);
	return ctx_finish(c, rc, NULL);
}

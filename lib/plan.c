/* plan.c: queries and writes of plans, their lifecycle, the cascade tree
 * and the printable document. The caller's unit code is $1::text of every
 * statement that depends on the caller; what it may read is
 * bdg.plan_visible (migrations/006_plans_api.sql), what it may write
 * bdg.plan_writable; lifecycle and frozen content are the database's
 * (migrations/003_plans.sql). A plan row and its recipients and reporting
 * entries are written by one statement, the row first; the parts are
 * synchronised (only the differences are written), so that an unchanged
 * list costs no version and no revision. */
#include "plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "document.h"
#include "query.h"

static int check_body(const json_t *body, struct bdg_err *err);
static int load_doc(struct bdg_ctx *c, const char *id, char **doc, long long *version);
static int may_act(struct bdg_ctx *c, const struct plan_access *a, long long if_version, const char *what);
static void render(struct buf *b, const json_t *p);

const char *const plan_types[] = {"plan", "guidance", NULL};
const char *const plan_statuses[] = {"draft", "issued", "superseded", "cancelled", NULL};

static const struct vfield reporting_fields[] = {
	{"period", V_PERIOD, VF_REQUIRED, 0, 0, NULL, NULL},
	{"due_on", V_DATE, VF_REQUIRED, 0, 0, NULL, NULL},
	{"data_from", V_DATE, VF_NULLABLE, 0, 0, NULL, NULL},
	{"data_to", V_DATE, VF_NULLABLE, 0, 0, NULL, NULL},
	{NULL, 0, 0, 0, 0, NULL, NULL},
};

const struct vfield plan_fields[] = {
	{"id", V_ID, VF_READONLY, 0, 0, NULL, NULL},
	{"unit", V_CODE, VF_REQUIRED, 0, 0, NULL, NULL},
	{"number", V_STRING, VF_NULLABLE, 0, 64, NULL, NULL},
	{"year", V_INT, VF_REQUIRED, 2000, 2100, NULL, NULL},
	{"type", V_ENUM, VF_NULLABLE, 0, 0, plan_types, NULL},
	{"issued_on", V_DATE, VF_NULLABLE, 0, 0, NULL, NULL},
	{"place", V_STRING, VF_NULLABLE, 0, 200, NULL, NULL},
	{"title", V_TEXT, VF_REQUIRED, 0, 1000, NULL, NULL},
	{"parent_plan", V_ID, VF_NULLABLE, 0, 0, NULL, NULL},
	{"legal_bases", V_STRINGS, VF_NULLABLE, 0, 2000, NULL, NULL},
	{"objectives", V_STRINGS, VF_NULLABLE, 0, 5000, NULL, NULL},
	{"funding", V_TEXT, VF_NULLABLE, 0, 4000, NULL, NULL},
	{"plans_due_on", V_DATE, VF_NULLABLE, 0, 0, NULL, NULL},
	{"signer", V_STRING, VF_NULLABLE, 0, 200, NULL, NULL},
	{"signer_title", V_STRING, VF_NULLABLE, 0, 200, NULL, NULL},
	{"recipients", V_CODES, VF_NULLABLE, 0, 0, NULL, NULL},
	{"reporting", V_OBJECTS, VF_NULLABLE, 0, 0, NULL, reporting_fields},
	{"status", V_ENUM, VF_READONLY, 0, 0, plan_statuses, NULL},
	{"issued_at", V_STRING, VF_READONLY, 0, 0, NULL, NULL},
	{"superseded_by", V_ID, VF_READONLY, 0, 0, NULL, NULL},
	{"cancelled_reason", V_TEXT, VF_READONLY, 0, 0, NULL, NULL},
	{"cancelled_at", V_STRING, VF_READONLY, 0, 0, NULL, NULL},
	{"activity_count", V_INT, VF_READONLY, 0, 0, NULL, NULL},
	{"version", V_INT, VF_READONLY, 0, 0, NULL, NULL},
	{"created_at", V_STRING, VF_READONLY, 0, 0, NULL, NULL},
	{"updated_at", V_STRING, VF_READONLY, 0, 0, NULL, NULL},
	{NULL, 0, 0, 0, 0, NULL, NULL},
};

const struct vfield plan_issue_fields[] = {
	{"issued_on", V_DATE, VF_NULLABLE, 0, 0, NULL, NULL},
	{NULL, 0, 0, 0, 0, NULL, NULL},
};

const struct vfield plan_cancel_fields[] = {
	{"reason", V_TEXT, VF_REQUIRED, 0, 1000, NULL, NULL},
	{NULL, 0, 0, 0, 0, NULL, NULL},
};

const struct vfield plan_supersede_fields[] = {
	{"by", V_ID, VF_REQUIRED, 0, 0, NULL, NULL},
	{NULL, 0, 0, 0, 0, NULL, NULL},
};

/* Statements ------------------------------------------------------------ */

static const struct db_stmt st_get = {
	"plan_get",
	"SELECT bdg.plan_doc(p)::text, p.version FROM bdg.plan p"
	" WHERE p.id = $2::bigint AND bdg.plan_visible(p, bdg.unit_path($1::text))",
	2,
};

/* The list statements: $1 actor, $2 after id, $3 limit+1, $4 unit,
 * $5 under, $6 year, $7 status, $8 type, $9 parent_plan, $10 q. The keys
 * of the page first (ids are >= 1, so "id > coalesce(after, 0)" is an
 * index bound, not a filter); then each document from its stored halves
 * (bdg.plan_cache, 015_read_speed.sql) around the plan's activity count,
 * or rendered when the row is missing: the same bytes as plan_get's,
 * without rendering 100 documents. */
/* A plan's document from its stored halves (c: its bdg.plan_cache row)
 * around its activity count, or rendered when the row is missing. */
#define PLAN_STORED_DOC(id) \
	"coalesce(c.head || (SELECT count(*) FROM bdg.activity a WHERE a.plan_id = " id ") || c.tail," \
	" (SELECT bdg.plan_doc(p)::text FROM bdg.plan p WHERE p.id = " id "))"

/* Who reads a plan (bdg.plan_visible, inlined): its unit is in the
 * actor's subtree or above it, or it is addressed to the actor's unit or
 * one above it. */
#define PLAN_VISIBLE \
	"(u.path <@ actor.path OR actor.path <@ u.path OR EXISTS (SELECT 1 FROM bdg.plan_recipient r" \
	"     JOIN bdg.unit ru ON ru.id = r.unit_id WHERE r.plan_id = p.id AND actor.path <@ ru.path))"

/* The cursor and the list's filters, then the page's order and size. */
#define PLAN_FILTERS \
	"   AND p.id > coalesce($2::bigint, 0)" \
	"   AND ($5::text IS NULL OR u.path <@ (SELECT s.path FROM bdg.unit s WHERE s.code = $5::text))" \
	"   AND ($6::int IS NULL OR p.year = $6::int)" \
	"   AND ($7::text IS NULL OR p.status = $7::text)" \
	"   AND ($8::text IS NULL OR p.type = $8::text)" \
	"   AND ($9::bigint IS NULL OR p.parent_plan_id = $9::bigint)" \
	"   AND ($10::text IS NULL OR bdg.matches(p.search, $10::text))" \
	"   ORDER BY p.id LIMIT $3::int"

#define PLAN_LIST_PAGE \
	" page AS (SELECT k, row_number() OVER (ORDER BY k) AS rn FROM keys)" \
	" SELECT coalesce('[' || string_agg(" PLAN_STORED_DOC("page.k") ", ', ' ORDER BY rn)" \
	"     FILTER (WHERE rn < $3::int) || ']', '[]')," \
	"   (CASE WHEN count(*) = $3::int THEN max(k) FILTER (WHERE rn = $3::int - 1) END)::text" \
	" FROM page LEFT JOIN bdg.plan_cache c ON c.plan_id = page.k"

/* Each plan's unit read per plan (OFFSET 0 keeps the sub-select as it
 * is): the plans drive, in id order from an index, and the page stops at
 * its end. Joined, the generic plan of the walk below scanned the units
 * first and sorted all 21,000 plans of a unit (50 ms instead of 2). */
#define PLAN_FROM \
	" FROM bdg.plan p CROSS JOIN LATERAL (SELECT s.path, s.code FROM bdg.unit s" \
	"   WHERE s.id = p.unit_id OFFSET 0) u, actor"

/* Without a unit, the page's keys come one of two ways (LIST_KEYS in
 * query.h): "near" is the caller's subtree and the units above it, whose
 * plans it reads by their place; "cand" their plans and the plans
 * addressed to them (plan_unit_id_idx, plan_recipient_unit_idx). A
 * commune clerk's page of 3 plans walked all 18,600 plans of the database
 * (180,000 buffers, 60-100 ms); now 1-2 ms. The visibility test stays in
 * both ways (the candidates are a superset: plans addressed to units below
 * the caller). The sets are arrays, whose length the planner does not
 * guess: it probes the indexes (with `IN (SELECT …)` it guessed 200 units
 * and 11,000 plans, and scanned the plan table). */
static const struct db_stmt st_list = {
	"plan_list",
	"WITH actor AS MATERIALIZED (SELECT bdg.unit_path($1::text) AS path),"
	LIST_NEAR("n.path <@ actor.path OR actor.path <@ n.path")
	LIST_CAND("SELECT q.id FROM bdg.plan q WHERE q.unit_id = ANY (" LIST_NEAR_IDS ")"
		  " UNION ALL SELECT r.plan_id FROM bdg.plan_recipient r WHERE r.unit_id = ANY (" LIST_NEAR_IDS ")")
	LIST_KEYS("p", PLAN_FROM, PLAN_VISIBLE " AND ($4::text IS NULL OR u.code = $4::text)" PLAN_FILTERS)
	PLAN_LIST_PAGE,
	10,
};

/* With a unit: its plans in id order (plan_unit_id_idx), stopping at the
 * page's end instead of sorting all of them; the unit is read once, not
 * once per plan. */
static const struct db_stmt st_list_unit = {
	"plan_list_unit",
	"WITH actor AS MATERIALIZED (SELECT bdg.unit_path($1::text) AS path),"
	" u AS MATERIALIZED (SELECT s.id, s.path, s.code FROM bdg.unit s WHERE s.code = $4::text),"
	" keys AS (SELECT p.id AS k FROM bdg.plan p, u, actor WHERE " PLAN_VISIBLE
	"   AND p.unit_id = (SELECT id FROM u)" PLAN_FILTERS "),"
	PLAN_LIST_PAGE,
	10,
};

static const struct db_stmt st_access = {
	"plan_access",
	"SELECT p.version, bdg.plan_writable(p, a.path), u.code = $1::text, p.status, u.code"
	" FROM bdg.plan p JOIN bdg.unit u ON u.id = p.unit_id, (SELECT bdg.unit_path($1::text) AS path) a"
	" WHERE p.id = $2::bigint AND bdg.plan_visible(p, a.path)"
	" FOR UPDATE OF p",
	2,
};

static const struct db_stmt st_doc = {
	"plan_doc",
	"SELECT bdg.plan_doc(p)::text, p.version FROM bdg.plan p WHERE p.id = $1::bigint",
	1,
};

/* Before a create or an update: $1 actor, $2 issuing unit (create only),
 * $3 parent_plan, $4 recipients (JSON array). Rows: (field, message). */
static const struct db_stmt st_check = {
	"plan_check",
	"WITH actor AS (SELECT bdg.unit_path($1::text) AS path)"
	" SELECT '/unit', 'no such unit within your reach' FROM actor"
	"   WHERE $2::text IS NOT NULL AND NOT EXISTS (SELECT 1 FROM bdg.unit u"
	"     WHERE u.code = $2::text AND u.path <@ actor.path)"
	" UNION ALL"
	" SELECT '/parent_plan', 'no such plan within your reach' FROM actor"
	"   WHERE $3::bigint IS NOT NULL AND NOT bdg.plan_visible($3::bigint, actor.path)"
	" UNION ALL"
	" SELECT '/recipients/' || (x.i - 1), format('no unit %s', x.c)"
	"   FROM jsonb_array_elements_text(coalesce($4::jsonb, '[]')) WITH ORDINALITY AS x(c, i)"
	"   WHERE NOT EXISTS (SELECT 1 FROM bdg.unit u WHERE u.code = x.c)",
	4,
};

#define PLAN_COLUMNS \
	"number, year, type, issued_on, place, title, parent_plan_id, legal_bases, objectives," \
	" funding, plans_due_on, signer, signer_title"
#define TEXT_ARRAY(n) \
	"ARRAY(SELECT t.x FROM jsonb_array_elements_text(coalesce($" n "::jsonb, '[]'))" \
	" WITH ORDINALITY AS t(x, i) ORDER BY t.i)"

/* A plan row and its parts are written by ONE statement: the plan row in
 * the CTE "p", then its recipients and reporting entries, which read the
 * plan's id from "k", and k reads p: so the plan row is written (its AFTER
 * row trigger queued) before any part, also when the UPDATE of an
 * unchanged row writes nothing (bdg.touch) and p returns no row. At the
 * end of the statement the plan's triggers render its document once, with
 * its parts, into the audit row and the cache; the parts' triggers find
 * both unchanged (016). Three statements rendered and rewrote both three
 * times. The parts become exactly $15 (recipient codes) and $16 (reporting
 * entries): only the differences are written, so an unchanged list costs
 * no version and no revision; missing windows default to
 * bdg.default_window (the trigger fills them), so they compare so. */
#define PLAN_VALUES \
	"$2::text, $3::int, coalesce($4::text, 'plan'), $5::date, $6::text, $7::text, $8::bigint, " \
	TEXT_ARRAY("9") ", " TEXT_ARRAY("10") ", $11::text, $12::date, $13::text, $14::text"
#define WANT_RECIPIENTS \
	" want_r AS (SELECT u.id FROM jsonb_array_elements_text(coalesce($15::jsonb, '[]')) AS c(code)" \
	"   JOIN bdg.unit u ON u.code = c.code),"
#define WANT_REPORTING \
	" want_g AS (SELECT x.period, x.due_on," \
	"     coalesce(x.data_from, (bdg.default_window(x.period)).data_from) AS data_from," \
	"     coalesce(x.data_to, (bdg.default_window(x.period)).data_to) AS data_to" \
	"   FROM jsonb_to_recordset(coalesce($16::jsonb, '[]'))" \
	"     AS x(period text, due_on date, data_from date, data_to date)),"
/* The parts not there yet. The plan's id is a sub-select, so that the
 * existing parts are read through the primary keys (plan_id, ...): with
 * k.id, which the planner cannot know, it read every recipient row of the
 * recipient unit and every reporting entry of every plan (a hash anti join
 * over a sequential scan), and a POST grew slower with each plan in the
 * database (4.3 -> 2.1 ms for the statement with 17,000 entries). */
#define ADD_PARTS \
	" new_r AS (INSERT INTO bdg.plan_recipient (plan_id, unit_id)" \
	"   SELECT k.id, w.id FROM k, want_r w WHERE NOT EXISTS (SELECT 1 FROM bdg.plan_recipient r" \
	"     WHERE r.plan_id = (SELECT id FROM k) AND r.unit_id = w.id))," \
	" new_g AS (INSERT INTO bdg.plan_reporting (plan_id, period, due_on, data_from, data_to)" \
	"   SELECT k.id, w.period, w.due_on, w.data_from, w.data_to FROM k, want_g w" \
	"   WHERE NOT EXISTS (SELECT 1 FROM bdg.plan_reporting r" \
	"     WHERE r.plan_id = (SELECT id FROM k) AND r.period = w.period))" \
	" SELECT id FROM k"

/* $1 unit, $2 number, $3 year, $4 type, $5 issued_on, $6 place, $7 title,
 * $8 parent_plan, $9 legal_bases, $10 objectives, $11 funding,
 * $12 plans_due_on, $13 signer, $14 signer_title, $15 recipients,
 * $16 reporting */
static const struct db_stmt st_insert = {
	"plan_insert",
	"WITH p AS (INSERT INTO bdg.plan (unit_id, " PLAN_COLUMNS ")"
	"   VALUES ((SELECT id FROM bdg.unit WHERE code = $1::text), " PLAN_VALUES ")"
	"   RETURNING id),"
	" k AS (SELECT id FROM p),"
	WANT_RECIPIENTS
	WANT_REPORTING
	ADD_PARTS,
	16,
};

/* The plan just written, as plan_get renders it: from the halves its
 * write stored (018: plan_after renders the document once, for the audit
 * row and the cache), around its activity count; rendered when the row is
 * missing or could not be split. */
static const struct db_stmt st_written = {
	"plan_written",
	"SELECT " PLAN_STORED_DOC("$1::bigint") ", p.version"
	" FROM bdg.plan p LEFT JOIN bdg.plan_cache c ON c.plan_id = p.id WHERE p.id = $1::bigint",
	1,
};

/* $1 id, then $2.. as st_insert */
static const struct db_stmt st_update = {
	"plan_update",
	"WITH p AS (UPDATE bdg.plan SET (" PLAN_COLUMNS ") = (" PLAN_VALUES ")"
	"   WHERE id = $1::bigint RETURNING id),"
	" k AS (SELECT $1::bigint AS id FROM (SELECT count(*) FROM p) AS row_written),"
	WANT_RECIPIENTS
	WANT_REPORTING
	" gone_r AS (DELETE FROM bdg.plan_recipient r USING k WHERE r.plan_id = k.id"
	"   AND r.unit_id NOT IN (SELECT id FROM want_r)),"
	" gone_g AS (DELETE FROM bdg.plan_reporting r USING k WHERE r.plan_id = k.id"
	"   AND r.period NOT IN (SELECT period FROM want_g)),"
	" changed_g AS (UPDATE bdg.plan_reporting r"
	"   SET due_on = w.due_on, data_from = w.data_from, data_to = w.data_to"
	"   FROM k, want_g w WHERE r.plan_id = k.id AND r.period = w.period"
	"   AND (r.due_on, r.data_from, r.data_to) IS DISTINCT FROM (w.due_on, w.data_from, w.data_to)),"
	ADD_PARTS,
	16,
};

static const struct db_stmt st_delete = {
	"plan_delete",
	"DELETE FROM bdg.plan WHERE id = $1::bigint",
	1,
};

/* $1 id, $2 date of issue or NULL (the plan's own, else today in Vietnam) */
static const struct db_stmt st_issue_check = {
	"plan_issue_check",
	"SELECT field, message FROM bdg.plan_issue_problems($1::bigint,"
	"   coalesce($2::date, (SELECT issued_on FROM bdg.plan WHERE id = $1::bigint), bdg.local_today()))",
	2,
};

static const struct db_stmt st_issue = {
	"plan_issue",
	"UPDATE bdg.plan SET status = 'issued', issued_on = coalesce($2::date, issued_on, bdg.local_today())"
	" WHERE id = $1::bigint",
	2,
};

static const struct db_stmt st_cancel = {
	"plan_cancel",
	"UPDATE bdg.plan SET status = 'cancelled', cancelled_reason = $2::text WHERE id = $1::bigint",
	2,
};

/* $1 actor, $2 the plan, $3 the plan superseding it */
static const struct db_stmt st_supersede_check = {
	"plan_supersede_check",
	"WITH actor AS (SELECT bdg.unit_path($1::text) AS path)"
	" SELECT '/by', 'a plan cannot supersede itself' WHERE $3::bigint = $2::bigint"
	" UNION ALL"
	" SELECT '/by', 'no such plan within your reach' FROM actor"
	"   WHERE $3::bigint <> $2::bigint AND NOT bdg.plan_visible($3::bigint, actor.path)"
	" UNION ALL"
	" SELECT '/by', format('plan %s is %s: only an issued plan supersedes another', bdg.plan_label(b), b.status)"
	"   FROM bdg.plan b, actor WHERE b.id = $3::bigint AND b.id <> $2::bigint"
	"   AND bdg.plan_visible(b, actor.path) AND b.status <> 'issued'",
	3,
};

static const struct db_stmt st_supersede = {
	"plan_supersede",
	"UPDATE bdg.plan SET status = 'superseded', superseded_by_id = $2::bigint WHERE id = $1::bigint",
	2,
};

static const struct db_stmt st_tree = {
	"plan_tree",
	"SELECT bdg.plan_tree(p.id, a.path)::text, p.version"
	" FROM bdg.plan p, (SELECT bdg.unit_path($1::text) AS path) a"
	" WHERE p.id = $2::bigint AND bdg.plan_visible(p, a.path)",
	2,
};

/* The plan with what its document prints: unit names, and the activities
 * in document order with their units' names. */
static const struct db_stmt st_document = {
	"plan_document",
	"SELECT (bdg.plan_doc(p) || jsonb_build_object("
	"   'issuer_name', u.name, 'parent_issuer_name', pu.name,"
	"   'recipient_names', coalesce((SELECT jsonb_agg(ru.name ORDER BY ru.code)"
	"     FROM bdg.plan_recipient r JOIN bdg.unit ru ON ru.id = r.unit_id WHERE r.plan_id = p.id), '[]'),"
	"   'activity_list', coalesce((SELECT jsonb_agg(bdg.activity_doc(a) || jsonb_build_object("
	"       'roman', bdg.roman_value(split_part(a.section, '.', 1)),"
	"       'lead_unit_name', lu.name,"
	"       'coordinating_names', coalesce((SELECT jsonb_agg(cu.name ORDER BY cu.code)"
	"         FROM bdg.activity_unit au JOIN bdg.unit cu ON cu.id = au.unit_id"
	"         WHERE au.activity_id = a.id), '[]'))"
	"     ORDER BY a.section_key, a.id)"
	"     FROM bdg.activity a JOIN bdg.unit lu ON lu.id = a.lead_unit_id WHERE a.plan_id = p.id), '[]')"
	" ))::text, p.version"
	" FROM bdg.plan p JOIN bdg.unit u ON u.id = p.unit_id LEFT JOIN bdg.unit pu ON pu.id = u.parent_id"
	" WHERE p.id = $2::bigint AND bdg.plan_visible(p, bdg.unit_path($1::text))",
	2,
};

/* Shared steps ------------------------------------------------------------ */

int plan_access(struct bdg_ctx *c, const char *id, struct plan_access *a)
{
	const char *p[] = {c->who.unit, id};
	struct db_conn *conn = ctx_conn(c);
	PGresult *r;

	memset(a, 0, sizeof *a);
	if (!conn || !(r = db_exec(conn, &st_access, p, &c->err)))
		return -1;
	if (PQntuples(r) < 1) {
		PQclear(r);
		return bdg_fail(&c->err, 404, "not_found", "No such resource, or it is out of your reach.");
	}
	a->version = atoll(PQgetvalue(r, 0, 0));
	a->writable = PQgetvalue(r, 0, 1)[0] == 't';
	a->own = PQgetvalue(r, 0, 2)[0] == 't';
	snprintf(a->status, sizeof a->status, "%s", PQgetvalue(r, 0, 3));
	snprintf(a->unit, sizeof a->unit, "%s", PQgetvalue(r, 0, 4));
	PQclear(r);
	return 0;
}

int plan_problems(struct bdg_ctx *c, const struct db_stmt *st, const char *const *params)
{
	struct db_conn *conn = ctx_conn(c);
	PGresult *r;
	int i, n;

	if (!conn || !(r = db_exec(conn, st, params, &c->err)))
		return -1;
	n = PQntuples(r);
	for (i = 0; i < n; i++)
		bdg_field(&c->err, PQgetvalue(r, i, 0), "%s", PQgetvalue(r, i, 1));
	PQclear(r);
	if (n == 0)
		return 0;
	if (n == 1)
		bdg_fail(&c->err, 422, "validation", "%s: %s", c->err.fields[0].field, c->err.fields[0].message);
	else
		bdg_fail(&c->err, 422, "validation", "The request has %d problems; see errors.", n);
	return -1;
}

/* What valid_object cannot say: empty optional strings, list lengths,
 * duplicates, the order of a reporting entry's dates. */
static int check_body(const json_t *body, struct bdg_err *err)
{
	static const char *const nonempty[] = {"number", "place", "signer", "signer_title", NULL};
	static const char *const lists[] = {"legal_bases", "objectives", NULL};
	const json_t *v, *e;
	char f[96];
	size_t i, j;
	int k, before = err->nfields;

	for (k = 0; nonempty[k]; k++) {
		v = json_object_get(body, nonempty[k]);
		snprintf(f, sizeof f, "/%s", nonempty[k]);
		if (json_is_string(v) && !json_string_length(v))
			bdg_field(err, f, "must not be empty (leave it out or send null)");
	}
	for (k = 0; lists[k]; k++) {
		v = json_object_get(body, lists[k]);
		snprintf(f, sizeof f, "/%s", lists[k]);
		if (json_is_array(v) && json_array_size(v) > 100)
			bdg_field(err, f, "must have at most 100 items");
	}
	v = json_object_get(body, "recipients");
	for (i = 0; json_is_array(v) && i < json_array_size(v); i++)
		for (j = 0; j < i; j++)
			if (json_equal(json_array_get(v, i), json_array_get(v, j))) {
				snprintf(f, sizeof f, "/recipients/%zu", i);
				bdg_field(err, f, "is listed twice");
				break;
			}
	v = json_object_get(body, "reporting");
	for (i = 0; json_is_array(v) && i < json_array_size(v); i++) {
		const char *from, *to, *due;
		e = json_array_get(v, i);
		for (j = 0; j < i; j++)
			if (json_equal(json_object_get(e, "period"), json_object_get(json_array_get(v, j), "period"))) {
				snprintf(f, sizeof f, "/reporting/%zu/period", i);
				bdg_field(err, f, "this period is listed twice");
				break;
			}
		from = json_string_value(json_object_get(e, "data_from"));
		to = json_string_value(json_object_get(e, "data_to"));
		due = json_string_value(json_object_get(e, "due_on"));
		snprintf(f, sizeof f, "/reporting/%zu/data_to", i);
		if (from && to && strcmp(to, from) < 0)
			bdg_field(err, f, "must not be before data_from");
		snprintf(f, sizeof f, "/reporting/%zu/due_on", i);
		if (from && due && strcmp(due, from) <= 0)
			bdg_field(err, f, "must be after data_from");
	}
	return err->nfields > before ? -1 : 0;
}

/* The plan's document and version after a write. */
static int load_doc(struct bdg_ctx *c, const char *id, char **doc, long long *version)
{
	const char *p[] = {id};

	return query_doc(c, &st_doc, p, doc, version);
}

/* Lifecycle actions: the issuing unit's own approvers, at the version read. */
static int may_act(struct bdg_ctx *c, const struct plan_access *a, long long if_version, const char *what)
{
	if (!a->own)
		return bdg_fail(&c->err, 403, "forbidden",
				"Only an approver of %s, the unit that issues this plan, may %s it.", a->unit, what);
	if (if_version > 0 && a->version != if_version)
		return bdg_fail(&c->err, 412, "precondition_failed",
				"The resource has changed since you read it (version %lld); read it again.",
				a->version);
	return 0;
}

/* The SQL parameters of st_insert/st_update after the first ($2..$16). */
static void plan_args(struct sqlargs *a, const json_t *body)
{
	args_json(a, body, "number");
	args_json(a, body, "year");
	args_json(a, body, "type");
	args_json(a, body, "issued_on");
	args_json(a, body, "place");
	args_json(a, body, "title");
	args_json(a, body, "parent_plan");
	args_json(a, body, "legal_bases");
	args_json(a, body, "objectives");
	args_json(a, body, "funding");
	args_json(a, body, "plans_due_on");
	args_json(a, body, "signer");
	args_json(a, body, "signer_title");
	args_json(a, body, "recipients");
	args_json(a, body, "reporting");
}

/* Reads ------------------------------------------------------------------- */

int plan_get(struct bdg_ctx *c, const char *id, char **doc, long long *version)
{
	const char *p[] = {c->who.unit, id};

	return query_doc(c, &st_get, p, doc, version);
}

int plan_list(struct bdg_ctx *c, const struct plan_filter *f, const struct page *pg,
	      char **items, char *next, size_t nextlen)
{
	const char *p[] = {c->who.unit, pg->has_after ? pg->after : NULL, pg->limit_plus1,
		f->unit, f->under, f->year, f->status, f->type, f->parent_plan, f->q};

	return query_list(c, f->unit ? &st_list_unit : &st_list, p, items, next, nextlen);
}

int plan_tree(struct bdg_ctx *c, const char *id, char **doc)
{
	const char *p[] = {c->who.unit, id};

	return query_doc(c, &st_tree, p, doc, NULL);
}

/* Writes ------------------------------------------------------------------ */

static int load_written(struct bdg_ctx *c, const char *id, char **doc, long long *version)
{
	const char *p[] = {id};

	return query_doc(c, &st_written, p, doc, version);
}

int plan_create(struct bdg_ctx *c, const json_t *body, char **doc, long long *version, long long *id)
{
	struct sqlargs a = {0};
	char idtext[24];
	int bad, rc = -1;

	*doc = NULL;
	bad = valid_object(body, plan_fields, "", &c->err) < 0;
	if (!valid_sizes_ok(body, plan_fields) || check_body(body, &c->err) < 0 || bad)
		return -1;
	if (ctx_begin(c) < 0)
		return -1;
	args_str(&a, c->who.unit);
	args_json(&a, body, "unit");
	args_json(&a, body, "parent_plan");
	args_json(&a, body, "recipients");
	if (plan_problems(c, &st_check, a.v) < 0)
		goto out;
	args_free(&a);
	args_json(&a, body, "unit");
	plan_args(&a, body);
	if ((*id = query_insert(c, &st_insert, a.v, idtext, sizeof idtext)) >= 0)
		rc = load_written(c, idtext, doc, version);
out:
	args_free(&a);
	return ctx_finish(c, rc, doc);
}

/* Inside a write: the plan is readable, the caller may edit it (verb:
 * "change", "delete") and it is at if_version when one is given. */
static int editable(struct bdg_ctx *c, const char *id, long long if_version, const char *verb,
		    struct plan_access *acc)
{
	if (plan_access(c, id, acc) < 0)
		return -1;
	if (!acc->writable)
		return bdg_fail(&c->err, 403, "forbidden",
				"This plan is issued by %s, outside your unit's subtree: you may read it, not %s it.",
				acc->unit, verb);
	if (if_version > 0 && acc->version != if_version)
		return bdg_fail(&c->err, 412, "precondition_failed",
				"The resource has changed since you read it (version %lld); read it again.",
				acc->version);
	return 0;
}

int plan_update(struct bdg_ctx *c, const char *id, const json_t *body,
		long long if_version, char **doc, long long *version)
{
	struct sqlargs a = {0};
	struct plan_access acc;
	const char *unit;
	int bad, rc = -1;

	*doc = NULL;
	bad = valid_object(body, plan_fields, "", &c->err) < 0;
	if (!valid_sizes_ok(body, plan_fields) || check_body(body, &c->err) < 0 || bad)
		return -1;
	if (ctx_begin(c) < 0)
		return -1;
	if (editable(c, id, if_version, "change", &acc) < 0)
		goto out;
	unit = json_string_value(json_object_get(body, "unit"));
	if (unit && strcmp(unit, acc.unit) != 0) {
		bdg_field(&c->err, "/unit", "cannot be changed: a plan stays with the unit that issues it (%s)", acc.unit);
		goto out;
	}
	args_str(&a, c->who.unit);
	args_str(&a, NULL);
	args_json(&a, body, "parent_plan");
	args_json(&a, body, "recipients");
	if (plan_problems(c, &st_check, a.v) < 0)
		goto out;
	args_free(&a);
	args_str(&a, id);
	plan_args(&a, body);
	if (query_run(c, &st_update, a.v) < 0)
		goto out;
	rc = load_written(c, id, doc, version);
out:
	args_free(&a);
	return ctx_finish(c, rc, doc);
}

int plan_delete(struct bdg_ctx *c, const char *id, long long if_version)
{
	const char *p[] = {id};
	struct plan_access acc;
	int rc;

	if (ctx_begin(c) < 0)
		return -1;
	rc = editable(c, id, if_version, "delete", &acc) < 0 || query_run(c, &st_delete, p) < 0 ? -1 : 0;
	return ctx_finish(c, rc, NULL);
}

/* Lifecycle --------------------------------------------------------------- */

/* The shape every action shares: access, permission, checks, one UPDATE,
 * the document. check may be NULL; its and the update's parameters are
 * given. */
static int act(struct bdg_ctx *c, const char *id, long long if_version, const char *what,
	       int (*state_ok)(struct bdg_ctx *c, const struct plan_access *a),
	       const struct db_stmt *check, const char *const *check_params,
	       const struct db_stmt *update, const char *const *update_params,
	       char **doc, long long *version)
{
	struct plan_access acc;

	*doc = NULL;
	if (ctx_begin(c) < 0)
		return -1;
	if (plan_access(c, id, &acc) < 0 || may_act(c, &acc, if_version, what) < 0 ||
	    state_ok(c, &acc) < 0 || (check && plan_problems(c, check, check_params) < 0) ||
	    query_run(c, update, update_params) < 0)
		return ctx_finish(c, -1, doc);
	return ctx_finish(c, load_doc(c, id, doc, version), doc);
}

static int draft_only(struct bdg_ctx *c, const struct plan_access *a)
{
	if (strcmp(a->status, "draft") == 0)
		return 0;
	return bdg_fail(&c->err, 409, "conflict", "The plan is %s already: only a draft is issued.", a->status);
}

static int issued_only(struct bdg_ctx *c, const struct plan_access *a)
{
	if (strcmp(a->status, "issued") == 0)
		return 0;
	return bdg_fail(&c->err, 409, "conflict", "The plan is %s: only an issued plan is superseded.", a->status);
}

static int cancellable(struct bdg_ctx *c, const struct plan_access *a)
{
	if (strcmp(a->status, "draft") == 0 || strcmp(a->status, "issued") == 0)
		return 0;
	return bdg_fail(&c->err, 409, "conflict", "The plan is %s: only a draft or an issued plan is cancelled.",
			a->status);
}

int plan_issue(struct bdg_ctx *c, const char *id, const json_t *body,
	       long long if_version, char **doc, long long *version)
{
	const char *on = NULL;
	const char *p[2];

	*doc = NULL;
	if (body) {
		if (valid_object(body, plan_issue_fields, "", &c->err) < 0)
			return -1;
		on = json_string_value(json_object_get(body, "issued_on"));
	}
	p[0] = id;
	p[1] = on;
	return act(c, id, if_version, "issue", draft_only, &st_issue_check, p, &st_issue, p, doc, version);
}

int plan_cancel(struct bdg_ctx *c, const char *id, const json_t *body,
		long long if_version, char **doc, long long *version)
{
	const char *p[2];

	*doc = NULL;
	if (valid_object(body, plan_cancel_fields, "", &c->err) < 0)
		return -1;
	p[0] = id;
	p[1] = json_string_value(json_object_get(body, "reason"));
	return act(c, id, if_version, "cancel", cancellable, NULL, NULL, &st_cancel, p, doc, version);
}

int plan_supersede(struct bdg_ctx *c, const char *id, const json_t *body,
		   long long if_version, char **doc, long long *version)
{
	struct sqlargs a = {0};
	const char *p[2];
	int rc;

	*doc = NULL;
	if (valid_object(body, plan_supersede_fields, "", &c->err) < 0)
		return -1;
	args_str(&a, c->who.unit);
	args_str(&a, id);
	args_json(&a, body, "by");
	p[0] = id;
	p[1] = a.v[2];
	rc = act(c, id, if_version, "supersede", issued_only, &st_supersede_check, a.v, &st_supersede, p,
		 doc, version);
	args_free(&a);
	return rc;
}

/* The document ------------------------------------------------------------ */

static const char *str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* "2019-11-15" → "15/11/2019" */
static void vn_date(struct buf *b, const char *iso)
{
	if (iso && strlen(iso) >= 10)
		buf_printf(b, "%.2s/%.2s/%.4s", iso + 8, iso + 5, iso);
}

/* 15000000 → "15.000.000" */
static void vnd(struct buf *b, json_int_t v)
{
	char digits[32];
	int n, i;

	n = snprintf(digits, sizeof digits, "%lld", (long long)v);
	for (i = 0; i < n; i++) {
		buf_add(b, digits + i, 1);
		if (i < n - 1 && (n - 1 - i) % 3 == 0)
			buf_puts(b, ".");
	}
}

/* "2019" → "năm 2019", "2019-H1" → "6 tháng đầu năm 2019", "2019-Q3" →
 * "quý III năm 2019", "2019-05" → "tháng 5 năm 2019". */
static void period_words(struct buf *b, const char *period)
{
	static const char *const quarters[] = {"I", "II", "III", "IV"};

	if (!period || strlen(period) < 4)
		return;
	if (strlen(period) == 4)
		buf_printf(b, "năm %.4s", period);
	else if (period[5] == 'H')
		buf_printf(b, "6 tháng %s năm %.4s", period[6] == '1' ? "đầu" : "cuối", period);
	else if (period[5] == 'Q' && period[6] >= '1' && period[6] <= '4')
		buf_printf(b, "quý %s năm %.4s", quarters[period[6] - '1'], period);
	else
		buf_printf(b, "tháng %d năm %.4s", atoi(period + 5), period);
}

/* The label of an activity's own number within its part: "3." for II.3,
 * "a)" for II.3.a, "" for a bare roman part (IV). */
static void section_label(struct buf *b, const char *section, int has_roman)
{
	const char *last = strrchr(section, '.');
	const char *part = last ? last + 1 : section;

	if (has_roman && !last)
		return;
	if (part[0] >= 'a' && part[0] <= 'z')
		buf_printf(b, "%s) ", part);
	else if ((unsigned char)part[0] >= 0x80)     /* đ */
		buf_printf(b, "%s) ", part);
	else
		buf_printf(b, "%s. ", part);
}

static void para_begin(struct buf *b, const char *cls)
{
	buf_printf(b, "<p class=\"%s\">", cls);
}

/* One activity: its number and title (once per section), what it is, who
 * leads and coordinates it, when, and its budget. */
static void render_activity(struct buf *b, const json_t *a, const char *prev_section)
{
	const char *section = str(a, "section");
	const json_t *coord = json_object_get(a, "coordinating_names");
	const json_t *budget = json_object_get(a, "budget_vnd");
	const char *from = str(a, "starts_on"), *to = str(a, "ends_on");
	size_t i;

	para_begin(b, "act");
	if (!prev_section || !section || strcmp(prev_section, section) != 0) {
		buf_puts(b, "<b>");
		section_label(b, section ? section : "", json_is_integer(json_object_get(a, "roman")));
		buf_html(b, str(a, "title"));
		buf_puts(b, "</b>");
	} else {
		buf_puts(b, "- ");
		buf_html(b, str(a, "title"));
	}
	buf_puts(b, "</p>");
	if (str(a, "description")) {
		para_begin(b, "desc");
		buf_html(b, str(a, "description"));
		buf_puts(b, "</p>");
	}
	para_begin(b, "meta i");
	buf_puts(b, "Chủ trì: ");
	buf_html(b, str(a, "lead_unit_name"));
	if (json_array_size(coord)) {
		buf_puts(b, "; phối hợp: ");
		for (i = 0; i < json_array_size(coord); i++) {
			if (i)
				buf_puts(b, ", ");
			buf_html(b, json_string_value(json_array_get(coord, i)));
		}
	}
	if (from && to) {
		buf_puts(b, "; thời gian: từ ngày ");
		vn_date(b, from);
		buf_puts(b, " đến ngày ");
		vn_date(b, to);
	} else if (from || to) {
		buf_puts(b, from ? "; thời gian: từ ngày " : "; thời gian: đến ngày ");
		vn_date(b, from ? from : to);
	}
	if (json_is_integer(budget)) {
		buf_puts(b, "; kinh phí: ");
		vnd(b, json_integer_value(budget));
		buf_puts(b, " đồng");
	}
	buf_puts(b, ".</p>");
}

/* Before the first activity of "II.3.a" when no activity is numbered
 * "II.3" itself: the number "3." alone, so that the document keeps its
 * outline. prev is the section printed last (or NULL). */
static void render_parent(struct buf *b, const char *section, const char *prev, int has_roman)
{
	const char *last = strrchr(section, '.');
	size_t n = last ? (size_t)(last - section) : 0;
	char parent[64];

	if (!last || n >= sizeof parent || (has_roman && !memchr(section, '.', n)))
		return;
	memcpy(parent, section, n);
	parent[n] = '\0';
	if (prev && (strcmp(prev, parent) == 0 ||
		     (strncmp(prev, parent, n) == 0 && prev[n] == '.')))
		return;
	para_begin(b, "act");
	buf_puts(b, "<b>");
	section_label(b, parent, has_roman);
	buf_puts(b, "</b></p>");
}

/* The activities of part `roman` (0: those without a roman part, shown
 * under II), in document order. */
static void render_part(struct buf *b, const json_t *acts, int roman)
{
	const char *prev = NULL;
	size_t i;

	for (i = 0; i < json_array_size(acts); i++) {
		const json_t *a = json_array_get(acts, i);
		const json_t *rv = json_object_get(a, "roman");
		const char *section = str(a, "section");
		int r = json_is_integer(rv) ? (int)json_integer_value(rv) : 0;
		if (r != roman && !(roman == 2 && r == 0))
			continue;
		if (section)
			render_parent(b, section, prev, r != 0);
		render_activity(b, a, prev);
		prev = section;
	}
}

static int max_roman(const json_t *acts)
{
	size_t i;
	int m = 0;

	for (i = 0; i < json_array_size(acts); i++) {
		const json_t *rv = json_object_get(json_array_get(acts, i), "roman");
		if (json_is_integer(rv) && json_integer_value(rv) > m)
			m = (int)json_integer_value(rv);
	}
	return m;
}

static void roman_text(char *out, size_t n, int v)
{
	static const struct { int v; const char *s; } t[] = {
		{1000, "M"}, {900, "CM"}, {500, "D"}, {400, "CD"}, {100, "C"}, {90, "XC"},
		{50, "L"}, {40, "XL"}, {10, "X"}, {9, "IX"}, {5, "V"}, {4, "IV"}, {1, "I"},
	};
	size_t k, o = 0;

	out[0] = '\0';
	for (k = 0; k < sizeof t / sizeof t[0]; k++)
		while (v >= t[k].v && o + strlen(t[k].s) < n) {
			strcpy(out + o, t[k].s);
			o += strlen(t[k].s);
			v -= t[k].v;
		}
}

/* The body of the plan document: legal bases, parts I-V (and beyond). */
static void render(struct buf *b, const json_t *p)
{
	static const char *const headings[] = {NULL, "I. MỤC ĐÍCH, YÊU CẦU", "II. NỘI DUNG",
		"III. KINH PHÍ THỰC HIỆN", "IV. TỔ CHỨC THỰC HIỆN", "V. CHẾ ĐỘ BÁO CÁO"};
	const json_t *bases = json_object_get(p, "legal_bases");
	const json_t *aims = json_object_get(p, "objectives");
	const json_t *acts = json_object_get(p, "activity_list");
	const json_t *reporting = json_object_get(p, "reporting");
	const json_t *names = json_object_get(p, "recipient_names");
	const char *issuer = str(p, "issuer_name");
	int guidance = str(p, "type") && strcmp(str(p, "type"), "guidance") == 0;
	int part, last;
	size_t i;

	if (guidance && json_array_size(names)) {
		para_begin(b, "to");
		buf_puts(b, "Kính gửi: ");
		for (i = 0; i < json_array_size(names); i++) {
			if (i)
				buf_puts(b, "; ");
			buf_html(b, json_string_value(json_array_get(names, i)));
		}
		buf_puts(b, ".</p>");
	}
	para_begin(b, "bases");
	if (json_array_size(bases)) {
		buf_puts(b, "Thực hiện ");
		for (i = 0; i < json_array_size(bases); i++) {
			if (i)
				buf_puts(b, "; ");
			buf_html(b, json_string_value(json_array_get(bases, i)));
		}
		buf_puts(b, ", ");
	}
	buf_html(b, issuer);
	buf_puts(b, guidance ? " hướng dẫn các đơn vị triển khai thực hiện các nội dung sau:"
			     : " ban hành Kế hoạch thực hiện như sau:");
	buf_puts(b, "</p>");

	last = max_roman(acts);
	if (last < 5)
		last = 5;
	for (part = 1; part <= last; part++) {
		if (part < 6) {
			doc_heading(b, headings[part]);
		} else {
			char r[16];
			roman_text(r, sizeof r, part);
			buf_puts(b, "<h2>");
			buf_html(b, r);
			buf_puts(b, ".</h2>");
		}
		if (part == 1)
			for (i = 0; i < json_array_size(aims); i++) {
				para_begin(b, "aim");
				buf_printf(b, "%zu. ", i + 1);
				buf_html(b, json_string_value(json_array_get(aims, i)));
				buf_puts(b, "</p>");
			}
		if (part == 3 && str(p, "funding"))
			doc_para(b, str(p, "funding"));
		if (part == 5) {
			if (str(p, "plans_due_on")) {
				para_begin(b, "due");
				buf_puts(b, "Các đơn vị xây dựng kế hoạch triển khai thực hiện và gửi về ");
				buf_html(b, issuer);
				buf_puts(b, " trước ngày ");
				vn_date(b, str(p, "plans_due_on"));
				buf_puts(b, ".</p>");
			}
			for (i = 0; i < json_array_size(reporting); i++) {
				const json_t *e = json_array_get(reporting, i);
				para_begin(b, "report");
				buf_puts(b, "Báo cáo kết quả thực hiện ");
				period_words(b, str(e, "period"));
				buf_puts(b, " (số liệu từ ngày ");
				vn_date(b, str(e, "data_from"));
				buf_puts(b, " đến ngày ");
				vn_date(b, str(e, "data_to"));
				buf_puts(b, ") gửi về ");
				buf_html(b, issuer);
				buf_puts(b, " trước ngày ");
				vn_date(b, str(e, "due_on"));
				buf_puts(b, ".</p>");
			}
		}
		render_part(b, acts, part);
	}
}

int plan_document(struct bdg_ctx *c, const char *id, char **html, size_t *len)
{
	const char *params[] = {c->who.unit, id};
	struct buf b = {0};
	struct doc_meta m = {0};
	const json_t *names;
	const char **recipients = NULL;
	char *text = NULL, *signer_title = NULL, *s;
	json_t *p = NULL;
	json_error_t jerr;
	size_t i, n;
	int rc = -1;

	*html = NULL;
	*len = 0;
	if (query_doc(c, &st_document, params, &text, NULL) < 0)
		return -1;
	p = json_loads(text, 0, &jerr);
	if (!p) {
		bdg_fail(&c->err, 500, "internal", "The stored plan could not be read.");
		goto out;
	}
	m.parent_issuer = str(p, "parent_issuer_name");
	m.issuer = str(p, "issuer_name");
	m.number = str(p, "number");
	m.place = str(p, "place");
	m.date = str(p, "issued_on");
	m.kind = strcmp(str(p, "type"), "guidance") == 0 ? NULL : "KẾ HOẠCH";
	m.title = str(p, "title");
	m.signer = str(p, "signer");
	/* "KT. GIÁM ĐỐC – PHÓ GIÁM ĐỐC" is printed on two lines. */
	if (str(p, "signer_title") && (signer_title = strdup(str(p, "signer_title")))) {
		while ((s = strstr(signer_title, " – "))) {
			s[0] = '\n';
			memmove(s + 1, s + 5, strlen(s + 5) + 1);
		}
		m.signer_title = signer_title;
	}
	names = json_object_get(p, "recipient_names");
	n = json_array_size(names);
	recipients = calloc(n + 1, sizeof *recipients);
	if (!recipients) {
		bdg_fail(&c->err, 500, "internal", "Out of memory.");
		goto out;
	}
	for (i = 0; i < n; i++)
		recipients[i] = json_string_value(json_array_get(names, i));
	doc_begin(&b, &m);
	render(&b, p);
	doc_end(&b, &m, recipients, (int)n);
	if (b.oom) {
		bdg_fail(&c->err, 500, "internal", "Out of memory.");
		goto out;
	}
	*len = b.len;
	*html = buf_take(&b);
	rc = 0;
out:
	buf_free(&b);
	free(recipients);
	free(signer_title);
	json_decref(p);
	free(text);
	return rc;
}

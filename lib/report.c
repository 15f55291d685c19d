/* report.c: queries of reports (bdg.report, 008_reports.sql). The caller's
 * unit is $1::text in every statement: a report is read by the reporting
 * unit's subtree and the addressee's (bdg.report_visible), written by the
 * reporting unit's subtree (bdg.report_writable). Writes lock the report
 * row first (FOR UPDATE), so If-Match, status and role are checked against
 * the row as it is when the write happens. */
#include "report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "document.h"
#include "indicator.h"
#include "query.h"

const char *const report_result_statuses[] = {"done", "partly", "not_done", NULL};

const struct vfield report_value_fields[] = {
	{"indicator", V_CODE, VF_REQUIRED, 0, 0, NULL, NULL},
	{"sex", V_ENUM, VF_NULLABLE, 0, 0, indicator_sexes, NULL},
	{"value", V_NUMBER, VF_REQUIRED, 0, 1000000000000000LL, NULL, NULL},
	{NULL, 0, 0, 0, 0, NULL, NULL},
};

static const struct vfield activity_result_fields[] = {
	{"activity", V_ID, VF_REQUIRED, 0, 0, NULL, NULL},
	{"status", V_ENUM, VF_REQUIRED, 0, 0, report_result_statuses, NULL},
	{"sessions", V_INT, VF_NULLABLE, 0, 1000000, NULL, NULL},
	{"participants_female", V_INT, VF_NULLABLE, 0, 100000000, NULL, NULL},
	{"participants_male", V_INT, VF_NULLABLE, 0, 100000000, NULL, NULL},
	{"notes", V_TEXT, VF_NULLABLE, 0, 2000, NULL, NULL},
	{NULL, 0, 0, 0, 0, NULL, NULL},
};

const struct vfield report_fields[] = {
	{"id", V_ID, VF_READONLY, 0, 0, NULL, NULL},
	{"plan", V_ID, VF_REQUIRED, 0, 0, NULL, NULL},
	{"unit", V_CODE, VF_REQUIRED, 0, 0, NULL, NULL},
	{"period", V_PERIOD, VF_REQUIRED, 0, 0, NULL, NULL},
	{"own", V_BOOL, VF_READONLY, 0, 0, NULL, NULL},
	{"to_unit", V_CODE, VF_READONLY, 0, 0, NULL, NULL},
	{"due_on", V_DATE, VF_READONLY, 0, 0, NULL, NULL},
	{"status", V_STRING, VF_READONLY, 0, 0, NULL, NULL},
	{"submitted_at", V_STRING, VF_READONLY, 0, 0, NULL, NULL},
	{"submitted_by", V_STRING, VF_READONLY, 0, 0, NULL, NULL},
	{"first_submitted_at", V_STRING, VF_READONLY, 0, 0, NULL, NULL},
	{"on_time", V_BOOL, VF_READONLY, 0, 0, NULL, NULL},
	{"days_late", V_INT, VF_READONLY, 0, 0, NULL, NULL},
	{"accepted_at", V_STRING, VF_READONLY, 0, 0, NULL, NULL},
	{"accepted_by", V_STRING, VF_READONLY, 0, 0, NULL, NULL},
	{"returned_at", V_STRING, VF_READONLY, 0, 0, NULL, NULL},
	{"returned_by", V_STRING, VF_READONLY, 0, 0, NULL, NULL},
	{"return_reason", V_STRING, VF_READONLY, 0, 0, NULL, NULL},
	{"results", V_TEXT, VF_NULLABLE, 0, 20000, NULL, NULL},
	{"difficulties", V_TEXT, VF_NULLABLE, 0, 20000, NULL, NULL},
	{"recommendations", V_TEXT, VF_NULLABLE, 0, 20000, NULL, NULL},
	{"activity_results", V_OBJECTS, VF_NULLABLE, 0, 0, NULL, activity_result_fields},
	{"values", V_OBJECTS, VF_NULLABLE, 0, 0, NULL, report_value_fields},
	{"ratios", V_OBJECTS, VF_READONLY, 0, 0, NULL, NULL},
	{"version", V_INT, VF_READONLY, 0, 0, NULL, NULL},
	{"created_at", V_STRING, VF_READONLY, 0, 0, NULL, NULL},
	{"updated_at", V_STRING, VF_READONLY, 0, 0, NULL, NULL},
	{NULL, 0, 0, 0, 0, NULL, NULL},
};

const struct vfield report_return_fields[] = {
	{"reason", V_TEXT, VF_REQUIRED, 0, 2000, NULL, NULL},
	{NULL, 0, 0, 0, 0, NULL, NULL},
};

/* Who reads and who writes report r; $1::text is the caller's unit. */
#define VISIBLE "bdg.report_visible(r, bdg.unit_path($1::text))"
#define WRITABLE "bdg.report_writable(r, bdg.unit_path($1::text))"

/* The label of the locked report cur, for messages. */
#define LABEL "(SELECT bdg.report_label(x) FROM bdg.report x WHERE x.id = cur.id)"

/* A stale If-Match, checked on the locked row ($3::int: the version or NULL). */
#define IF_MATCH_OK \
	"bdg.check($3::int IS NULL OR cur.version = $3::int, 'BD412'," \
	"  format('The resource has changed since you read it (version %s); read it again.', cur.version))"

static const struct db_stmt st_get = {
	"report_get",
	"SELECT bdg.report_doc(r)::text, r.version FROM bdg.report r"
	" WHERE r.id = $2::bigint AND " VISIBLE,
	2,
};

/* A report just written, by id. */
static const struct db_stmt st_doc = {
	"report_doc",
	"SELECT bdg.report_doc(r)::text, r.version FROM bdg.report r WHERE r.id = $1::bigint",
	1,
};

static const struct db_stmt st_probe = {
	"report_probe",
	"SELECT " VISIBLE ", " WRITABLE " FROM bdg.report r WHERE r.id = $2::bigint",
	2,
};

/* $1 actor, $2 after id, $3 limit+1, $4 plan, $5 unit, $6 under, $7 period,
 * $8 status, $9 overdue, $10 as_of, $11 q. The page's keys come one of two
 * ways (LIST_KEYS in query.h): "near" is the caller's subtree, "cand" the
 * reports of those units and the reports addressed to them
 * (report_unit_period_idx, report_to_unit_idx): a commune's list walked
 * every report in the database, calling bdg.report_visible on each
 * (26,000 buffers, 125 ms with 10,000 reports). */
#define REPORT_LIST_WHERE \
	"   bdg.report_visible(r, actor.path)" \
	"   AND ($2::bigint IS NULL OR r.id > $2::bigint)" \
	"   AND ($4::bigint IS NULL OR r.plan_id = $4::bigint)" \
	"   AND ($5::text IS NULL OR r.unit_id = (SELECT id FROM bdg.unit WHERE code = $5::text))" \
	"   AND ($6::text IS NULL OR r.unit_id IN (SELECT s.id FROM bdg.unit s, under WHERE s.path <@ under.path))" \
	"   AND ($7::text IS NULL OR r.period = $7::text)" \
	"   AND ($8::text IS NULL OR r.status = $8::text)" \
	"   AND (NOT $9::boolean OR (r.status IN ('draft', 'returned') AND r.due_on <" \
	"        coalesce($10::date, (now() AT TIME ZONE 'Asia/Ho_Chi_Minh')::date)))" \
	"   AND ($11::text IS NULL OR bdg.matches(r.search, $11::text))" \
	"   ORDER BY r.id LIMIT $3::int"

static const struct db_stmt st_list = {
	"report_list",
	"WITH actor AS MATERIALIZED (SELECT bdg.unit_path($1::text) AS path),"
	" under AS (SELECT u.path FROM bdg.unit u WHERE u.code = $6::text),"
	LIST_NEAR("n.path <@ actor.path")
	LIST_CAND("SELECT q.id FROM bdg.report q WHERE q.unit_id = ANY (" LIST_NEAR_IDS ")"
		  " UNION ALL SELECT q.id FROM bdg.report q WHERE q.to_unit_id = ANY (" LIST_NEAR_IDS ")")
	LIST_KEYS("r", "FROM bdg.report r, actor", REPORT_LIST_WHERE)
	" page AS (SELECT keys.k, bdg.report_doc(r) AS doc, row_number() OVER (ORDER BY keys.k) AS rn"
	"   FROM keys JOIN bdg.report r ON r.id = keys.k)"
	" SELECT coalesce(jsonb_agg(doc ORDER BY rn) FILTER (WHERE rn < $3::int), '[]')::text,"
	"   CASE WHEN count(*) = $3::int THEN max(k) FILTER (WHERE rn = $3::int - 1)::text END"
	" FROM page",
	11,
};

/* The unit must be within the caller's reach and the plan one the caller
 * reads (so that a plan out of reach is not named in an error); the rest
 * (issued plan, period, recipient) is bdg.report_before's.
 * $1 actor, $2 plan, $3 unit, $4 period, $5 results, $6 difficulties, $7 recommendations. */
static const struct db_stmt st_create = {
	"report_create",
	"WITH chk AS (SELECT"
	"  bdg.check(EXISTS (SELECT 1 FROM bdg.unit u WHERE u.code = $3::text"
	"    AND u.path <@ bdg.unit_path($1::text)), 'BD422', 'no such unit within your reach', '/unit')"
	"  AND bdg.check(bdg.plan_visible($2::bigint, bdg.unit_path($1::text)), 'BD422', 'no such plan', '/plan') AS ok)"
	" INSERT INTO bdg.report (plan_id, unit_id, period, results, difficulties, recommendations)"
	" SELECT $2::bigint, (SELECT id FROM bdg.unit WHERE code = $3::text), $4::text, $5::text, $6::text, $7::text"
	" FROM chk WHERE chk.ok RETURNING id",
	7,
};

/* Activity results and values, replaced as a whole: $1 id, $2 values, $3 activity results. */
static const struct db_stmt st_put = {
	"report_put",
	"SELECT bdg.report_put($1::bigint, $2::jsonb, $3::jsonb)",
	3,
};

/* $1 actor, $2 id, $3 version, $4 results, $5 difficulties, $6 recommendations,
 * $7 plan, $8 unit, $9 period (as given: the keys cannot change). Returns
 * the id when the caller may write the report, whether or not anything
 * changed (an update that changes nothing is skipped by bdg.touch). */
static const struct db_stmt st_update = {
	"report_update",
	"WITH cur AS (SELECT r.*, u.code AS ucode FROM bdg.report r JOIN bdg.unit u ON u.id = r.unit_id"
	"   WHERE r.id = $2::bigint AND " WRITABLE " FOR UPDATE OF r),"
	" chk AS (SELECT " IF_MATCH_OK
	"  AND bdg.check($7::bigint = cur.plan_id, 'BD422', 'cannot be changed (it is part of the report''s key)', '/plan')"
	"  AND bdg.check($8::text = cur.ucode, 'BD422', 'cannot be changed (it is part of the report''s key)', '/unit')"
	"  AND bdg.check($9::text = cur.period, 'BD422', 'cannot be changed (it is part of the report''s key)', '/period')"
	"  AND bdg.check(cur.status IN ('draft', 'returned'), 'BD409',"
	"    format('report %s is %s: its content can no longer be changed', " LABEL ", cur.status))"
	"  AS ok, cur.id FROM cur),"
	" upd AS (UPDATE bdg.report r SET results = $4::text, difficulties = $5::text, recommendations = $6::text"
	"   FROM chk WHERE chk.ok AND r.id = chk.id RETURNING r.id)"
	" SELECT chk.id FROM chk WHERE chk.ok",
	9,
};

/* $1 actor, $2 id, $3 version. */
static const struct db_stmt st_delete = {
	"report_delete",
	"WITH cur AS (SELECT r.* FROM bdg.report r WHERE r.id = $2::bigint AND " WRITABLE " FOR UPDATE),"
	" chk AS (SELECT " IF_MATCH_OK
	"  AND bdg.check(cur.status = 'draft', 'BD409',"
	"    format('report %s is %s: only drafts are deleted', " LABEL ", cur.status))"
	"  AS ok, cur.id FROM cur)"
	" DELETE FROM bdg.report r USING chk WHERE chk.ok AND r.id = chk.id RETURNING r.id",
	3,
};

/* Submit: the reporting unit's approver (the caller's unit IS the
 * reporting unit), from draft or returned. $1 actor, $2 id, $3 version. */
static const struct db_stmt st_submit = {
	"report_submit",
	"WITH cur AS (SELECT r.*, u.code AS ucode FROM bdg.report r JOIN bdg.unit u ON u.id = r.unit_id"
	"   WHERE r.id = $2::bigint AND " VISIBLE " FOR UPDATE OF r),"
	" chk AS (SELECT " IF_MATCH_OK
	"  AND bdg.check(cur.ucode = $1::text, 'BD403',"
	"    format('only an approver of %s submits its report', cur.ucode))"
	"  AND bdg.check(cur.status IN ('draft', 'returned'), 'BD409',"
	"    format('report %s is %s: only a draft or a returned report is submitted',"
	"      " LABEL ", cur.status))"
	"  AS ok, cur.id FROM cur)"
	" UPDATE bdg.report r SET status = 'submitted' FROM chk WHERE chk.ok AND r.id = chk.id"
	" RETURNING bdg.report_doc(r)::text, r.version",
	3,
};

/* Accept or return: the addressee's approver (the caller's unit IS the
 * unit the report is sent to), from submitted. $1 actor, $2 id, $3
 * version, $4 new status, $5 reason (return). */
static const struct db_stmt st_decide = {
	"report_decide",
	"WITH cur AS (SELECT r.*, t.code AS tcode FROM bdg.report r JOIN bdg.unit t ON t.id = r.to_unit_id"
	"   WHERE r.id = $2::bigint AND " VISIBLE " FOR UPDATE OF r),"
	" chk AS (SELECT " IF_MATCH_OK
	"  AND bdg.check(cur.tcode = $1::text, 'BD403',"
	"    format('only an approver of %s, the unit the report is sent to, accepts or returns it', cur.tcode))"
	"  AND bdg.check(cur.status = 'submitted', 'BD409',"
	"    format('report %s is %s: only a submitted report is accepted or returned',"
	"      " LABEL ", cur.status))"
	"  AS ok, cur.id FROM cur)"
	" UPDATE bdg.report r SET status = $4::text,"
	"   return_reason = CASE WHEN $4::text = 'returned' THEN $5::text ELSE r.return_reason END"
	" FROM chk WHERE chk.ok AND r.id = chk.id"
	" RETURNING bdg.report_doc(r)::text, r.version",
	5,
};

/* What the document shows besides the report itself. $1 actor, $2 id. */
static const struct db_stmt st_document = {
	"report_document",
	"SELECT jsonb_build_object('report', bdg.report_doc(r),"
	"   'unit_name', u.name, 'parent_name', pu.name, 'to_unit_name', tu.name,"
	"   'local_date', (r.submitted_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date,"
	"   'plan', jsonb_build_object('number', p.number, 'year', p.year, 'type', p.type,"
	"     'issued_on', p.issued_on, 'title', lower(left(p.title, 1)) || substr(p.title, 2),"
	"     'place', p.place, 'issuer', iu.name),"
	"   'activities', coalesce((SELECT jsonb_object_agg(a.id::text, jsonb_build_object('section', a.section,"
	"     'title', a.title)) FROM bdg.activity a WHERE a.plan_id = p.id), '{}'),"
	"   'indicators', coalesce((SELECT jsonb_object_agg(i.code, jsonb_build_object('name', i.name,"
	"     'unit_of_measure', i.unit_of_measure)) FROM bdg.indicator i"
	"     WHERE i.id IN (SELECT v.indicator_id FROM bdg.report_value v WHERE v.report_id = r.id)"
	"        OR (i.aggregation = 'ratio' AND EXISTS (SELECT 1 FROM bdg.report_value v"
	"            WHERE v.report_id = r.id AND v.indicator_id = i.denominator_id))), '{}')"
	" )::text, r.version"
	" FROM bdg.report r JOIN bdg.unit u ON u.id = r.unit_id LEFT JOIN bdg.unit pu ON pu.id = u.parent_id"
	" JOIN bdg.unit tu ON tu.id = r.to_unit_id JOIN bdg.plan p ON p.id = r.plan_id"
	" JOIN bdg.unit iu ON iu.id = p.unit_id"
	" WHERE r.id = $2::bigint AND " VISIBLE,
	2,
};

int report_missed(struct bdg_ctx *c, const char *id)
{
	const char *p[] = {c->who.unit, id};
	struct db_conn *conn = ctx_conn(c);
	PGresult *r;

	if (!conn)
		return -1;
	r = db_exec(conn, &st_probe, p, &c->err);
	if (!r)
		return -1;
	if (PQntuples(r) < 1 || strcmp(PQgetvalue(r, 0, 0), "t") != 0)
		bdg_fail(&c->err, 404, "not_found", "No such resource, or it is out of your reach.");
	else
		bdg_fail(&c->err, 403, "forbidden",
			 "Only editors of the reporting unit (or of a unit above it) change this report.");
	PQclear(r);
	return -1;
}

int report_get(struct bdg_ctx *c, const char *id, char **doc, long long *version)
{
	const char *p[] = {c->who.unit, id};

	return query_doc(c, &st_get, p, doc, version);
}

int report_list(struct bdg_ctx *c, const struct report_filter *f, const struct page *pg,
		char **items, char *next, size_t nextlen)
{
	const char *p[] = {c->who.unit, pg->has_after ? pg->after : NULL, pg->limit_plus1,
		f->plan, f->unit, f->under, f->period, f->status, f->overdue ? "true" : "false",
		f->as_of, f->q};

	return query_list(c, &st_list, p, items, next, nextlen);
}

/* Writes the parts of body (values, activity results) of report id and
 * reads the result back. Inside the caller's transaction. */
static int put_parts_and_read(struct bdg_ctx *c, const char *id, const json_t *body,
			      char **doc, long long *version)
{
	struct sqlargs a = {0};
	const char *pd[1] = {id};
	int rc = -1;

	args_str(&a, id);
	args_json(&a, body, "values");
	args_json(&a, body, "activity_results");
	if (query_run(c, &st_put, a.v) < 0)
		goto out;
	rc = query_doc(c, &st_doc, pd, doc, version);
out:
	args_free(&a);
	return rc;
}

int report_create(struct bdg_ctx *c, const json_t *body, char **doc, long long *version)
{
	struct sqlargs a = {0};
	char id[24];
	int rc = -1;

	if (valid_object(body, report_fields, "", &c->err) < 0)
		return -1;
	args_str(&a, c->who.unit);
	args_json(&a, body, "plan");
	args_json(&a, body, "unit");
	args_json(&a, body, "period");
	args_json(&a, body, "results");
	args_json(&a, body, "difficulties");
	args_json(&a, body, "recommendations");
	if (ctx_begin(c) < 0)
		goto out;
	if (query_insert(c, &st_create, a.v, id, sizeof id) >= 0)
		rc = put_parts_and_read(c, id, body, doc, version);
	rc = ctx_finish(c, rc, doc);
out:
	args_free(&a);
	return rc;
}

int report_update(struct bdg_ctx *c, const char *id, const json_t *body,
		  long long if_version, char **doc, long long *version)
{
	struct sqlargs a = {0};
	int rc = -1;

	if (valid_object(body, report_fields, "", &c->err) < 0)
		return -1;
	args_str(&a, c->who.unit);
	args_str(&a, id);
	args_version(&a, if_version);
	args_json(&a, body, "results");
	args_json(&a, body, "difficulties");
	args_json(&a, body, "recommendations");
	args_json(&a, body, "plan");
	args_json(&a, body, "unit");
	args_json(&a, body, "period");
	if (ctx_begin(c) < 0)
		goto out;
	if (query_id(c, &st_update, a.v) >= 0)
		rc = put_parts_and_read(c, id, body, doc, version);
	else if (!c->err.status)
		report_missed(c, id);
	rc = ctx_finish(c, rc, doc);
out:
	args_free(&a);
	return rc;
}

int report_delete(struct bdg_ctx *c, const char *id, long long if_version)
{
	struct sqlargs a = {0};
	int rc = -1;

	args_str(&a, c->who.unit);
	args_str(&a, id);
	args_version(&a, if_version);
	if (ctx_begin(c) < 0)
		goto out;
	if (query_id(c, &st_delete, a.v) >= 0)
		rc = 0;
	else if (!c->err.status)
		report_missed(c, id);
	rc = ctx_finish(c, rc, NULL);
out:
	args_free(&a);
	return rc;
}

/* One workflow step: st with ($1 actor, $2 id, $3 version[, $4 status, $5 reason]). */
static int step(struct bdg_ctx *c, const struct db_stmt *st, const char *id, long long if_version,
		const char *status, const char *reason, char **doc, long long *version)
{
	struct sqlargs a = {0};
	int rc = -1;

	args_str(&a, c->who.unit);
	args_str(&a, id);
	args_version(&a, if_version);
	if (status) {
		args_str(&a, status);
		args_str(&a, reason);
	}
	if (ctx_begin(c) == 0)
		rc = ctx_finish(c, query_doc(c, st, a.v, doc, version), doc);
	args_free(&a);
	return rc;
}

int report_submit(struct bdg_ctx *c, const char *id, long long if_version,
		  char **doc, long long *version)
{
	return step(c, &st_submit, id, if_version, NULL, NULL, doc, version);
}

int report_accept(struct bdg_ctx *c, const char *id, long long if_version,
		  char **doc, long long *version)
{
	return step(c, &st_decide, id, if_version, "accepted", NULL, doc, version);
}

int report_return(struct bdg_ctx *c, const char *id, const json_t *body, long long if_version,
		  char **doc, long long *version)
{
	const char *reason;

	if (valid_object(body, report_return_fields, "", &c->err) < 0)
		return -1;
	reason = json_string_value(json_object_get(body, "reason"));
	if (strspn(reason, " \t\r\n") == strlen(reason))
		return bdg_field(&c->err, "/reason", "must not be empty");
	return step(c, &st_decide, id, if_version, "returned", reason, doc, version);
}

/* The document ----------------------------------------------------------------- */

static const char *str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* "6 tháng đầu năm 2024", "năm 2024", "quý III năm 2024", "tháng 5 năm 2024". */
static void period_phrase(struct buf *b, const char *period)
{
	static const char *const roman[] = {"I", "II", "III", "IV"};
	char kind = 0;
	int y;

	if (!period || !valid_period(period, &kind)) {
		buf_html(b, period);
		return;
	}
	y = atoi(period);
	switch (kind) {
	case 'H':
		buf_printf(b, "6 tháng %s năm %d", period[6] == '1' ? "đầu" : "cuối", y);
		break;
	case 'Q':
		buf_printf(b, "quý %s năm %d", roman[period[6] - '1'], y);
		break;
	case 'M':
		buf_printf(b, "tháng %d năm %d", atoi(period + 5), y);
		break;
	default:
		buf_printf(b, "năm %d", y);
	}
}

/* A JSON number or null as text. */
static void number(struct buf *b, const json_t *v)
{
	if (json_is_integer(v))
		buf_printf(b, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		buf_printf(b, "%.15g", json_real_value(v));
}

/* Text with line breaks as paragraphs; "…" when empty. */
static void paragraphs(struct buf *b, const char *text)
{
	const char *p = text;
	int any = 0;

	while (p && *p) {
		size_t n = strcspn(p, "\n");
		char *line = strndup(p, n);

		if (line && line[strspn(line, " \t\r")]) {
			doc_para(b, line);
			any = 1;
		}
		free(line);
		p += n + (p[n] == '\n');
	}
	if (!any)
		doc_para(b, "…");
}

static const char *result_label(const char *s)
{
	if (!s)
		return "";
	if (strcmp(s, "done") == 0)
		return "Đã thực hiện";
	if (strcmp(s, "partly") == 0)
		return "Thực hiện một phần";
	return "Chưa thực hiện";
}

static void activity_table(struct buf *b, const json_t *rep, const json_t *acts)
{
	const json_t *rows = json_object_get(rep, "activity_results"), *row;
	size_t i;

	if (json_array_size(rows) == 0) {
		doc_para(b, "(Chưa có kết quả thực hiện hoạt động.)");
		return;
	}
	buf_puts(b, "<table border=\"1\" style=\"border-collapse:collapse;width:100%;font-size:12pt\">"
		 "<thead><tr><th>STT</th><th>Nội dung, hoạt động</th><th>Kết quả</th><th>Số cuộc, buổi</th>"
		 "<th>Nữ tham gia</th><th>Nam tham gia</th><th>Ghi chú</th></tr></thead><tbody>");
	json_array_foreach(rows, i, row) {
		char key[24];
		const json_t *a;

		snprintf(key, sizeof key, "%lld", (long long)json_integer_value(json_object_get(row, "activity")));
		a = json_object_get(acts, key);
		buf_printf(b, "<tr><td>%zu</td><td>", i + 1);
		if (a) {
			buf_html(b, str(a, "section"));
			buf_puts(b, ". ");
			buf_html(b, str(a, "title"));
		}
		buf_puts(b, "</td><td>");
		buf_html(b, result_label(str(row, "status")));
		buf_puts(b, "</td><td style=\"text-align:right\">");
		number(b, json_object_get(row, "sessions"));
		buf_puts(b, "</td><td style=\"text-align:right\">");
		number(b, json_object_get(row, "participants_female"));
		buf_puts(b, "</td><td style=\"text-align:right\">");
		number(b, json_object_get(row, "participants_male"));
		buf_puts(b, "</td><td>");
		buf_html(b, str(row, "notes"));
		buf_puts(b, "</td></tr>");
	}
	buf_puts(b, "</tbody></table>");
}

/* One row per indicator of an ordered array of {indicator, sex, value}:
 * the female, male and total columns. */
static void indicator_rows(struct buf *b, const json_t *vals, const json_t *inds, int *n, const char *mark)
{
	size_t i = 0;

	while (i < json_array_size(vals)) {
		const char *code = str(json_array_get(vals, i), "indicator");
		const json_t *cell[3] = {NULL, NULL, NULL};
		const json_t *ind = json_object_get(inds, code ? code : "");
		int k;

		for (; i < json_array_size(vals); i++) {
			const json_t *v = json_array_get(vals, i);
			const char *sx = str(v, "sex");

			if (!code || !str(v, "indicator") || strcmp(str(v, "indicator"), code) != 0)
				break;
			k = sx && strcmp(sx, "female") == 0 ? 0 : sx && strcmp(sx, "male") == 0 ? 1 : 2;
			cell[k] = json_object_get(v, "value");
		}
		if (!code) {
			i++;
			continue;
		}
		buf_printf(b, "<tr><td>%d</td><td>", ++*n);
		buf_html(b, code);
		buf_puts(b, "</td><td>");
		buf_html(b, ind ? str(ind, "name") : code);
		buf_html(b, mark);
		buf_puts(b, "</td><td>");
		buf_html(b, ind ? str(ind, "unit_of_measure") : NULL);
		buf_puts(b, "</td>");
		for (k = 0; k < 3; k++) {
			buf_puts(b, "<td style=\"text-align:right\">");
			number(b, cell[k]);
			buf_puts(b, "</td>");
		}
		buf_puts(b, "</tr>");
	}
}

static void value_table(struct buf *b, const json_t *rep, const json_t *inds)
{
	const json_t *vals = json_object_get(rep, "values"), *ratios = json_object_get(rep, "ratios");
	int n = 0;

	if (json_array_size(vals) == 0) {
		doc_para(b, "(Chưa có số liệu chỉ tiêu.)");
		return;
	}
	buf_puts(b, "<table border=\"1\" style=\"border-collapse:collapse;width:100%;font-size:12pt\">"
		 "<thead><tr><th>STT</th><th>Mã</th><th>Chỉ tiêu</th><th>Đơn vị tính</th>"
		 "<th>Nữ</th><th>Nam</th><th>Tổng số</th></tr></thead><tbody>");
	indicator_rows(b, vals, inds, &n, "");
	indicator_rows(b, ratios, inds, &n, " (tính từ số liệu trên)");
	buf_puts(b, "</tbody></table>");
}

static int render(const json_t *d, struct buf *b)
{
	const json_t *rep = json_object_get(d, "report"), *plan = json_object_get(d, "plan");
	const char *status = str(rep, "status");
	const char *recipients[1];
	struct doc_meta m = {0};
	struct buf title = {0};
	int rc;

	buf_puts(&title, "Kết quả thực hiện công tác bình đẳng giới và vì sự tiến bộ của phụ nữ ");
	period_phrase(&title, str(rep, "period"));
	m.parent_issuer = str(d, "parent_name");
	m.issuer = str(d, "unit_name");
	m.number = NULL;
	m.place = str(plan, "place");
	m.date = str(d, "local_date");
	m.kind = "BÁO CÁO";
	m.title = title.data;
	m.signer_title = "THỦ TRƯỞNG ĐƠN VỊ";
	m.signer = "";
	doc_begin(b, &m);
	if (status && strcmp(status, "draft") == 0)
		buf_puts(b, "<p class=\"i\" style=\"text-align:center;text-indent:0\">(Dự thảo)</p>");
	else if (status && strcmp(status, "returned") == 0)
		buf_puts(b, "<p class=\"i\" style=\"text-align:center;text-indent:0\">(Bị trả lại để chỉnh sửa)</p>");

	buf_puts(b, "<p>Thực hiện ");
	buf_html(b, str(plan, "type") && strcmp(str(plan, "type"), "guidance") == 0 ? "Công văn" : "Kế hoạch");
	if (str(plan, "number")) {
		buf_puts(b, " số ");
		buf_html(b, str(plan, "number"));
	}
	if (str(plan, "issued_on")) {
		const char *iso = str(plan, "issued_on");
		buf_printf(b, " ngày %02d/%d/%d", atoi(iso + 8), atoi(iso + 5), atoi(iso));
	}
	buf_puts(b, " của ");
	buf_html(b, str(plan, "issuer"));
	buf_puts(b, " về việc ");
	buf_html(b, str(plan, "title"));
	buf_puts(b, ", ");
	buf_html(b, str(d, "unit_name"));
	buf_puts(b, " báo cáo kết quả thực hiện ");
	period_phrase(b, str(rep, "period"));
	buf_puts(b, " như sau:</p>");

	doc_heading(b, "I. KẾT QUẢ THỰC HIỆN");
	paragraphs(b, str(rep, "results"));
	activity_table(b, rep, json_object_get(d, "activities"));
	doc_heading(b, "II. CHỈ TIÊU");
	value_table(b, rep, json_object_get(d, "indicators"));
	doc_heading(b, "III. KHÓ KHĂN, VƯỚNG MẮC");
	paragraphs(b, str(rep, "difficulties"));
	doc_heading(b, "IV. KIẾN NGHỊ");
	paragraphs(b, str(rep, "recommendations"));
	recipients[0] = str(d, "to_unit_name");
	doc_end(b, &m, recipients, recipients[0] ? 1 : 0);
	rc = b->oom || title.oom ? -1 : 0;
	buf_free(&title);
	return rc;
}

int report_document(struct bdg_ctx *c, const char *id, char **html, long long *version)
{
	const char *p[] = {c->who.unit, id};
	struct buf b = {0};
	char *text = NULL;
	json_t *d;
	int rc = -1;

	*html = NULL;
	if (query_doc(c, &st_document, p, &text, version) < 0)
		return -1;
	d = json_loads(text, 0, NULL);
	free(text);
	if (!d)
		return bdg_fail(&c->err, 500, "internal", "The stored report could not be read.");
	if (render(d, &b) < 0) {
		bdg_fail(&c->err, 500, "internal", "Out of memory.");
		buf_free(&b);
	} else {
		*html = buf_take(&b);
		rc = *html ? 0 : bdg_fail(&c->err, 500, "internal", "Out of memory.");
	}
	json_decref(d);
	return rc;
}

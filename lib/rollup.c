/* rollup.c: completeness, overdue reports, indicator roll-up and
 * consolidation (see rollup.h). Each read is ONE statement over sets
 * (units of a subtree joined to recipients, reporting entries, reports and
 * values), never a loop over units; 008_reports.sql has the indexes they
 * use. $1::text is the caller's unit in every statement.
 *
 * What counts in a roll-up (also in openapi/fragments/reports.yaml):
 *   * reports of units in the subtree for the period, accepted (and
 *     submitted with include=submitted), by RECIPIENTS: an issuing unit's
 *     own report is a consolidation of reports that are counted already;
 *   * each unit once per indicator and sex: when a unit reported on
 *     several plans for the period, its most recently accepted (or
 *     submitted) value;
 *   * then the indicator's rule: sum; max; latest (the value of the most
 *     recently accepted report); ratio = scale × Σ numerator / Σ
 *     denominator with the sexes the indicator names, rounded to 2 places.
 * Expected units are the recipients, in the subtree, of issued plans that
 * have the period among their reporting entries; missing are those whose
 * report for it is not counted (none, draft, returned, or submitted when
 * only accepted ones count). */
#include "rollup.h"

#include <stdlib.h>

#include "query.h"
#include "report.h"
#include "valid.h"

/* The body of a completeness document, from a CTE `rows` (ord, plan_id,
 * unit, name, period, due_on, report, status, submitted_at, on_time,
 * days_late, accepted_at) where status is 'missing' when there is no
 * report and ord ranks the reporting entry by (due_on, period, plan): the
 * order of the lists is (ord, unit), an integer and one text instead of
 * four keys. Unit codes compare byte by byte (COLLATE "C"): the embedded
 * cluster's C.UTF-8 gives the same order, but through a strcoll() per
 * comparison, and a cluster of another locale gives the embedded one's
 * order too. Totals count the rows once, grouped by status. Built as
 * json, not jsonb (ten thousand rows are concatenated, never re-parsed),
 * and each list as json_agg of the rows of a sorted subquery (the column
 * names are the keys): half the cost of json_build_object per row. */
#define COMPLETENESS_PARTS \
	" 'totals', (SELECT json_build_object('expected', coalesce(sum(n), 0)," \
	"     'submitted', coalesce(sum(n) FILTER (WHERE status IN ('submitted', 'accepted')), 0)," \
	"     'accepted', coalesce(sum(n) FILTER (WHERE status = 'accepted'), 0)," \
	"     'returned', coalesce(sum(n) FILTER (WHERE status = 'returned'), 0)," \
	"     'draft', coalesce(sum(n) FILTER (WHERE status = 'draft'), 0)," \
	"     'on_time', coalesce(sum(on_time) FILTER (WHERE status IN ('submitted', 'accepted')), 0)," \
	"     'late', coalesce(sum(late) FILTER (WHERE status IN ('submitted', 'accepted')), 0)," \
	"     'missing', coalesce(sum(n) FILTER (WHERE status = 'missing'), 0))" \
	"   FROM (SELECT status, count(*) AS n, count(*) FILTER (WHERE on_time) AS on_time," \
	"     count(*) FILTER (WHERE NOT on_time) AS late FROM rows GROUP BY status) t)," \
	" 'missing', (SELECT coalesce(json_agg(m), '[]') FROM (SELECT plan_id AS plan, unit, name, period" \
	"     FROM rows WHERE status = 'missing' ORDER BY ord, unit COLLATE \"C\") m)," \
	" 'units', (SELECT coalesce(json_agg(x), '[]') FROM (SELECT plan_id AS plan, unit, name, period, due_on," \
	"     report, status, submitted_at, on_time, days_late, accepted_at" \
	"     FROM rows ORDER BY ord, unit COLLATE \"C\") x)"

/* The units of the subtree of unit $2::text, which the caller ($1::text)
 * must reach (no row otherwise: 404). */
#define ROOT_AND_SUBTREE \
	"WITH root AS (SELECT u.id, u.code, u.path FROM bdg.unit u" \
	"   WHERE u.code = $2::text AND u.path <@ bdg.unit_path($1::text))," \
	" sub AS MATERIALIZED (SELECT u.id, u.code, u.name FROM root JOIN bdg.unit u ON u.path <@ root.path),"

/* Planning note for the subtree statements. The size of a subtree is not
 * known when a prepared statement is planned (`path <@` a path computed in
 * the statement gets a default selectivity of a few rows), so the planner
 * would walk ten thousand units of a province through index probes, one
 * unit at a time. Instead, MATERIALIZED CTEs fix the shape: the expected
 * reports (or counted reports, or values) of the period are gathered for
 * all units from base tables, whose statistics are right, and the subtree
 * is applied last by a hash semi-join. A small subtree pays for its
 * period's slice of the whole database (milliseconds for a province); a
 * province pays one pass over each table instead of 30,000 probes. The
 * estimates stay close, so the cost stays below jit_above_cost. */

/* $1 actor, $2 plan id, $3 period or NULL. The caller reads the plan
 * (bdg.plan_visible); it sees every recipient when the issuing unit is in
 * its subtree, otherwise the recipients in its subtree (whose reports it
 * reads). */
static const struct db_stmt st_plan = {
	"rollup_plan_completeness",
	"WITH actor AS (SELECT bdg.unit_path($1::text) AS path),"
	" p AS (SELECT p.id, p.number, p.year, p.title, p.status, iu.code AS icode, iu.path AS ipath"
	"   FROM bdg.plan p JOIN bdg.unit iu ON iu.id = p.unit_id, actor"
	"   WHERE p.id = $2::bigint AND bdg.plan_visible(p, actor.path)),"
	" chk AS (SELECT bdg.check($3::text IS NULL OR EXISTS (SELECT 1 FROM bdg.plan_reporting e"
	"     WHERE e.plan_id = p.id AND e.period = $3::text), 'BD400',"
	"     format('plan %s has no reporting period %s', coalesce(p.number || ' of ' || p.year, '#' || p.id), $3::text),"
	"     'period') AS ok FROM p),"
	" rows AS MATERIALIZED (SELECT dense_rank() OVER (ORDER BY e.due_on, e.period) AS ord,"
	"     p.id AS plan_id, u.code AS unit, u.name, e.period, e.due_on, r.id AS report,"
	"     coalesce(r.status, 'missing') AS status, r.submitted_at, r.on_time, r.days_late, r.accepted_at"
	"   FROM p CROSS JOIN actor"
	"   JOIN bdg.plan_reporting e ON e.plan_id = p.id AND ($3::text IS NULL OR e.period = $3::text)"
	"   JOIN bdg.plan_recipient pr ON pr.plan_id = p.id"
	"   JOIN bdg.unit u ON u.id = pr.unit_id"
	"   LEFT JOIN bdg.report r ON r.plan_id = p.id AND r.unit_id = u.id AND r.period = e.period"
	"   WHERE p.ipath <@ actor.path OR u.path <@ actor.path)"
	" SELECT json_build_object("
	"   'plan', json_build_object('id', p.id, 'unit', p.icode, 'number', p.number, 'year', p.year,"
	"     'title', p.title, 'status', p.status),"
	"   'period', $3::text," COMPLETENESS_PARTS ")::text"
	" FROM p, chk WHERE chk.ok",
	3,
};

/* $1 actor, $2 unit code, $3 period or NULL. The reporting entries of
 * the issued plans are ranked first (a few hundred rows), then their
 * recipients joined to the subtree, and only those to their reports. */
static const struct db_stmt st_unit = {
	"rollup_unit_completeness",
	ROOT_AND_SUBTREE
	" entries AS MATERIALIZED (SELECT e.plan_id, e.period, e.due_on,"
	"     row_number() OVER (ORDER BY e.due_on, e.period, e.plan_id) AS ord"
	"   FROM bdg.plan p JOIN bdg.plan_reporting e ON e.plan_id = p.id AND ($3::text IS NULL OR e.period = $3::text)"
	"   WHERE p.status = 'issued'),"
	" rows AS MATERIALIZED (SELECT x.ord, x.plan_id, s.code AS unit, s.name, x.period, x.due_on, r.id AS report,"
	"     coalesce(r.status, 'missing') AS status, r.submitted_at, r.on_time, r.days_late, r.accepted_at"
	"   FROM entries x JOIN bdg.plan_recipient pr ON pr.plan_id = x.plan_id"
	"   JOIN sub s ON s.id = pr.unit_id + 0"
	"   LEFT JOIN bdg.report r ON r.plan_id = x.plan_id AND r.unit_id = pr.unit_id AND r.period = x.period)"
	" SELECT json_build_object('unit', root.code, 'period', $3::text,"
	"   'plans', (SELECT coalesce(json_agg(json_build_object('id', p.id, 'unit', iu.code, 'number', p.number,"
	"       'year', p.year, 'title', p.title) ORDER BY p.id), '[]')"
	"     FROM bdg.plan p JOIN bdg.unit iu ON iu.id = p.unit_id WHERE p.id IN (SELECT plan_id FROM rows)),"
	COMPLETENESS_PARTS ")::text"
	" FROM root",
	3,
};

/* $1 actor, $2 under (NULL: the caller's unit), $3 as_of, $4 after key, $5 limit+1. */
static const struct db_stmt st_overdue = {
	"rollup_overdue",
	"WITH root AS (SELECT u.path FROM bdg.unit u"
	"   WHERE u.code = coalesce($2::text, $1::text) AND u.path <@ bdg.unit_path($1::text)),"
	" chk AS (SELECT bdg.check(EXISTS (SELECT 1 FROM root), 'BD404',"
	"   'No such resource, or it is out of your reach.') AS ok),"
	" sub AS MATERIALIZED (SELECT u.id, u.code, u.name FROM root JOIN bdg.unit u ON u.path <@ root.path),"
	" d AS (SELECT coalesce($3::date, (now() AT TIME ZONE 'Asia/Ho_Chi_Minh')::date) AS as_of),"
	" late AS MATERIALIZED (SELECT p.id AS plan_id, pr.unit_id, e.period, e.due_on, r.id AS report,"
	"     coalesce(r.status, 'missing') AS status"
	"   FROM bdg.plan p JOIN bdg.plan_reporting e ON e.plan_id = p.id"
	"   JOIN bdg.plan_recipient pr ON pr.plan_id = p.id"
	"   LEFT JOIN bdg.report r ON r.plan_id = p.id AND r.unit_id = pr.unit_id AND r.period = e.period"
	"   WHERE p.status = 'issued' AND e.due_on < (SELECT as_of FROM d)"
	"   AND (r.id IS NULL OR r.status IN ('draft', 'returned'))"
	"   UNION ALL"
	"   SELECT r.plan_id, r.unit_id, r.period, r.due_on, r.id, r.status FROM bdg.report r"
	"   WHERE r.own AND r.status IN ('draft', 'returned') AND r.due_on < (SELECT as_of FROM d)),"
	" k AS (SELECT x.*, s.code, s.name, d.as_of - x.due_on AS days, to_char(x.due_on, 'YYYY-MM-DD') || ' ' ||"
	"     lpad(x.plan_id::text, 19, '0') || ' ' || s.code || ' ' || x.period AS key"
	"   FROM late x JOIN sub s ON s.id = x.unit_id CROSS JOIN d),"
	" page AS (SELECT k.key, json_build_object('plan', k.plan_id, 'unit', k.code, 'name', k.name,"
	"     'period', k.period, 'due_on', k.due_on, 'report', k.report, 'status', k.status,"
	"     'days_overdue', k.days) AS doc, row_number() OVER (ORDER BY k.key) AS rn"
	"   FROM k WHERE $4::text IS NULL OR k.key > $4::text"
	"   ORDER BY k.key LIMIT $5::int)"
	" SELECT coalesce(json_agg(doc ORDER BY rn) FILTER (WHERE rn < $5::int), '[]')::text,"
	"   CASE WHEN count(*) = $5::int THEN max(key) FILTER (WHERE rn = $5::int - 1) END"
	" FROM page WHERE (SELECT ok FROM chk)",
	5,
};

/* $1 actor, $2 unit code, $3 indicator codes (comma-separated), $4 period,
 * $5 include submitted, $6 plan or NULL.
 *   parts    the wanted indicators and the parts of the ratios among them
 *   rep      the counted reports of the subtree, with nrep: how many the
 *            unit has (several plans may ask it for the same period)
 *   val      one value per unit, indicator and sex: the values of the
 *            parts for the period, read as index ranges (indicator,
 *            period) and joined to rep by hash; a unit with several
 *            counted reports keeps its latest report's value
 *   agg      sum, max and count per indicator and sex (hashed, streamed);
 *   latest   its own pass, for indicators aggregated as latest only
 *   eplan    the issued plans with the period among their reporting
 *            entries (a few hundred rows, so the entries are not probed
 *            once per recipient)
 *   expected the recipients of the subtree that the period's issued plans
 *            expect, with whether their report counts (missing otherwise):
 *            the recipients and the period's reports grouped together by
 *            (plan, unit), one hashed pass instead of a probe per unit
 *            (a unit's report for a plan and period is unique); codes and
 *            names only for the missing
 * 'units' counts the units of rep without sorting them: those with one
 * counted report, plus the distinct units among the few with several.
 * "+ 0" on a join key keeps the planner from probing an index once per
 * unit (see the planning note above): report_value by report_id,
 * plan_recipient and report by unit. */
static const struct db_stmt st_rollup = {
	"rollup_indicators",
	ROOT_AND_SUBTREE
	" want AS (SELECT k.code, min(k.ord) AS ord"
	"   FROM unnest(string_to_array($3::text, ',')) WITH ORDINALITY AS k (code, ord) GROUP BY k.code),"
	" ind AS (SELECT w.code, w.ord, i.id, i.name, i.measure, i.aggregation, i.sex_disaggregated,"
	"     i.numerator_id, i.numerator_sex, i.denominator_id, i.denominator_sex, i.scale, i.unit_of_measure"
	"   FROM want w LEFT JOIN bdg.indicator i ON i.code = w.code),"
	" chk AS (SELECT bdg.check(NOT EXISTS (SELECT 1 FROM ind WHERE id IS NULL), 'BD400',"
	"   'no such indicator: ' || (SELECT string_agg(code, ', ' ORDER BY ord) FROM ind WHERE id IS NULL),"
	"   'indicator') AS ok),"
	" parts AS MATERIALIZED (SELECT DISTINCT x.id FROM ind,"
	"   LATERAL (VALUES (ind.id), (ind.numerator_id), (ind.denominator_id)) AS x (id) WHERE x.id IS NOT NULL),"
	" rep AS MATERIALIZED (SELECT r.id, r.unit_id, r.plan_id, coalesce(r.accepted_at, r.submitted_at) AS at,"
	"     count(*) OVER (PARTITION BY r.unit_id) AS nrep"
	"   FROM bdg.report r"
	"   WHERE r.period = $4::text AND (r.status = 'accepted' OR ($5::boolean AND r.status = 'submitted'))"
	"   AND NOT r.own AND ($6::bigint IS NULL OR r.plan_id = $6::bigint)"
	"   AND r.unit_id + 0 IN (SELECT id FROM sub)),"
	" val AS (SELECT rep.unit_id, v.indicator_id, v.sex, v.value"
	"   FROM parts p JOIN bdg.report_value v ON v.indicator_id = p.id AND v.period = $4::text"
	"   JOIN rep ON rep.id = v.report_id + 0 WHERE rep.nrep = 1"
	"   UNION ALL"
	"   SELECT d.unit_id, d.indicator_id, d.sex, d.value FROM (SELECT DISTINCT ON (rep.unit_id, v.indicator_id, v.sex)"
	"       rep.unit_id, v.indicator_id, v.sex, v.value"
	"     FROM parts p JOIN bdg.report_value v ON v.indicator_id = p.id AND v.period = $4::text"
	"     JOIN rep ON rep.id = v.report_id + 0 WHERE rep.nrep > 1"
	"     ORDER BY rep.unit_id, v.indicator_id, v.sex, rep.at DESC, rep.id DESC) d),"
	" agg AS (SELECT indicator_id, sex, sum(value) AS s, max(value) AS mx, count(*) AS n"
	"   FROM val GROUP BY indicator_id, sex),"
	" latest AS (SELECT DISTINCT ON (v.indicator_id, v.sex) v.indicator_id, v.sex, v.value"
	"   FROM ind JOIN bdg.report_value v ON v.indicator_id = ind.id AND v.period = $4::text"
	"   JOIN rep ON rep.id = v.report_id + 0"
	"   WHERE ind.aggregation = 'latest'"
	"   ORDER BY v.indicator_id, v.sex, rep.at DESC, rep.unit_id DESC, rep.id DESC),"
	" cells AS (SELECT ind.code, sx.sex, sx.o,"
	"     CASE ind.aggregation WHEN 'sum' THEN a.s WHEN 'max' THEN a.mx WHEN 'latest' THEN l.value"
	"       ELSE round(ind.scale * nu.s / nullif(de.s, 0), 2) END AS value,"
	"     coalesce(CASE WHEN ind.aggregation = 'ratio' THEN de.n ELSE a.n END, 0) AS units"
	"   FROM ind CROSS JOIN LATERAL unnest(CASE WHEN ind.sex_disaggregated"
	"       THEN '{female,male,total}'::text[] ELSE '{total}'::text[] END) WITH ORDINALITY AS sx (sex, o)"
	"   LEFT JOIN agg a ON a.indicator_id = ind.id AND a.sex = sx.sex"
	"   LEFT JOIN latest l ON l.indicator_id = ind.id AND l.sex = sx.sex"
	"   LEFT JOIN agg nu ON nu.indicator_id = ind.numerator_id AND nu.sex = coalesce(ind.numerator_sex, sx.sex)"
	"   LEFT JOIN agg de ON de.indicator_id = ind.denominator_id"
	"     AND de.sex = coalesce(ind.denominator_sex, sx.sex)),"
	" eplan AS MATERIALIZED (SELECT p.id FROM bdg.plan p"
	"   WHERE p.status = 'issued' AND ($6::bigint IS NULL OR p.id = $6::bigint)"
	"   AND EXISTS (SELECT 1 FROM bdg.plan_reporting e WHERE e.plan_id = p.id AND e.period = $4::text)),"
	" expected AS MATERIALIZED (SELECT plan_id, unit_id, max(status) AS status,"
	"     coalesce(bool_or(status = 'accepted' OR ($5::boolean AND status = 'submitted')), false) AS counted"
	"   FROM (SELECT pr.plan_id, pr.unit_id, NULL::text AS status, true AS wanted"
	"       FROM eplan p JOIN bdg.plan_recipient pr ON pr.plan_id = p.id"
	"       JOIN sub s ON s.id = pr.unit_id + 0"
	"     UNION ALL SELECT r.plan_id, r.unit_id, r.status, false FROM bdg.report r"
	"       WHERE r.period = $4::text AND ($6::bigint IS NULL OR r.plan_id = $6::bigint)) x"
	"   GROUP BY plan_id, unit_id HAVING bool_or(wanted))"
	" SELECT json_build_object('unit', root.code, 'period', $4::text, 'plan', $6::bigint,"
	"   'include', CASE WHEN $5::boolean THEN json_build_array('accepted', 'submitted')"
	"     ELSE json_build_array('accepted') END,"
	"   'reports', (SELECT count(*) FROM rep),"
	"   'units', (SELECT count(*) FILTER (WHERE nrep = 1)"
	"     + (SELECT count(DISTINCT unit_id) FROM rep WHERE nrep > 1) FROM rep),"
	"   'expected', (SELECT count(*) FROM expected),"
	"   'indicators', (SELECT coalesce(json_agg(json_build_object('indicator', ind.code, 'name', ind.name,"
	"       'measure', ind.measure, 'aggregation', ind.aggregation, 'sex_disaggregated', ind.sex_disaggregated,"
	"       'unit_of_measure', ind.unit_of_measure,"
	"       'units', (SELECT coalesce(max(c.units), 0) FROM cells c WHERE c.code = ind.code),"
	"       'values', (SELECT json_agg(json_build_object('sex', c.sex, 'value', c.value, 'units', c.units)"
	"         ORDER BY c.o) FROM cells c WHERE c.code = ind.code)) ORDER BY ind.ord), '[]')"
	"     FROM ind),"
	"   'missing', (SELECT coalesce(json_agg(m), '[]') FROM (SELECT x.plan_id AS plan, u.code AS unit, u.name,"
	"       coalesce(x.status, 'missing') AS status FROM expected x JOIN bdg.unit u ON u.id = x.unit_id"
	"       WHERE NOT x.counted ORDER BY u.code COLLATE \"C\", x.plan_id) m)"
	" )::text FROM root, chk WHERE chk.ok",
	6,
};

/* These reads run in a transaction of their own with JIT off and the
 * statement's generic plan: a plan over a province is estimated above
 * jit_above_cost, and compiling it costs this machine 0.2 to 2 s where
 * the query itself takes milliseconds; and the shapes above do not depend
 * on the parameters (that is what the planning note is about), so the
 * 1.5-4.5 ms of planning a custom plan for each of a pooled connection's
 * first five executions buys nothing. The settings are transaction-local,
 * so the pooled connection keeps its own. */
static const struct db_stmt st_settings = {
	"rollup_settings",
	"SELECT set_config('jit', 'off', true), set_config('plan_cache_mode', 'force_generic_plan', true)",
	0,
};

/* $1 actor, $2 id, $3 version. */
static const struct db_stmt st_consolidate = {
	"rollup_consolidate",
	"WITH cur AS (SELECT r.* FROM bdg.report r"
	"   WHERE r.id = $2::bigint AND bdg.report_writable(r, bdg.unit_path($1::text)) FOR UPDATE),"
	" chk AS (SELECT bdg.check($3::int IS NULL OR cur.version = $3::int, 'BD412',"
	"   format('The resource has changed since you read it (version %s); read it again.', cur.version))"
	"   AS ok, cur.id FROM cur)"
	" SELECT bdg.report_consolidate(chk.id) FROM chk WHERE chk.ok",
	3,
};

static const struct db_stmt st_doc = {
	"rollup_report_doc",
	"SELECT bdg.report_doc(r)::text, r.version FROM bdg.report r WHERE r.id = $1::bigint",
	1,
};

/* Run a read statement (doc or list shape) in a transaction with the
 * settings above. */
static int read_set(struct bdg_ctx *c, const struct db_stmt *st, const char *const *params,
		    char **doc, char *next, size_t nextlen)
{
	int rc;

	if (ctx_begin(c) < 0)
		return -1;
	if (query_run(c, &st_settings, NULL) < 0) {
		ctx_rollback(c);
		return -1;
	}
	rc = next ? query_list(c, st, params, doc, next, nextlen) : query_doc(c, st, params, doc, NULL);
	if (rc < 0 || ctx_commit(c) < 0) {
		ctx_rollback(c);
		free(*doc);
		*doc = NULL;
		return -1;
	}
	return 0;
}

int rollup_plan_completeness(struct bdg_ctx *c, const char *plan, const char *period, char **doc)
{
	const char *p[] = {c->who.unit, plan, period};

	return read_set(c, &st_plan, p, doc, NULL, 0);
}

int rollup_unit_completeness(struct bdg_ctx *c, const char *code, const char *period, char **doc)
{
	const char *p[] = {c->who.unit, code, period};

	return read_set(c, &st_unit, p, doc, NULL, 0);
}

int rollup_overdue(struct bdg_ctx *c, const char *under, const char *as_of, const struct page *pg,
		   char **items, char *next, size_t nextlen)
{
	const char *p[] = {c->who.unit, under, as_of, pg->has_after ? pg->after : NULL, pg->limit_plus1};

	return read_set(c, &st_overdue, p, items, next, nextlen);
}

int rollup_indicators(struct bdg_ctx *c, const char *code, const char *indicators, const char *period,
		      int include_submitted, const char *plan, char **doc)
{
	const char *p[] = {c->who.unit, code, indicators, period, include_submitted ? "true" : "false", plan};

	return read_set(c, &st_rollup, p, doc, NULL, 0);
}

int rollup_consolidate(struct bdg_ctx *c, const char *id, long long if_version,
		       char **doc, long long *version)
{
	struct sqlargs a = {0};
	const char *pd[1] = {id};
	long n;
	int rc = -1;

	args_str(&a, c->who.unit);
	args_str(&a, id);
	args_version(&a, if_version);
	if (ctx_begin(c) < 0)
		goto out;
	n = query_run(c, &st_consolidate, a.v);
	if (n == 0)
		report_missed(c, id);
	if (n <= 0 || query_doc(c, &st_doc, pd, doc, version) < 0 || ctx_commit(c) < 0) {
		ctx_rollback(c);
		goto out;
	}
	rc = 0;
out:
	args_free(&a);
	return rc;
}

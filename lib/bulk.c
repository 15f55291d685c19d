/* bulk.c: the bulk import: shape checks in C, items staged with COPY,
 * upserts in SQL (010_bulk_sections.sql), one transaction, every bad item
 * named.
 *
 * The path of a request: open the transaction (with the bulk statement
 * timeout), start COPY into pg_temp.bulk_item; check every item of every
 * section with its field table, normalise it (a plan given by its key as
 * plan_unit/plan_number/plan_year becomes {"plan": {unit, number, year}})
 * and send it as one COPY line; on the first shape error stop staging but
 * keep checking, so that every bad item is named; then run the steps in
 * dependency order (bdg.bulk_section) and gather their counts and errors.
 * When the database refuses a step as a whole (a trigger's rule the
 * checks did not foresee), roll back and run the batch again in diagnosis
 * (every item in its own savepoint) to name the items it refuses.
 * Memory: one item's text at a time, plus a 64 KiB COPY buffer (a CSV
 * file's row numbers: one long per row). */
#include "bulk.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "activity.h"
#include "buf.h"
#include "constraint.h"
#include "csv.h"
#include "indicator.h"
#include "plan.h"
#include "report.h"
#include "target.h"
#include "unit.h"
#include "valid.h"

#define COPY_CHUNK 65536
#define FIELD_MAX 256           /* an error's JSON pointer, cut beyond */
#define MESSAGE_MAX 384
#define BULK_TIMEOUT_MS "120000"

enum stage_id { S_UNITS, S_INDICATORS, S_PLANS, S_ACTIVITIES, S_TARGETS, S_REPORTS, S_REPORT_VALUES, S_N };

struct bulk;
typedef void (*check_fn)(json_t *item, const char *path, struct bdg_err *e);

static void check_units(json_t *item, const char *path, struct bdg_err *e);
static void check_indicators(json_t *item, const char *path, struct bdg_err *e);
static void check_plans(json_t *item, const char *path, struct bdg_err *e);
static void check_activities(json_t *item, const char *path, struct bdg_err *e);
static void check_targets(json_t *item, const char *path, struct bdg_err *e);
static void check_reports(json_t *item, const char *path, struct bdg_err *e);
static void check_report_values(json_t *item, const char *path, struct bdg_err *e);

static const char *const bulk_plan_statuses[] = {"draft", "issued", NULL};

/* A plan's natural key, as an object ({"unit", "number", "year"}) ... */
static const struct vfield plan_key_fields[] = {
	{"unit", V_CODE, VF_REQUIRED, 0, 0, NULL, NULL},
	{"number", V_STRING, VF_REQUIRED, 0, 64, NULL, NULL},
	{"year", V_INT, VF_REQUIRED, 2000, 2100, NULL, NULL},
	{NULL, 0, 0, 0, 0, NULL, NULL},
};

/* ... or as three columns of a CSV file (or JSON fields). */
static const struct vfield plan_key_columns[] = {
	{"plan_unit", V_CODE, VF_REQUIRED, 0, 0, NULL, NULL},
	{"plan_number", V_STRING, VF_REQUIRED, 0, 64, NULL, NULL},
	{"plan_year", V_INT, VF_REQUIRED, 2000, 2100, NULL, NULL},
	{NULL, 0, 0, 0, 0, NULL, NULL},
};

/* A report by its key (plan, unit, period), with the fields of the report
 * resource (lib/report.c); an activity result names its activity by
 * section (or id); the read-only fields of an exported report are ignored. */
static const struct vfield report_result_fields[] = {
	{"section", V_STRING, VF_NULLABLE, 0, 40, NULL, NULL},
	{"activity", V_ID, VF_NULLABLE, 0, 0, NULL, NULL},
	{"status", V_ENUM, VF_REQUIRED, 0, 0, report_result_statuses, NULL},
	{"sessions", V_INT, VF_NULLABLE, 0, 1000000, NULL, NULL},
	{"participants_female", V_INT, VF_NULLABLE, 0, 100000000, NULL, NULL},
	{"participants_male", V_INT, VF_NULLABLE, 0, 100000000, NULL, NULL},
	{"notes", V_TEXT, VF_NULLABLE, 0, 2000, NULL, NULL},
	{NULL, 0, 0, 0, 0, NULL, NULL},
};

static const struct vfield report_fields_bulk[] = {
	{"unit", V_CODE, VF_REQUIRED, 0, 0, NULL, NULL},
	{"period", V_PERIOD, VF_REQUIRED, 0, 0, NULL, NULL},
	{"results", V_TEXT, VF_NULLABLE, 0, 20000, NULL, NULL},
	{"difficulties", V_TEXT, VF_NULLABLE, 0, 20000, NULL, NULL},
	{"recommendations", V_TEXT, VF_NULLABLE, 0, 20000, NULL, NULL},
	{"activity_results", V_OBJECTS, VF_NULLABLE, 0, 0, NULL, report_result_fields},
	{"values", V_OBJECTS, VF_NULLABLE, 0, 0, NULL, report_value_fields},
	{"id", V_ID, VF_READONLY, 0, 0, NULL, NULL},
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
	{"ratios", V_OBJECTS, VF_READONLY, 0, 0, NULL, NULL},
	{"version", V_INT, VF_READONLY, 0, 0, NULL, NULL},
	{"created_at", V_STRING, VF_READONLY, 0, 0, NULL, NULL},
	{"updated_at", V_STRING, VF_READONLY, 0, 0, NULL, NULL},
	{NULL, 0, 0, 0, 0, NULL, NULL},
};

/* One value of a report, as a CSV row names it. */
static const struct vfield report_row_fields[] = {
	{"unit", V_CODE, VF_REQUIRED, 0, 0, NULL, NULL},
	{"period", V_PERIOD, VF_REQUIRED, 0, 0, NULL, NULL},
	{"indicator", V_CODE, VF_REQUIRED, 0, 0, NULL, NULL},
	{"sex", V_ENUM, VF_NULLABLE, 0, 0, indicator_sexes, NULL},
	{"value", V_NUMBER, VF_REQUIRED, 0, 1000000000000000LL, NULL, NULL},
	{NULL, 0, 0, 0, 0, NULL, NULL},
};

/* The plan's status in a bulk item (draft, or issued: issued once its
 * activities are in) and its parent plan (by key or id), checked by hand. */
static const struct vfield plan_bulk_fields[] = {
	{"status", V_ENUM, VF_NULLABLE, 0, 0, bulk_plan_statuses, NULL},
	{NULL, 0, 0, 0, 0, NULL, NULL},
};

static const struct vfield *const units_csv[] = {unit_fields, NULL};
static const struct vfield *const indicators_csv[] = {indicator_fields, NULL};
static const struct vfield *const activities_csv[] = {plan_key_columns, activity_fields, NULL};
static const struct vfield *const targets_csv[] = {plan_key_columns, target_fields, NULL};
static const struct vfield *const report_values_csv[] = {plan_key_columns, report_row_fields, NULL};

struct stage {
	const char *name;                       /* JSON section and staging name */
	const char *summary;                    /* the summary's count it goes to */
	int json;                               /* a section of POST /bulk */
	check_fn check;
	const struct vfield *const *csv;        /* CSV columns (NULL: no CSV import) */
	int role;                               /* the role its single writes need */
};

static const struct stage stages[S_N] = {
	[S_UNITS] = {"units", "units", 1, check_units, units_csv, ROLE_ADMIN},
	[S_INDICATORS] = {"indicators", "indicators", 1, check_indicators, indicators_csv, ROLE_ADMIN},
	[S_PLANS] = {"plans", "plans", 1, check_plans, NULL, ROLE_EDITOR},
	[S_ACTIVITIES] = {"activities", "activities", 1, check_activities, activities_csv, ROLE_EDITOR},
	[S_TARGETS] = {"targets", "targets", 1, check_targets, targets_csv, ROLE_EDITOR},
	[S_REPORTS] = {"reports", "reports", 1, check_reports, NULL, ROLE_EDITOR},
	[S_REPORT_VALUES] = {"report_values", "reports", 0, check_report_values, report_values_csv, ROLE_EDITOR},
};

/* The SQL steps in dependency order: each runs when one of its stages has
 * items, and counts into the summary of the first. */
static const struct {
	const char *name;
	int stage[2];
} steps[] = {
	{"units", {S_UNITS, -1}},
	{"indicators", {S_INDICATORS, -1}},
	{"plans", {S_PLANS, -1}},
	{"activities", {S_ACTIVITIES, -1}},
	{"plans_issue", {S_PLANS, -1}},
	{"targets", {S_TARGETS, -1}},
	{"reports", {S_REPORTS, S_REPORT_VALUES}},
};

#define NSTEPS (sizeof steps / sizeof steps[0])

struct bulk {
	struct bdg_ctx *c;
	PGconn *pg;
	int copying;            /* COPY IN is open */
	int diagnosing;         /* the second run, naming what the database refused */
	int present[S_N];       /* the section was sent */
	long n[S_N];            /* items seen */
	long *rows[S_N];        /* CSV: the spreadsheet row of each item */
	size_t rows_cap[S_N];
	json_t *errors;
	long lost_errors;       /* errors json_pack could not hold (no memory) */
	struct buf out;         /* COPY data not sent yet */
};

/* Errors ------------------------------------------------------------------- */

/* The errors found so far. */
static size_t nerrors(const struct bulk *b)
{
	return json_array_size(b->errors) + (size_t)b->lost_errors;
}

/* Copy s into out (n bytes), cut at a whole UTF-8 character: a path that
 * snprintf cut inside one (a long section key or CSV header) still renders. */
static const char *whole_utf8(const char *s, char *out, size_t n)
{
	size_t len;

	snprintf(out, n, "%s", s ? s : "");
	len = strlen(out);
	while (len > 0 && !utf8_valid(out, len))
		out[--len] = '\0';
	return out;
}

/* Every error is kept (up to BULK_MAX_ERRORS): json_pack refuses text that
 * is not UTF-8, so field and message are cut at a whole character first. */
static void add_error(struct bulk *b, const char *field, const char *message, int status)
{
	char f[FIELD_MAX], m[MESSAGE_MAX];
	json_t *e;

	if (nerrors(b) >= BULK_MAX_ERRORS)
		return;
	e = json_pack("{s:s, s:s, s:i}", "field", whole_utf8(field, f, sizeof f),
		      "message", whole_utf8(message, m, sizeof m), "status", status);
	if (!e || json_array_append_new(b->errors, e) < 0)
		b->lost_errors++;
}

/* The JSON pointer of item idx of stage s. */
static void item_path(const struct bulk *b, int s, long idx, char *out, size_t n)
{
	if (b->rows[s] && idx >= 0 && idx < b->n[s])
		snprintf(out, n, "/rows/%ld", b->rows[s][idx]);
	else if (idx >= 0)
		snprintf(out, n, "/%s/%ld", stages[s].name, idx);
	else
		snprintf(out, n, "/%s", stages[s].name);
}

/* Shape checks ------------------------------------------------------------- */

/* valid_object on obj without some keys (checked by hand). */
static int valid_except(const json_t *obj, const struct vfield *spec, const char *path,
			const char *const *skip, struct bdg_err *e)
{
	json_t *copy = json_copy((json_t *)obj);
	int rc, k;

	if (!copy)
		return bdg_fail(e, 500, "internal", "Out of memory.");
	for (k = 0; skip[k]; k++)
		json_object_del(copy, skip[k]);
	rc = valid_object(copy, spec, path, e);
	json_decref(copy);
	return rc;
}

static int present(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return v && !json_is_null(v);
}

/* A plan reference at item[key]: the key object or an id; with columns,
 * also plan_unit, plan_number and plan_year, which become the key object. */
static void plan_ref(json_t *item, const char *key, int required, int columns, const char *path,
		     struct bdg_err *e)
{
	char f[200];
	json_t *v;

	snprintf(f, sizeof f, "%s/%s", path, key);
	if (columns && (present(item, "plan_unit") || present(item, "plan_number") || present(item, "plan_year") ||
			(!present(item, key) && json_object_get(item, "plan_unit")))) {
		json_t *cols = json_pack("{s:O?, s:O?, s:O?}", "plan_unit", json_object_get(item, "plan_unit"),
					 "plan_number", json_object_get(item, "plan_number"),
					 "plan_year", json_object_get(item, "plan_year"));
		if (present(item, key))
			bdg_field(e, f, "give the plan either as %s or as plan_unit, plan_number and plan_year", key);
		else if (cols && valid_object(cols, plan_key_columns, path, e) == 0)
			json_object_set_new(item, key, json_pack("{s:O, s:O, s:O}",
				"unit", json_object_get(cols, "plan_unit"), "number", json_object_get(cols, "plan_number"),
				"year", json_object_get(cols, "plan_year")));
		json_decref(cols);
		json_object_del(item, "plan_unit");
		json_object_del(item, "plan_number");
		json_object_del(item, "plan_year");
		return;
	}
	v = json_object_get(item, key);
	if (!v || json_is_null(v)) {
		if (required)
			bdg_field(e, f, "is required: the plan's key {\"unit\", \"number\", \"year\"} or its id");
	} else if (json_is_integer(v)) {
		if (json_integer_value(v) < 1)
			bdg_field(e, f, "must be a positive id");
	} else if (json_is_object(v)) {
		valid_object(v, plan_key_fields, f, e);
	} else {
		bdg_field(e, f, "must be the plan's key {\"unit\", \"number\", \"year\"} or its id");
	}
}

/* One string of a list, for the duplicate checks: sorted by text, then
 * by position. */
struct listed {
	const char *text;
	size_t at;
};

static int listed_cmp(const void *a, const void *b)
{
	const struct listed *x = a, *y = b;
	int c = strcmp(x->text, y->text);

	return c ? c : (x->at > y->at) - (x->at < y->at);
}

/* A new array of json_array_size(list) flags: flag i is set when item i
 * (its member, when member is not NULL) is a string that an earlier item
 * holds too. Sorting keeps it at n log n whatever the size of the list.
 * NULL when the list has no repeat, or no memory (the database's unique
 * constraints then answer). */
static unsigned char *repeats_new(const json_t *list, const char *member)
{
	size_t i, k, n = json_array_size(list), m = 0;
	struct listed *all = n > 1 ? malloc(n * sizeof *all) : NULL;
	unsigned char *flags = NULL;

	for (i = 0; all && i < n; i++) {
		const json_t *v = json_array_get(list, i);
		const char *text = json_string_value(member ? json_object_get(v, member) : v);
		if (text)
			all[m++] = (struct listed){text, i};
	}
	if (m > 1)
		qsort(all, m, sizeof *all, listed_cmp);
	for (k = 1; k < m; k++) {
		if (strcmp(all[k].text, all[k - 1].text))
			continue;
		if (!flags && !(flags = calloc(n, 1)))
			break;
		flags[all[k].at] = 1;
	}
	free(all);
	return flags;
}

/* No string listed twice in the array item[key] (with member: no two of
 * its objects with the same member). */
static void no_twice(const json_t *item, const char *key, const char *member, const char *message,
			 const char *path, struct bdg_err *e)
{
	const json_t *v = json_object_get(item, key);
	unsigned char *twice = repeats_new(v, member);
	char f[200];
	size_t i;

	for (i = 0; twice && i < json_array_size(v) && e->nfields < BDG_ERR_FIELDS; i++) {
		if (!twice[i])
			continue;
		if (member)
			snprintf(f, sizeof f, "%s/%s/%zu/%s", path, key, i, member);
		else
			snprintf(f, sizeof f, "%s/%s/%zu", path, key, i);
		bdg_field(e, f, "%s", message);
	}
	free(twice);
}

static void check_units(json_t *item, const char *path, struct bdg_err *e)
{
	valid_object(item, unit_fields, path, e);
}

static void check_indicators(json_t *item, const char *path, struct bdg_err *e)
{
	valid_object(item, indicator_fields, path, e);
}

/* As lib/plan.c's, plus what the key needs: a number, and the status and
 * parent plan of a bulk item. */
static void check_plans(json_t *item, const char *path, struct bdg_err *e)
{
	static const char *const skip[] = {"status", "parent_plan", NULL};
	static const char *const nonempty[] = {"number", "place", "signer", "signer_title", NULL};
	static const char *const lists[] = {"legal_bases", "objectives", NULL};
	json_t *st;
	const json_t *v;
	char f[200];
	size_t i;
	int k;

	if (!json_is_object(item)) {
		valid_object(item, plan_fields, path, e);
		return;
	}
	valid_except(item, plan_fields, path, skip, e);
	st = json_pack("{s:O?}", "status", json_object_get(item, "status"));
	if (st)
		valid_object(st, plan_bulk_fields, path, e);
	json_decref(st);
	plan_ref(item, "parent_plan", 0, 0, path, e);
	if (!present(item, "number")) {
		snprintf(f, sizeof f, "%s/number", path);
		bdg_field(e, f, "is required in a bulk import: unit, number and year are the plan's key");
	}
	for (k = 0; nonempty[k]; k++) {
		v = json_object_get(item, nonempty[k]);
		snprintf(f, sizeof f, "%s/%s", path, nonempty[k]);
		if (json_is_string(v) && !json_string_length(v))
			bdg_field(e, f, "must not be empty (leave it out or send null)");
	}
	for (k = 0; lists[k]; k++) {
		v = json_object_get(item, lists[k]);
		snprintf(f, sizeof f, "%s/%s", path, lists[k]);
		if (json_is_array(v) && json_array_size(v) > 100)
			bdg_field(e, f, "must have at most 100 items");
	}
	if (!valid_sizes_ok(item, plan_fields))
		return;         /* the oversized list is named: no rules on it */
	no_twice(item, "recipients", NULL, "is listed twice", path, e);
	no_twice(item, "reporting", "period", "this period is listed twice", path, e);
	v = json_object_get(item, "reporting");
	for (i = 0; json_is_array(v) && i < json_array_size(v) && e->nfields < BDG_ERR_FIELDS; i++) {
		const json_t *r = json_array_get(v, i);
		const char *from = json_string_value(json_object_get(r, "data_from"));
		const char *to = json_string_value(json_object_get(r, "data_to"));
		const char *due = json_string_value(json_object_get(r, "due_on"));
		snprintf(f, sizeof f, "%s/reporting/%zu/data_to", path, i);
		if (from && to && strcmp(to, from) < 0)
			bdg_field(e, f, "must not be before data_from");
		snprintf(f, sizeof f, "%s/reporting/%zu/due_on", path, i);
		if (from && due && strcmp(due, from) <= 0)
			bdg_field(e, f, "must be after data_from");
	}
}

/* An item of a section that names its plan: the plan reference, then the
 * section's fields. -1 when the item is not an object (nothing more to
 * check). */
static int check_plan_item(json_t *item, const struct vfield *fields, const char *path, struct bdg_err *e)
{
	static const char *const skip[] = {"plan", NULL};

	if (!json_is_object(item)) {
		valid_object(item, fields, path, e);
		return -1;
	}
	plan_ref(item, "plan", 1, 1, path, e);
	valid_except(item, fields, path, skip, e);
	return 0;
}

static void check_activities(json_t *item, const char *path, struct bdg_err *e)
{
	const char *from, *to;
	char f[200];

	if (check_plan_item(item, activity_fields, path, e) < 0)
		return;
	from = json_string_value(json_object_get(item, "starts_on"));
	to = json_string_value(json_object_get(item, "ends_on"));
	snprintf(f, sizeof f, "%s/ends_on", path);
	if (from && to && strcmp(to, from) < 0)
		bdg_field(e, f, "must not be before starts_on (%s)", from);
	if (valid_sizes_ok(item, activity_fields))
		no_twice(item, "coordinating_units", NULL, "is listed twice", path, e);
}

static void check_targets(json_t *item, const char *path, struct bdg_err *e)
{
	check_plan_item(item, target_fields, path, e);
}

static void check_reports(json_t *item, const char *path, struct bdg_err *e)
{
	check_plan_item(item, report_fields_bulk, path, e);
}

static void check_report_values(json_t *item, const char *path, struct bdg_err *e)
{
	check_plan_item(item, report_row_fields, path, e);
}

/* Staging ------------------------------------------------------------------ */

/* The bulk transaction: a longer statement timeout than single requests,
 * and no JIT (its compile time costs more than it saves on these
 * one-off statements over fresh temporary tables). */
static const struct db_stmt st_setup = {
	"bulk_setup",
	"SELECT set_config('statement_timeout', '" BULK_TIMEOUT_MS "', true),"
	" set_config('lock_timeout', '" BULK_TIMEOUT_MS "', true), set_config('jit', 'off', true), bdg.bulk_begin()",
	0,
};

/* The same for the diagnosis run (see diagnose()). */
static const struct db_stmt st_setup_diagnose = {
	"bulk_setup_diagnose",
	"SELECT set_config('statement_timeout', '" BULK_TIMEOUT_MS "', true),"
	" set_config('lock_timeout', '" BULK_TIMEOUT_MS "', true), set_config('jit', 'off', true),"
	" set_config('bdg.bulk_diagnose', 'on', true), bdg.bulk_begin()",
	0,
};

static const struct db_stmt st_section = {
	"bulk_section", "SELECT bdg.bulk_section($1::text, $2::text, $3::text)::text", 3,
};

static int copy_failed(struct bulk *b, const char *what)
{
	fprintf(stderr, "{\"level\":\"error\",\"msg\":\"bulk %s failed\",\"error\":\"%s\"}\n", what,
		b->pg ? strtok(PQerrorMessage(b->pg), "\n") : "no connection");
	return bdg_fail(&b->c->err, 503, "unavailable", "The database did not take the batch; try again.");
}

/* Open the transaction and COPY IN. */
static int begin(struct bulk *b)
{
	struct db_conn *conn;
	PGresult *r;

	if (ctx_begin(b->c) < 0 || !(conn = ctx_conn(b->c)))
		return -1;
	r = db_exec(conn, b->diagnosing ? &st_setup_diagnose : &st_setup, NULL, &b->c->err);
	if (!r)
		return -1;
	PQclear(r);
	b->pg = db_pg(conn);
	r = PQexec(b->pg, "COPY pg_temp.bulk_item (section, idx, item) FROM STDIN");
	if (PQresultStatus(r) != PGRES_COPY_IN) {
		PQclear(r);
		return copy_failed(b, "copy");
	}
	PQclear(r);
	b->copying = 1;
	return 0;
}

static int flush(struct bulk *b)
{
	if (b->out.oom)
		return bdg_fail(&b->c->err, 500, "internal", "Out of memory.");
	if (b->out.len && PQputCopyData(b->pg, b->out.data, (int)b->out.len) != 1)
		return copy_failed(b, "copy");
	b->out.len = 0;
	return 0;
}

/* End COPY IN; with a reason, abort it (the transaction is then dead). */
static int copy_end(struct bulk *b, const char *abort_reason)
{
	PGresult *r;
	int ok = 1;

	if (!b->copying)
		return 0;
	b->copying = 0;
	if (!abort_reason && flush(b) < 0)
		abort_reason = "flush failed";
	if (PQputCopyEnd(b->pg, abort_reason) != 1)
		ok = 0;
	while ((r = PQgetResult(b->pg))) {
		if (PQresultStatus(r) != PGRES_COMMAND_OK)
			ok = 0;
		PQclear(r);
	}
	if (!ok && !abort_reason)
		return copy_failed(b, "copy end");
	return 0;
}

/* One COPY text line: section, idx, the item's JSON (backslash escaped). */
static int stage_item(struct bulk *b, int s, long idx, const json_t *item)
{
	char *text = json_dumps(item, JSON_COMPACT);
	const char *p, *run;

	if (!text)
		return bdg_fail(&b->c->err, 500, "internal", "Out of memory.");
	buf_printf(&b->out, "%s\t%ld\t", stages[s].name, idx);
	for (p = run = text; *p; p++) {
		const char *esc = *p == '\\' ? "\\\\" : *p == '\n' ? "\\n" : *p == '\r' ? "\\r" : *p == '\t' ? "\\t" : NULL;
		if (!esc)
			continue;
		buf_add(&b->out, run, (size_t)(p - run));
		buf_puts(&b->out, esc);
		run = p + 1;
	}
	buf_add(&b->out, run, (size_t)(p - run));
	buf_add(&b->out, "\n", 1);
	free(text);
	return b->out.len >= COPY_CHUNK ? flush(b) : 0;
}

/* Check item idx of stage s (normalising it in place) and stage it while
 * the batch is still clean. A role that may not write the section at all
 * gets 403 for each item before any shape check, as the dispatcher
 * answers a single write. */
static int take_item(struct bulk *b, int s, long idx, json_t *item)
{
	struct bdg_err e;
	char path[64], msg[80];
	int k;

	memset(&e, 0, sizeof e);
	item_path(b, s, idx, path, sizeof path);
	if (b->c->who.role < stages[s].role) {
		snprintf(msg, sizeof msg, "only an %s may write %s", role_name(stages[s].role), stages[s].summary);
		add_error(b, path, msg, 403);
		return 0;
	}
	stages[s].check(item, path, &e);
	if (e.nfields || e.status) {
		if (e.nfields == 0)
			add_error(b, path, json_is_object(item) ? e.detail : "must be an object", 422);
		for (k = 0; k < e.nfields; k++)
			add_error(b, e.fields[k].field, e.fields[k].message, 422);
		return 0;
	}
	if (nerrors(b))
		return 0;
	return stage_item(b, s, idx, item);
}

/* Running the steps ---------------------------------------------------------- */

static int stage_named(const char *name)
{
	int s;

	for (s = 0; name && s < S_N; s++)
		if (strcmp(stages[s].name, name) == 0)
			return s;
	return -1;
}

/* The SQL function's item errors as JSON pointers, messages and statuses. */
static void sql_errors(struct bulk *b, int stage, const json_t *errs)
{
	const json_t *e;
	size_t i;

	json_array_foreach(errs, i, e) {
		const char *field = json_string_value(json_object_get(e, "field"));
		const char *msg = json_string_value(json_object_get(e, "message"));
		const char *cons = json_string_value(json_object_get(e, "constraint"));
		const char *state = json_string_value(json_object_get(e, "sqlstate"));
		const json_t *index = json_object_get(e, "index");
		const struct constraint_rule *rule = constraint_find(cons);
		int s = stage_named(json_string_value(json_object_get(e, "section")));
		const char *code;
		char base[64], path[320];
		int status = bdg_sqlstate_status(state, &code);

		if (rule) {
			field = field ? field : rule->field;
			msg = msg ? msg : rule->message;
			status = rule->status;
		}
		if (!msg)
			msg = status == 409 ? "conflicts with existing data" : status == 503
				? "the database was busy; send the batch again" : "has a value the database does not accept";
		if (status < 400 || status == 500)
			status = 422;
		item_path(b, s >= 0 ? s : stage, json_is_integer(index) ? (long)json_integer_value(index) : -1,
			  base, sizeof base);
		snprintf(path, sizeof path, "%s%s", base, field ? field : "");
		add_error(b, path, msg, status);
	}
}

static void count_into(json_t *summary, const char *key, const json_t *res)
{
	json_t *sum = json_object_get(summary, key);
	static const char *const names[] = {"created", "updated", "unchanged"};
	int k;

	if (!sum) {
		sum = json_pack("{s:i, s:i, s:i, s:i}", "created", 0, "updated", 0, "unchanged", 0, "rejected", 0);
		json_object_set_new(summary, key, sum);
	}
	for (k = 0; k < 3; k++) {
		json_int_t add = json_integer_value(json_object_get(res, names[k]));
		json_object_set_new(sum, names[k], json_integer(json_integer_value(json_object_get(sum, names[k])) + add));
	}
}

/* Run the steps in dependency order. A step that answers item errors
 * stops the batch (later sections would only repeat what follows from
 * them); a step the database refuses as a whole (a rule of a trigger the
 * checks did not foresee) returns -1 with c->err set and *refused = 1. */
static int run_steps(struct bulk *b, json_t *summary, int *refused)
{
	struct db_conn *conn = ctx_conn(b->c);
	size_t k;
	int s;

	*refused = 0;
	for (s = 0; s < S_N; s++)
		if (b->present[s])
			count_into(summary, stages[s].summary, NULL);
	for (k = 0; k < NSTEPS; k++) {
		const char *p[3];
		json_t *res;
		char *out;

		if (!b->present[steps[k].stage[0]] && !(steps[k].stage[1] >= 0 && b->present[steps[k].stage[1]]))
			continue;
		p[0] = steps[k].name;
		p[1] = b->c->who.unit;
		p[2] = role_name(b->c->who.role);
		out = db_value_new(conn, &st_section, p, &b->c->err);
		res = out ? json_loads(out, 0, NULL) : NULL;
		free(out);
		if (!res) {
			if (!b->c->err.status)
				bdg_fail(&b->c->err, 500, "internal", "The bulk import failed.");
			*refused = b->c->err.status >= 400 && b->c->err.status < 500;
			return -1;
		}
		sql_errors(b, steps[k].stage[0], json_object_get(res, "errors"));
		count_into(summary, stages[steps[k].stage[0]].summary, res);
		if (steps[k].stage[1] == S_REPORT_VALUES && b->present[S_REPORT_VALUES])
			count_into(summary, "report_values", json_object_get(res, "values"));
		json_decref(res);
		if (nerrors(b))
			break;
	}
	return 0;
}

/* How many of the errors are items the caller may not write. */
static size_t forbidden(const json_t *errors)
{
	const json_t *e;
	size_t i, n = 0;

	json_array_foreach(errors, i, e)
		n += json_integer_value(json_object_get(e, "status")) == 403;
	return n;
}

static void bulk_free(struct bulk *b)
{
	int s;

	if (b->copying)
		copy_end(b, "failed");
	for (s = 0; s < S_N; s++) {
		free(b->rows[s]);
		b->rows[s] = NULL;
		b->rows_cap[s] = 0;
	}
	buf_free(&b->out);
}

/* What fills the staging table: the sections of a JSON body, or the rows
 * of a CSV file. Called again for the diagnosis. */
struct source {
	const json_t *body;             /* JSON */
	int stage;                      /* CSV: its stage */
	const char *text;
	size_t len;
};

static int stage_json(struct bulk *b, const json_t *body);
static int stage_csv(struct bulk *b, int s, const char *text, size_t len);

static int stage_all(struct bulk *b, const struct source *src)
{
	return src->body ? stage_json(b, src->body) : stage_csv(b, src->stage, src->text, src->len);
}

/* The database refused a step as a whole. Roll back and run the batch
 * again with every item of each section in its own savepoint
 * (bdg.bulk_diagnose, 010), only to name the items it refuses; the batch
 * is rolled back in any case. Returns -1 with c->err: the rejection, or
 * the database's own error when no item is named. */
static int diagnose(struct bulk *b, const struct source *src)
{
	struct bdg_err first = b->c->err;
	json_t *scratch = json_object();
	int refused, s;

	ctx_rollback(b->c);
	bdg_err_clear(&b->c->err);
	for (s = 0; s < S_N; s++)
		b->n[s] = 0;
	b->diagnosing = 1;
	if (begin(b) < 0)
		goto give_up;
	if (stage_all(b, src) < 0 || copy_end(b, NULL) < 0 || run_steps(b, scratch, &refused) < 0)
		goto give_up;
	ctx_rollback(b->c);
	json_decref(scratch);
	if (!nerrors(b)) {
		b->c->err = first;
		return -1;
	}
	return 1;
give_up:
	copy_end(b, "failed");
	ctx_rollback(b->c);
	json_decref(scratch);
	b->c->err = first;
	return -1;
}

/* Stage, run, and commit, or roll back (dry run, rejected items). */
static int run(struct bulk *b, const struct source *src, int dry_run, json_t *summary)
{
	size_t n403;
	int refused = 0;

	if (stage_all(b, src) < 0)
		goto fail;
	if (nerrors(b)) {
		copy_end(b, "rejected");
		ctx_rollback(b->c);
		goto rejected;
	}
	if (copy_end(b, NULL) < 0)
		goto fail;
	if (run_steps(b, summary, &refused) < 0) {
		if (refused && diagnose(b, src) > 0)
			goto rejected;
		goto fail;
	}
	if (nerrors(b)) {
		ctx_rollback(b->c);
		goto rejected;
	}
	if (dry_run) {
		ctx_rollback(b->c);
		return 0;
	}
	return ctx_commit(b->c);
rejected:
	/* Items the caller's role or reach may not write: 403, as a single
	 * write of any of them would answer (authorization comes before
	 * content there too), with every problem named; otherwise 422. */
	if ((n403 = forbidden(b->errors)) > 0)
		bdg_fail(&b->c->err, 403, "forbidden", "%zu item(s) of the batch may not be written with your "
			 "token (%zu problem(s) in all); nothing was written.", n403, nerrors(b));
	else
		bdg_fail(&b->c->err, 422, "bulk_rejected", "%zu problem(s) in the batch; nothing was written.",
			 nerrors(b));
	return -1;
fail:
	copy_end(b, "failed");
	ctx_rollback(b->c);
	return -1;
}

/* The sections of a JSON body, checked (unknown sections, arrays) by
 * bulk_run before the transaction. */
static int stage_json(struct bulk *b, const json_t *body)
{
	int s;

	for (s = 0; s < S_N; s++) {
		json_t *items = json_object_get(body, stages[s].name);
		size_t i;

		if (!b->present[s])
			continue;
		b->n[s] = (long)json_array_size(items);
		for (i = 0; i < json_array_size(items); i++) {
			json_t *item = json_array_get(items, i);
			json_t *copy = json_is_object(item) ? json_copy(item) : json_incref(item);
			int r = copy ? take_item(b, s, (long)i, copy)
				: bdg_fail(&b->c->err, 500, "internal", "Out of memory.");
			json_decref(copy);
			if (r < 0)
				return -1;
		}
	}
	return 0;
}

int bulk_run(struct bdg_ctx *c, const json_t *body, int dry_run, json_t **summary,
	     json_t **errors)
{
	struct source src = {body, -1, NULL, 0};
	struct bulk b;
	const char *key;
	json_t *v;
	int rc = -1, s;

	memset(&b, 0, sizeof b);
	b.c = c;
	b.errors = *errors = json_array();
	*summary = json_pack("{s:b}", "dry_run", dry_run);
	json_object_foreach((json_t *)body, key, v) {
		char path[80];
		snprintf(path, sizeof path, "/%.60s", key);
		s = stage_named(key);
		if (s < 0 || !stages[s].json)
			add_error(&b, path, "is not a section of a bulk import", 422);
		else if (!json_is_array(v))
			add_error(&b, path, "must be an array", 422);
		else
			b.present[s] = 1;
	}
	if (!nerrors(&b) && begin(&b) < 0) {
		ctx_rollback(c);
		goto out;
	}
	rc = run(&b, &src, dry_run, *summary);
out:
	bulk_free(&b);
	return rc;
}

/* CSV ---------------------------------------------------------------------- */

int bulk_csv_resource(const char *resource)
{
	int s = stage_named(resource);

	return s >= 0 && stages[s].csv != NULL;
}

static const struct vfield *csv_field(const struct vfield *const *tables, const char *name)
{
	const struct vfield *f;

	for (; *tables; tables++)
		for (f = *tables; f->name; f++)
			if (strcmp(f->name, name) == 0)
				return f;
	return NULL;
}

/* A cell as the JSON value its field takes: integers, numbers (a decimal
 * comma is taken too), booleans, arrays as JSON text or separated by '|';
 * anything that does not read as its type stays a string, for
 * valid_object to name. */
static json_t *csv_value(const char *cell, const struct vfield *f)
{
	char *end, tmp[64];
	const char *s = cell;

	while (*s == ' ')
		s++;
	switch (f->kind) {
	case V_INT:
	case V_ID: {
		long long v;
		errno = 0;
		v = strtoll(s, &end, 10);
		while (*end == ' ')
			end++;
		if (!errno && end != s && !*end && isdigit((unsigned char)s[*s == '-']))
			return json_integer(v);
		break;
	}
	case V_NUMBER: {
		double d;
		size_t n = strlen(s);
		if (n < sizeof tmp && strchr(s, ',') && !strchr(s, '.') && strchr(s, ',') == strrchr(s, ',')) {
			memcpy(tmp, s, n + 1);
			*strchr(tmp, ',') = '.';
			s = tmp;
		}
		if (strspn(s, "-0123456789") == strlen(s) && *s && strcmp(s, "-")) {
			long long v;
			errno = 0;
			v = strtoll(s, &end, 10);
			if (!errno && !*end)
				return json_integer(v);
		}
		errno = 0;
		d = strtod(s, &end);
		while (*end == ' ')
			end++;
		if (!errno && end != s && !*end && isfinite(d) && isdigit((unsigned char)s[*s == '-']))
			return json_real(d);
		break;
	}
	case V_BOOL:
		if (!strcasecmp(s, "true") || !strcmp(s, "1"))
			return json_true();
		if (!strcasecmp(s, "false") || !strcmp(s, "0"))
			return json_false();
		break;
	case V_STRINGS:
	case V_CODES:
	case V_OBJECTS:
		if (*s == '[' || f->kind == V_OBJECTS) {
			json_t *v = json_loads(s, JSON_REJECT_DUPLICATES, NULL);
			if (json_is_array(v))
				return v;
			json_decref(v);
			break;
		} else {
			json_t *arr = json_array();
			const char *p = cell;
			for (;;) {
				size_t n = strcspn(p, "|");
				const char *a = p, *z = p + n;
				if (f->kind == V_CODES) {
					while (a < z && *a == ' ')
						a++;
					while (z > a && z[-1] == ' ')
						z--;
				}
				json_array_append_new(arr, json_stringn(a, (size_t)(z - a)));
				if (!p[n])
					break;
				p += n + 1;
			}
			return arr;
		}
	default:
		break;
	}
	return json_string(cell);
}

/* The rows of a CSV file of stage s: the header names the fields; each
 * row becomes an item (its row number kept for the error paths). */
static int stage_csv(struct bulk *b, int s, const char *text, size_t len)
{
	struct csv csv;
	const struct vfield *defs[CSV_MAX_FIELDS];
	char *cols[CSV_MAX_FIELDS];
	int ncols = 0, r, i, j, rc = -1;
	long idx = 0;

	b->n[s] = 0;
	if (!b->rows[s]) {
		b->rows_cap[s] = 1024;
		b->rows[s] = malloc(b->rows_cap[s] * sizeof *b->rows[s]);
		if (!b->rows[s])
			return bdg_fail(&b->c->err, 500, "internal", "Out of memory.");
	}
	csv_open(&csv, text, len);
	r = csv_next(&csv);
	if (r < 0) {
		add_error(b, "/rows", csv.error, 400);
	} else if (r == 0) {
		add_error(b, "/rows/1", "the file has no header row naming the fields", 400);
	} else {
		for (i = 0; i < csv.nfields; i++) {
			char f[200];
			const char *name = csv.fields[i];
			while (*name == ' ')
				name++;
			cols[ncols] = strdup(name);
			if (!cols[ncols]) {
				bdg_fail(&b->c->err, 500, "internal", "Out of memory.");
				goto out;
			}
			for (j = (int)strlen(cols[ncols]); j > 0 && cols[ncols][j - 1] == ' '; j--)
				cols[ncols][j - 1] = '\0';
			defs[ncols] = csv_field(stages[s].csv, cols[ncols]);
			snprintf(f, sizeof f, "/rows/%ld/%.120s", csv.row, cols[ncols]);
			if (!defs[ncols] && cols[ncols][0])
				add_error(b, f, "is not a field of this resource (the header row names the fields)", 422);
			for (j = 0; j < ncols; j++)
				if (strcmp(cols[j], cols[ncols]) == 0)
					add_error(b, f, "is named twice in the header row", 422);
			ncols++;
		}
	}
	while (ncols > 0 && nerrors(b) < BULK_MAX_ERRORS) {
		json_t *item;
		char path[64];

		if ((r = csv_next(&csv)) == 0)
			break;
		if (r < 0) {
			add_error(b, "/rows", csv.error, 400);
			break;
		}
		if ((size_t)idx >= b->rows_cap[s]) {
			long *nr = realloc(b->rows[s], 2 * b->rows_cap[s] * sizeof *nr);
			if (!nr) {
				bdg_fail(&b->c->err, 500, "internal", "Out of memory.");
				goto out;
			}
			b->rows[s] = nr;
			b->rows_cap[s] *= 2;
		}
		b->rows[s][idx] = csv.row;
		b->n[s] = idx + 1;
		item = json_object();
		snprintf(path, sizeof path, "/rows/%ld", csv.row);
		for (i = 0; i < csv.nfields; i++) {
			if (i >= ncols) {
				if (csv.fields[i][0])
					add_error(b, path, "has more cells than the header row has names", 422);
				continue;
			}
			if (!defs[i])
				continue;
			json_object_set_new(item, cols[i], csv.fields[i][0] ? csv_value(csv.fields[i], defs[i]) : json_null());
		}
		r = take_item(b, s, idx, item);
		json_decref(item);
		if (r < 0)
			goto out;
		idx++;
	}
	rc = 0;
out:
	for (i = 0; i < ncols; i++)
		free(cols[i]);
	csv_close(&csv);
	return rc;
}

int bulk_run_csv(struct bdg_ctx *c, const char *resource, const char *text, size_t len,
		 int dry_run, json_t **summary, json_t **errors)
{
	struct source src = {NULL, stage_named(resource), text, len};
	struct bulk b;
	int rc;

	memset(&b, 0, sizeof b);
	b.c = c;
	b.errors = *errors = json_array();
	*summary = json_pack("{s:b}", "dry_run", dry_run);
	if (src.stage < 0 || !stages[src.stage].csv)
		return bdg_fail(&c->err, 404, "not_found", "There is no CSV import for this resource.");
	b.present[src.stage] = 1;
	if (begin(&b) < 0) {
		ctx_rollback(c);
		bulk_free(&b);
		return -1;
	}
	rc = run(&b, &src, dry_run, *summary);
	bulk_free(&b);
	return rc;
}

/* indicator.c: queries of the indicator catalogue (bdg.indicator, 003).
 * Reads take no scope: every token reads the whole catalogue. Writes are
 * for an admin whose token's unit is a root unit (no parent), which
 * st_writer checks in SQL before every write; there is no delete: an
 * indicator leaves use with active = false. */
#include "indicator.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "query.h"

const char *const indicator_measures[] = {"count", "percent", "ratio", NULL};
const char *const indicator_aggregations[] = {"sum", "ratio", "max", "latest", NULL};
const char *const indicator_sexes[] = {"female", "male", "total", NULL};

const struct vfield indicator_fields[] = {
	{"id", V_ID, VF_READONLY, 0, 0, NULL, NULL},
	{"code", V_CODE, VF_REQUIRED, 0, 0, NULL, NULL},
	{"name", V_STRING, VF_REQUIRED, 0, 500, NULL, NULL},
	{"measure", V_ENUM, VF_REQUIRED, 0, 0, indicator_measures, NULL},
	{"sex_disaggregated", V_BOOL, 0, 0, 0, NULL, NULL},
	{"aggregation", V_ENUM, VF_REQUIRED, 0, 0, indicator_aggregations, NULL},
	{"numerator", V_CODE, VF_NULLABLE, 0, 0, NULL, NULL},
	{"numerator_sex", V_ENUM, VF_NULLABLE, 0, 0, indicator_sexes, NULL},
	{"denominator", V_CODE, VF_NULLABLE, 0, 0, NULL, NULL},
	{"denominator_sex", V_ENUM, VF_NULLABLE, 0, 0, indicator_sexes, NULL},
	{"scale", V_NUMBER, VF_NULLABLE, 0, 1000000000, NULL, NULL},
	{"unit_of_measure", V_STRING, VF_NULLABLE, 0, 50, NULL, NULL},
	{"source", V_STRING, VF_NULLABLE, 0, 1000, NULL, NULL},
	{"description", V_TEXT, VF_NULLABLE, 0, 4000, NULL, NULL},
	{"active", V_BOOL, 0, 0, 0, NULL, NULL},
	{"version", V_INT, VF_READONLY, 0, 0, NULL, NULL},
	{"created_at", V_STRING, VF_READONLY, 0, 0, NULL, NULL},
	{"updated_at", V_STRING, VF_READONLY, 0, 0, NULL, NULL},
	{NULL, 0, 0, 0, 0, NULL, NULL},
};

static const struct db_stmt st_get = {
	"indicator_get",
	"SELECT bdg.indicator_doc(i)::text, i.version FROM bdg.indicator i WHERE i.code = $1::text",
	1,
};

/* $1 after, $2 limit+1, $3 measure, $4 aggregation, $5 sex_disaggregated,
 * $6 active, $7 q (over code and name only). */
static const struct db_stmt st_list = {
	"indicator_list",
	"WITH page AS (SELECT i.code AS k, bdg.indicator_doc(i) AS doc,"
	"   row_number() OVER (ORDER BY i.code) AS rn"
	"   FROM bdg.indicator i"
	"   WHERE ($1::text IS NULL OR i.code > $1::text)"
	"   AND ($3::text IS NULL OR i.measure = $3::text)"
	"   AND ($4::text IS NULL OR i.aggregation = $4::text)"
	"   AND ($5::boolean IS NULL OR i.sex_disaggregated = $5::boolean)"
	"   AND ($6::boolean IS NULL OR i.active = $6::boolean)"
	"   AND ($7::text IS NULL OR bdg.matches(bdg.fold(i.code || ' ' || i.name), $7::text))"
	"   ORDER BY i.code LIMIT $2::int)"
	" SELECT coalesce(jsonb_agg(doc ORDER BY rn) FILTER (WHERE rn < $2::int), '[]')::text,"
	"   CASE WHEN count(*) = $2::int THEN max(k) FILTER (WHERE rn = $2::int - 1) END"
	" FROM page",
	7,
};

/* Every write runs this first: the caller ($1, the token's unit) is a
 * root unit; the route has already asked for the admin role. */
static const struct db_stmt st_writer = {
	"indicator_writer",
	"SELECT bdg.check(EXISTS (SELECT 1 FROM bdg.unit WHERE code = $1::text AND parent_id IS NULL), 'BD403',"
	"  format('Only an admin of a root unit (a unit without a parent) may change the indicator"
	" catalogue; your unit %s is not a root unit.', $1::text))",
	1,
};

/* The numerator ($6) and denominator ($8) name indicators that exist. */
#define INDICATOR_WRITE_CHECK \
	"chk AS (SELECT" \
	"  bdg.check($6::text IS NULL OR EXISTS (SELECT 1 FROM bdg.indicator WHERE code = $6::text)," \
	"    'BD422', format('no such indicator: %s', $6::text), '/numerator')" \
	"  AND bdg.check($8::text IS NULL OR EXISTS (SELECT 1 FROM bdg.indicator WHERE code = $8::text)," \
	"    'BD422', format('no such indicator: %s', $8::text), '/denominator') AS ok)"

/* $1 code, $2 name, $3 measure, $4 sex_disaggregated, $5 aggregation,
 * $6 numerator, $7 numerator_sex, $8 denominator, $9 denominator_sex,
 * $10 scale, $11 unit_of_measure, $12 source, $13 description, $14 active. */
static const struct db_stmt st_create = {
	"indicator_create",
	"WITH " INDICATOR_WRITE_CHECK
	" INSERT INTO bdg.indicator (code, name, measure, sex_disaggregated, aggregation,"
	"   numerator_id, numerator_sex, denominator_id, denominator_sex, scale, unit_of_measure,"
	"   source, description, active)"
	" SELECT $1::text, $2::text, $3::text, coalesce($4::boolean, false), $5::text,"
	"   (SELECT id FROM bdg.indicator WHERE code = $6::text), $7::text,"
	"   (SELECT id FROM bdg.indicator WHERE code = $8::text), $9::text, $10::numeric, $11::text,"
	"   $12::text, $13::text, coalesce($14::boolean, true)"
	" FROM chk WHERE chk.ok"
	" RETURNING bdg.indicator_doc(indicator)::text, version",
	14,
};

/* As st_create, with $15 the If-Match version (NULL: no check). */
static const struct db_stmt st_update = {
	"indicator_update",
	"WITH " INDICATOR_WRITE_CHECK
	" UPDATE bdg.indicator i SET name = $2::text, measure = $3::text,"
	"   sex_disaggregated = coalesce($4::boolean, false), aggregation = $5::text,"
	"   numerator_id = (SELECT id FROM bdg.indicator WHERE code = $6::text), numerator_sex = $7::text,"
	"   denominator_id = (SELECT id FROM bdg.indicator WHERE code = $8::text), denominator_sex = $9::text,"
	"   scale = $10::numeric, unit_of_measure = $11::text, source = $12::text,"
	"   description = $13::text, active = coalesce($14::boolean, true)"
	" FROM chk WHERE chk.ok AND i.code = $1::text AND ($15::int IS NULL OR i.version = $15::int)"
	" RETURNING bdg.indicator_doc(i)::text, i.version",
	15,
};

/* The indicator code format of 003 (indicator_code_format), checked here
 * to name the rule: GEN-0301, LEAD-F, A1-B2-C3-D4. */
static int code_ok(const char *s)
{
	size_t run = 0;
	int parts = 0;

	if (!isupper((unsigned char)*s))
		return 0;
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '-') {
			if (run == 0 || ++parts > 3)
				return 0;
			run = 0;
		} else if (isupper(ch) || isdigit(ch)) {
			if (++run > 16)
				return 0;
		} else {
			return 0;
		}
	}
	return run > 0;
}

static int one_of(const char *s, const char *const *set)
{
	for (; *set; set++)
		if (strcmp(s, *set) == 0)
			return 1;
	return 0;
}

static int present(const json_t *body, const char *key)
{
	const json_t *v = json_object_get(body, key);

	return v && !json_is_null(v);
}

/* The rules that tie fields together (after valid_object): the code's
 * format, the aggregations a measure allows, and the parts of a ratio.
 * Every field at fault is named. */
static int check_rules(const json_t *body, struct bdg_err *err)
{
	const char *code = json_string_value(json_object_get(body, "code"));
	const char *measure = json_string_value(json_object_get(body, "measure"));
	const char *agg = json_string_value(json_object_get(body, "aggregation"));
	static const char *const for_count[] = {"sum", "max", "latest", NULL};
	static const char *const for_percent[] = {"ratio", "max", "latest", NULL};
	static const char *const for_ratio[] = {"ratio", NULL};
	static const char *const parts[] = {"numerator", "denominator", "numerator_sex", "denominator_sex"};
	int ratio = strcmp(agg, "ratio") == 0;
	char field[32];
	int bad = 0;
	size_t i;

	if (!code_ok(code))
		bad = bdg_field(err, "/code", "must be an indicator code: a capital letter, then up to 15 capital "
				"letters or digits, and up to 3 more parts of 1-16 after '-' (GEN-0301)");
	if (!one_of(agg, strcmp(measure, "count") == 0 ? for_count
		    : strcmp(measure, "percent") == 0 ? for_percent : for_ratio))
		bad = bdg_field(err, "/aggregation", "does not fit the measure %s: use %s", measure,
				strcmp(measure, "count") == 0 ? "sum, max or latest"
				: strcmp(measure, "percent") == 0 ? "ratio, max or latest" : "ratio");
	for (i = 0; i < sizeof parts / sizeof parts[0]; i++) {
		snprintf(field, sizeof field, "/%s", parts[i]);
		if (ratio && i < 2 && !present(body, parts[i]))
			bad = bdg_field(err, field, "is required when the aggregation is ratio (a count indicator's code)");
		else if (!ratio && present(body, parts[i]))
			bad = bdg_field(err, field, "only an indicator with the aggregation ratio has one");
	}
	if (!ratio && present(body, "scale"))
		bad = bdg_field(err, "/scale", "only an indicator with the aggregation ratio has a scale");
	return bad ? -1 : 0;
}

/* $2..$14 of the write statements from the body. */
static void body_args(struct sqlargs *a, const json_t *body)
{
	static const char *const keys[] = {"name", "measure", "sex_disaggregated", "aggregation",
		"numerator", "numerator_sex", "denominator", "denominator_sex", "scale",
		"unit_of_measure", "source", "description", "active"};
	size_t i;

	for (i = 0; i < sizeof keys / sizeof keys[0]; i++)
		args_json(a, body, keys[i]);
}

int indicator_get(struct bdg_ctx *c, const char *code, char **doc, long long *version)
{
	const char *p[] = {code};

	return query_doc(c, &st_get, p, doc, version);
}

int indicator_list(struct bdg_ctx *c, const struct indicator_filter *f, const struct page *pg,
		   char **items, char *next, size_t nextlen)
{
	const char *p[] = {pg->has_after ? pg->after : NULL, pg->limit_plus1, f->measure,
		f->aggregation, f->sex_disaggregated, f->active, f->q};

	return query_list(c, &st_list, p, items, next, nextlen);
}

int indicator_create(struct bdg_ctx *c, const json_t *body, char **doc, long long *version)
{
	const char *writer[] = {c->who.unit};
	struct sqlargs a = {0};
	int rc = -1;

	if (valid_object(body, indicator_fields, "", &c->err) < 0 || check_rules(body, &c->err) < 0)
		return -1;
	args_json(&a, body, "code");
	body_args(&a, body);
	if (ctx_begin(c) < 0)
		goto out;
	if (query_run(c, &st_writer, writer) >= 0)
		rc = query_doc(c, &st_create, a.v, doc, version);
	rc = ctx_finish(c, rc, doc);
out:
	args_free(&a);
	return rc;
}

int indicator_update(struct bdg_ctx *c, const char *code, const json_t *body,
		     long long if_version, char **doc, long long *version)
{
	const char *writer[] = {c->who.unit};
	struct sqlargs a = {0};
	const json_t *bc;
	long long cur = 0;
	int rc = -1;

	if (valid_object(body, indicator_fields, "", &c->err) < 0)
		return -1;
	bc = json_object_get(body, "code");
	if (strcmp(json_string_value(bc), code) != 0)
		return bdg_field(&c->err, "/code", "cannot be changed (it is the indicator's key)");
	if (check_rules(body, &c->err) < 0)
		return -1;
	args_str(&a, code);
	body_args(&a, body);
	args_version(&a, if_version);
	if (ctx_begin(c) < 0)
		goto out;
	if (query_run(c, &st_writer, writer) < 0)
		goto end;
	rc = query_doc(c, &st_update, a.v, doc, version);
	if (rc < 0 && c->err.status == 404) {
		/* No row: unknown code, a stale version, or a write that changes
		 * nothing (bdg.touch skips it): then the current document. */
		bdg_err_clear(&c->err);
		rc = indicator_get(c, code, doc, &cur);
		if (rc == 0 && if_version > 0 && cur != if_version)
			rc = bdg_fail(&c->err, 412, "precondition_failed",
				      "The resource has changed since you read it (version %lld); read it again.", cur);
		if (rc == 0 && version)
			*version = cur;
	}
end:
	rc = ctx_finish(c, rc, doc);
out:
	args_free(&a);
	return rc;
}

/* fuzz_body.c: request bodies, decoded by api/http.c's own decode_body
 * (json_depth_ok, then json_loadb with JSON_REJECT_DUPLICATES), checked
 * against every resource's field table with valid_object, merged into a
 * stored document as PATCH does, and passed to every lib/ write function
 * with a database pool that cannot connect, so that each runs its body
 * checks (valid_object and the rules beside it) and stops at ctx_begin
 * with 503.
 *
 * Besides crashes and sanitizer reports, a run aborts when an answer the
 * dispatcher would send breaks a rule:
 *   - json_depth_ok disagrees with the real nesting of a decoded body;
 *   - an error is not 4xx or 503, or fills no field where it says 422;
 *   - a problem body could not be rendered (json_pack refuses a field,
 *     message or detail that is not UTF-8, and send_problem then drops it);
 *   - json_pack or json_string fails anywhere in lib/ (wrap.c, linked
 *     with --wrap): lib/ builds error lists with them, and a NULL is
 *     dropped without a word (bulk_run would then go on with a batch whose
 *     only error was lost);
 *   - bulk_run goes to the database although the batch has a top-level key
 *     that is not one of the sections bulk.h documents, or answers other
 *     than 422 or 503. A second run adds a key that is no section, so
 *     that bulk_run checks every item without opening a transaction. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "activity.h"
#include "bulk.h"
#include "ctx.h"
#include "db.h"
#include "indicator.h"
#include "plan.h"
#include "report.h"
#include "target.h"
#include "unit.h"
#include "valid.h"
#include "wrap.h"

#include "http.h"

/* decode_body and the static functions it calls (media_is, json_depth_ok),
 * copied out of api/http.c at build time by extract.py: the dispatcher's
 * own code, which http.c keeps static. */
#include "http_decode.h"

#define DEPTH_MAX 32            /* BDG_JSON_DEPTH_MAX's default */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct {
	const char *name;
	const struct vfield *spec;
} tables[] = {
	{"unit", unit_fields},
	{"unit_merge", unit_merge_fields},
	{"plan", plan_fields},
	{"plan_issue", plan_issue_fields},
	{"plan_cancel", plan_cancel_fields},
	{"plan_supersede", plan_supersede_fields},
	{"activity", activity_fields},
	{"indicator", indicator_fields},
	{"target_set", target_set_fields},
	{"report", report_fields},
	{"report_return", report_return_fields},
};
#define NTABLES (sizeof tables / sizeof tables[0])

/* Stored documents as GET shows them, for the PATCH path
 * (api/resource.c resource_patch: merge patch, then the PUT checks). */
static const struct {
	const struct vfield *spec;
	const char *doc;
} stored[] = {
	{unit_fields, "{\"id\":3,\"code\":\"HUE-SYT\",\"name\":\"Sở Y tế\",\"kind\":\"department\","
		"\"parent\":\"HUE\",\"valid_from\":\"2020-01-01\",\"valid_to\":null,\"successor\":null,"
		"\"version\":2,\"created_at\":\"2024-01-01T00:00:00Z\",\"updated_at\":\"2024-01-02T00:00:00Z\"}"},
	{plan_fields, "{\"id\":7,\"unit\":\"HUE-SYT\",\"number\":\"595/KH-SYT\",\"year\":2024,\"type\":\"plan\","
		"\"issued_on\":\"2024-03-28\",\"place\":\"Thừa Thiên Huế\",\"title\":\"Kế hoạch bình đẳng giới\","
		"\"parent_plan\":null,\"legal_bases\":[\"Luật Bình đẳng giới 2006\"],\"objectives\":[\"a\",\"b\"],"
		"\"funding\":null,\"plans_due_on\":null,\"signer\":\"Nguyễn Văn A\",\"signer_title\":\"GIÁM ĐỐC\","
		"\"recipients\":[\"HUE-SYT-BVTW\"],\"reporting\":[{\"period\":\"2024-H1\",\"due_on\":\"2024-06-15\","
		"\"data_from\":\"2024-01-01\",\"data_to\":\"2024-06-10\"}],\"status\":\"draft\",\"issued_at\":null,"
		"\"superseded_by\":null,\"cancelled_reason\":null,\"cancelled_at\":null,\"activity_count\":3,"
		"\"version\":4,\"created_at\":\"2024-01-01T00:00:00Z\",\"updated_at\":\"2024-01-02T00:00:00Z\"}"},
	{activity_fields, "{\"id\":11,\"plan\":7,\"section\":\"II.1\",\"category\":\"communication\","
		"\"title\":\"Truyền thông\",\"description\":null,\"lead_unit\":\"HUE-SYT\","
		"\"coordinating_units\":[\"HUE\"],\"starts_on\":\"2024-04-01\",\"ends_on\":\"2024-12-31\","
		"\"budget_vnd\":50000000,\"status\":\"planned\",\"progress\":0,\"version\":1,"
		"\"created_at\":\"2024-01-01T00:00:00Z\",\"updated_at\":\"2024-01-02T00:00:00Z\"}"},
	{indicator_fields, "{\"id\":2,\"code\":\"GEN-0301\",\"name\":\"Tỷ lệ nữ\",\"measure\":\"percent\","
		"\"sex_disaggregated\":false,\"aggregation\":\"ratio\",\"numerator\":\"GEN-0301-N\","
		"\"numerator_sex\":\"female\",\"denominator\":\"GEN-0301-D\",\"denominator_sex\":\"total\","
		"\"scale\":100,\"unit_of_measure\":\"%\",\"source\":null,\"description\":null,\"active\":true,"
		"\"version\":1,\"created_at\":\"2024-01-01T00:00:00Z\",\"updated_at\":\"2024-01-02T00:00:00Z\"}"},
	{report_fields, "{\"id\":5,\"plan\":7,\"unit\":\"HUE-SYT\",\"period\":\"2024-H1\",\"own\":true,"
		"\"to_unit\":\"HUE\",\"due_on\":\"2024-06-15\",\"status\":\"draft\",\"results\":\"\","
		"\"difficulties\":null,\"recommendations\":null,\"activity_results\":[{\"activity\":11,"
		"\"status\":\"done\",\"sessions\":2,\"participants_female\":30,\"participants_male\":20,"
		"\"notes\":null}],\"values\":[{\"indicator\":\"GEN-0301\",\"sex\":\"female\",\"value\":12.5}],"
		"\"version\":1}"},
};
#define NSTORED (sizeof stored / sizeof stored[0])

static struct db_pool *dead_pool;

/* The sections of POST /bulk (lib/bulk.h). */
static const char *const bulk_sections[] = {"units", "indicators", "plans", "activities", "targets",
	"reports", NULL};

static void fail(const char *what, const struct bdg_err *e)
{
	fprintf(stderr, "fuzz_body: %s (status %d, code %s, detail \"%s\", %d fields)\n", what,
		e ? e->status : 0, e && e->code ? e->code : "-", e ? e->detail : "", e ? e->nfields : 0);
	abort();
}

/* Deepest nesting of arrays and objects, as json_depth_ok counts it. */
static int depth_of(const json_t *j)
{
	const char *key;
	const json_t *v;
	size_t i;
	int d, max = 0;

	if (json_is_object(j)) {
		json_object_foreach((json_t *)j, key, v)
			if ((d = depth_of(v)) > max)
				max = d;
		return max + 1;
	}
	if (json_is_array(j)) {
		json_array_foreach(j, i, v)
			if ((d = depth_of(v)) > max)
				max = d;
		return max + 1;
	}
	return 0;
}

/* The problem body as api/http.c send_problem builds it: every part must
 * be there, or the client gets a problem without its detail or errors. */
static void check_problem(const struct bdg_err *e)
{
	json_t *j;
	int i;

	if (!(j = __real_json_string(e->detail)))
		fail("the problem detail is not UTF-8: send_problem drops it", e);
	json_decref(j);
	for (i = 0; i < e->nfields; i++) {
		j = json_pack_ex(NULL, 0, "{s:s, s:s}", "field", e->fields[i].field, "message", e->fields[i].message);
		if (!j) {
			fprintf(stderr, "fuzz_body: field %d: \"%s\": \"%s\"\n", i, e->fields[i].field,
				e->fields[i].message);
			fail("a field error is not UTF-8: send_problem drops it", e);
		}
		json_decref(j);
	}
}

/* The outcome of valid_object on the body as the request's own. */
static void check_valid(int rc, const struct bdg_err *e)
{
	if (e->nfields < 0 || e->nfields > BDG_ERR_FIELDS)
		fail("nfields out of range", e);
	if (rc == 0) {
		if (e->status != 0 || e->nfields != 0)
			fail("valid_object accepted the body but left an error", e);
		return;
	}
	if (rc != -1)
		fail("valid_object returned neither 0 nor -1", e);
	if (e->status != 400 && e->status != 422)
		fail("valid_object refused the body without 400 or 422", e);
	if (e->status == 422 && e->nfields == 0)
		fail("422 without a field at fault", e);
	check_problem(e);
}

/* The outcome of a lib write function that cannot reach the database:
 * a 4xx of its own checks or the 503 of ctx_begin; never a 5xx else. */
static void check_write(const char *fn, int rc, const struct bdg_err *e)
{
	if (rc != -1 || e->status < 400 || (e->status >= 500 && e->status != 503)) {
		fprintf(stderr, "fuzz_body: %s\n", fn);
		fail("a write without a database answered other than 4xx or 503", e);
	}
	check_problem(e);
}

static void new_ctx(struct bdg_ctx *c)
{
	memset(c, 0, sizeof *c);
	c->pool = dead_pool;
	snprintf(c->who.sub, sizeof c->who.sub, "fuzz");
	snprintf(c->who.unit, sizeof c->who.unit, "HUE");
	c->who.role = ROLE_ADMIN;
	c->who.exp = 4102444800LL;
	snprintf(c->request_id, sizeof c->request_id, "fuzz");
}

static void end_ctx(const char *fn, struct bdg_ctx *c, int rc, char *doc)
{
	check_write(fn, rc, &c->err);
	free(doc);
	ctx_release(c);
}

/* Every lib write function that takes a body. */
static void lib_writes(const json_t *body)
{
	struct bdg_ctx c;
	char *doc;
	long long v, id;
	int rc;

#define CALL(call) \
	do { \
		new_ctx(&c); \
		doc = NULL; \
		rc = call; \
		end_ctx(#call, &c, rc, doc); \
	} while (0)

	CALL(unit_create(&c, body, &doc, &v));
	CALL(unit_update(&c, "HUE-SYT", body, 2, &doc, &v));
	CALL(unit_merge(&c, "HUE-SYT", body, &doc, &v));
	CALL(plan_create(&c, body, &doc, &v, &id));
	CALL(plan_update(&c, "7", body, 4, &doc, &v));
	CALL(plan_issue(&c, "7", body, 4, &doc, &v));
	CALL(plan_cancel(&c, "7", body, 4, &doc, &v));
	CALL(plan_supersede(&c, "7", body, 4, &doc, &v));
	CALL(activity_create(&c, "7", body, &doc, &v, &id));
	CALL(activity_update(&c, "11", body, 1, &doc, &v));
	CALL(indicator_create(&c, body, &doc, &v));
	CALL(indicator_update(&c, "GEN-0301", body, 1, &doc, &v));
	CALL(target_replace(&c, 7, body, 1, &doc, &v));
	CALL(report_create(&c, body, &doc, &v));
	CALL(report_update(&c, "5", body, 1, &doc, &v));
	CALL(report_return(&c, "5", body, 1, &doc, &v));
#undef CALL
}

/* 1 when every top-level key of the batch is a section with an array. */
static int bulk_shape_ok(const json_t *body)
{
	const char *key;
	const json_t *v;
	int k;

	json_object_foreach((json_t *)body, key, v) {
		for (k = 0; bulk_sections[k] && strcmp(bulk_sections[k], key) != 0; k++)
			;
		if (!bulk_sections[k] || !json_is_array(v))
			return 0;
	}
	return 1;
}

/* bulk_run without a database; returns its status. */
static int bulk_once(const json_t *body)
{
	struct bdg_ctx c;
	json_t *summary = NULL, *errors = NULL, *e;
	size_t i;
	int rc, status;

	new_ctx(&c);
	rc = bulk_run(&c, body, 1, &summary, &errors);
	status = c.err.status;
	if (rc != -1 || !json_is_array(errors))
		fail("bulk_run without a database did not fail", &c.err);
	if (status != 422 && status != 503)
		fail("bulk_run answered other than 422 or 503", &c.err);
	if (status == 422 && json_array_size(errors) == 0)
		fail("bulk_run rejected the batch without naming a problem", &c.err);
	json_array_foreach(errors, i, e)
		if (!json_is_string(json_object_get(e, "field")) || !json_is_string(json_object_get(e, "message")))
			fail("a bulk error without field or message", &c.err);
	json_decref(summary);
	json_decref(errors);
	ctx_release(&c);
	return status;
}

static void bulk(const json_t *body)
{
	json_t *more;

	if (bulk_once(body) == 503 && !bulk_shape_ok(body))
		fail("bulk_run went to the database with a key that is no section", NULL);
	/* with a key that is no section, every item is checked, and the
	 * transaction is never opened */
	more = json_deep_copy(body);
	if (!more)
		abort();
	json_object_set_new(more, "\x01no section", json_integer(0));
	if (bulk_once(more) != 422)
		fail("bulk_run went on with a key that is no section", NULL);
	json_decref(more);
}

/* PATCH: the merge patch onto a stored document, then the PUT's checks. */
static void patches(const json_t *body)
{
	struct bdg_err e;
	json_t *cur;
	size_t k;

	static json_t *docs[NSTORED];

	for (k = 0; k < NSTORED; k++) {
		if (!docs[k] && !(docs[k] = json_loads(stored[k].doc, JSON_REJECT_DUPLICATES, NULL)))
			fail("a stored document of fuzz_body.c is not JSON", NULL);
		if (!(cur = json_deep_copy(docs[k])))
			abort();
		json_merge_patch(cur, body);
		memset(&e, 0, sizeof e);
		check_valid(valid_object(cur, stored[k].spec, "", &e), &e);
		json_decref(cur);
	}
}

/* SQL parameters from every value of the body, as the handlers make them:
 * a present, non-null value never becomes SQL NULL. */
static void sql_args(const json_t *body)
{
	struct sqlargs a = {0};
	const char *key, *s;
	const json_t *v;

	json_object_foreach((json_t *)body, key, v) {
		if (a.n >= SQLARGS_MAX)
			break;
		s = args_json(&a, body, key);
		if (!s && !json_is_null(v))
			fail("args_json made SQL NULL of a value", NULL);
	}
	args_free(&a);
}

/* decode_body for a POST of data as application/json to a route with
 * these flags. Returns the body, or NULL with *e set. */
static json_t *decode(const uint8_t *data, size_t size, int flags, struct bdg_err *e)
{
	static struct bdg_config cfg = {.json_depth_max = DEPTH_MAX};
	struct route route = {.flags = flags};
	struct req r;
	char *raw = malloc(size + 1);

	if (!raw)
		abort();
	memcpy(raw, data, size);
	raw[size] = '\0';
	memset(&r, 0, sizeof r);
	r.cfg = &cfg;
	r.route = &route;
	r.method = "POST";
	r.content_type = "application/json";
	r.body_raw = raw;
	r.body_len = size;
	if (decode_body(&r) == 0) {
		if (!json_is_object(r.body))
			fail("decode_body passed a body that is not an object", NULL);
	} else {
		if (r.ctx.err.status != 400)
			fail("decode_body refused a body other than with 400", &r.ctx.err);
		check_problem(&r.ctx.err);
		*e = r.ctx.err;
		json_decref(r.body);    /* (a body that is not an object) */
		r.body = NULL;
	}
	free(raw);
	return r.body;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bdg_err e;
	json_t *body, *any;
	size_t k;
	int depth;

	if (!dead_pool) {
		/* A socket folder that does not exist: connecting fails at once,
		 * and the pool's backoff answers 503 without trying again. */
		dead_pool = db_pool_new("host=/nonexistent/bdg-fuzz port=1 dbname=bdg user=bdg", 1, 1000);
		if (!dead_pool)
			abort();
	}

	/* The depth check against the real nesting of what jansson decodes. */
	any = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, NULL);
	if (any) {
		depth = depth_of(any);
		if ((depth > DEPTH_MAX) == json_depth_ok((const char *)data, size, DEPTH_MAX))
			fail("json_depth_ok disagrees with the decoded nesting", NULL);
		if (!json_is_object(any)) {
			/* decode_body refuses it; valid_object must still say 400 */
			memset(&e, 0, sizeof e);
			if (valid_object(any, unit_fields, "", &e) != -1 || e.status != 400)
				fail("valid_object took a body that is not an object", &e);
		}
		json_decref(any);
	}

	/* POST /bulk: the deeper cap */
	memset(&e, 0, sizeof e);
	if ((body = decode(data, size, RF_BODY | RF_BULK, &e))) {
		bulk(body);
		json_decref(body);
	}

	/* every other body */
	memset(&e, 0, sizeof e);
	body = decode(data, size, RF_BODY, &e);
	if (!body)
		return 0;
	for (k = 0; k < NTABLES; k++) {
		memset(&e, 0, sizeof e);
		check_valid(valid_object(body, tables[k].spec, "", &e), &e);
	}
	lib_writes(body);
	patches(body);
	sql_args(body);
	json_decref(body);
	return 0;
}

/* cmd.c: the commands over resources — list, get, create, update, delete
 * of units, plans, activities, indicators and reports, the report workflow,
 * the plan cascade, completeness, roll-up, bulk import and streamed export.
 * Each command builds a request, sends it through http.c and prints the
 * answer through table.c; a failed answer becomes its exit code. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "cli.h"

/* The resources. Fields, documented once:
 *   name     the command ("units"), also the path under /api/v1
 *   key      the field that names one item in its path: "code" or "id"
 *   columns  the table columns of `list` (--columns replaces them) */
struct resource {
	const char *name;
	const char *key;
	const char *columns;
};

static const struct resource resources[] = {
	{"units", "code", "code,name,kind,parent,valid_from,valid_to"},
	{"plans", "id", "id,unit,number,year,type,status,title"},
	{"activities", "id", "id,plan,section,category,lead_unit,status,title"},
	{"indicators", "code", "code,name,measure,sex_disaggregated,aggregation"},
	{"reports", "id", "id,plan,unit,period,status,due_on,on_time"},
	{NULL, NULL, NULL},
};

static const struct resource *find_resource(const char *name)
{
	const struct resource *r;

	for (r = resources; r->name; r++)
		if (strcmp(r->name, name) == 0)
			return r;
	return NULL;
}

/* ---- requests --------------------------------------------------------- */

/* Append "name=value" to a query string being built (escaped). */
static int query_add(struct cli *c, struct buf *q, const char *name, const char *value)
{
	char *n = http_escape(c, name), *v = http_escape(c, value);

	if (n && v)
		buf_printf(q, "%c%s=%s", q->len ? '&' : '?', n, v);
	free(n);
	free(v);
	return n && v && !q->oom ? 0 : -1;
}

/* "/units/KEY[/suffix]" with the key escaped; caller frees. */
static char *item_path(struct cli *c, const char *coll, const char *key, const char *suffix)
{
	struct buf b = {0};
	char *k = http_escape(c, key);

	if (!k)
		return NULL;
	buf_printf(&b, "/%s/%s%s", coll, k, suffix ? suffix : "");
	free(k);
	return buf_take(&b);
}

/* One request whose 2xx answer is JSON (or empty). Returns an exit code;
 * on success *out holds the parsed body (NULL for 204) and etag the ETag. */
static int call(struct cli *c, struct http_req *rq, json_t **out, char *etag, size_t etagn)
{
	struct http_resp rs;
	int rc;

	if (out)
		*out = NULL;
	if (http_do(c, rq, &rs) < 0)
		return EXIT_SERVER;
	if (rs.status < 200 || rs.status > 299) {
		rc = http_report(&rs);
		if (rs.status == 401 && !*c->token)
			note("  (no token: set BDG_TOKEN, --token or \"token =\" in ~/.config/bdg/config)");
		http_resp_free(&rs);
		return rc;
	}
	if (etag)
		snprintf(etag, etagn, "%s", rs.etag);
	rc = EXIT_OK;
	if (out && rs.status != 204 && rs.len > 0 && !(*out = http_json(&rs)))
		rc = EXIT_SERVER;
	http_resp_free(&rs);
	return rc;
}

static int get_json(struct cli *c, const char *path, json_t **out, char *etag, size_t etagn)
{
	struct http_req rq = {.method = "GET", .path = path};

	return call(c, &rq, out, etag, etagn);
}

/* ---- reading bodies --------------------------------------------------- */

/* The whole of a file, or of stdin for NULL or "-". Returns an exit code. */
static int read_input(const char *file, char **data, size_t *len)
{
	FILE *f = stdin;
	struct buf b = {0};
	char chunk[65536];
	size_t n;

	*data = NULL;
	if (file && strcmp(file, "-") != 0) {
		if (!(f = fopen(file, "rb")))
			return fail(EXIT_FAIL, "cannot open %s: %s", file, strerror(errno));
	} else if (isatty(STDIN_FILENO)) {
		return fail(EXIT_USAGE, "give a FILE, or pipe the body into stdin");
	}
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_add(&b, chunk, n);
	if (ferror(f) || b.oom) {
		if (f != stdin)
			fclose(f);
		buf_free(&b);
		return fail(EXIT_FAIL, "cannot read %s", file && strcmp(file, "-") ? file : "stdin");
	}
	if (f != stdin)
		fclose(f);
	*len = b.len;
	*data = buf_take(&b);
	return *data ? EXIT_OK : fail(EXIT_FAIL, "out of memory");
}

/* A JSON object body from a file or stdin, checked here first so that a
 * typo is reported with its line before anything is sent. */
static int read_body(const char *file, char **data, size_t *len, json_t **parsed)
{
	json_error_t err;
	int rc = read_input(file, data, len);

	*parsed = NULL;
	if (rc != EXIT_OK)
		return rc;
	*parsed = json_loadb(*data, *len, JSON_REJECT_DUPLICATES, &err);
	if (!*parsed || !json_is_object(*parsed)) {
		rc = *parsed ? fail(EXIT_INVALID, "%s: the body must be a JSON object", file ? file : "stdin")
			: fail(EXIT_INVALID, "%s:%d:%d: not valid JSON: %s", file ? file : "stdin",
			       err.line, err.column, err.text);
		json_decref(*parsed);
		*parsed = NULL;
		free(*data);
		*data = NULL;
	}
	return rc;
}

/* ---- list, get, create, update, delete -------------------------------- */

/* A list page: follows next with --all; prints the items. */
static int do_list(struct cli *c, const struct resource *res, const struct args *a, const char *verb)
{
	struct buf q = {0};
	json_t *all = json_array(), *page = NULL, *whole = NULL;
	const char *after = args_get(a, "after"), *limit = args_get(a, "limit");
	char *path = NULL, name[128], *p;
	int i, rc = EXIT_OK, every = args_flag(a, "all");

	(void)verb;   /* each handler serves one verb */
	if (!all)
		return fail(EXIT_FAIL, "out of memory");
	for (i = 0; i < a->nopt; i++) {
		if (!a->opt[i].value || !strcmp(a->opt[i].name, "after") || !strcmp(a->opt[i].name, "limit") ||
		    !strcmp(a->opt[i].name, "columns"))
			continue;
		snprintf(name, sizeof name, "%s", a->opt[i].name);
		for (p = name; *p; p++)         /* --active-on is active_on */
			if (*p == '-')
				*p = '_';
		if (query_add(c, &q, name, a->opt[i].value) < 0) {
			rc = fail(EXIT_FAIL, "out of memory");
			goto out;
		}
	}
	if (limit || every)
		query_add(c, &q, "limit", limit ? limit : "500");
	for (;;) {
		struct buf pq = {0};
		json_t *next;
		buf_printf(&pq, "/%s%s", res->name, q.data ? q.data : "");
		if (after) {
			char *e = http_escape(c, after);
			buf_printf(&pq, "%cafter=%s", q.len ? '&' : '?', e ? e : "");
			free(e);
		}
		free(path);
		path = buf_take(&pq);
		json_decref(page);
		page = NULL;
		if (!path) {
			rc = fail(EXIT_FAIL, "out of memory");
			goto out;
		}
		if ((rc = get_json(c, path, &page, NULL, 0)) != EXIT_OK)
			goto out;
		if (!json_is_array(json_object_get(page, "items"))) {
			rc = fail(EXIT_SERVER, "the server's list has no items");
			goto out;
		}
		json_array_extend(all, json_object_get(page, "items"));
		next = json_object_get(page, "next");
		if (!every || !json_is_string(next) || !*json_string_value(next))
			break;
		snprintf(name, sizeof name, "%s", json_string_value(next));
		after = name;
	}
	if (every) {
		whole = json_pack("{s:O, s:n}", "items", all, "next");
	} else {
		whole = json_incref(page);
		if (c->fmt == OUT_TABLE && json_is_string(json_object_get(page, "next")))
			note("(more: --after %s, or --all)", json_string_value(json_object_get(page, "next")));
	}
	/* a table shows the resource's main columns; CSV every field */
	print_items(c, all, args_get(a, "columns") ? args_get(a, "columns") : c->fmt == OUT_TABLE ? res->columns : NULL,
		    whole);
out:
	json_decref(whole);
	json_decref(page);
	json_decref(all);
	free(path);
	buf_free(&q);
	return rc;
}

static int do_get(struct cli *c, const struct resource *res, const struct args *a, const char *verb)
{
	char *path = item_path(c, res->name, a->pos[0], NULL);
	json_t *doc = NULL;
	int rc;

	(void)verb;   /* each handler serves one verb */
	if (!path)
		return fail(EXIT_FAIL, "out of memory");
	rc = get_json(c, path, &doc, NULL, 0);
	if (rc == EXIT_OK)
		print_object(c, doc);
	json_decref(doc);
	free(path);
	return rc;
}

static int do_create(struct cli *c, const struct resource *res, const struct args *a, const char *verb)
{
	struct http_req rq = {.method = "POST", .idempotent = 1};
	json_t *parsed = NULL, *doc = NULL, *plan;
	char *body = NULL, *path = NULL, num[32];
	const char *plan_id = args_get(a, "plan");
	int rc;

	(void)verb;   /* each handler serves one verb */
	if (plan_id && strcmp(res->name, "activities") != 0)
		return fail(EXIT_USAGE, "--plan is for activities");
	if ((rc = read_body(a->npos ? a->pos[0] : NULL, &body, &rq.len, &parsed)) != EXIT_OK)
		return rc;
	if (strcmp(res->name, "activities") == 0) {
		/* activities are created under their plan */
		plan = json_object_get(parsed, "plan");
		if (!plan_id && json_is_integer(plan)) {
			snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(plan));
			plan_id = num;
		} else if (!plan_id && json_is_string(plan)) {
			plan_id = json_string_value(plan);
		}
		if (!plan_id) {
			rc = fail(EXIT_USAGE, "an activity needs its plan: a \"plan\" field or --plan ID");
			goto out;
		}
		path = item_path(c, "plans", plan_id, "/activities");
	} else {
		struct buf b = {0};
		buf_printf(&b, "/%s", res->name);
		path = buf_take(&b);
	}
	if (!path) {
		rc = fail(EXIT_FAIL, "out of memory");
		goto out;
	}
	rq.path = path;
	rq.body = body;
	if ((rc = call(c, &rq, &doc, NULL, 0)) == EXIT_OK)
		print_object(c, doc);
out:
	json_decref(parsed);
	json_decref(doc);
	free(body);
	free(path);
	return rc;
}

/* The ETag to send as If-Match: --if-match, or a fresh GET. */
static int current_etag(struct cli *c, const char *path, const struct args *a, char *etag, size_t n)
{
	const char *given = args_get(a, "if-match");
	int rc;

	if (given) {
		/* a bare version number is quoted as the server's ETags are */
		if (given[0] != '"' && strncmp(given, "W/", 2) != 0 && strcmp(given, "*") != 0)
			snprintf(etag, n, "\"%s\"", given);
		else
			snprintf(etag, n, "%s", given);
		return EXIT_OK;
	}
	rc = get_json(c, path, NULL, etag, n);
	if (rc == EXIT_OK && !*etag)
		rc = fail(EXIT_SERVER, "the server sent no ETag for %s", path);
	return rc;
}

static int do_update(struct cli *c, const struct resource *res, const struct args *a, const char *verb)
{
	struct http_req rq = {0};
	json_t *parsed = NULL, *doc = NULL;
	char *body = NULL, *path = item_path(c, res->name, a->pos[0], NULL), etag[128] = "";
	int replace = args_flag(a, "replace");
	int rc;

	(void)verb;   /* each handler serves one verb */
	if (!path)
		return fail(EXIT_FAIL, "out of memory");
	if ((rc = read_body(a->npos > 1 ? a->pos[1] : NULL, &body, &rq.len, &parsed)) != EXIT_OK ||
	    (rc = current_etag(c, path, a, etag, sizeof etag)) != EXIT_OK)
		goto out;
	rq.method = replace ? "PUT" : "PATCH";
	rq.content_type = replace ? "application/json" : "application/merge-patch+json";
	rq.path = path;
	rq.body = body;
	rq.if_match = etag;
	if ((rc = call(c, &rq, &doc, NULL, 0)) == EXIT_OK)
		print_object(c, doc);
out:
	json_decref(parsed);
	json_decref(doc);
	free(body);
	free(path);
	return rc;
}

static int do_delete(struct cli *c, const struct resource *res, const struct args *a, const char *verb)
{
	struct http_req rq = {.method = "DELETE"};
	char *path = item_path(c, res->name, a->pos[0], NULL), etag[128] = "";
	int rc;

	(void)verb;   /* each handler serves one verb */
	if (!path)
		return fail(EXIT_FAIL, "out of memory");
	if ((rc = current_etag(c, path, a, etag, sizeof etag)) == EXIT_OK) {
		rq.path = path;
		rq.if_match = etag;
		rc = call(c, &rq, NULL, NULL, 0);
	}
	free(path);
	return rc;
}

/* ---- the plan cascade ------------------------------------------------- */

struct rows {
	int n;
	char ***row;
};

static void rows_add(struct rows *r, const char *a, const char *b, const char *c, const char *d, const char *e)
{
	const char *v[5] = {a, b, c, d, e};
	char ***grown = realloc(r->row, (size_t)(r->n + 1) * sizeof *r->row);
	int k;

	if (!grown)
		return;
	r->row = grown;
	if (!(r->row[r->n] = calloc(5, sizeof **r->row)))
		return;
	for (k = 0; k < 5; k++)
		r->row[r->n][k] = strdup(v[k] ? v[k] : "");
	r->n++;
}

static const char *str(json_t *obj, const char *key, char *tmp, size_t n)
{
	json_t *v = json_object_get(obj, key);

	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v)) {
		snprintf(tmp, n, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return tmp;
	}
	if (json_is_boolean(v))
		return json_is_true(v) ? "yes" : "no";
	return "";
}

/* One level of the tree: the plan, its recipients, then its children. */
static void tree_rows(struct rows *r, json_t *node, int depth)
{
	json_t *plan = json_object_get(node, "plan"), *x;
	char label[512], t1[32], t2[32], title[1024];
	size_t i;

	snprintf(label, sizeof label, "%*s#%s %s", depth * 4, "", str(plan, "id", t1, sizeof t1),
		 str(plan, "number", t2, sizeof t2));
	snprintf(title, sizeof title, "%s: %s", str(plan, "unit", t1, sizeof t1), str(plan, "title", t2, sizeof t2));
	rows_add(r, label, str(plan, "status", t1, sizeof t1), str(plan, "issued_on", t2, sizeof t2), "", title);
	json_array_foreach(json_object_get(node, "recipients"), i, x) {
		char plan_of[64] = "", t3[32];
		snprintf(label, sizeof label, "%*s%s", depth * 4 + 2, "", str(x, "unit", t1, sizeof t1));
		if (json_is_integer(json_object_get(x, "plan")))
			snprintf(plan_of, sizeof plan_of, " (#%s)", str(x, "plan", t3, sizeof t3));
		snprintf(title, sizeof title, "%s%s", str(x, "name", t3, sizeof t3), plan_of);
		rows_add(r, label, str(x, "status", t1, sizeof t1), str(x, "issued_on", t2, sizeof t2),
			 json_is_true(json_object_get(x, "late")) ? "late" : "", title);
	}
	json_array_foreach(json_object_get(node, "children"), i, x)
		tree_rows(r, x, depth + 1);
}

static int do_tree(struct cli *c, const struct resource *res, const struct args *a, const char *verb)
{
	static const char *const head[5] = {"plan / unit", "status", "issued_on", "late", "title / name"};
	char *path = item_path(c, res->name, a->pos[0], "/tree");
	json_t *doc = NULL;
	struct rows r = {0, NULL};
	int rc, i, k;

	(void)verb;   /* each handler serves one verb */
	if (!path)
		return fail(EXIT_FAIL, "out of memory");
	rc = get_json(c, path, &doc, NULL, 0);
	if (rc == EXIT_OK && c->fmt == OUT_TABLE && json_is_object(json_object_get(doc, "plan"))) {
		tree_rows(&r, doc, 0);
		table_print(stdout, 5, head, r.row, r.n);
		for (i = 0; i < r.n; i++) {
			for (k = 0; k < 5; k++)
				free(r.row[i][k]);
			free(r.row[i]);
		}
		free(r.row);
	} else if (rc == EXIT_OK) {
		print_doc(c, doc);
	}
	json_decref(doc);
	free(path);
	return rc;
}

/* ---- workflow actions ----------------------------------------------- */

/* POST /RESOURCE/ID/ACTION — issue a plan; submit, accept or return a
 * report — with If-Match from a fresh GET (or --if-match), so that nobody
 * acts on a version they have not seen, and an Idempotency-Key. */
static int do_action(struct cli *c, const struct resource *res, const struct args *a, const char *action)
{
	struct http_req rq = {.method = "POST", .idempotent = 1};
	const char *reason = args_get(a, "reason");
	char suffix[32], etag[128] = "", *path, *item = NULL, *body = NULL;
	json_t *doc = NULL, *b;
	int rc;

	if (strcmp(action, "return") == 0 && !reason)
		return fail(EXIT_USAGE, "return needs --reason TEXT");
	snprintf(suffix, sizeof suffix, "/%s", action);
	path = item_path(c, res->name, a->pos[0], suffix);
	item = item_path(c, res->name, a->pos[0], NULL);
	if (!path || !item) {
		rc = fail(EXIT_FAIL, "out of memory");
		goto out;
	}
	if (reason) {
		b = json_pack("{s:s}", "reason", reason);
		body = b ? json_dumps(b, JSON_COMPACT) : NULL;
		json_decref(b);
		if (!body) {
			rc = fail(EXIT_INVALID, "the reason must be UTF-8 text");
			goto out;
		}
		rq.body = body;
		rq.len = strlen(body);
	}
	if ((rc = current_etag(c, item, a, etag, sizeof etag)) != EXIT_OK)
		goto out;
	rq.path = path;
	rq.if_match = etag;
	if ((rc = call(c, &rq, &doc, NULL, 0)) == EXIT_OK && doc)
		print_object(c, doc);
out:
	json_decref(doc);
	free(body);
	free(item);
	free(path);
	return rc;
}

/* ---- dispatch of `bdg RESOURCE VERB` ---------------------------------- */

/* The verbs of `bdg RESOURCE VERB`. Fields, documented once:
 *   name     the verb
 *   only     the one resource that has it (NULL: every resource)
 *   flags, options  what args_parse accepts (without, and with a value)
 *   open     other "--name value" are kept too (list filters)
 *   min, max how many positionals follow the verb; takes says it in words
 *   run      the handler: (cli, resource, args, verb) → exit code */
static const struct verb {
	const char *name;
	const char *only;
	const char *flags, *options;
	int open, min, max;
	const char *takes;
	int (*run)(struct cli *c, const struct resource *res, const struct args *a, const char *verb);
} verbs[] = {
	{"list", NULL, "all", "columns,limit,after", 1, 0, 0, "no arguments", do_list},
	{"get", NULL, "", "", 0, 1, 1, "one key", do_get},
	{"create", NULL, "", "plan", 0, 0, 1, "an optional FILE", do_create},
	{"update", NULL, "replace", "if-match", 0, 1, 2, "a key, then an optional FILE", do_update},
	{"delete", NULL, "", "if-match", 0, 1, 1, "one key", do_delete},
	{"tree", "plans", "", "", 0, 1, 1, "one id", do_tree},
	{"issue", "plans", "", "if-match", 0, 1, 1, "one id", do_action},
	{"submit", "reports", "", "if-match", 0, 1, 1, "one id", do_action},
	{"accept", "reports", "", "if-match", 0, 1, 1, "one id", do_action},
	{"return", "reports", "", "reason,if-match", 0, 1, 1, "one id", do_action},
	{NULL, NULL, NULL, NULL, 0, 0, 0, NULL, NULL},
};

int cmd_resource(struct cli *c, const char *name, int argc, char **argv)
{
	const struct resource *res = find_resource(name);
	const struct verb *v;
	struct args a;

	if (!res)
		return fail(EXIT_USAGE, "unknown resource %s", name);
	if (argc < 1) {
		fail(EXIT_USAGE, "%s needs a verb", name);
		help_command(name);
		return EXIT_USAGE;
	}
	for (v = verbs; v->name; v++)
		if (strcmp(v->name, argv[0]) == 0 && (!v->only || strcmp(v->only, name) == 0))
			break;
	if (!v->name)
		return fail(EXIT_USAGE, "%s has no verb \"%s\" (see bdg %s --help)", name, argv[0], name);
	if (args_parse(argc - 1, argv + 1, v->flags, v->options, v->open, &a) < 0)
		return EXIT_USAGE;
	if (a.npos < v->min || a.npos > v->max)
		return fail(EXIT_USAGE, "bdg %s %s takes %s (see bdg %s --help)", name, v->name, v->takes, name);
	if (v->min > 0 && !*a.pos[0])
		return fail(EXIT_USAGE, "the %s must not be empty", res->key);
	return v->run(c, res, &a, v->name);
}

/* ---- completeness and roll-up ----------------------------------------- */

/* A report-like answer: as JSON, a table of its parts, or as CSV the rows
 * of its main list (the units of a completeness, the values of a roll-up). */
static void print_answer(const struct cli *c, json_t *doc, const char *main_list)
{
	json_t *rows = json_object_get(doc, main_list);

	if (c->fmt == OUT_CSV && json_is_array(rows))
		print_items(c, rows, NULL, NULL);
	else
		print_doc(c, doc);
}

int cmd_completeness(struct cli *c, const char *name, int argc, char **argv)
{
	const char *plan, *unit, *period;
	struct buf q = {0}, b = {0};
	char *path, *k;
	json_t *doc = NULL;
	struct args a;
	int rc;

	if (args_parse(argc, argv, "", "plan,unit,period", 0, &a) < 0)
		return EXIT_USAGE;
	plan = args_get(&a, "plan");
	unit = args_get(&a, "unit");
	period = args_get(&a, "period");
	if (a.npos || !period || !plan == !unit)
		return fail(EXIT_USAGE, "usage: bdg %s --plan ID --period P, or --unit CODE --period P", name);
	query_add(c, &q, "period", period);
	k = http_escape(c, plan ? plan : unit);
	buf_printf(&b, "/%s/%s/completeness%s", plan ? "plans" : "units", k ? k : "", q.data ? q.data : "");
	free(k);
	buf_free(&q);
	path = buf_take(&b);
	rc = path ? get_json(c, path, &doc, NULL, 0) : fail(EXIT_FAIL, "out of memory");
	if (rc == EXIT_OK)
		print_answer(c, doc, "units");
	json_decref(doc);
	free(path);
	return rc;
}

/* For a table or CSV, the roll-up's indicators × values become one row per
 * indicator and sex: {indicator, sex, value, units, name}. */
static void rollup_flatten(json_t *doc)
{
	json_t *rows = json_array(), *ind, *v;
	size_t i, j;

	if (!rows || !json_is_array(json_object_get(doc, "indicators"))) {
		json_decref(rows);
		return;
	}
	json_array_foreach(json_object_get(doc, "indicators"), i, ind) {
		json_t *values = json_object_get(ind, "values");
		if (!json_is_array(values) || json_array_size(values) == 0) {
			json_array_append_new(rows, json_pack("{s:O?, s:n, s:n, s:O?, s:O?}", "indicator",
				json_object_get(ind, "indicator"), "sex", "value", "units", json_object_get(ind, "units"),
				"name", json_object_get(ind, "name")));
			continue;
		}
		json_array_foreach(values, j, v)
			json_array_append_new(rows, json_pack("{s:O?, s:O?, s:O?, s:O?, s:O?}",
				"indicator", json_object_get(ind, "indicator"), "sex", json_object_get(v, "sex"),
				"value", json_object_get(v, "value"), "units", json_object_get(v, "units"),
				"name", json_object_get(ind, "name")));
	}
	json_object_set_new(doc, "indicators", rows);
}

int cmd_rollup(struct cli *c, const char *name, int argc, char **argv)
{
	const char *unit, *ind, *period, *include;
	struct buf q = {0}, b = {0};
	char *path, *k;
	json_t *doc = NULL;
	struct args a;
	int rc;

	if (args_parse(argc, argv, "", "unit,indicator,period,include", 0, &a) < 0)
		return EXIT_USAGE;
	unit = args_get(&a, "unit");
	ind = args_get(&a, "indicator");
	period = args_get(&a, "period");
	include = args_get(&a, "include");
	if (a.npos || !unit || !ind || !period)
		return fail(EXIT_USAGE, "usage: bdg %s --unit CODE --indicator C[,C] --period P", name);
	query_add(c, &q, "indicator", ind);
	query_add(c, &q, "period", period);
	if (include)
		query_add(c, &q, "include", include);
	k = http_escape(c, unit);
	buf_printf(&b, "/units/%s/rollup%s", k ? k : "", q.data ? q.data : "");
	free(k);
	buf_free(&q);
	path = buf_take(&b);
	rc = path ? get_json(c, path, &doc, NULL, 0) : fail(EXIT_FAIL, "out of memory");
	if (rc == EXIT_OK && c->fmt != OUT_JSON)
		rollup_flatten(doc);
	if (rc == EXIT_OK)
		print_answer(c, doc, "indicators");
	json_decref(doc);
	free(path);
	return rc;
}

/* ---- import ----------------------------------------------------------- */

/* The summary: one row per resource with its counts. */
static void print_summary(const struct cli *c, json_t *doc)
{
	static const char *const head[5] = {"resource", "created", "updated", "unchanged", "rejected"};
	static const char *const counts[4] = {"created", "updated", "unchanged", "rejected"};
	struct rows r = {0, NULL};
	const char *k;
	json_t *v, *dry;
	int i, j;

	if (c->fmt != OUT_TABLE) {
		print_doc(c, doc);
		return;
	}
	json_object_foreach(doc, k, v) {
		char n[4][32];
		if (!json_is_object(v))
			continue;
		for (j = 0; j < 4; j++) {
			json_t *x = json_object_get(v, counts[j]);
			/* a count, or the list of keys it counts */
			if (json_is_array(x))
				snprintf(n[j], sizeof n[j], "%zu", json_array_size(x));
			else if (json_is_integer(x))
				snprintf(n[j], sizeof n[j], "%" JSON_INTEGER_FORMAT, json_integer_value(x));
			else
				snprintf(n[j], sizeof n[j], "0");
		}
		rows_add(&r, k, n[0], n[1], n[2], n[3]);
	}
	dry = json_object_get(doc, "dry_run");
	if (json_is_true(dry))
		printf("dry run: nothing was written\n");
	if (r.n > 0)
		table_print(stdout, 5, head, r.row, r.n);
	else
		print_doc(c, doc);
	for (i = 0; i < r.n; i++) {
		for (j = 0; j < 5; j++)
			free(r.row[i][j]);
		free(r.row[i]);
	}
	free(r.row);
}

static int ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);

	return n >= t && strcasecmp(s + n - t, tail) == 0;
}

/* Does the text look like JSON (an object), after a BOM and blanks? */
static int looks_json(const char *s, size_t n)
{
	size_t i = n >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3) ? 3 : 0;

	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
		i++;
	return i < n && s[i] == '{';
}

int cmd_import(struct cli *c, const char *name, int argc, char **argv)
{
	struct http_req rq = {.method = "POST", .idempotent = 1};
	struct buf p = {0};
	const char *file, *resource;
	char *data = NULL, *path = NULL, stem[64] = "";
	json_t *doc = NULL;
	struct args a;
	size_t len = 0;
	int rc, csv;

	if (args_parse(argc, argv, "dry-run", "resource", 0, &a) < 0)
		return EXIT_USAGE;
	if (a.npos != 1)
		return fail(EXIT_USAGE, "usage: bdg %s FILE [--resource R] [--dry-run]", name);
	file = a.pos[0];
	resource = args_get(&a, "resource");
	if ((rc = read_input(file, &data, &len)) != EXIT_OK)
		return rc;
	csv = resource || ends_with(file, ".csv") || !looks_json(data, len);
	if (csv && !resource) {
		/* "units.csv" (or "…/2024-report_values.csv") names its resource */
		const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
		static const char *const known[] = {"report_values", "indicators", "activities", "targets", "units", NULL};
		int i;
		for (i = 0; known[i]; i++) {
			const char *at = strstr(base, known[i]);
			if (at && !strcasecmp(at + strlen(known[i]), ".csv")) {
				snprintf(stem, sizeof stem, "%s", known[i]);
				resource = stem;
				break;
			}
		}
		if (!resource) {
			free(data);
			return fail(EXIT_USAGE, "%s is CSV: say which resource it holds with --resource "
				    "(units, indicators, activities, targets, report_values)", file);
		}
	}
	if (csv) {
		char *e = http_escape(c, resource);
		buf_printf(&p, "/bulk/%s", e ? e : "");
		free(e);
		rq.content_type = "text/csv; charset=utf-8";
	} else {
		buf_puts(&p, "/bulk");
	}
	if (args_flag(&a, "dry-run"))
		buf_puts(&p, "?dry_run=true");
	path = buf_take(&p);
	rq.path = path;
	rq.body = data;
	rq.len = len;
	if (!path)
		rc = fail(EXIT_FAIL, "out of memory");
	else if ((rc = call(c, &rq, &doc, NULL, 0)) == EXIT_OK && doc)
		print_summary(c, doc);
	json_decref(doc);
	free(data);
	free(path);
	return rc;
}

/* ---- export ----------------------------------------------------------- */

int cmd_export(struct cli *c, const char *name, int argc, char **argv)
{
	struct http_req rq = {.method = "GET", .sink = stdout};
	struct http_resp rs;
	struct buf q = {0}, p = {0};
	struct args a;
	char *path, fname[128], *s;
	int i, rc;

	if (args_parse(argc, argv, "", "", 1, &a) < 0)
		return EXIT_USAGE;
	if (a.npos != 1 || !find_resource(a.pos[0]) || c->fmt == OUT_TABLE)
		return fail(EXIT_USAGE, "usage: bdg %s units|plans|activities|indicators|reports --csv|--json [--FILTER VALUE]...",
			    name);
	for (i = 0; i < a.nopt; i++) {
		if (!a.opt[i].value)
			return fail(EXIT_USAGE, "--%s needs a value", a.opt[i].name);
		snprintf(fname, sizeof fname, "%s", a.opt[i].name);
		for (s = fname; *s; s++)
			if (*s == '-')
				*s = '_';
		query_add(c, &q, fname, a.opt[i].value);
	}
	buf_printf(&p, "/%s%s", a.pos[0], q.data ? q.data : "");
	buf_free(&q);
	if (!(path = buf_take(&p)))
		return fail(EXIT_FAIL, "out of memory");
	rq.path = path;
	rq.accept = c->fmt == OUT_CSV ? "text/csv" : "application/x-ndjson";
	if (http_do(c, &rq, &rs) < 0) {
		rc = EXIT_SERVER;
	} else if (rs.status < 200 || rs.status > 299) {
		rc = http_report(&rs);
	} else if (rs.streamed == 0 && rs.body && rs.len) {
		/* a server that ignored Accept: pass on what it sent */
		rc = fwrite(rs.body, 1, rs.len, stdout) == rs.len ? EXIT_OK : fail(EXIT_FAIL, "cannot write the output");
	} else {
		rc = EXIT_OK;
	}
	http_resp_free(&rs);
	free(path);
	return rc;
}

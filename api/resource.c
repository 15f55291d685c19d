/* resource.c: document answers, PATCH, paging parameters. */
#include "resource.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "valid.h"

int resource_answer(struct req *r, int rc, int status, char *doc, long long version,
		    const char *location_prefix, const char *key)
{
	if (rc < 0) {
		free(doc);
		return -1;
	}
	r->etag = version;
	if (status == 201 && location_prefix)
		snprintf(r->location, sizeof r->location, "/api/v1%s/%s", location_prefix, key);
	return resp_json(r, status, doc);
}

/* The route's first path parameter as a key: buf holds an id's decimal
 * text; NULL (err 404) when an id route's parameter is not one. */
static const char *route_key(struct req *r, int numeric, char *buf, size_t n)
{
	if (!numeric)
		return r->param[0];
	return req_id_key(r, 0, buf, n) < 0 ? NULL : buf;
}

int resource_get(struct req *r, int numeric, resource_get_fn get)
{
	char buf[24], *doc = NULL;
	const char *key = route_key(r, numeric, buf, sizeof buf);
	long long version = 0;
	int rc;

	if (!key)
		return -1;
	rc = get(&r->ctx, key, &doc, &version);
	return resource_answer(r, rc, 200, doc, version, NULL, NULL);
}

int resource_put(struct req *r, int numeric, resource_put_fn put)
{
	char buf[24], *doc = NULL;
	const char *key = route_key(r, numeric, buf, sizeof buf);
	long long version = 0;
	int rc;

	if (!key)
		return -1;
	rc = put(&r->ctx, key, r->body, r->if_match, &doc, &version);
	return resource_answer(r, rc, 200, doc, version, NULL, NULL);
}

int resource_patch(struct req *r, int numeric, resource_get_fn get, resource_put_fn put)
{
	char buf[24], *doc = NULL;
	const char *key = route_key(r, numeric, buf, sizeof buf);
	json_t *cur;
	json_error_t jerr;
	long long version = 0;
	int rc = -1;

	if (!key || ctx_begin(&r->ctx) < 0)
		return -1;
	if (get(&r->ctx, key, &doc, &version) < 0)
		goto out;
	cur = json_loads(doc, 0, &jerr);
	free(doc);
	doc = NULL;
	if (!cur) {
		bdg_fail(&r->ctx.err, 500, "internal", "The stored document could not be read.");
		goto out;
	}
	json_merge_patch(cur, r->body);
	/* If-Match: * matches whatever version is current at the write. */
	rc = put(&r->ctx, key, cur, r->if_match_any ? 0 : r->if_match, &doc, &version);
	json_decref(cur);
out:
	rc = ctx_finish(&r->ctx, rc, &doc);
	return resource_answer(r, rc, 200, doc, version, NULL, NULL);
}

int resource_page(struct req *r, int numeric, struct page *pg)
{
	return page_parse(req_query(r, "limit"), req_query(r, "after"), numeric, pg, &r->ctx.err);
}

/* "must be one of a, b or c" from an enum's values. */
static const char *one_of_message(const char *const *values, char *out, size_t n)
{
	size_t len = (size_t)snprintf(out, n, "must be ");

	for (; *values && len < n; values++)
		len += (size_t)snprintf(out + len, n - len, "%s%s", *values,
					!values[1] ? "" : !values[2] ? " or " : ", ");
	return out;
}

static const char *filter_fault(const struct qfilter *q, const char *v, char *msg, size_t n)
{
	char kind;

	switch (q->kind) {
	case Q_CODE:
		return valid_code(v) ? NULL : "must be a code of 1-64 capital letters, digits, '.', '_' or '-'";
	case Q_ID:
		return valid_id(v) ? NULL : "must be a positive id";
	case Q_YEAR:
		return valid_id(v) && atoi(v) >= 2000 && atoi(v) <= 2100 ? NULL
		       : "must be a year from 2000 to 2100";
	case Q_DATE:
		return valid_date(v) ? NULL : "must be a date as YYYY-MM-DD";
	case Q_PERIOD:
		return valid_period(v, &kind) ? NULL : "must be a period: 2024, 2024-H1, 2024-Q3 or 2024-05";
	case Q_BOOL:
		return strcmp(v, "true") == 0 || strcmp(v, "false") == 0 ? NULL : "must be true or false";
	case Q_ENUM:
		return valid_enum(v, q->values) ? NULL : one_of_message(q->values, msg, n);
	case Q_TEXT:
		return strlen(v) <= 200 ? NULL : "must be at most 200 bytes";
	}
	return "is not understood";
}

static int check_param(struct req *r, const struct qfilter *q, const char **out)
{
	const char *v = req_query(r, q->name);
	const char *fault;
	char msg[256];

	if (v && (fault = filter_fault(q, v, msg, sizeof msg)))
		return req_bad_param(r, q->name, fault);
	if (out)
		*out = v;
	return 0;
}

int resource_check(struct req *r, const char *name, enum qkind kind)
{
	const struct qfilter q = {name, kind, 0, NULL};

	return check_param(r, &q, NULL);
}

int resource_filters(struct req *r, const struct qfilter *spec, void *filter, int numeric,
		     struct page *pg)
{
	if (resource_page(r, numeric, pg) < 0)
		return -1;
	for (; spec->name; spec++)
		if (check_param(r, spec, (const char **)((char *)filter + spec->offset)) < 0)
			return -1;
	return 0;
}

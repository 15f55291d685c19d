/* indicators.c: /indicators — the indicator catalogue. Every token reads
 * it; admins of a root unit write it (lib/indicator.c checks the root).
 * There is no DELETE (405): an indicator leaves use with active = false. */
#include <string.h>

#include "auth.h"
#include "indicator.h"
#include "resource.h"

static int one_of(const char *s, const char *const *set)
{
	for (; *set; set++)
		if (strcmp(s, *set) == 0)
			return 1;
	return 0;
}

static int is_bool(const char *s)
{
	return strcmp(s, "true") == 0 || strcmp(s, "false") == 0;
}

static int indicators_list(struct req *r)
{
	struct indicator_filter f = {
		req_query(r, "measure"), req_query(r, "aggregation"),
		req_query(r, "sex_disaggregated"), req_query(r, "active"), req_query(r, "q"),
	};
	struct page pg;
	char next[256];
	char *items;

	if (resource_page(r, 0, &pg) < 0)
		return -1;
	if (f.measure && !one_of(f.measure, indicator_measures))
		return req_bad_param(r, "measure", "must be count, percent or ratio");
	if (f.aggregation && !one_of(f.aggregation, indicator_aggregations))
		return req_bad_param(r, "aggregation", "must be sum, ratio, max or latest");
	if (f.sex_disaggregated && !is_bool(f.sex_disaggregated))
		return req_bad_param(r, "sex_disaggregated", "must be true or false");
	if (f.active && !is_bool(f.active))
		return req_bad_param(r, "active", "must be true or false");
	if (indicator_list(&r->ctx, &f, &pg, &items, next, sizeof next) < 0)
		return -1;
	return resp_list(r, items, next);
}

static int indicators_get(struct req *r)
{
	char *doc = NULL;
	long long v = 0;
	int rc = indicator_get(&r->ctx, r->param[0], &doc, &v);

	return resource_answer(r, rc, 200, doc, v, NULL, NULL);
}

static int indicators_create(struct req *r)
{
	char *doc = NULL;
	long long v = 0;
	int rc = indicator_create(&r->ctx, r->body, &doc, &v);

	return resource_answer(r, rc, 201, doc, v, "/indicators",
			       json_string_value(json_object_get(r->body, "code")));
}

static int indicators_put(struct req *r)
{
	char *doc = NULL;
	long long v = 0;
	int rc = indicator_update(&r->ctx, r->param[0], r->body, r->if_match, &doc, &v);

	return resource_answer(r, rc, 200, doc, v, NULL, NULL);
}

static int indicators_patch(struct req *r)
{
	return resource_patch(r, r->param[0], indicator_get, indicator_update);
}

const struct route indicator_routes[] = {
	{"GET", "/indicators", indicators_list, ROLE_VIEWER, RF_LIST,
	 "limit,after,measure,aggregation,sex_disaggregated,active,q"},
	{"POST", "/indicators", indicators_create, ROLE_ADMIN, RF_BODY | RF_IDEMPOTENT, NULL},
	{"GET", "/indicators/{code}", indicators_get, ROLE_VIEWER, 0, NULL},
	{"PUT", "/indicators/{code}", indicators_put, ROLE_ADMIN, RF_BODY | RF_IF_MATCH, NULL},
	{"PATCH", "/indicators/{code}", indicators_patch, ROLE_ADMIN, RF_BODY | RF_IF_MATCH, NULL},
	{NULL, NULL, NULL, 0, 0, NULL},
};

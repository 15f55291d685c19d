/* indicators.c: /indicators — the indicator catalogue. Every token reads
 * it; admins of a root unit write it (lib/indicator.c checks the root).
 * There is no DELETE (405): an indicator leaves use with active = false. */
#include <string.h>

#include "auth.h"
#include "indicator.h"
#include "resource.h"

static const struct qfilter indicator_filters[] = {
	QF_ENUM(struct indicator_filter, measure, indicator_measures),
	QF_ENUM(struct indicator_filter, aggregation, indicator_aggregations),
	QF(struct indicator_filter, sex_disaggregated, Q_BOOL),
	QF(struct indicator_filter, active, Q_BOOL),
	QF(struct indicator_filter, q, Q_TEXT),
	QF_END,
};

static int indicators_list(struct req *r)
{
	struct indicator_filter f;
	struct page pg;
	char next[256];
	char *items;

	if (resource_filters(r, indicator_filters, &f, 0, &pg) < 0 ||
	    indicator_list(&r->ctx, &f, &pg, &items, next, sizeof next) < 0)
		return -1;
	return resp_list(r, items, next);
}

static int indicators_get(struct req *r)
{
	return resource_get(r, 0, indicator_get);
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
	return resource_put(r, 0, indicator_update);
}

static int indicators_patch(struct req *r)
{
	return resource_patch(r, 0, indicator_get, indicator_update);
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

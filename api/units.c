/* units.c: /units — the unit tree. Reads reach the caller's subtree;
 * writes are for admins, within their subtree. */
#include <stdlib.h>

#include "auth.h"
#include "resource.h"
#include "server.h"
#include "unit.h"

static const struct qfilter unit_filters[] = {
	QF(struct unit_filter, under, Q_CODE),
	QF(struct unit_filter, parent, Q_CODE),
	QF_ENUM(struct unit_filter, kind, unit_kinds),
	QF(struct unit_filter, q, Q_TEXT),
	QF(struct unit_filter, active_on, Q_DATE),
	QF_END,
};

static int units_list(struct req *r)
{
	struct unit_filter f;
	struct page pg;
	char next[256];
	char *items;

	if (resource_filters(r, unit_filters, &f, 0, &pg) < 0 ||
	    unit_list(&r->ctx, &f, &pg, &items, next, sizeof next) < 0)
		return -1;
	return resp_list(r, items, next);
}

static int units_children(struct req *r)
{
	struct unit_filter f = {NULL, r->param[0], NULL, NULL, NULL};
	struct page pg;
	char next[256];
	char *items, *doc = NULL;

	if (resource_page(r, 0, &pg) < 0 || unit_get(&r->ctx, r->param[0], &doc, NULL) < 0)
		return -1;
	free(doc);
	if (unit_list(&r->ctx, &f, &pg, &items, next, sizeof next) < 0)
		return -1;
	return resp_list(r, items, next);
}

static int units_ancestors(struct req *r)
{
	char *items;

	if (unit_ancestors(&r->ctx, r->param[0], &items) < 0)
		return -1;
	return resp_list(r, items, NULL);
}

static int units_get(struct req *r)
{
	return resource_get(r, 0, unit_get);
}

static int units_create(struct req *r)
{
	char *doc = NULL;
	long long v = 0;
	int rc = unit_create(&r->ctx, r->body, &doc, &v);

	return resource_answer(r, rc, 201, doc, v, "/units",
			       json_string_value(json_object_get(r->body, "code")));
}

static int units_put(struct req *r)
{
	return resource_put(r, 0, unit_update);
}

static int units_patch(struct req *r)
{
	return resource_patch(r, 0, unit_get, unit_update);
}

static int units_delete(struct req *r)
{
	if (unit_delete(&r->ctx, r->param[0], r->if_match) < 0)
		return -1;
	return resp_empty(r);
}

static int units_merge(struct req *r)
{
	char *doc = NULL;
	long long v = 0;
	int rc = unit_merge(&r->ctx, r->param[0], r->body, &doc, &v);

	return resource_answer(r, rc, 200, doc, v, NULL, NULL);
}

const struct route unit_routes[] = {
	{"GET", "/units", units_list, ROLE_VIEWER, RF_LIST, "limit,after,under,parent,kind,q,active_on"},
	{"POST", "/units", units_create, ROLE_ADMIN, RF_BODY | RF_IDEMPOTENT, NULL},
	{"GET", "/units/{code}", units_get, ROLE_VIEWER, 0, NULL},
	{"PUT", "/units/{code}", units_put, ROLE_ADMIN, RF_BODY | RF_IF_MATCH, NULL},
	{"PATCH", "/units/{code}", units_patch, ROLE_ADMIN, RF_BODY | RF_IF_MATCH, NULL},
	{"DELETE", "/units/{code}", units_delete, ROLE_ADMIN, RF_IF_MATCH, NULL},
	{"GET", "/units/{code}/children", units_children, ROLE_VIEWER, RF_LIST, "limit,after"},
	{"GET", "/units/{code}/ancestors", units_ancestors, ROLE_VIEWER, RF_LIST, NULL},
	{"POST", "/units/{code}/merge", units_merge, ROLE_ADMIN, RF_BODY | RF_IDEMPOTENT, NULL},
	{NULL, NULL, NULL, 0, 0, NULL},
};

/* plans.c: /plans — plans and guidance letters, their lifecycle (issue,
 * cancel, supersede), the cascade of plans implementing them, and the
 * printable document. Reads reach what bdg.plan_visible allows; writes are
 * for editors within the issuing unit's subtree; the lifecycle for the
 * issuing unit's own approvers (lib/plan.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "plan.h"
#include "resource.h"
#include "server.h"

static const struct qfilter plan_filters[] = {
	QF(struct plan_filter, unit, Q_CODE),
	QF(struct plan_filter, under, Q_CODE),
	QF(struct plan_filter, year, Q_YEAR),
	QF_ENUM(struct plan_filter, status, plan_statuses),
	QF_ENUM(struct plan_filter, type, plan_types),
	QF(struct plan_filter, parent_plan, Q_ID),
	QF(struct plan_filter, q, Q_TEXT),
	QF_END,
};

static int plans_list(struct req *r)
{
	struct plan_filter f;
	struct page pg;
	char next[256];
	char *items;

	if (resource_filters(r, plan_filters, &f, 1, &pg) < 0 ||
	    plan_list(&r->ctx, &f, &pg, &items, next, sizeof next) < 0)
		return -1;
	return resp_list(r, items, next);
}

static int plans_create(struct req *r)
{
	char *doc = NULL, key[24];
	long long v = 0, id = 0;
	int rc = plan_create(&r->ctx, r->body, &doc, &v, &id);

	snprintf(key, sizeof key, "%lld", id);
	return resource_answer(r, rc, 201, doc, v, "/plans", key);
}

static int plans_get(struct req *r)
{
	return resource_get(r, 1, plan_get);
}

static int plans_put(struct req *r)
{
	return resource_put(r, 1, plan_update);
}

static int plans_patch(struct req *r)
{
	return resource_patch(r, 1, plan_get, plan_update);
}

static int plans_delete(struct req *r)
{
	char key[24];

	if (req_id_key(r, 0, key, sizeof key) < 0 || plan_delete(&r->ctx, key, r->if_match) < 0)
		return -1;
	return resp_empty(r);
}

static int plans_issue(struct req *r)
{
	return resource_put(r, 1, plan_issue);
}

static int plans_cancel(struct req *r)
{
	return resource_put(r, 1, plan_cancel);
}

static int plans_supersede(struct req *r)
{
	return resource_put(r, 1, plan_supersede);
}

static int plans_children(struct req *r)
{
	struct plan_filter f = {0};
	struct page pg;
	char next[256], key[24];
	char *items, *doc = NULL;

	if (req_id_key(r, 0, key, sizeof key) < 0 || resource_page(r, 1, &pg) < 0 ||
	    plan_get(&r->ctx, key, &doc, NULL) < 0)
		return -1;
	free(doc);
	f.parent_plan = key;
	if (plan_list(&r->ctx, &f, &pg, &items, next, sizeof next) < 0)
		return -1;
	return resp_list(r, items, next);
}

static int plans_tree(struct req *r)
{
	char *doc = NULL, key[24];

	if (req_id_key(r, 0, key, sizeof key) < 0 || plan_tree(&r->ctx, key, &doc) < 0)
		return -1;
	return resp_json(r, 200, doc);
}

static int plans_document(struct req *r)
{
	char *html = NULL, key[24];
	size_t len = 0;
	int rc;

	if (req_id_key(r, 0, key, sizeof key) < 0 || plan_document(&r->ctx, key, &html, &len) < 0)
		return -1;
	rc = resp_bytes(r, 200, "text/html; charset=utf-8", html, len);
	free(html);
	return rc;
}

const struct route plan_routes[] = {
	{"GET", "/plans", plans_list, ROLE_VIEWER, RF_LIST, "limit,after,unit,under,year,status,type,parent_plan,q"},
	{"POST", "/plans", plans_create, ROLE_EDITOR, RF_BODY | RF_IDEMPOTENT, NULL},
	{"GET", "/plans/{id}", plans_get, ROLE_VIEWER, 0, NULL},
	{"PUT", "/plans/{id}", plans_put, ROLE_EDITOR, RF_BODY | RF_IF_MATCH, NULL},
	{"PATCH", "/plans/{id}", plans_patch, ROLE_EDITOR, RF_BODY | RF_IF_MATCH, NULL},
	{"DELETE", "/plans/{id}", plans_delete, ROLE_EDITOR, RF_IF_MATCH, NULL},
	{"POST", "/plans/{id}/issue", plans_issue, ROLE_APPROVER, RF_BODY_OPTIONAL | RF_IF_MATCH | RF_IDEMPOTENT, NULL},
	{"POST", "/plans/{id}/cancel", plans_cancel, ROLE_APPROVER, RF_BODY | RF_IF_MATCH | RF_IDEMPOTENT, NULL},
	{"POST", "/plans/{id}/supersede", plans_supersede, ROLE_APPROVER, RF_BODY | RF_IF_MATCH | RF_IDEMPOTENT, NULL},
	{"GET", "/plans/{id}/children", plans_children, ROLE_VIEWER, RF_LIST, "limit,after"},
	{"GET", "/plans/{id}/tree", plans_tree, ROLE_VIEWER, 0, NULL},
	{"GET", "/plans/{id}/document", plans_document, ROLE_VIEWER, 0, NULL},
	{NULL, NULL, NULL, 0, 0, NULL},
};

/* activities.c: /activities and /plans/{id}/activities — the tasks of a
 * plan. Read by the plan's readers and by the units that lead or
 * coordinate them; written by the plan's editors while it is a draft;
 * status and progress also by the lead unit's editors, even after issue
 * (lib/activity.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "activity.h"
#include "auth.h"
#include "resource.h"
#include "server.h"

static const struct qfilter activity_filters[] = {
	QF(struct activity_filter, plan, Q_ID),
	QF_ENUM(struct activity_filter, category, activity_categories),
	QF(struct activity_filter, lead_unit, Q_CODE),
	QF(struct activity_filter, unit, Q_CODE),
	QF_ENUM(struct activity_filter, status, activity_statuses),
	QF(struct activity_filter, from, Q_DATE),
	QF(struct activity_filter, to, Q_DATE),
	QF(struct activity_filter, under, Q_CODE),
	QF_END,
};

static int activities_list(struct req *r)
{
	struct activity_filter f;
	struct page pg;
	char next[256];
	char *items;

	if (resource_filters(r, activity_filters, &f, 1, &pg) < 0)
		return -1;
	if (f.from && f.to && strcmp(f.to, f.from) < 0)
		return req_bad_param(r, "to", "must not be before from");
	if (activity_list(&r->ctx, &f, &pg, &items, next, sizeof next) < 0)
		return -1;
	return resp_list(r, items, next);
}

static int plan_activities_list(struct req *r)
{
	struct page pg;
	char next[256], key[24];
	char *items;

	if (req_id_key(r, 0, key, sizeof key) < 0 || resource_page(r, 0, &pg) < 0)
		return -1;
	if (pg.has_after && !activity_plan_key_valid(pg.after))
		return req_bad_param(r, "after", "is not a cursor this server gave out");
	if (activity_list_plan(&r->ctx, key, &pg, &items, next, sizeof next) < 0)
		return -1;
	return resp_list(r, items, next);
}

static int plan_activities_create(struct req *r)
{
	char *doc = NULL, key[24], id_text[24];
	long long v = 0, id = 0;
	int rc;

	if (req_id_key(r, 0, key, sizeof key) < 0)
		return -1;
	rc = activity_create(&r->ctx, key, r->body, &doc, &v, &id);
	snprintf(id_text, sizeof id_text, "%lld", id);
	return resource_answer(r, rc, 201, doc, v, "/activities", id_text);
}

static int activities_get(struct req *r)
{
	return resource_get(r, 1, activity_get);
}

static int activities_put(struct req *r)
{
	return resource_put(r, 1, activity_update);
}

static int activities_patch(struct req *r)
{
	return resource_patch(r, 1, activity_get, activity_update);
}

static int activities_delete(struct req *r)
{
	char key[24];

	if (req_id_key(r, 0, key, sizeof key) < 0 || activity_delete(&r->ctx, key, r->if_match) < 0)
		return -1;
	return resp_empty(r);
}

const struct route activity_routes[] = {
	{"GET", "/plans/{id}/activities", plan_activities_list, ROLE_VIEWER, RF_LIST, "limit,after"},
	{"POST", "/plans/{id}/activities", plan_activities_create, ROLE_EDITOR, RF_BODY | RF_IDEMPOTENT, NULL},
	{"GET", "/activities", activities_list, ROLE_VIEWER, RF_LIST,
	 "limit,after,plan,category,lead_unit,unit,status,from,to,under"},
	{"GET", "/activities/{id}", activities_get, ROLE_VIEWER, 0, NULL},
	{"PUT", "/activities/{id}", activities_put, ROLE_EDITOR, RF_BODY | RF_IF_MATCH, NULL},
	{"PATCH", "/activities/{id}", activities_patch, ROLE_EDITOR, RF_BODY | RF_IF_MATCH, NULL},
	{"DELETE", "/activities/{id}", activities_delete, ROLE_EDITOR, RF_IF_MATCH, NULL},
	{NULL, NULL, NULL, 0, 0, NULL},
};

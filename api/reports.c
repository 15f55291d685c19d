/* reports.c: /reports — a unit's reports on a plan's periods and their
 * workflow (submit, accept, return), consolidation and the printable
 * document; with what units above read from them: /reports/overdue,
 * /plans/{id}/completeness, /units/{code}/completeness and
 * /units/{code}/rollup. Thin: lib/report.c and lib/rollup.c hold the rules. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "report.h"
#include "resource.h"
#include "rollup.h"
#include "server.h"

#ifndef RF_LIST
#define RF_LIST 0
#endif

static const char *const report_statuses[] = {"draft", "submitted", "accepted", "returned", NULL};

static const struct qfilter report_filters[] = {
	QF(struct report_filter, plan, Q_ID),
	QF(struct report_filter, unit, Q_CODE),
	QF(struct report_filter, under, Q_CODE),
	QF(struct report_filter, period, Q_PERIOD),
	QF_ENUM(struct report_filter, status, report_statuses),
	QF(struct report_filter, q, Q_TEXT),
	QF(struct report_filter, as_of, Q_DATE),
	QF_END,
};

/* A period that must be given. */
static int need_period(struct req *r)
{
	if (!req_query(r, "period"))
		return req_bad_param(r, "period", "is required (a period: 2024, 2024-H1, 2024-Q3 or 2024-05)");
	return resource_check(r, "period", Q_PERIOD);
}

static int reports_list(struct req *r)
{
	struct report_filter f = {0};
	struct page pg;
	char next[256];
	const char *overdue = req_query(r, "overdue");
	char *items;

	if (resource_filters(r, report_filters, &f, 1, &pg) < 0 || resource_check(r, "overdue", Q_BOOL) < 0)
		return -1;
	f.overdue = overdue && strcmp(overdue, "true") == 0;
	if (report_list(&r->ctx, &f, &pg, &items, next, sizeof next) < 0)
		return -1;
	return resp_list(r, items, next);
}

static int reports_get(struct req *r)
{
	return resource_get(r, 1, report_get);
}

static int reports_create(struct req *r)
{
	char *doc = NULL, key[24] = "";
	long long v = 0;
	int rc = report_create(&r->ctx, r->body, &doc, &v);

	if (rc == 0) {
		json_t *d = json_loads(doc, 0, NULL);

		snprintf(key, sizeof key, "%lld", (long long)json_integer_value(json_object_get(d, "id")));
		json_decref(d);
	}
	return resource_answer(r, rc, 201, doc, v, "/reports", key);
}

static int reports_put(struct req *r)
{
	return resource_put(r, 1, report_update);
}

static int reports_patch(struct req *r)
{
	return resource_patch(r, 1, report_get, report_update);
}

static int reports_delete(struct req *r)
{
	char id[24];

	if (req_id_key(r, 0, id, sizeof id) < 0 || report_delete(&r->ctx, id, r->if_match) < 0)
		return -1;
	return resp_empty(r);
}

/* A workflow step on one report (submit, accept, consolidate): the lib
 * function takes the id and the If-Match version and gives the document. */
typedef int (*report_step_fn)(struct bdg_ctx *c, const char *id, long long if_version,
			      char **doc, long long *version);

static int report_step(struct req *r, report_step_fn step)
{
	char id[24];
	char *doc = NULL;
	long long v = 0;
	int rc;

	if (req_id_key(r, 0, id, sizeof id) < 0)
		return -1;
	rc = step(&r->ctx, id, r->if_match, &doc, &v);
	return resource_answer(r, rc, 200, doc, v, NULL, NULL);
}

static int reports_submit(struct req *r)
{
	return report_step(r, report_submit);
}

static int reports_accept(struct req *r)
{
	return report_step(r, report_accept);
}

static int reports_return(struct req *r)
{
	char id[24];
	char *doc = NULL;
	long long v = 0;
	int rc;

	if (req_id_key(r, 0, id, sizeof id) < 0)
		return -1;
	rc = report_return(&r->ctx, id, r->body, r->if_match, &doc, &v);
	return resource_answer(r, rc, 200, doc, v, NULL, NULL);
}

static int reports_consolidate(struct req *r)
{
	return report_step(r, rollup_consolidate);
}

static int reports_document(struct req *r)
{
	char id[24];
	char *html = NULL;
	long long v = 0;
	int rc;

	if (req_id_key(r, 0, id, sizeof id) < 0 || report_document(&r->ctx, id, &html, &v) < 0)
		return -1;
	rc = resp_bytes(r, 200, "text/html; charset=utf-8", html, strlen(html));
	free(html);
	r->etag = v;
	return rc;
}

static int reports_overdue(struct req *r)
{
	struct page pg;
	char next[256];
	char *items;

	if (resource_page(r, 0, &pg) < 0 || resource_check(r, "under", Q_CODE) < 0 || resource_check(r, "as_of", Q_DATE) < 0)
		return -1;
	if (rollup_overdue(&r->ctx, req_query(r, "under"), req_query(r, "as_of"), &pg, &items, next,
			   sizeof next) < 0)
		return -1;
	return resp_list(r, items, next);
}

static int plans_completeness(struct req *r)
{
	char id[24];
	char *doc = NULL;

	if (req_id_key(r, 0, id, sizeof id) < 0 || resource_check(r, "period", Q_PERIOD) < 0 ||
	    rollup_plan_completeness(&r->ctx, id, req_query(r, "period"), &doc) < 0)
		return -1;
	return resp_json(r, 200, doc);
}

static int units_completeness(struct req *r)
{
	char *doc = NULL;

	if (resource_check(r, "period", Q_PERIOD) < 0 ||
	    rollup_unit_completeness(&r->ctx, r->param[0], req_query(r, "period"), &doc) < 0)
		return -1;
	return resp_json(r, 200, doc);
}

/* indicator=A,B: 1 to 50 codes, each in the code format. */
static int check_indicators(struct req *r, const char *list)
{
	char code[80];
	const char *p = list;
	int n = 0;

	if (!list || !*list)
		return req_bad_param(r, "indicator", "is required (one or more indicator codes, comma-separated)");
	for (;;) {
		size_t len = strcspn(p, ",");

		if (len == 0 || len >= sizeof code || ++n > 50)
			return req_bad_param(r, "indicator", "must be 1 to 50 indicator codes separated by commas");
		memcpy(code, p, len);
		code[len] = '\0';
		if (!valid_code(code))
			return req_bad_param(r, "indicator", "must be indicator codes such as GEN-0402, comma-separated");
		if (!p[len])
			return 0;
		p += len + 1;
	}
}

static int units_rollup(struct req *r)
{
	const char *include = req_query(r, "include");
	char *doc = NULL;

	if (check_indicators(r, req_query(r, "indicator")) < 0 || need_period(r) < 0 ||
	    resource_check(r, "plan", Q_ID) < 0)
		return -1;
	if (include && strcmp(include, "submitted") != 0)
		return req_bad_param(r, "include", "must be submitted (accepted reports always count)");
	if (rollup_indicators(&r->ctx, r->param[0], req_query(r, "indicator"), req_query(r, "period"),
			      include != NULL, req_query(r, "plan"), &doc) < 0)
		return -1;
	return resp_json(r, 200, doc);
}

/* "/reports/overdue" follows "/reports/{id}": of two routes matching a
 * path, the dispatcher takes the later one. */
const struct route report_routes[] = {
	{"GET", "/reports", reports_list, ROLE_VIEWER, RF_LIST,
	 "limit,after,plan,unit,under,period,status,overdue,as_of,q"},
	{"POST", "/reports", reports_create, ROLE_EDITOR, RF_BODY | RF_IDEMPOTENT, NULL},
	{"GET", "/reports/{id}", reports_get, ROLE_VIEWER, 0, NULL},
	{"PUT", "/reports/{id}", reports_put, ROLE_EDITOR, RF_BODY | RF_IF_MATCH, NULL},
	{"PATCH", "/reports/{id}", reports_patch, ROLE_EDITOR, RF_BODY | RF_IF_MATCH, NULL},
	{"DELETE", "/reports/{id}", reports_delete, ROLE_EDITOR, RF_IF_MATCH, NULL},
	{"GET", "/reports/overdue", reports_overdue, ROLE_VIEWER, RF_LIST, "limit,after,under,as_of"},
	{"POST", "/reports/{id}/submit", reports_submit, ROLE_APPROVER, RF_IDEMPOTENT, NULL},
	{"POST", "/reports/{id}/accept", reports_accept, ROLE_APPROVER, RF_IDEMPOTENT, NULL},
	{"POST", "/reports/{id}/return", reports_return, ROLE_APPROVER, RF_BODY | RF_IDEMPOTENT, NULL},
	{"POST", "/reports/{id}/consolidate", reports_consolidate, ROLE_EDITOR, RF_IDEMPOTENT, NULL},
	{"GET", "/reports/{id}/document", reports_document, ROLE_VIEWER, 0, NULL},
	{"GET", "/plans/{id}/completeness", plans_completeness, ROLE_VIEWER, 0, "period"},
	{"GET", "/units/{code}/completeness", units_completeness, ROLE_VIEWER, 0, "period"},
	{"GET", "/units/{code}/rollup", units_rollup, ROLE_VIEWER, 0, "indicator,period,include,plan"},
	{NULL, NULL, NULL, 0, 0, NULL},
};

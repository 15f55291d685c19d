/* changes.c: /changes — every write in revision order, for portals that
 * pull incrementally — and /audit, the same rows with who and before.
 * Both page by revision and are exported whole as CSV or NDJSON. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "change.h"
#include "http.h"
#include "server.h"
#include "valid.h"

#define CHANGES_MAX 1000

static const char *const resources[] = {"unit", "plan", "activity", "indicator", "target", "report", NULL};


static int known_resource(const char *s, size_t n)
{
	const char *const *r;

	for (r = resources; *r; r++)
		if (strlen(*r) == n && strncmp(*r, s, n) == 0)
			return 1;
	return 0;
}

static int parse_limit(struct req *r, int *limit)
{
	const char *l = req_query(r, "limit");

	*limit = 100;
	if (!l)
		return 0;
	if (!valid_digits(l) || atoi(l) < 1 || atoi(l) > CHANGES_MAX)
		return req_bad_param(r, "limit", "must be a whole number from 1 to 1000");
	*limit = atoi(l);
	return 0;
}

/* A page: {"items", "next" (the last revision), "more"}; in an export
 * (Accept: text/csv or application/x-ndjson) the items only, the next
 * page starting after `last` while more follow (RF_REVISIONS). */
static int answer(struct req *r, char *items, long long last, int more)
{
	size_t n = strlen(items) + 96;
	char rev[24], *out;

	if (r->export_mode) {
		snprintf(rev, sizeof rev, "%lld", last);
		return resp_list(r, items, more ? rev : NULL);
	}
	out = malloc(n);
	if (!out) {
		free(items);
		return bdg_fail(&r->ctx.err, 500, "internal", "Out of memory.");
	}
	snprintf(out, n, "{\"items\":%s,\"next\":\"%lld\",\"more\":%s}", items, last, more ? "true" : "false");
	free(items);
	return resp_json(r, 200, out);
}

static int changes_list(struct req *r)
{
	struct change_filter f = {req_query(r, "since"), req_query(r, "types"), req_query(r, "under"), 0};
	const char *t;
	long long last = 0;
	int more = 0;
	char *items;

	if (!f.since)
		f.since = "0";
	if (!valid_digits(f.since))
		return req_bad_param(r, "since", "must be a revision number (0 for the beginning)");
	if (parse_limit(r, &f.limit) < 0)
		return -1;
	for (t = f.types; t && *t;) {
		size_t n = strcspn(t, ",");
		if (!known_resource(t, n))
			return req_bad_param(r, "types", "must list resources among unit, plan, activity, indicator, target, report");
		t += n + (t[n] == ',');
	}
	if (change_list(&r->ctx, &f, &items, &last, &more) < 0)
		return -1;
	return answer(r, items, last, more);
}

static int audit_get(struct req *r)
{
	struct audit_filter f = {
		req_query(r, "resource"), req_query(r, "id"), req_query(r, "key"), req_query(r, "actor"),
		req_query(r, "from"), req_query(r, "to"), req_query(r, "after"), 0,
	};
	long long last = 0;
	int more = 0;
	char *items;

	if (f.resource && !known_resource(f.resource, strlen(f.resource)))
		return req_bad_param(r, "resource", "must be one of unit, plan, activity, indicator, target, report");
	if (f.id && !valid_digits(f.id))
		return req_bad_param(r, "id", "must be a positive id");
	if (f.after && !valid_digits(f.after))
		return req_bad_param(r, "after", "must be a revision number");
	if ((f.from && !valid_timestamp(f.from)) || (f.to && !valid_timestamp(f.to)))
		return req_bad_param(r, f.from && !valid_timestamp(f.from) ? "from" : "to",
				     "must be a date (YYYY-MM-DD) or a time (YYYY-MM-DDTHH:MM:SSZ)");
	if (parse_limit(r, &f.limit) < 0 || audit_list(&r->ctx, &f, &items, &last, &more) < 0)
		return -1;
	return answer(r, items, last, more);
}

const struct route change_routes[] = {
	{"GET", "/changes", changes_list, ROLE_VIEWER, RF_LIST | RF_REVISIONS, "since,limit,types,under"},
	{"GET", "/audit", audit_get, ROLE_VIEWER, RF_LIST | RF_REVISIONS, "after,resource,id,key,actor,from,to,limit"},
	{NULL, NULL, NULL, 0, 0, NULL},
};

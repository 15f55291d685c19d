/* system.c: /health (the process), /ready (the database), /me (the caller)
 * and /openapi.yaml (the contract, compiled into the binary). */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "http.h"
#include "migrate.h"
#include "server.h"
#include "unit.h"

static int health(struct req *r)
{
	return resp_bytes(r, 200, "application/json", "{\"status\":\"ok\"}", 15);
}

static int ready(struct req *r)
{
	if (!db_ping(r->srv->pool))
		return bdg_fail(&r->ctx.err, 503, "unavailable", "The database is not reachable.");
	return resp_bytes(r, 200, "application/json", "{\"status\":\"ready\"}", 18);
}

static int me(struct req *r)
{
	char *doc = NULL;
	json_t *out, *unit = NULL;

	if (unit_get(&r->ctx, r->ctx.who.unit, &doc, NULL) == 0)
		unit = json_loads(doc, 0, NULL);
	else if (r->ctx.err.status == 404)
		bdg_err_clear(&r->ctx.err);
	else
		return -1;
	free(doc);
	out = json_pack("{s:s, s:s, s:s, s:I, s:o}", "sub", r->ctx.who.sub, "unit", r->ctx.who.unit,
			"role", role_name(r->ctx.who.role), "exp", (json_int_t)r->ctx.who.exp,
			"unit_detail", unit ? unit : json_null());
	doc = json_dumps(out, JSON_COMPACT);
	json_decref(out);
	return resp_json(r, 200, doc);
}

static int openapi(struct req *r)
{
	const struct embedded_file *f;

	for (f = bdg_static; f->name; f++)
		if (strcmp(f->name, "openapi.yaml") == 0)
			return resp_bytes(r, 200, "application/yaml", f->data, f->len);
	return bdg_fail(&r->ctx.err, 404, "not_found", "The contract is not built into this server.");
}

const struct route system_routes[] = {
	{"GET", "/health", health, ROLE_NONE, 0, NULL},
	{"GET", "/ready", ready, ROLE_NONE, 0, NULL},
	{"GET", "/me", me, ROLE_VIEWER, 0, NULL},
	{"GET", "/openapi.yaml", openapi, ROLE_NONE, 0, NULL},
	{NULL, NULL, NULL, 0, 0, NULL},
};

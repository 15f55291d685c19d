/* bulk.c: the bulk import: shape checks in C, upserts in SQL, one
 * transaction, every bad item named. */
#include "bulk.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "constraint.h"
#include "unit.h"
#include "valid.h"

static const struct db_stmt st_units = {
	"bulk_units", "SELECT bdg.bulk_units($1::jsonb, $2::text, $3::text)::text", 3,
};

struct section {
	const char *name;
	const struct vfield *spec;
	const struct db_stmt *st;
};

/* In dependency order. */
static const struct section sections[] = {
	{"units", unit_fields, &st_units},
};

#define NSECTIONS (sizeof sections / sizeof sections[0])

static void add_error(json_t *errors, const char *field, const char *message)
{
	if (json_array_size(errors) < BULK_MAX_ERRORS)
		json_array_append_new(errors, json_pack("{s:s, s:s}", "field", field, "message", message));
}

/* Shape checks of every item; errors go to the array. */
static void check_items(const struct section *s, const json_t *items, json_t *errors)
{
	struct bdg_err e;
	char path[64];
	size_t i;
	int k;

	for (i = 0; i < json_array_size(items) && json_array_size(errors) < BULK_MAX_ERRORS; i++) {
		memset(&e, 0, sizeof e);
		snprintf(path, sizeof path, "/%s/%zu", s->name, i);
		if (valid_object(json_array_get(items, i), s->spec, path, &e) == 0)
			continue;
		if (e.nfields == 0)
			add_error(errors, path, "must be an object");
		for (k = 0; k < e.nfields; k++)
			add_error(errors, e.fields[k].field, e.fields[k].message);
	}
}

/* Map the SQL function's item errors to JSON paths and messages. */
static void sql_errors(const struct section *s, json_t *errs, json_t *errors)
{
	size_t i;
	json_t *e;
	char path[256];

	json_array_foreach(errs, i, e) {
		const char *field = json_string_value(json_object_get(e, "field"));
		const char *msg = json_string_value(json_object_get(e, "message"));
		const char *cons = json_string_value(json_object_get(e, "constraint"));
		const char *state = json_string_value(json_object_get(e, "sqlstate"));
		const struct constraint_rule *rule = constraint_find(cons);
		int status;
		const char *code;

		if (rule) {
			field = field ? field : rule->field;
			msg = msg ? msg : rule->message;
		}
		if (!msg) {
			status = bdg_sqlstate_status(state, &code);
			msg = status == 409 ? "conflicts with existing data" : status == 503
				? "the database was busy; send the batch again" : "has a value the database does not accept";
		}
		snprintf(path, sizeof path, "/%s/%lld%s", s->name,
			 (long long)json_integer_value(json_object_get(e, "index")), field ? field : "");
		add_error(errors, path, msg);
	}
}

int bulk_run(struct bdg_ctx *c, const json_t *body, int dry_run, json_t **summary,
	     json_t **errors)
{
	const char *key;
	json_t *v, *res = NULL;
	size_t k;
	int rc = -1;

	*summary = json_pack("{s:b}", "dry_run", dry_run);
	*errors = json_array();
	json_object_foreach((json_t *)body, key, v) {
		for (k = 0; k < NSECTIONS; k++)
			if (strcmp(sections[k].name, key) == 0)
				break;
		if (k == NSECTIONS) {
			char path[80];
			snprintf(path, sizeof path, "/%.60s", key);
			add_error(*errors, path, "is not a section of a bulk import");
		} else if (!json_is_array(v)) {
			char path[80];
			snprintf(path, sizeof path, "/%s", key);
			add_error(*errors, path, "must be an array");
		} else {
			check_items(&sections[k], v, *errors);
		}
	}
	if (json_array_size(*errors))
		goto rejected;
	if (ctx_begin(c) < 0)
		goto out;
	for (k = 0; k < NSECTIONS; k++) {
		const json_t *items = json_object_get(body, sections[k].name);
		char *text, *out;
		const char *p[3];

		if (!items)
			continue;
		text = json_dumps(items, JSON_COMPACT);
		p[0] = text;
		p[1] = c->who.unit;
		p[2] = role_name(c->who.role);
		out = text ? db_value_new(ctx_conn(c), sections[k].st, p, &c->err) : NULL;
		free(text);
		res = out ? json_loads(out, 0, NULL) : NULL;
		free(out);
		if (!res) {
			ctx_rollback(c);
			if (!c->err.status)
				bdg_fail(&c->err, 500, "internal", "The bulk import failed.");
			goto out;
		}
		sql_errors(&sections[k], json_object_get(res, "errors"), *errors);
		json_object_set_new(*summary, sections[k].name, json_pack("{s:O, s:O, s:O, s:I}",
			"created", json_object_get(res, "created"), "updated", json_object_get(res, "updated"),
			"unchanged", json_object_get(res, "unchanged"),
			"rejected", (json_int_t)json_array_size(json_object_get(res, "errors"))));
		json_decref(res);
		res = NULL;
	}
	if (json_array_size(*errors)) {
		ctx_rollback(c);
		goto rejected;
	}
	if (dry_run) {
		ctx_rollback(c);
	} else if (ctx_commit(c) < 0) {
		goto out;
	}
	rc = 0;
	goto out;
rejected:
	bdg_fail(&c->err, 422, "bulk_rejected", "%zu item(s) of the batch were rejected; nothing was written.",
		 json_array_size(*errors));
out:
	return rc;
}

/* unit.c: queries of the unit tree. The caller's reach is the subtree of
 * the unit named by the token ($1::text in every statement): bdg.unit_path($1::text). */
#include "unit.h"

#include <stdlib.h>
#include <string.h>

#include "query.h"

const char *const unit_kinds[] = {"province", "department", "district", "commune",
	"division", "public_service_unit", "committee", "other", NULL};

const struct vfield unit_fields[] = {
	{"id", V_ID, VF_READONLY, 0, 0, NULL, NULL},
	{"code", V_CODE, VF_REQUIRED, 0, 0, NULL, NULL},
	{"name", V_STRING, VF_REQUIRED, 0, 300, NULL, NULL},
	{"kind", V_ENUM, VF_REQUIRED, 0, 0, unit_kinds, NULL},
	{"parent", V_CODE, VF_NULLABLE, 0, 0, NULL, NULL},
	{"valid_from", V_DATE, VF_NULLABLE, 0, 0, NULL, NULL},
	{"valid_to", V_DATE, VF_NULLABLE, 0, 0, NULL, NULL},
	{"successor", V_CODE, VF_NULLABLE, 0, 0, NULL, NULL},
	{"version", V_INT, VF_READONLY, 0, 0, NULL, NULL},
	{"created_at", V_STRING, VF_READONLY, 0, 0, NULL, NULL},
	{"updated_at", V_STRING, VF_READONLY, 0, 0, NULL, NULL},
	{NULL, 0, 0, 0, 0, NULL, NULL},
};

const struct vfield unit_merge_fields[] = {
	{"into", V_CODE, VF_REQUIRED, 0, 0, NULL, NULL},
	{"on", V_DATE, VF_REQUIRED, 0, 0, NULL, NULL},
	{NULL, 0, 0, 0, 0, NULL, NULL},
};

static const struct db_stmt st_get = {
	"unit_get",
	"SELECT bdg.unit_doc(u)::text, u.version FROM bdg.unit u"
	" WHERE u.code = $2::text AND u.path <@ bdg.unit_path($1::text)",
	2,
};

/* $1::text actor, $2::text after, $3::text limit+1, $4::text under, $5::text parent, $6::text kind, $7::text q, $8::text active_on */
static const struct db_stmt st_list = {
	"unit_list",
	"WITH scope AS (SELECT coalesce((SELECT path FROM bdg.unit WHERE code = $4::text AND"
	"   path <@ bdg.unit_path($1::text)), CASE WHEN $4::text IS NULL THEN bdg.unit_path($1::text) END) AS path),"
	" page AS (SELECT u.code AS k, bdg.unit_doc(u) AS doc,"
	"   row_number() OVER (ORDER BY u.code) AS rn"
	"   FROM bdg.unit u, scope s"
	"   WHERE u.path <@ s.path AND ($2::text IS NULL OR u.code > $2::text)"
	"   AND ($5::text IS NULL OR u.parent_id = (SELECT id FROM bdg.unit WHERE code = $5::text))"
	"   AND ($6::text IS NULL OR u.kind = $6::text)"
	"   AND ($7::text IS NULL OR bdg.matches(u.search, $7::text))"
	"   AND ($8::date IS NULL OR ((u.valid_from IS NULL OR u.valid_from <= $8::date)"
	"        AND (u.valid_to IS NULL OR u.valid_to >= $8::date)))"
	"   ORDER BY u.code LIMIT $3::int)"
	" SELECT coalesce(jsonb_agg(doc ORDER BY rn) FILTER (WHERE rn < $3::int), '[]')::text,"
	"   CASE WHEN count(*) = $3::int THEN max(k) FILTER (WHERE rn = $3::int - 1) END"
	" FROM page",
	8,
};

static const struct db_stmt st_ancestors = {
	"unit_ancestors",
	"SELECT coalesce(jsonb_agg(bdg.unit_doc(a) ORDER BY nlevel(a.path)), '[]')::text, NULL"
	" FROM bdg.unit u JOIN bdg.unit a ON u.path <@ a.path AND a.id <> u.id"
	" WHERE u.code = $2::text AND u.path <@ bdg.unit_path($1::text) AND a.path <@ bdg.unit_path($1::text)",
	2,
};

/* Only an admin of a new root unit itself may create it; a parent must be
 * within reach. $1::text actor, $2::text code, $4::text parent, $8::text successor. */
static const struct db_stmt st_create = {
	"unit_create",
	"WITH chk AS (SELECT"
	"  bdg.check($4::text IS NOT NULL OR $2::text = $1::text, 'BD403',"
	"    'a unit without a parent can only be created by an admin whose token names that unit', '/parent')"
	"  AND bdg.check($4::text IS NULL OR EXISTS (SELECT 1 FROM bdg.unit p WHERE p.code = $4::text"
	"    AND p.path <@ bdg.unit_path($1::text)), 'BD422', 'no such unit within your reach', '/parent')"
	"  AND bdg.check($8::text IS NULL OR EXISTS (SELECT 1 FROM bdg.unit s WHERE s.code = $8::text"
	"    AND s.path <@ bdg.unit_path($1::text)), 'BD422', 'no such unit within your reach', '/successor') AS ok)"
	" INSERT INTO bdg.unit (code, name, kind, parent_id, valid_from, valid_to, successor_id)"
	" SELECT $2::text, $3::text, $5::text, (SELECT id FROM bdg.unit WHERE code = $4::text), $6::date, $7::date,"
	"   (SELECT id FROM bdg.unit WHERE code = $8::text) FROM chk WHERE chk.ok"
	" RETURNING bdg.unit_doc(unit)::text, version",
	8,
};

/* $1::text actor, $2::text code, $3::text version, $4::text name, $5::text kind, $6::text parent, $7::text from, $8::text to, $9::text successor */
static const struct db_stmt st_update = {
	"unit_update",
	"WITH cur AS (SELECT u.id, u.parent_id FROM bdg.unit u"
	"   WHERE u.code = $2::text AND u.path <@ bdg.unit_path($1::text)),"
	" chk AS (SELECT"
	"  bdg.check($6::text IS NOT NULL OR (SELECT parent_id FROM cur) IS NULL OR NOT EXISTS (SELECT 1 FROM cur),"
	"    'BD422', 'a unit that has a parent cannot become a root unit', '/parent')"
	"  AND bdg.check($6::text IS NULL OR NOT EXISTS (SELECT 1 FROM cur) OR EXISTS (SELECT 1 FROM bdg.unit p WHERE p.code = $6::text"
	"    AND (p.id = (SELECT parent_id FROM cur) OR p.path <@ bdg.unit_path($1::text))),"
	"    'BD422', 'no such unit within your reach', '/parent')"
	"  AND bdg.check($9::text IS NULL OR EXISTS (SELECT 1 FROM bdg.unit s WHERE s.code = $9::text"
	"    AND s.path <@ bdg.unit_path($1::text)), 'BD422', 'no such unit within your reach', '/successor') AS ok)"
	" UPDATE bdg.unit u SET name = $4::text, kind = $5::text,"
	"   parent_id = (SELECT id FROM bdg.unit WHERE code = $6::text), valid_from = $7::date,"
	"   valid_to = $8::date, successor_id = (SELECT id FROM bdg.unit WHERE code = $9::text)"
	" FROM chk WHERE chk.ok AND u.id = (SELECT id FROM cur) AND ($3::int IS NULL OR u.version = $3::int)"
	" RETURNING bdg.unit_doc(u)::text, u.version",
	9,
};

static const struct db_stmt st_probe = {
	"unit_probe",
	"SELECT version FROM bdg.unit WHERE code = $2::text AND path <@ bdg.unit_path($1::text)",
	2,
};

static const struct db_stmt st_delete = {
	"unit_delete",
	"DELETE FROM bdg.unit WHERE code = $2::text AND path <@ bdg.unit_path($1::text) AND ($3::int IS NULL OR version = $3::int)",
	3,
};

/* Move the children of $2::text under $3::text and mark $2::text as succeeded on $4::text. */
static const struct db_stmt st_merge_check = {
	"unit_merge_check",
	"SELECT bdg.check(i.id IS NOT NULL, 'BD422', 'no such unit within your reach', '/into')"
	"   AND bdg.check(i.id IS DISTINCT FROM s.id AND NOT coalesce(i.path <@ s.path, false), 'BD422',"
	"     'a unit cannot be merged into itself or one of its own subunits', '/into')"
	" FROM bdg.unit s LEFT JOIN bdg.unit i ON i.code = $3::text AND i.path <@ bdg.unit_path($1::text)"
	" WHERE s.code = $2::text AND s.path <@ bdg.unit_path($1::text)",
	3,
};

/* $1 the merged unit, $2 its successor. */
static const struct db_stmt st_merge_move = {
	"unit_merge_move",
	"UPDATE bdg.unit c SET parent_id = (SELECT id FROM bdg.unit WHERE code = $2::text)"
	" WHERE c.parent_id = (SELECT id FROM bdg.unit WHERE code = $1::text)",
	2,
};

static const struct db_stmt st_merge_mark = {
	"unit_merge_mark",
	"UPDATE bdg.unit u SET successor_id = (SELECT id FROM bdg.unit WHERE code = $2::text),"
	"   valid_to = $3::date - 1"
	" WHERE u.code = $1::text"
	" RETURNING bdg.unit_doc(u)::text, u.version",
	3,
};

int unit_get(struct bdg_ctx *c, const char *code, char **doc, long long *version)
{
	const char *p[] = {c->who.unit, code};

	return query_doc(c, &st_get, p, doc, version);
}

int unit_list(struct bdg_ctx *c, const struct unit_filter *f, const struct page *pg,
	      char **items, char *next, size_t nextlen)
{
	const char *p[] = {c->who.unit, pg->has_after ? pg->after : NULL, pg->limit_plus1,
		f->under, f->parent, f->kind, f->q, f->active_on};

	return query_list(c, &st_list, p, items, next, nextlen);
}

int unit_ancestors(struct bdg_ctx *c, const char *code, char **items)
{
	const char *p[] = {c->who.unit, code};
	char next[8];
	char *doc = NULL;

	if (unit_get(c, code, &doc, NULL) < 0)
		return -1;
	free(doc);
	return query_list(c, &st_ancestors, p, items, next, sizeof next);
}

int unit_create(struct bdg_ctx *c, const json_t *body, char **doc, long long *version)
{
	struct sqlargs a = {0};
	int rc = -1;

	if (valid_object(body, unit_fields, "", &c->err) < 0)
		return -1;
	args_str(&a, c->who.unit);
	args_json(&a, body, "code");
	args_json(&a, body, "name");
	args_json(&a, body, "parent");
	args_json(&a, body, "kind");
	args_json(&a, body, "valid_from");
	args_json(&a, body, "valid_to");
	args_json(&a, body, "successor");
	if (ctx_begin(c) == 0)
		rc = ctx_finish(c, query_doc(c, &st_create, a.v, doc, version), doc);
	args_free(&a);
	return rc;
}

int unit_update(struct bdg_ctx *c, const char *code, const json_t *body,
		long long if_version, char **doc, long long *version)
{
	struct sqlargs a = {0};
	const json_t *bc;
	int rc = -1;

	if (valid_object(body, unit_fields, "", &c->err) < 0)
		return -1;
	bc = json_object_get(body, "code");
	if (bc && strcmp(json_string_value(bc), code) != 0)
		return bdg_field(&c->err, "/code", "cannot be changed (it is the unit's key)");
	args_str(&a, c->who.unit);
	args_str(&a, code);
	args_version(&a, if_version);
	args_json(&a, body, "name");
	args_json(&a, body, "kind");
	args_json(&a, body, "parent");
	args_json(&a, body, "valid_from");
	args_json(&a, body, "valid_to");
	args_json(&a, body, "successor");
	if (ctx_begin(c) < 0)
		goto out;
	rc = query_doc(c, &st_update, a.v, doc, version);
	if (rc < 0 && c->err.status == 404) {
		/* No row updated: missing, another version, or nothing changed. */
		bdg_err_clear(&c->err);
		if (query_missed_v(c, &st_probe, a.v, if_version) > 0)
			rc = unit_get(c, code, doc, version);
	}
	rc = ctx_finish(c, rc, doc);
out:
	args_free(&a);
	return rc;
}

int unit_delete(struct bdg_ctx *c, const char *code, long long if_version)
{
	struct sqlargs a = {0};
	long n;
	int rc = -1;

	args_str(&a, c->who.unit);
	args_str(&a, code);
	args_version(&a, if_version);
	if (ctx_begin(c) == 0) {
		n = query_run(c, &st_delete, a.v);
		if (n == 0)
			query_missed(c, &st_probe, a.v);
		rc = ctx_finish(c, n > 0 ? 0 : -1, NULL);
	}
	args_free(&a);
	return rc;
}

int unit_merge(struct bdg_ctx *c, const char *code, const json_t *body,
	       char **doc, long long *version)
{
	const char *into, *on;
	const char *pc[3], *pm[3];
	long n;

	if (valid_object(body, unit_merge_fields, "", &c->err) < 0)
		return -1;
	into = json_string_value(json_object_get(body, "into"));
	on = json_string_value(json_object_get(body, "on"));
	pc[0] = c->who.unit;
	pc[1] = code;
	pc[2] = into;
	pm[0] = code;
	pm[1] = into;
	pm[2] = on;
	if (ctx_begin(c) < 0)
		return -1;
	n = query_run(c, &st_merge_check, pc);
	if (n == 0)
		bdg_fail(&c->err, 404, "not_found", "No such resource, or it is out of your reach.");
	if (n <= 0 || query_run(c, &st_merge_move, pm) < 0)
		return ctx_finish(c, -1, doc);
	return ctx_finish(c, query_doc(c, &st_merge_mark, pm, doc, version), doc);
}

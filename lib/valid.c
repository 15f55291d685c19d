/* valid.c: body validation by field table, merge patch, SQL text args. */
#include "valid.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_value(const json_t *v, const struct vfield *f, const char *path,
		       struct bdg_err *err);

int utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n;

	while (p < end) {
		unsigned c = *p;
		size_t k, need = c < 0x80 ? 0 : (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2
			: (c & 0xF8) == 0xF0 ? 3 : 9;
		unsigned cp;

		if (c == 0 || need == 9 || (size_t)(end - p) <= need)
			return 0;
		cp = need == 0 ? c : c & (0x3F >> need);
		for (k = 1; k <= need; k++) {
			if ((p[k] & 0xC0) != 0x80)
				return 0;
			cp = (cp << 6) | (p[k] & 0x3F);
		}
		if ((need == 1 && cp < 0x80) || (need == 2 && cp < 0x800) || (need == 3 && cp < 0x10000) ||
		    cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return 0;
		p += need + 1;
	}
	return 1;
}

size_t utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

int valid_date(const char *s)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int y, m, d, i, leap;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return 0;
	for (i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
			return 0;
	y = atoi(s);
	m = atoi(s + 5);
	d = atoi(s + 8);
	if (y < 1900 || y > 2200 || m < 1 || m > 12 || d < 1)
		return 0;
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return d <= days[m - 1] + (m == 2 && leap);
}

int valid_timestamp(const char *s)
{
	char date[11];
	const char *t = s + 10;
	int i;

	if (strlen(s) < 10)
		return 0;
	memcpy(date, s, 10);
	date[10] = '\0';
	if (!valid_date(date))
		return 0;
	if (!*t)
		return 1;
	if ((*t != 'T' && *t != ' ') || strlen(t) < 6)
		return 0;
	for (i = 1; i <= 5; i++)
		if (i == 3 ? t[i] != ':' : !isdigit((unsigned char)t[i]))
			return 0;
	if (atoi(t + 1) > 23 || atoi(t + 4) > 59)
		return 0;
	for (t += 6; *t; t++)
		if (!(isdigit((unsigned char)*t) || *t == ':' || *t == '.' || *t == 'Z' || *t == '+' || *t == '-'))
			return 0;
	return 1;
}

int valid_period(const char *s, char *kind)
{
	size_t n = strlen(s);
	int i;

	if (n < 4)
		return 0;
	for (i = 0; i < 4; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	if (atoi(s) < 1900 || atoi(s) > 2200)
		return 0;
	if (n == 4) {
		*kind = 'Y';
		return 1;
	}
	if (n == 7 && s[4] == '-' && s[5] == 'H' && (s[6] == '1' || s[6] == '2')) {
		*kind = 'H';
		return 1;
	}
	if (n == 7 && s[4] == '-' && s[5] == 'Q' && s[6] >= '1' && s[6] <= '4') {
		*kind = 'Q';
		return 1;
	}
	if (n == 7 && s[4] == '-' && isdigit((unsigned char)s[5]) && isdigit((unsigned char)s[6])) {
		int m = atoi(s + 5);
		*kind = 'M';
		return m >= 1 && m <= 12;
	}
	return 0;
}

int valid_digits(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (!isdigit((unsigned char)s[i]) || i >= 18)
			return 0;
	return i > 0;
}

int valid_id(const char *s)
{
	return valid_digits(s) && atoll(s) > 0;
}

int valid_enum(const char *s, const char *const *names)
{
	for (; *names; names++)
		if (strcmp(*names, s) == 0)
			return 1;
	return 0;
}

int valid_code(const char *s)
{
	size_t i, n = strlen(s);

	if (n < 1 || n > 64 || !(isupper((unsigned char)s[0]) || isdigit((unsigned char)s[0])))
		return 0;
	for (i = 1; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (!(isupper(ch) || isdigit(ch) || ch == '.' || ch == '_' || ch == '-'))
			return 0;
	}
	return 1;
}

static const char *kind_noun(enum vkind k)
{
	switch (k) {
	case V_STRING: case V_TEXT: case V_CODE: case V_DATE: case V_ENUM: case V_PERIOD:
		return "a string";
	case V_INT: case V_ID: return "an integer";
	case V_NUMBER: return "a number";
	case V_BOOL: return "true or false";
	default: return "an array";
	}
}

static int check_string(const char *s, const struct vfield *f, const char *path,
			struct bdg_err *err)
{
	long long max = f->max ? f->max : (f->kind == V_TEXT ? 20000 : 300);
	size_t n = utf8_chars(s);
	char pk;

	switch (f->kind) {
	case V_CODE:
		if (!valid_code(s))
			return bdg_field(err, path, "must be a code of 1-64 capital letters, digits, '.', '_' or '-'");
		return 0;
	case V_DATE:
		if (!valid_date(s))
			return bdg_field(err, path, "must be a real date as YYYY-MM-DD");
		return 0;
	case V_PERIOD:
		if (!valid_period(s, &pk))
			return bdg_field(err, path, "must be a period: 2024, 2024-H1, 2024-Q3 or 2024-05");
		return 0;
	case V_ENUM: {
		const char *const *e;
		char list[160] = "";
		for (e = f->enums; *e; e++)
			if (strcmp(*e, s) == 0)
				return 0;
		for (e = f->enums; *e; e++) {
			size_t l = strlen(list);
			snprintf(list + l, sizeof list - l, "%s%s", l ? ", " : "", *e);
		}
		return bdg_field(err, path, "must be one of: %s", list);
	}
	default:
		if ((long long)n > max)
			return bdg_field(err, path, "must be at most %lld characters", max);
		if (f->flags & VF_REQUIRED && n == 0)
			return bdg_field(err, path, "must not be empty");
		return 0;
	}
}

static size_t array_cap(enum vkind k)
{
	return k == V_STRINGS ? 200 : k == V_CODES ? 2000 : 5000;
}

int valid_sizes_ok(const json_t *obj, const struct vfield *spec)
{
	const struct vfield *f;

	for (f = spec; f->name; f++) {
		const json_t *v = json_object_get(obj, f->name);
		if ((f->kind == V_STRINGS || f->kind == V_CODES || f->kind == V_OBJECTS) &&
		    json_is_array(v) && json_array_size(v) > array_cap(f->kind))
			return 0;
	}
	return 1;
}

static int check_array(const json_t *v, const struct vfield *f, const char *path,
		       struct bdg_err *err)
{
	size_t i, max = array_cap(f->kind);
	char sub[160];
	struct vfield ef = {0};
	int rc = 0;

	if (!json_is_array(v))
		return bdg_field(err, path, "must be an array");
	if (json_array_size(v) > max)
		return bdg_field(err, path, "must have at most %zu items", max);
	ef.kind = f->kind == V_STRINGS ? V_TEXT : V_CODE;
	ef.max = f->max;
	ef.flags = VF_REQUIRED;
	for (i = 0; i < json_array_size(v) && err->nfields < BDG_ERR_FIELDS; i++) {
		const json_t *item = json_array_get(v, i);
		snprintf(sub, sizeof sub, "%s/%zu", path, i);
		if (f->kind == V_OBJECTS) {
			if (valid_object(item, f->sub, sub, err) < 0)
				rc = -1;
		} else if (check_value(item, &ef, sub, err) < 0) {
			rc = -1;
		}
	}
	return rc;
}

static int check_value(const json_t *v, const struct vfield *f, const char *path,
		       struct bdg_err *err)
{
	if (json_is_null(v)) {
		if (f->flags & (VF_NULLABLE | VF_READONLY))
			return 0;
		return bdg_field(err, path, (f->flags & VF_REQUIRED) ? "is required" : "must not be null");
	}
	switch (f->kind) {
	case V_STRING: case V_TEXT: case V_CODE: case V_DATE: case V_ENUM: case V_PERIOD:
		if (!json_is_string(v))
			break;
		return check_string(json_string_value(v), f, path, err);
	case V_INT: case V_ID: {
		json_int_t n;
		if (!json_is_integer(v))
			break;
		n = json_integer_value(v);
		if (f->kind == V_ID && n < 1)
			return bdg_field(err, path, "must be a positive id");
		if ((f->min || f->max) && (n < f->min || n > f->max))
			return bdg_field(err, path, "must be from %lld to %lld", f->min, f->max);
		return 0;
	}
	case V_NUMBER: {
		double d;
		if (!json_is_number(v))
			break;
		d = json_number_value(v);
		if ((f->min || f->max) && (d < (double)f->min || d > (double)f->max))
			return bdg_field(err, path, "must be from %lld to %lld", f->min, f->max);
		return 0;
	}
	case V_BOOL:
		if (!json_is_boolean(v))
			break;
		return 0;
	case V_STRINGS: case V_CODES: case V_OBJECTS:
		return check_array(v, f, path, err);
	}
	return bdg_field(err, path, "must be %s", kind_noun(f->kind));
}

int valid_object(const json_t *obj, const struct vfield *spec, const char *path,
		 struct bdg_err *err)
{
	const char *key;
	const json_t *v;
	const struct vfield *f;
	char sub[160];
	int before = err->nfields;
	int bad = 0;

	if (!json_is_object(obj)) {
		if (!path[0])
			return bdg_fail(err, 400, "bad_request", "The request body must be a JSON object.");
		return bdg_field(err, path, "must be an object");
	}
	json_object_foreach((json_t *)obj, key, v) {
		for (f = spec; f->name; f++)
			if (strcmp(f->name, key) == 0)
				break;
		snprintf(sub, sizeof sub, "%s/%s", path, key);
		if (!f->name) {
			bdg_field(err, sub, "is not a known field");
			bad = 1;
			continue;
		}
		if (f->flags & VF_READONLY)
			continue;
		if (check_value(v, f, sub, err) < 0)
			bad = 1;
	}
	for (f = spec; f->name; f++) {
		if (!(f->flags & VF_REQUIRED) || (f->flags & VF_READONLY))
			continue;
		v = json_object_get(obj, f->name);
		if (!v) {
			snprintf(sub, sizeof sub, "%s/%s", path, f->name);
			bdg_field(err, sub, "is required");
			bad = 1;
		}
	}
	return (bad || err->nfields > before) ? -1 : 0;
}

void json_merge_patch(json_t *target, const json_t *patch)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)patch, key, v) {
		json_t *cur = json_object_get(target, key);
		if (json_is_null(v))
			json_object_del(target, key);
		else if (json_is_object(v) && json_is_object(cur))
			json_merge_patch(cur, v);
		else
			json_object_set(target, key, v);
	}
}

static const char *own(struct sqlargs *a, char *s)
{
	if (a->nowned < SQLARGS_MAX)
		a->owned[a->nowned++] = s;
	return args_str(a, s);
}

const char *args_str(struct sqlargs *a, const char *s)
{
	if (a->n >= SQLARGS_MAX)
		return NULL;
	a->v[a->n++] = s;
	return s;
}

const char *args_int(struct sqlargs *a, long long v)
{
	char *s = malloc(24);

	if (!s)
		return args_str(a, NULL);
	snprintf(s, 24, "%lld", v);
	return own(a, s);
}

const char *args_json(struct sqlargs *a, const json_t *obj, const char *key)
{
	const json_t *v = obj ? json_object_get(obj, key) : NULL;
	char *s;

	if (!v || json_is_null(v))
		return args_str(a, NULL);
	if (json_is_string(v))
		return args_str(a, json_string_value(v));
	if (json_is_integer(v))
		return args_int(a, json_integer_value(v));
	if (json_is_true(v))
		return args_str(a, "true");
	if (json_is_false(v))
		return args_str(a, "false");
	if (json_is_real(v)) {
		s = malloc(40);
		if (s)
			snprintf(s, 40, "%.17g", json_real_value(v));
		return own(a, s);
	}
	s = json_dumps(v, JSON_COMPACT);
	return own(a, s);
}

const char *args_version(struct sqlargs *a, long long v)
{
	return v > 0 ? args_int(a, v) : args_str(a, NULL);
}

void args_free(struct sqlargs *a)
{
	int i;

	for (i = 0; i < a->nowned; i++)
		free(a->owned[i]);
	a->n = a->nowned = 0;
}

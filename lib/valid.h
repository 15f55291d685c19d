/* valid.h: request body validation against a field table, and turning JSON
 * values into SQL text parameters.
 *
 * A resource declares its body once as an array of struct vfield (name,
 * kind, flags, limits); valid_object() checks a decoded body against it and
 * records every field at fault (unknown fields, wrong types, bad enums,
 * impossible dates, over-long strings) as JSON pointers in err. */
#ifndef BDG_VALID_H
#define BDG_VALID_H

#include <jansson.h>

#include "err.h"

enum vkind {
	V_STRING,       /* string, max = characters (default 300) */
	V_TEXT,         /* long string, max = characters (default 20000) */
	V_CODE,         /* unit/indicator code: ^[A-Z0-9][A-Z0-9._-]{0,63}$ */
	V_INT,          /* integer in [min, max] */
	V_NUMBER,       /* integer or real in [min, max] */
	V_BOOL,
	V_DATE,         /* "YYYY-MM-DD", a real calendar day */
	V_ENUM,         /* string from enums[] */
	V_PERIOD,       /* "2024", "2024-H1", "2024-Q3", "2024-05" */
	V_STRINGS,      /* array of strings (each up to max chars), at most 200 */
	V_CODES,        /* array of codes, at most 2000 */
	V_OBJECTS,      /* array of objects checked against sub, at most 5000 */
	V_ID,           /* positive integer id */
};

#define VF_REQUIRED 1   /* must be present (and not null unless VF_NULLABLE) */
#define VF_NULLABLE 2
#define VF_READONLY 4   /* shown by the API; accepted in a body and ignored */

struct vfield {
	const char *name;
	enum vkind kind;
	int flags;
	long long min, max;
	const char *const *enums;        /* NULL-terminated, for V_ENUM */
	const struct vfield *sub;        /* {NULL}-terminated, for V_OBJECTS */
};

/* Check obj against spec (terminated by a {NULL} entry). path is the JSON
 * pointer of obj ("" for the body). Returns 0, or -1 with err 422 listing the
 * fields at fault (400 when obj is not an object). */
int valid_object(const json_t *obj, const struct vfield *spec, const char *path,
		 struct bdg_err *err);

/* 0 when an array field of obj holds more items than spec allows (the
 * shape check names it); rule checks that compare items pairwise are then
 * skipped, so an oversized array costs no quadratic work. */
int valid_sizes_ok(const json_t *obj, const struct vfield *spec);

/* 1 when s is a valid ISO calendar date. */
int valid_date(const char *s);
/* 1 when s is a date, or a date and time "YYYY-MM-DDTHH:MM[:SS[.fff]][Z|±HH:MM]". */
int valid_timestamp(const char *s);
/* 1 when s is a valid period; *kind gets 'Y', 'H', 'Q' or 'M'. */
int valid_period(const char *s, char *kind);
/* 1 when s is 1 to 18 decimal digits (a revision; "0" allowed). */
int valid_digits(const char *s);
/* 1 when s is a positive decimal id (at most 18 digits). */
int valid_id(const char *s);
/* 1 when s is one of the NULL-terminated names. */
int valid_enum(const char *s, const char *const *names);
/* 1 when s matches the code format. */
int valid_code(const char *s);
/* 1 when the n bytes at s are well-formed UTF-8 without NUL. */
int utf8_valid(const char *s, size_t n);
/* Number of Unicode characters in a valid UTF-8 string. */
size_t utf8_chars(const char *s);

/* RFC 7396 JSON merge patch of patch into target (target is modified). */
void json_merge_patch(json_t *target, const json_t *patch);

/* SQL text parameters from JSON values, owning what they format. */
#define SQLARGS_MAX 40
struct sqlargs {
	const char *v[SQLARGS_MAX];
	char *owned[SQLARGS_MAX];
	int n, nowned;
};

/* Add obj[key] as text: absent/null → NULL, string as is, integer/real/bool
 * formatted, array/object as compact JSON. Returns the parameter. */
const char *args_json(struct sqlargs *a, const json_t *obj, const char *key);
/* Add a C string (NULL → SQL NULL) or a formatted integer. */
const char *args_str(struct sqlargs *a, const char *s);
const char *args_int(struct sqlargs *a, long long v);
/* An If-Match version: > 0 as text, otherwise NULL (If-Match: *). */
const char *args_version(struct sqlargs *a, long long v);
void args_free(struct sqlargs *a);

#endif

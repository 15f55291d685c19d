/* err.c: filling struct bdg_err, and the single table that maps SQLSTATE
 * classes to HTTP statuses (in the manner of PostgREST). */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int bdg_fail(struct bdg_err *e, int status, const char *code, const char *fmt, ...)
{
	va_list ap;

	e->status = status;
	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->detail, sizeof e->detail, fmt, ap);
	va_end(ap);
	return -1;
}

/* Cut a string that snprintf may have cut inside a UTF-8 character back
 * to the last whole character, so that it can always be rendered. */
static void utf8_trim(char *s)
{
	size_t n = strlen(s), i = n, need;
	unsigned char c;

	while (i > 0 && ((unsigned char)s[i - 1] & 0xC0) == 0x80)
		i--;
	if (i == 0)
		return;
	c = (unsigned char)s[i - 1];
	need = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : 4;
	if (n - (i - 1) < need)
		s[i - 1] = '\0';
}

int bdg_field(struct bdg_err *e, const char *field, const char *fmt, ...)
{
	va_list ap;
	struct bdg_field_err *f;

	if (e->status == 0) {
		e->status = 422;
		e->code = "validation";
		snprintf(e->detail, sizeof e->detail, "The request body has invalid fields.");
	}
	if (e->nfields >= BDG_ERR_FIELDS)
		return -1;
	f = &e->fields[e->nfields++];
	snprintf(f->field, sizeof f->field, "%s", field);
	utf8_trim(f->field);
	va_start(ap, fmt);
	vsnprintf(f->message, sizeof f->message, fmt, ap);
	va_end(ap);
	utf8_trim(f->message);
	return -1;
}

void bdg_err_clear(struct bdg_err *e)
{
	e->status = 0;
	e->code = NULL;
	e->detail[0] = '\0';
	e->nfields = 0;
}

const char *bdg_status_title(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 406: return "Not Acceptable";
	case 409: return "Conflict";
	case 411: return "Length Required";
	case 412: return "Precondition Failed";
	case 413: return "Content Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Content";
	case 428: return "Precondition Required";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Error";
	}
}

/* SQLSTATE → HTTP. Exact codes first, then classes (first two chars).
 * Codes of class "BD" are raised by bdg's own SQL with a message meant for
 * the caller: BD404, BD409, BD412, BD422, BD403. */
static const struct {
	const char *state;
	int status;
	const char *code;
} sqlstate_map[] = {
	{"23505", 409, "conflict"},          /* unique_violation */
	{"23503", 422, "reference"},         /* foreign_key_violation */
	{"23514", 422, "validation"},        /* check_violation */
	{"23502", 422, "validation"},        /* not_null_violation */
	{"23P01", 409, "conflict"},          /* exclusion_violation */
	{"22001", 422, "validation"},        /* string_data_right_truncation */
	{"22003", 422, "validation"},        /* numeric_value_out_of_range */
	{"22007", 422, "validation"},        /* invalid_datetime_format */
	{"22008", 422, "validation"},        /* datetime_field_overflow */
	{"22P02", 400, "bad_request"},       /* invalid_text_representation */
	{"40001", 503, "retry"},             /* serialization_failure */
	{"40P01", 503, "retry"},             /* deadlock_detected */
	{"55P03", 503, "busy"},              /* lock_not_available */
	{"57014", 503, "timeout"},           /* query_canceled (statement_timeout) */
	{"42501", 403, "forbidden"},         /* insufficient_privilege */
	{"BD400", 400, "bad_request"},
	{"BD403", 403, "forbidden"},
	{"BD404", 404, "not_found"},
	{"BD409", 409, "conflict"},
	{"BD412", 412, "precondition_failed"},
	{"BD422", 422, "validation"},
	{"08", 503, "unavailable"},          /* connection exceptions */
	{"53", 503, "unavailable"},          /* insufficient resources */
	{"57", 503, "unavailable"},          /* operator intervention (shutdown) */
	{"22", 422, "validation"},           /* data exceptions */
	{"23", 409, "conflict"},             /* other integrity violations */
};

int bdg_sqlstate_status(const char *sqlstate, const char **code)
{
	size_t i;

	if (sqlstate && strlen(sqlstate) == 5) {
		for (i = 0; i < sizeof sqlstate_map / sizeof sqlstate_map[0]; i++) {
			size_t n = strlen(sqlstate_map[i].state);
			if (strncmp(sqlstate, sqlstate_map[i].state, n) == 0) {
				*code = sqlstate_map[i].code;
				return sqlstate_map[i].status;
			}
		}
	}
	*code = "internal";
	return 500;
}

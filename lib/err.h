/* err.h: the one error type of bdg.
 *
 * Library code fills a struct bdg_err (HTTP status, a short machine code, a
 * human detail, and the JSON-pointer fields at fault); the API turns it into
 * application/problem+json in exactly one place (api/http.c). */
#ifndef BDG_ERR_H
#define BDG_ERR_H

#include <stddef.h>

#define BDG_ERR_FIELDS 16

struct bdg_field_err {
	char field[128];        /* JSON pointer, e.g. "/activities/2/lead_unit" */
	char message[192];
};

struct bdg_err {
	int status;             /* HTTP status; 0 = no error */
	const char *code;       /* stable machine code, e.g. "validation" */
	char detail[256];       /* human sentence, safe to show */
	int nfields;
	struct bdg_field_err fields[BDG_ERR_FIELDS];
};

/* Set status, code and a printf-style detail; returns -1 so callers can
 * `return bdg_fail(...)`. Keeps the first status set when one is already set
 * and only fields are being added. */
int bdg_fail(struct bdg_err *e, int status, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Add one field error (status 422 "validation" unless already set). */
int bdg_field(struct bdg_err *e, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

void bdg_err_clear(struct bdg_err *e);

/* The HTTP title for a status ("Not Found"...). */
const char *bdg_status_title(int status);

/* Map a PostgreSQL SQLSTATE (5 chars) to an HTTP status and code.
 * Returns the status; *code receives a static string. */
int bdg_sqlstate_status(const char *sqlstate, const char **code);

#endif

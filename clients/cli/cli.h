/* cli.h: what the files of the bdg command line share — the run context,
 * exit codes, argument parsing, the HTTP wrapper (http.c), output
 * (table.c) and the commands (cmd.c, sync.c) that main.c dispatches to. */
#ifndef BDG_CLI_H
#define BDG_CLI_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

/* Exit codes, one per kind of failure, so that scripts can tell them apart. */
enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,          /* anything else: a local file, another 4xx */
	EXIT_USAGE = 2,         /* bad command line or configuration */
	EXIT_AUTH = 3,          /* 401, 403 */
	EXIT_NOT_FOUND = 4,     /* 404 */
	EXIT_CONFLICT = 5,      /* 409, 412, 428; another sync holds the folder */
	EXIT_INVALID = 6,       /* 400, 422 */
	EXIT_SERVER = 7,        /* 5xx, 429, network */
};

enum out_format { OUT_TABLE, OUT_JSON, OUT_CSV };

struct http_conn;

/* One run of bdg: the configuration and the connection. */
struct cli {
	char url[1024];         /* the API root, ".../api/v1", no trailing slash */
	char token[8192];
	enum out_format fmt;
	int verbose;            /* -v: each request and answer on stderr */
	struct http_conn *conn; /* owned, http_close() */
};

/* ---- arguments (main.c) ---------------------------------------------- */

#define ARGS_MAX 64

/* A command's arguments after the global options were taken out:
 * positionals in order, and "--name value" / "--name=value" / "--flag". */
struct args {
	int npos;
	const char *pos[ARGS_MAX];
	int nopt;
	struct {
		const char *name;       /* without the dashes */
		const char *value;      /* NULL for a flag */
	} opt[ARGS_MAX];
};

/* Split argv. flags: comma-separated options without a value; options:
 * those with one. With open_options, any other "--name value" is kept
 * too (list filters); without, it is a usage error. Returns 0, or -1 with
 * the message printed (exit EXIT_USAGE). */
int args_parse(int argc, char **argv, const char *flags, const char *options,
	       int open_options, struct args *a);
/* The value of an option (the last one given), or NULL. */
const char *args_get(const struct args *a, const char *name);
int args_flag(const struct args *a, const char *name);

/* Print "bdg: message" on stderr (control characters made harmless) and
 * return code, for `return fail(EXIT_USAGE, ...)`. */
int fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Print a line on stderr as it is (control characters made harmless). */
void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Print the help of a command (by name) on stdout; 0, or -1 if unknown. */
int help_command(const char *name);

/* ---- HTTP (http.c) ---------------------------------------------------- */

struct http_req {
	const char *method;
	const char *path;          /* under the API root, query included and escaped */
	const char *content_type;  /* of the body; NULL: application/json when there is one */
	const char *body;
	size_t len;
	const char *if_match;      /* an ETag, sent as If-Match */
	const char *accept;        /* NULL: application/json */
	int idempotent;            /* POST: send a fresh Idempotency-Key, the same on every retry */
	FILE *sink;                /* a 2xx body is streamed here instead of kept */
};

struct http_resp {
	long status;
	char *body;                /* NUL-terminated; owned (NULL when streamed) */
	size_t len;
	char etag[128];
	char content_type[128];
	char location[512];
	size_t streamed;           /* bytes written to the sink */
};

/* Open the connection state (libcurl handle); 0 or -1. */
int http_open(struct cli *c);
void http_close(struct cli *c);
/* Send a request, retrying connection failures, 503 and 429 up to three
 * tries with backoff. Returns 0 when an answer came (any status: look at
 * rs->status), or -1 after a network failure (message printed). rs is
 * reset first; free it with http_resp_free. */
int http_do(struct cli *c, const struct http_req *rq, struct http_resp *rs);
void http_resp_free(struct http_resp *rs);
/* A URL component, percent-encoded; the caller frees. NULL on OOM. */
char *http_escape(struct cli *c, const char *s);
/* The exit code for an HTTP status (EXIT_OK for 2xx). */
int http_exit_code(long status);
/* Print a failed answer (problem+json: title, detail, errors[].field:
 * message) on stderr and return its exit code. */
int http_report(const struct http_resp *rs);
/* The body of a 2xx JSON answer, parsed (caller decrefs); NULL with a
 * message when it is not JSON. */
json_t *http_json(const struct http_resp *rs);

/* ---- output (table.c) ------------------------------------------------- */

/* Display width of UTF-8 text on a terminal: one column per code point,
 * none for combining marks (U+0300–U+036F and the like), two for East
 * Asian wide characters. Invalid bytes count one column each. */
int u8_width(const char *s);
/* A value as one line of text: strings as they are, null empty, numbers
 * and booleans as JSON, arrays and objects as compact JSON. Caller frees. */
char *cell_text(const json_t *v);

/* A list of objects: a table of the given columns (comma-separated; NULL:
 * every scalar field), CSV of every field, or JSON (the value as given). */
void print_items(const struct cli *c, json_t *items, const char *columns, json_t *whole);
/* One object: a FIELD/VALUE table, one CSV row, or JSON. */
void print_object(const struct cli *c, json_t *obj);
/* Any answer (tree, completeness, roll-up, import summary): its scalar
 * fields as FIELD/VALUE lines, then each list of objects as a table. */
void print_doc(const struct cli *c, json_t *doc);
/* An aligned table of rows of cells (already text) under a header. */
void table_print(FILE *f, int ncols, const char *const *head, char ***rows, int nrows);

/* ---- commands (cmd.c, sync.c) ---------------------------------------- */

int cmd_resource(struct cli *c, const char *name, int argc, char **argv);
int cmd_completeness(struct cli *c, const char *name, int argc, char **argv);
int cmd_rollup(struct cli *c, const char *name, int argc, char **argv);
int cmd_import(struct cli *c, const char *name, int argc, char **argv);
int cmd_export(struct cli *c, const char *name, int argc, char **argv);
int cmd_sync(struct cli *c, const char *name, int argc, char **argv);

#endif

/* http.h: one request as handlers see it, and the helpers they answer with.
 *
 * The dispatcher fills struct req (path parameters, query, decoded body,
 * If-Match version, the caller in ctx.who) and sends whatever the handler
 * leaves in the response fields, so that status, headers, logging,
 * idempotency and errors are handled in one place (api/http.c). */
#ifndef BDG_HTTP_H
#define BDG_HTTP_H

#include <jansson.h>
#include <stddef.h>

#include "config.h"
#include "ctx.h"
#include "route.h"

struct mg_connection;

#define EXPORT_CSV 1
#define EXPORT_NDJSON 2
struct server;

#define REQ_MAX_PARAMS 4
#define REQ_MAX_QUERY 64

struct qparam {
	char *name;
	char *value;
};

struct req {
	struct mg_connection *mc;
	struct server *srv;
	const struct bdg_config *cfg;
	const struct route *route;
	const char *method;
	int api;                         /* under /api/v1 */
	char path[512];                  /* decoded, without /api/v1 */
	char param[REQ_MAX_PARAMS][256]; /* {id}/{code} values in order */
	int nparam;
	struct qparam query[REQ_MAX_QUERY];
	int nquery;
	char *body_raw;                  /* the raw body (NUL-terminated) */
	size_t body_len;
	json_t *body;                    /* decoded JSON body, or NULL */
	const char *content_type;
	const char *accept;
	long long if_match;              /* version from If-Match, -1 when absent */
	int if_match_any;                /* If-Match: * */
	struct bdg_ctx ctx;
	json_t *problem_errors;          /* owned: a problem's errors when more than
					    ctx.err holds (every item of a bulk batch) */

	/* export of a list (RF_LIST with Accept: text/csv | application/x-ndjson) */
	int export_mode;                 /* 0, EXPORT_CSV or EXPORT_NDJSON */
	int export_rows;                 /* items written so far */
	char export_next[256];           /* next key of the page just written */
	char **export_cols;              /* CSV columns, from the first item */
	int export_ncols;

	/* the response */
	int status;
	char *out;                       /* owned, malloc'd */
	size_t out_len;
	const char *out_type;            /* default application/json */
	char location[512];
	long long etag;                  /* version; 0 = no ETag */
	char extra_headers[512];         /* further "Name: value\r\n" lines */
};

/* A query parameter's decoded value, or NULL. */
const char *req_query(const struct req *r, const char *name);

/* Answer 400 naming a bad query parameter. Returns -1. */
int req_bad_param(struct req *r, const char *name, const char *message);

/* Path parameter i (0-based) as a positive id; -1 with err 404 when not one. */
long long req_id(struct req *r, int i);

/* The same as canonical decimal text ("007" → "7") in key, for lib
 * functions that take keys as text; 0, or -1 with err 404. */
int req_id_key(struct req *r, int i, char *key, size_t n);

/* Answer with JSON text; takes ownership of text (malloc'd). */
int resp_json(struct req *r, int status, char *text);
/* Answer with a copy of any bytes and a content type. */
int resp_bytes(struct req *r, int status, const char *type, const char *data, size_t len);
/* Answer 204. */
int resp_empty(struct req *r);

/* Answer {"items": <items JSON array text>, "next": cursor|null}; takes
 * ownership of items. */
int resp_list(struct req *r, char *items, const char *next_key);

/* For handlers that stream (RF_RAW): write the status line and headers
 * (with chunked transfer encoding), then chunks, then end. */
int resp_stream_begin(struct req *r, int status, const char *type);
int resp_stream_write(struct req *r, const char *data, size_t len);
int resp_stream_end(struct req *r);

/* Serve the request (the civetweb handler). */
int http_dispatch(struct mg_connection *mc, void *srv);

#endif

/* resource.h: the handler steps every resource shares: answering with one
 * document and its ETag, and PATCH as read + merge patch + PUT in one
 * transaction. Keys are passed as text (a code, or an id in decimal). */
#ifndef BDG_RESOURCE_H
#define BDG_RESOURCE_H

#include <stddef.h>

#include <jansson.h>

#include "http.h"
#include "page.h"

typedef int (*resource_get_fn)(struct bdg_ctx *c, const char *key, char **doc, long long *version);
typedef int (*resource_put_fn)(struct bdg_ctx *c, const char *key, const json_t *body,
			       long long if_version, char **doc, long long *version);

/* After a lib call that produced (doc, version): answer status with the
 * document, its ETag and, for 201, Location prefix + key. rc < 0 passes the
 * error through. */
int resource_answer(struct req *r, int rc, int status, char *doc, long long version,
		    const char *location_prefix, const char *key);

/* The handlers of one resource keyed by the route's first path parameter:
 * on id routes (numeric) a positive id (404 otherwise), else a code. */

/* GET: the document and its ETag. */
int resource_get(struct req *r, int numeric, resource_get_fn get);

/* PUT, and actions of the same shape (a body, If-Match): 200 with the
 * document put answers. */
int resource_put(struct req *r, int numeric, resource_put_fn put);

/* PATCH: read the current document, apply the merge patch in r->body, and
 * write it back with put (If-Match checked by put), in one transaction. */
int resource_patch(struct req *r, int numeric, resource_get_fn get, resource_put_fn put);

/* Parse limit/after from the query; numeric: ids as keys. */
int resource_page(struct req *r, int numeric, struct page *pg);

/* A list route's query filters: each is checked by its kind and stored as
 * text into the lib's filter struct, whose fields are const char *. */
enum qkind { Q_CODE, Q_ID, Q_YEAR, Q_DATE, Q_PERIOD, Q_BOOL, Q_ENUM, Q_TEXT };

struct qfilter {
	const char *name;
	enum qkind kind;
	size_t offset;                  /* of the field in the filter struct */
	const char *const *values;      /* Q_ENUM: the accepted values */
};

#define QF(type, field, kind) {#field, kind, offsetof(type, field), NULL}
#define QF_ENUM(type, field, values) {#field, Q_ENUM, offsetof(type, field), values}
#define QF_END {NULL, 0, 0, NULL}

/* Check one query parameter by kind (not Q_ENUM; absent is fine): 400
 * naming it. */
int resource_check(struct req *r, const char *name, enum qkind kind);

/* Read limit/after (resource_page) and every filter of spec, up to QF_END,
 * into filter; 400 naming the first parameter at fault. */
int resource_filters(struct req *r, const struct qfilter *spec, void *filter, int numeric,
		     struct page *pg);

#endif

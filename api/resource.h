/* resource.h: the handler steps every resource shares: answering with one
 * document and its ETag, and PATCH as read + merge patch + PUT in one
 * transaction. Keys are passed as text (a code, or an id in decimal). */
#ifndef BDG_RESOURCE_H
#define BDG_RESOURCE_H

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

/* PATCH: read the current document, apply the merge patch in r->body, and
 * write it back with put (If-Match checked by put). */
int resource_patch(struct req *r, const char *key, resource_get_fn get, resource_put_fn put);

/* Parse limit/after from the query; numeric: ids as keys. */
int resource_page(struct req *r, int numeric, struct page *pg);

#endif

/* route.h: the route table every resource file ends with.
 *
 * Each api/<resource>.c defines `const struct route <resource>_routes[]`,
 * terminated by {NULL}. The fields, documented once here:
 *   method   "GET", "POST", "PUT", "PATCH" or "DELETE"
 *   path     under /api/v1, with parameters in braces: "/units/{code}"
 *   handler  int (*)(struct req *): fills the response, or returns -1 with
 *            r->ctx.err set; it never checks auth, role, body or headers
 *   role     the least role that may call it (ROLE_NONE: no token needed)
 *   flags    RF_* below: what the dispatcher checks before the handler
 *   query    comma-separated query parameters the route accepts; anything
 *            else is 400 (so a typo in a filter is never silently ignored)
 * The dispatcher (api/http.c) matches method and path (404, 405 with
 * Allow), verifies the JWT and the role (401, 403), the content type (415),
 * reads the body under the cap (413), decodes JSON (400), requires If-Match
 * (428) and replays Idempotency-Key, and only then calls the handler.
 * For an RF_LIST route asked for `Accept: text/csv` or
 * `application/x-ndjson`, it calls the handler once per page (500 items,
 * following `next`) and streams every item, so an export of any size is
 * held in memory one page at a time. */
#ifndef BDG_ROUTE_H
#define BDG_ROUTE_H

struct req;

#define RF_BODY          0x01   /* a JSON object body is required */
#define RF_BODY_OPTIONAL 0x02   /* a JSON body may be sent (actions) */
#define RF_IF_MATCH      0x04   /* If-Match required (428 without it) */
#define RF_IDEMPOTENT    0x08   /* honours Idempotency-Key (POST) */
#define RF_CSV_BODY      0x10   /* text/csv accepted as the body */
#define RF_BULK          0x20   /* the larger bulk body cap applies */
#define RF_RAW           0x40   /* the handler writes the response itself (streaming) */
#define RF_LIST          0x80   /* a list (resp_list): also exported whole as CSV or
                                 * NDJSON when Accept asks, page by page */
#define RF_REVISIONS     0x100  /* an RF_LIST paged by revision: the export passes
                                 * each page's last revision back as it is, in the
                                 * route's first query parameter ("since") */

struct route {
	const char *method;
	const char *path;
	int (*handler)(struct req *r);
	int role;
	int flags;
	const char *query;
};

#endif

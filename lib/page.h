/* page.h: list paging. `limit` (default 50, 1..500) and an opaque `after`
 * cursor, which is the base64url form of the last item's sort key. Every
 * list SQL takes the key as a text parameter ($n, NULL for the first page)
 * and limit + 1 rows, so that the presence of a next page costs nothing. */
#ifndef BDG_PAGE_H
#define BDG_PAGE_H

#include <stddef.h>

#include "err.h"

#define PAGE_DEFAULT 50
#define PAGE_MAX 500

struct page {
	int limit;
	char after[256];        /* decoded key; empty = first page */
	int has_after;
	char limit_plus1[16];   /* limit + 1, as text for SQL */
};

/* Parse the query values (either may be NULL). numeric: the key must be a
 * decimal id. Returns 0, or -1 with err 400 naming the parameter. */
int page_parse(const char *limit, const char *after, int numeric, struct page *pg,
	       struct bdg_err *err);

/* Encode a key as a cursor into out (size >= 4/3 * strlen + 8). */
void page_cursor(const char *key, char *out, size_t outlen);

/* base64url without padding; decode returns length or -1. */
size_t b64url_encode(const unsigned char *in, size_t n, char *out, size_t outlen);
long b64url_decode(const char *in, unsigned char *out, size_t outlen);

#endif

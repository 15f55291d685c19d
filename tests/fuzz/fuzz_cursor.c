/* fuzz_cursor.c: list paging parameters (lib/page.c page_parse) and the
 * cursors the server gives out (page_cursor), and the key check of a plan's
 * activity pages (activity_plan_key_valid).
 *
 * The first input byte: bit 0 the key must be numeric, bit 1 a limit is
 * given; the rest is "limit\nafter" (or only after). The remaining rest is
 * also used as a key the server would page on.
 *
 * Besides crashes and sanitizer reports, a run aborts when:
 *   - page_parse accepts a limit outside 1..500, or a numeric key that is
 *     not 1-18 digits, or refuses other than with 400 naming the parameter;
 *   - limit_plus1 is not limit + 1;
 *   - a cursor the server made from a key (at most 255 bytes of UTF-8: the
 *     lists' next[256], read from the database) does not parse back to the
 *     same key, in the 420 bytes that api/http.c resp_list gives it;
 *   - a text key that is not UTF-8 is accepted (it would fail in SQL);
 *   - activity_plan_key_valid accepts a key that SQL would refuse: not
 *     "{n,...}/id" with 1 to 6 numbers that fit an int and an id that fits
 *     a bigint. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "activity.h"
#include "page.h"
#include "valid.h"

#define KEY_MAX 255             /* char next[256] in every list handler */
#define CURSOR_SIZE 420         /* char cursor[420] in api/http.c resp_list */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const char *limit, const char *after, const struct page *pg)
{
	fprintf(stderr, "fuzz_cursor: %s\n  limit: %.100s\n  after: %.500s\n  parsed: limit %d, after \"%.300s\"\n",
		what, limit ? limit : "(none)", after ? after : "(none)", pg ? pg->limit : 0,
		pg ? pg->after : "");
	abort();
}

static void check_parse(const char *limit, const char *after, int numeric)
{
	struct bdg_err e = {0};
	struct page pg;
	char want[16];
	size_t i, n;
	int rc = page_parse(limit, after, numeric, &pg, &e);

	if (rc == 0) {
		if (e.status != 0)
			fail("accepted with an error set", limit, after, &pg);
		if (pg.limit < 1 || pg.limit > PAGE_MAX || (!limit && pg.limit != PAGE_DEFAULT))
			fail("a limit out of range", limit, after, &pg);
		snprintf(want, sizeof want, "%d", pg.limit + 1);
		if (strcmp(want, pg.limit_plus1) != 0)
			fail("limit_plus1 is not limit + 1", limit, after, &pg);
		n = strnlen(pg.after, sizeof pg.after);
		if (n == sizeof pg.after)
			fail("the key is not terminated", limit, after, &pg);
		if (pg.has_after != (after && *after))
			fail("has_after does not say whether after was given", limit, after, &pg);
		if (numeric && pg.has_after) {
			if (n < 1 || n > 18)
				fail("a numeric key of the wrong length", limit, after, &pg);
			for (i = 0; i < n; i++)
				if (!isdigit((unsigned char)pg.after[i]))
					fail("a numeric key that is not digits", limit, after, &pg);
		}
		if (!numeric && !utf8_valid(pg.after, n))
			fail("a text key that is not UTF-8", limit, after, &pg);
	} else if (rc != -1 || e.status != 400 || e.nfields < 1 ||
		   (strcmp(e.fields[0].field, "limit") != 0 && strcmp(e.fields[0].field, "after") != 0)) {
		fail("refused other than 400 naming limit or after", limit, after, NULL);
	}
}

/* A key activity_plan_key_valid accepts, read again with strtoll: what
 * "split_part($2, '/', 1)::int[]" and "split_part($2, '/', 2)::bigint"
 * take. */
static void check_plan_key(const char *key)
{
	const char *p = key + 1;
	char *end;
	long long v;
	int parts = 0;

	if (!activity_plan_key_valid(key))
		return;
	if (key[0] != '{')
		fail("a plan key that does not start with {", NULL, key, NULL);
	for (;;) {
		errno = 0;
		v = isdigit((unsigned char)*p) ? strtoll(p, &end, 10) : -1;
		if (v < 0 || errno || v > INT_MAX)
			fail("a plan key part that is no int", NULL, key, NULL);
		parts++;
		p = end;
		if (*p != ',')
			break;
		p++;
	}
	if (parts > 6 || p[0] != '}' || p[1] != '/' || !isdigit((unsigned char)p[2]))
		fail("a plan key that is not {n,...}/id", NULL, key, NULL);
	errno = 0;
	(void)strtoll(p + 2, &end, 10);
	if (errno || *end)
		fail("a plan key whose id is no bigint", NULL, key, NULL);
}

/* What the server hands out must come back as it went. */
static void check_roundtrip(const char *key)
{
	struct bdg_err e = {0};
	struct page pg;
	char cursor[CURSOR_SIZE];

	if (!*key || strlen(key) > KEY_MAX || !utf8_valid(key, strlen(key)))
		return;
	page_cursor(key, cursor, sizeof cursor);
	if (page_parse(NULL, cursor, 0, &pg, &e) != 0 || strcmp(pg.after, key) != 0)
		fail("a cursor the server made does not parse back to its key", NULL, cursor, &pg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text, *limit = NULL, *after, *nl;
	int numeric;

	if (size < 1)
		return 0;
	numeric = data[0] & 1;
	text = malloc(size);
	if (!text)
		abort();
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	after = text;
	if (data[0] & 2) {
		limit = text;
		nl = strchr(text, '\n');
		after = nl ? nl + 1 : NULL;
		if (nl)
			*nl = '\0';
	}
	check_parse(limit, after, numeric);
	if (after) {
		check_roundtrip(after);
		check_plan_key(after);
	}
	free(text);
	return 0;
}

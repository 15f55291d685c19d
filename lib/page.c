/* page.c: limit parsing and cursors. */
#include "page.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "valid.h"

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

size_t b64url_encode(const unsigned char *in, size_t n, char *out, size_t outlen)
{
	size_t i, o = 0;
	unsigned v;

	for (i = 0; i < n; i += 3) {
		int k = (int)(n - i < 3 ? n - i : 3);
		v = (unsigned)in[i] << 16 | (k > 1 ? (unsigned)in[i + 1] << 8 : 0) | (k > 2 ? in[i + 2] : 0);
		if (o + 5 > outlen)
			break;
		out[o++] = b64[(v >> 18) & 63];
		out[o++] = b64[(v >> 12) & 63];
		if (k > 1)
			out[o++] = b64[(v >> 6) & 63];
		if (k > 2)
			out[o++] = b64[v & 63];
	}
	if (outlen)
		out[o < outlen ? o : outlen - 1] = '\0';
	return o;
}

long b64url_decode(const char *in, unsigned char *out, size_t outlen)
{
	size_t o = 0;
	unsigned v = 0;
	int bits = 0;
	const char *p;

	for (; *in; in++) {
		p = strchr(b64, *in);
		if (!p || !*in)
			return -1;
		v = (v << 6) | (unsigned)(p - b64);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o >= outlen)
				return -1;
			out[o++] = (unsigned char)((v >> bits) & 0xFF);
		}
	}
	if (bits >= 6)          /* a lone trailing character is not base64 */
		return -1;
	return (long)o;
}

void page_cursor(const char *key, char *out, size_t outlen)
{
	char buf[300];
	int n = snprintf(buf, sizeof buf, "k1:%s", key);

	if (n < 0 || (size_t)n >= sizeof buf)
		n = (int)sizeof buf - 1;
	b64url_encode((const unsigned char *)buf, (size_t)n, out, outlen);
}

int page_parse(const char *limit, const char *after, int numeric, struct page *pg,
	       struct bdg_err *err)
{
	unsigned char raw[300];
	long n;
	char *end;
	size_t i;

	memset(pg, 0, sizeof *pg);
	pg->limit = PAGE_DEFAULT;
	if (limit) {
		errno = 0;
		n = strtol(limit, &end, 10);
		if (errno || end == limit || *end || n < 1 || n > PAGE_MAX) {
			bdg_fail(err, 400, "bad_request", "limit must be a whole number from 1 to %d.", PAGE_MAX);
			bdg_field(err, "limit", "must be from 1 to %d", PAGE_MAX);
			err->status = 400;
			return -1;
		}
		pg->limit = (int)n;
	}
	snprintf(pg->limit_plus1, sizeof pg->limit_plus1, "%d", pg->limit + 1);
	if (!after || !*after)
		return 0;
	n = strlen(after) < 400 ? b64url_decode(after, raw, sizeof raw - 1) : -1;
	if (n < 3 || memcmp(raw, "k1:", 3) != 0 || n - 3 >= (long)sizeof pg->after)
		goto bad;
	raw[n] = '\0';
	if (memchr(raw, '\0', (size_t)n))
		goto bad;
	memcpy(pg->after, raw + 3, (size_t)n - 2);
	/* a text key goes to SQL as text: it must be UTF-8 */
	if (!numeric && !utf8_valid(pg->after, strlen(pg->after)))
		goto bad;
	if (numeric) {
		if (!pg->after[0] || strlen(pg->after) > 18)
			goto bad;
		for (i = 0; pg->after[i]; i++)
			if (!isdigit((unsigned char)pg->after[i]))
				goto bad;
	}
	pg->has_after = 1;
	return 0;
bad:
	bdg_fail(err, 400, "bad_request", "after is not a cursor this server gave out.");
	bdg_field(err, "after", "is not a valid cursor");
	err->status = 400;
	return -1;
}

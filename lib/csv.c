/* csv.c: the CSV reader (see csv.h). */
#include "csv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int csv_utf8_valid(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < n) {
		unsigned char ch = s[i];
		size_t k, len;
		unsigned cp;

		if (ch == 0)
			return 0;
		if (ch < 0x80) {
			i++;
			continue;
		}
		if (ch >= 0xC2 && ch <= 0xDF) {
			len = 2;
			cp = ch & 0x1F;
		} else if (ch >= 0xE0 && ch <= 0xEF) {
			len = 3;
			cp = ch & 0x0F;
		} else if (ch >= 0xF0 && ch <= 0xF4) {
			len = 4;
			cp = ch & 0x07;
		} else {
			return 0;
		}
		if (i + len > n)
			return 0;
		for (k = 1; k < len; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3F);
		}
		if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
		    (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
			return 0;
		i += len;
	}
	return 1;
}

void csv_open(struct csv *c, const char *text, size_t len)
{
	const char *q;
	int inq = 0;
	long commas = 0, semis = 0;

	memset(c, 0, sizeof *c);
	c->p = text;
	c->end = text + len;
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
		c->p += 3;
	for (q = c->p; q < c->end; q++) {
		if (*q == '"')
			inq = !inq;
		else if (!inq && (*q == '\n' || *q == '\r'))
			break;
		else if (!inq && *q == ',')
			commas++;
		else if (!inq && *q == ';')
			semis++;
	}
	c->sep = semis > commas ? ';' : ',';
	c->next_row = 1;
	c->next_line = 1;
}

void csv_close(struct csv *c)
{
	free(c->data);
	c->data = NULL;
	c->cap = 0;
	c->nfields = 0;
}

/* Room for n more bytes in c->data at offset used. */
static int reserve(struct csv *c, size_t used, size_t n)
{
	size_t want;
	char *nd;

	if (used + n <= c->cap)
		return 0;
	want = c->cap ? c->cap * 2 : 4096;
	while (want < used + n)
		want *= 2;
	nd = realloc(c->data, want);
	if (!nd)
		return -1;
	c->data = nd;
	c->cap = want;
	return 0;
}

/* Consume a line break at c->p (CRLF, LF or CR); 1 when there was one. */
static int eol(struct csv *c)
{
	if (c->p < c->end && *c->p == '\r') {
		c->p++;
		if (c->p < c->end && *c->p == '\n')
			c->p++;
		return 1;
	}
	if (c->p < c->end && *c->p == '\n') {
		c->p++;
		return 1;
	}
	return 0;
}

int csv_next(struct csv *c)
{
	size_t offs[CSV_MAX_FIELDS];
	size_t used;
	int i, nonempty;

	for (;;) {
		if (c->p >= c->end)
			return 0;
		c->row = c->next_row++;
		c->line = c->next_line;
		c->nfields = 0;
		used = 0;
		nonempty = 0;
		for (;;) {
			size_t start = used;

			if (c->nfields >= CSV_MAX_FIELDS) {
				snprintf(c->error, sizeof c->error, "row %ld has more than %d fields", c->row,
					 CSV_MAX_FIELDS);
				return -1;
			}
			if (c->p < c->end && *c->p == '"') {
				c->p++;
				for (;;) {
					if (c->p >= c->end) {
						snprintf(c->error, sizeof c->error,
							 "row %ld (line %ld): a quoted field is not closed", c->row, c->line);
						return -1;
					}
					if (*c->p == '"') {
						if (c->p + 1 < c->end && c->p[1] == '"') {
							c->p += 2;
						} else {
							c->p++;
							break;
						}
						if (reserve(c, used, 1) < 0)
							goto oom;
						c->data[used++] = '"';
						continue;
					}
					{
						const char *q = c->p;
						size_t n;
						while (q < c->end && *q != '"') {
							if (*q == '\n' || (*q == '\r' && !(q + 1 < c->end && q[1] == '\n')))
								c->next_line++;
							q++;
						}
						n = (size_t)(q - c->p);
						if (reserve(c, used, n) < 0)
							goto oom;
						if (n)
							memcpy(c->data + used, c->p, n);
						used += n;
						c->p = q;
					}
				}
			}
			/* Unquoted text, or what follows a closing quote. */
			{
				const char *q = c->p;
				size_t n;
				while (q < c->end && *q != c->sep && *q != '\n' && *q != '\r')
					q++;
				n = (size_t)(q - c->p);
				if (reserve(c, used, n) < 0)
					goto oom;
				if (n)
					memcpy(c->data + used, c->p, n);
				used += n;
				c->p = q;
			}
			if (reserve(c, used, 1) < 0)
				goto oom;
			if (!csv_utf8_valid(c->data + start, used - start)) {
				snprintf(c->error, sizeof c->error, "row %ld, column %d is not valid UTF-8 text",
					 c->row, c->nfields + 1);
				return -1;
			}
			c->data[used++] = '\0';
			offs[c->nfields++] = start;
			if (used - start > 1)
				nonempty = 1;
			if (c->p < c->end && *c->p == c->sep) {
				c->p++;
				continue;
			}
			if (eol(c))
				c->next_line++;
			break;
		}
		for (i = 0; i < c->nfields; i++)
			c->fields[i] = c->data + offs[i];
		if (nonempty)
			return 1;
	}
oom:
	snprintf(c->error, sizeof c->error, "out of memory");
	return -1;
}

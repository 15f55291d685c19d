/* table.c: output — aligned tables measured by display width (so that
 * "Sở Y tế", precomposed or with combining marks, lines up under its
 * header), CSV and JSON. Tables make control characters harmless; CSV and
 * JSON give values exactly. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cli.h"

/* ---- display width ---------------------------------------------------- */

static int is_zero_width(unsigned long cp)
{
	return (cp >= 0x0300 && cp <= 0x036F) ||   /* combining diacritical marks */
	       (cp >= 0x1AB0 && cp <= 0x1AFF) || (cp >= 0x1DC0 && cp <= 0x1DFF) ||
	       (cp >= 0x20D0 && cp <= 0x20FF) || (cp >= 0xFE20 && cp <= 0xFE2F) ||
	       (cp >= 0x200B && cp <= 0x200F) ||   /* zero width space, joiners, marks */
	       (cp >= 0xFE00 && cp <= 0xFE0F) ||   /* variation selectors */
	       cp == 0xFEFF;
}

static int is_wide(unsigned long cp)
{
	return (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0x303E) ||
	       (cp >= 0x3041 && cp <= 0x33FF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
	       (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0xA000 && cp <= 0xA4CF) ||
	       (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
	       (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
	       (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1F64F) ||
	       (cp >= 0x1F900 && cp <= 0x1F9FF) || (cp >= 0x20000 && cp <= 0x2FFFD) ||
	       (cp >= 0x30000 && cp <= 0x3FFFD);
}

/* Decode one UTF-8 sequence at s; its length in *n (1 for an invalid byte,
 * whose code point is returned as 0xFFFD). */
static unsigned long u8_next(const unsigned char *s, int *n)
{
	unsigned long cp;
	int len, i;

	if (s[0] < 0x80) {
		*n = 1;
		return s[0];
	}
	if (s[0] >= 0xC2 && s[0] <= 0xDF) {
		len = 2;
		cp = s[0] & 0x1F;
	} else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
		len = 3;
		cp = s[0] & 0x0F;
	} else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		*n = 1;
		return 0xFFFD;
	}
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80) {
			*n = 1;
			return 0xFFFD;
		}
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	*n = len;
	return cp;
}

int u8_width(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	int w = 0, n;

	while (*p) {
		unsigned long cp = u8_next(p, &n);
		p += n;
		if (is_zero_width(cp))
			continue;
		w += is_wide(cp) ? 2 : 1;
	}
	return w;
}

/* ---- cells ------------------------------------------------------------ */

char *cell_text(const json_t *v)
{
	char num[64];

	switch (json_typeof(v)) {
	case JSON_STRING:
		return strdup(json_string_value(v));
	case JSON_INTEGER:
		snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return strdup(num);
	case JSON_TRUE:
		return strdup("true");
	case JSON_FALSE:
		return strdup("false");
	case JSON_NULL:
		return strdup("");
	default:
		return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	}
}

/* Text for a table cell: one line, no control characters. */
static char *table_text(const json_t *v)
{
	char *t = v ? cell_text(v) : strdup(""), *p;

	for (p = t; p && *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	return t;
}

static int is_scalar(const json_t *v)
{
	return !json_is_object(v) && !json_is_array(v);
}

/* A nested object of scalars (totals, by sex) is shown as "key.sub" columns. */
static int is_flat_object(const json_t *v)
{
	const char *k;
	json_t *x;

	if (!json_is_object(v) || json_object_size(v) == 0 || json_object_size(v) > 8)
		return 0;
	json_object_foreach((json_t *)v, k, x)
		if (!is_scalar(x))
			return 0;
	return 1;
}

/* The value under a column name, "a" or "a.b". */
static json_t *column_value(json_t *obj, const char *col)
{
	json_t *v = json_object_get(obj, col);
	const char *dot;
	char head[256];

	if (v || !(dot = strchr(col, '.')) || (size_t)(dot - col) >= sizeof head)
		return v;
	snprintf(head, sizeof head, "%.*s", (int)(dot - col), col);
	return json_object_get(json_object_get(obj, head), dot + 1);
}

/* ---- columns ---------------------------------------------------------- */

struct cols {
	int n;
	char **name;
};

static void cols_add(struct cols *c, const char *name)
{
	char **grown;
	int i;

	for (i = 0; i < c->n; i++)
		if (strcmp(c->name[i], name) == 0)
			return;
	grown = realloc(c->name, (size_t)(c->n + 1) * sizeof *c->name);
	if (!grown)
		return;
	c->name = grown;
	if ((c->name[c->n] = strdup(name)))
		c->n++;
}

static void cols_free(struct cols *c)
{
	int i;

	for (i = 0; i < c->n; i++)
		free(c->name[i]);
	free(c->name);
	c->n = 0;
	c->name = NULL;
}

/* Columns from a list ("a,b,c"), or every field of the items in the order
 * first seen (for a table: scalars, and flat objects as "key.sub"). */
static void cols_for(struct cols *c, json_t *items, const char *list, int table)
{
	json_t *item, *v, *x;
	const char *k, *k2;
	char name[512];
	size_t i;

	memset(c, 0, sizeof *c);
	if (list) {
		const char *p = list;
		while (*p) {
			size_t l = strcspn(p, ",");
			if (l > 0 && l < sizeof name) {
				snprintf(name, sizeof name, "%.*s", (int)l, p);
				cols_add(c, name);
			}
			p += l + (p[l] == ',');
		}
		return;
	}
	json_array_foreach(items, i, item) {
		json_object_foreach(item, k, v) {
			if (!table || is_scalar(v)) {
				cols_add(c, k);
			} else if (is_flat_object(v)) {
				json_object_foreach(v, k2, x) {
					snprintf(name, sizeof name, "%s.%s", k, k2);
					cols_add(c, name);
				}
			}
		}
	}
}

/* ---- tables ----------------------------------------------------------- */

static void put_padded(struct buf *line, const char *s, int width)
{
	int w = u8_width(s);

	buf_puts(line, s);
	for (; w < width + 2; w++)
		buf_add(line, " ", 1);
}

/* One line of cells, without trailing blanks (empty last cells). */
static void put_line(FILE *f, struct buf *line, int ncols, const char *const *cells, const int *w)
{
	int k;

	line->len = 0;
	for (k = 0; k < ncols; k++)
		put_padded(line, cells[k], w[k]);
	while (line->len > 0 && line->data[line->len - 1] == ' ')
		line->len--;
	if (line->data)
		fwrite(line->data, 1, line->len, f);
	fputc('\n', f);
}

void table_print(FILE *f, int ncols, const char *const *head, char ***rows, int nrows)
{
	int *w = calloc((size_t)ncols, sizeof *w), r, k;
	char **hd = calloc((size_t)ncols, sizeof *hd), *p;
	struct buf line = {0};

	if (!w || !hd || ncols == 0)
		goto out;
	for (k = 0; k < ncols; k++) {
		w[k] = u8_width(head[k]);
		if (!(hd[k] = strdup(head[k])))
			goto out;
		for (p = hd[k]; *p; p++)
			*p = (char)toupper((unsigned char)*p);
	}
	for (r = 0; r < nrows; r++)
		for (k = 0; k < ncols; k++)
			if (u8_width(rows[r][k]) > w[k])
				w[k] = u8_width(rows[r][k]);
	put_line(f, &line, ncols, (const char *const *)hd, w);
	for (r = 0; r < nrows; r++)
		put_line(f, &line, ncols, (const char *const *)rows[r], w);
out:
	for (k = 0; hd && k < ncols; k++)
		free(hd[k]);
	free(hd);
	free(w);
	buf_free(&line);
}

static void rows_free(char ***rows, int nrows, int ncols)
{
	int r, k;

	for (r = 0; r < nrows; r++) {
		for (k = 0; k < ncols; k++)
			free(rows[r][k]);
		free(rows[r]);
	}
	free(rows);
}

/* A table of items (objects) under the given columns. */
static void items_table(FILE *f, json_t *items, const struct cols *cols)
{
	size_t n = json_array_size(items), i;
	char ***rows = calloc(n ? n : 1, sizeof *rows);
	int k, built = 0;

	if (!rows)
		return;
	for (i = 0; i < n; i++, built++) {
		if (!(rows[i] = calloc((size_t)cols->n + 1, sizeof **rows)))
			break;
		for (k = 0; k < cols->n; k++) {
			rows[i][k] = table_text(column_value(json_array_get(items, i), cols->name[k]));
			if (!rows[i][k])
				rows[i][k] = strdup("");
		}
	}
	if ((size_t)built == n)
		table_print(f, cols->n, (const char *const *)cols->name, rows, (int)n);
	rows_free(rows, built, cols->n);
}

/* FIELD / VALUE lines of an object's fields (flat objects as "key.sub");
 * with skip_lists, non-empty arrays are left for the caller to show. */
static void object_table(FILE *f, json_t *obj, int skip_lists)
{
	const char *head[2] = {"field", "value"}, *k, *k2;
	char ***rows = NULL, ***grown, name[512];
	json_t *v, *x;
	int n = 0;

#define ROW(key, val) do { \
		grown = realloc(rows, (size_t)(n + 1) * sizeof *rows); \
		if (!grown) \
			goto out; \
		rows = grown; \
		if (!(rows[n] = calloc(2, sizeof **rows))) \
			goto out; \
		rows[n][0] = strdup(key); \
		rows[n][1] = table_text(val); \
		n++; \
	} while (0)
	json_object_foreach(obj, k, v) {
		if (is_flat_object(v)) {
			json_object_foreach(v, k2, x) {
				snprintf(name, sizeof name, "%s.%s", k, k2);
				ROW(name, x);
			}
		} else if (!skip_lists || !json_is_array(v) || json_array_size(v) == 0) {
			ROW(k, v);
		}
	}
#undef ROW
	if (n > 0)
		table_print(f, 2, head, rows, n);
out:
	rows_free(rows, n, 2);
}

/* ---- CSV and JSON ----------------------------------------------------- */

static void items_csv(FILE *f, json_t *items, const struct cols *cols)
{
	struct buf b = {0};
	json_t *item;
	size_t i;
	int k;

	for (k = 0; k < cols->n; k++) {
		buf_puts(&b, k ? "," : "");
		buf_csv(&b, cols->name[k], ',');
	}
	buf_puts(&b, "\n");
	json_array_foreach(items, i, item) {
		for (k = 0; k < cols->n; k++) {
			json_t *v = column_value(item, cols->name[k]);
			char *t = v ? cell_text(v) : NULL;
			buf_puts(&b, k ? "," : "");
			buf_csv(&b, t, ',');
			free(t);
		}
		buf_puts(&b, "\n");
		if (b.len > 65536) {
			fwrite(b.data, 1, b.len, f);
			b.len = 0;
		}
	}
	fwrite(b.data, 1, b.len, f);
	buf_free(&b);
}

static void print_json(json_t *v)
{
	json_dumpf(v, stdout, JSON_INDENT(2) | JSON_ENCODE_ANY);
	fputc('\n', stdout);
}

/* ---- the public printers ---------------------------------------------- */

void print_items(const struct cli *c, json_t *items, const char *columns, json_t *whole)
{
	struct cols cols;

	if (c->fmt == OUT_JSON) {
		print_json(whole ? whole : items);
		return;
	}
	cols_for(&cols, items, columns, c->fmt == OUT_TABLE);
	if (c->fmt == OUT_CSV)
		items_csv(stdout, items, &cols);
	else if (cols.n > 0)
		items_table(stdout, items, &cols);
	cols_free(&cols);
}

void print_object(const struct cli *c, json_t *obj)
{
	json_t *one;

	if (c->fmt == OUT_JSON || !json_is_object(obj)) {
		print_json(obj);
		return;
	}
	if (c->fmt == OUT_CSV) {
		struct cols cols;
		one = json_pack("[O]", obj);
		cols_for(&cols, one, NULL, 0);
		items_csv(stdout, one, &cols);
		cols_free(&cols);
		json_decref(one);
		return;
	}
	object_table(stdout, obj, 0);
}

/* Is v a non-empty array of objects? */
static int is_object_list(const json_t *v)
{
	return json_is_array(v) && json_array_size(v) > 0 && json_is_object(json_array_get(v, 0));
}

void print_doc(const struct cli *c, json_t *doc)
{
	const char *k;
	json_t *v;
	int first;

	if (c->fmt == OUT_JSON || !json_is_object(doc)) {
		print_json(doc);
		return;
	}
	if (c->fmt == OUT_CSV) {
		/* the first list of objects, else the object as one row */
		json_object_foreach(doc, k, v) {
			if (is_object_list(v)) {
				print_items(c, v, NULL, NULL);
				return;
			}
		}
		print_object(c, doc);
		return;
	}
	object_table(stdout, doc, 1);
	first = json_object_size(doc) == 0;
	json_object_foreach(doc, k, v) {
		struct cols cols;
		if (!is_object_list(v))
			continue;
		printf("%s%s:\n", first ? "" : "\n", k);
		first = 0;
		cols_for(&cols, v, NULL, 1);
		items_table(stdout, v, &cols);
		cols_free(&cols);
	}
	/* lists of plain values (the missing units' codes, say) */
	json_object_foreach(doc, k, v) {
		size_t i;
		json_t *x;
		if (!json_is_array(v) || is_object_list(v) || json_array_size(v) == 0)
			continue;
		printf("\n%s:\n", k);
		json_array_foreach(v, i, x) {
			char *t = table_text(x);
			printf("  %s\n", t ? t : "");
			free(t);
		}
	}
}

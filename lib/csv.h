/* csv.h: reading CSV text as spreadsheets write it (RFC 4180 and Excel).
 *
 *   * UTF-8, with or without a byte order mark (skipped);
 *   * the separator is ',' or ';' (Excel's variant where the decimal mark
 *     is a comma), chosen by the header line: the one that occurs more
 *     often outside quotes there (',' on a tie);
 *   * a field in double quotes may hold separators, quotes (doubled: "")
 *     and line breaks; a quote inside an unquoted field is kept as is;
 *   * records end with CRLF, LF or CR; a final line break is optional;
 *   * an empty line, or one with only separators, is no record, but it
 *     still counts as a row.
 * Rows are numbered as a spreadsheet shows them: the header is row 1, the
 * first data row 2; a quoted field with line breaks stays one row. The
 * reader works in place over the caller's text and copies each field once
 * (into one buffer per record), so memory stays one record's worth. */
#ifndef BDG_CSV_H
#define BDG_CSV_H

#include <stddef.h>

#define CSV_MAX_FIELDS 256

struct csv {
	const char *p, *end;    /* what is left of the text */
	char sep;               /* ',' or ';' */
	long row;               /* the row number of the last record read */
	long line;              /* the physical line where the last record started */
	long next_row, next_line;
	char *data;             /* the fields of the last record, NUL-separated */
	size_t cap;
	int nfields;
	const char *fields[CSV_MAX_FIELDS];
	char error[160];        /* why csv_next failed */
};

/* Start reading text (not NUL-terminated: len bytes). Skips a UTF-8 BOM
 * and chooses the separator from the first line. */
void csv_open(struct csv *c, const char *text, size_t len);

/* Read the next record into c->fields/c->nfields (c->row is its row).
 * Returns 1, 0 at the end of the text, or -1 with c->error (an unclosed
 * quote, bad UTF-8, too many fields, out of memory). */
int csv_next(struct csv *c);

void csv_close(struct csv *c);

/* 1 when the n bytes at s are valid UTF-8 (no NUL, no overlong forms, no
 * surrogates). */
int csv_utf8_valid(const char *s, size_t n);

#endif

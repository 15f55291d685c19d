/* buf.h: a growable byte buffer for assembling responses (HTML documents,
 * CSV, NDJSON), with HTML and CSV escaping; and writing bytes out whole. */
#ifndef BDG_BUF_H
#define BDG_BUF_H

#include <stddef.h>

struct buf {
	char *data;             /* NUL-terminated; owned */
	size_t len, cap;
	int oom;                /* an allocation failed: the content is incomplete */
};

void buf_add(struct buf *b, const char *s, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Text with & < > " ' escaped; NULL adds nothing. */
void buf_html(struct buf *b, const char *s);
/* One CSV field: quoted when it holds , ; " CR or LF (quotes doubled). */
void buf_csv(struct buf *b, const char *s, char sep);
/* Take the data (caller frees); the buffer is empty after. */
char *buf_take(struct buf *b);
void buf_free(struct buf *b);

/* Write all n bytes of p to fd, again after a short write or EINTR:
 * 0, or -1 when the descriptor takes no more (errno says why). */
int write_all(int fd, const char *p, size_t n);

#endif

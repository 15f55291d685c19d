/* linelog.h: whole lines to a file descriptor, written by a thread of
 * their own. The access log: a worker thread copies its line into a
 * buffer and goes back to its client; the writer takes the buffer once a
 * millisecond at most and writes it with one write(2), so that under load
 * one system call carries the lines of many requests. Thread-safe.
 *
 * What a crash can lose: the lines of the last millisecond or so, copied
 * but not yet written. linelog_close writes everything before it
 * returns. */
#ifndef BDG_LINELOG_H
#define BDG_LINELOG_H

#include <stddef.h>

struct linelog;

/* Lines to fd, buffered up to cap bytes (twice: one being filled, one
 * being written). NULL when the thread or the memory cannot be had. */
struct linelog *linelog_open(int fd, size_t cap);
/* Append n bytes: whole lines, in order with the caller's earlier lines.
 * Waits while the buffer is full (as a blocking write(2) would). A line
 * longer than cap is written directly. */
void linelog_put(struct linelog *l, const char *line, size_t n);
/* Write what is pending, stop the writer, free. NULL is allowed. */
void linelog_close(struct linelog *l);

#endif

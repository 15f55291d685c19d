/* linelog.c: see linelog.h. Two buffers: workers append to `fill` under
 * the mutex; the writer swaps it with `spare` (empty) and writes `spare`
 * outside the mutex, so appending never waits for a disk or a pipe unless
 * both buffers are full. A worker wakes the writer only when the writer
 * waits for lines (nothing pending); the writer then lets a millisecond's
 * lines gather before it takes them. Waking it for every line would cost
 * a futex call and a context switch per request: more than the write(2)
 * it saves. */
#include "linelog.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"

#define LINELOG_GATHER_NS 1000000

struct linelog {
	int fd;
	size_t cap;
	pthread_mutex_t mu;
	pthread_cond_t more;            /* the writer waits for lines */
	pthread_cond_t room;            /* workers wait for a free buffer */
	char *fill, *spare;
	size_t len;                     /* bytes in fill */
	int idle;                       /* the writer waits on `more` */
	int busy;                       /* the writer is writing spare */
	int stop;
	pthread_t writer;
};

static void *writer(void *arg)
{
	struct linelog *l = arg;
	char *buf;
	size_t n;

	pthread_mutex_lock(&l->mu);
	for (;;) {
		while (l->len == 0 && !l->stop) {
			l->idle = 1;
			pthread_cond_wait(&l->more, &l->mu);
		}
		l->idle = 0;
		if (l->len == 0)
			break;          /* stopping, and nothing left */
		if (!l->stop) {
			/* Let the lines of a millisecond gather: the writer
			 * wakes at most a thousand times a second, whatever
			 * the rate of requests. */
			pthread_mutex_unlock(&l->mu);
			nanosleep(&(struct timespec){0, LINELOG_GATHER_NS}, NULL);
			pthread_mutex_lock(&l->mu);
		}
		buf = l->fill;
		n = l->len;
		l->fill = l->spare;
		l->len = 0;
		l->busy = 1;
		pthread_cond_broadcast(&l->room);
		pthread_mutex_unlock(&l->mu);
		(void)write_all(l->fd, buf, n);  /* nowhere to write to: dropped */
		pthread_mutex_lock(&l->mu);
		l->spare = buf;
		l->busy = 0;
		pthread_cond_broadcast(&l->room);
	}
	pthread_mutex_unlock(&l->mu);
	return NULL;
}

/* Free l (its writer stopped, or never started). */
static void destroy(struct linelog *l)
{
	pthread_cond_destroy(&l->room);
	pthread_cond_destroy(&l->more);
	pthread_mutex_destroy(&l->mu);
	free(l->fill);
	free(l->spare);
	free(l);
}

struct linelog *linelog_open(int fd, size_t cap)
{
	struct linelog *l = calloc(1, sizeof *l);

	if (!l)
		return NULL;
	l->fd = fd;
	l->cap = cap;
	l->fill = malloc(cap);
	l->spare = malloc(cap);
	pthread_mutex_init(&l->mu, NULL);
	pthread_cond_init(&l->more, NULL);
	pthread_cond_init(&l->room, NULL);
	if (!l->fill || !l->spare || pthread_create(&l->writer, NULL, writer, l) != 0) {
		destroy(l);
		return NULL;
	}
	return l;
}

void linelog_put(struct linelog *l, const char *line, size_t n)
{
	pthread_mutex_lock(&l->mu);
	if (n > l->cap) {
		/* Rare (cap is many lines): written in place once everything
		 * appended before it is written, so that the order holds. */
		while (l->len > 0 || l->busy)
			pthread_cond_wait(&l->room, &l->mu);
		(void)write_all(l->fd, line, n);
		pthread_mutex_unlock(&l->mu);
		return;
	}
	while (l->len + n > l->cap)
		pthread_cond_wait(&l->room, &l->mu);
	memcpy(l->fill + l->len, line, n);
	l->len += n;
	if (l->idle) {
		l->idle = 0;
		pthread_cond_signal(&l->more);
	}
	pthread_mutex_unlock(&l->mu);
}

void linelog_close(struct linelog *l)
{
	if (!l)
		return;
	pthread_mutex_lock(&l->mu);
	l->stop = 1;
	pthread_cond_signal(&l->more);
	pthread_mutex_unlock(&l->mu);
	pthread_join(l->writer, NULL);
	destroy(l);
}

/* test_linelog.c: the access log's writer thread. Lines from many threads
 * into a pipe come out whole, each exactly once, each thread's in order;
 * close writes what is pending; a line longer than the buffer is kept in
 * order; a tiny buffer (workers waiting for room) loses nothing. */
#include "check.h"
#include "linelog.h"

#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#define THREADS 8

struct worker {
	struct linelog *l;
	int id, lines;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	char line[96];

	for (int i = 0; i < w->lines; i++) {
		int n = snprintf(line, sizeof line, "{\"t\":%d,\"i\":%d,\"pad\":\"%.*s\"}\n", w->id, i,
				 i % 40, "........................................");
		linelog_put(w->l, line, (size_t)n);
	}
	return NULL;
}

struct sink {
	int fd;
	char *data;
	size_t len, cap;
};

static void *drain(void *arg)
{
	struct sink *s = arg;
	ssize_t n;

	for (;;) {
		if (s->len + 65536 > s->cap) {
			s->cap = s->cap * 2 + 65536;
			s->data = realloc(s->data, s->cap);
		}
		n = read(s->fd, s->data + s->len, 65536);
		if (n <= 0)
			break;
		s->len += (size_t)n;
	}
	return NULL;
}

/* Run THREADS workers of `lines` lines each through a linelog of `cap`
 * bytes into a pipe, then check every line. */
static void run(size_t cap, int lines_each)
{
	int fds[2];
	pthread_t th[THREADS], dr;
	struct worker w[THREADS];
	struct sink s = {0};
	int next[THREADS] = {0}, bad = 0, lines = 0;
	struct linelog *l;

	CHECK_EQ_INT(pipe(fds), 0);
	s.fd = fds[0];
	pthread_create(&dr, NULL, drain, &s);
	l = linelog_open(fds[1], cap);
	CHECK(l != NULL);
	for (int t = 0; t < THREADS; t++) {
		w[t] = (struct worker){l, t, lines_each};
		pthread_create(&th[t], NULL, work, &w[t]);
	}
	for (int t = 0; t < THREADS; t++)
		pthread_join(th[t], NULL);
	linelog_close(l);
	close(fds[1]);
	pthread_join(dr, NULL);
	close(fds[0]);
	for (char *p = s.data, *end = s.data + s.len; p < end; lines++) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		int t, i, pad;
		if (!nl || sscanf(p, "{\"t\":%d,\"i\":%d,\"pad\":\"%n", &t, &i, &pad) != 2 || t < 0 || t >= THREADS ||
		    i != next[t] || nl - (p + pad) != i % 40 + 2) {
			bad++;
			break;
		}
		next[t]++;
		p = nl + 1;
	}
	CHECK_EQ_INT(bad, 0);
	CHECK_EQ_INT(lines, THREADS * lines_each);
	for (int t = 0; t < THREADS; t++)
		CHECK_EQ_INT(next[t], lines_each);
	free(s.data);
}

int main(void)
{
	int fds[2];
	char big[3000], out[4000];
	struct linelog *l;
	ssize_t n;
	size_t got = 0;

	run(256 * 1024, 5000);
	run(200, 200);          /* about 3 lines: workers wait for room */

	/* A line longer than the buffer comes after the lines before it. */
	CHECK_EQ_INT(pipe(fds), 0);
	l = linelog_open(fds[1], 1024);
	linelog_put(l, "first\n", 6);
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\n';
	linelog_put(l, big, sizeof big);
	linelog_put(l, "last\n", 5);
	linelog_close(l);
	close(fds[1]);
	while ((n = read(fds[0], out + got, sizeof out - got)) > 0)
		got += (size_t)n;
	close(fds[0]);
	CHECK_EQ_INT((long long)got, 6 + (long long)sizeof big + 5);
	CHECK(memcmp(out, "first\n", 6) == 0);
	CHECK(out[6] == 'x' && out[6 + sizeof big - 1] == '\n');
	CHECK(memcmp(out + 6 + sizeof big, "last\n", 5) == 0);
	linelog_close(NULL);
	return CHECK_DONE();
}

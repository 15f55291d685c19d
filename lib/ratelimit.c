/* ratelimit.c: fixed-window request counting per token subject. */
#include "ratelimit.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RL_SLOTS 4096

struct slot {
	uint64_t hash;
	long window;            /* minute number */
	int count;
};

struct ratelimit {
	int per_minute;
	pthread_mutex_t mu;
	struct slot slots[RL_SLOTS];
};

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ull;
	}
	return h | 1;
}

struct ratelimit *ratelimit_new(int per_minute)
{
	struct ratelimit *rl = calloc(1, sizeof *rl);

	if (!rl)
		return NULL;
	rl->per_minute = per_minute;
	pthread_mutex_init(&rl->mu, NULL);
	return rl;
}

void ratelimit_free(struct ratelimit *rl)
{
	if (!rl)
		return;
	pthread_mutex_destroy(&rl->mu);
	free(rl);
}

int ratelimit_take(struct ratelimit *rl, const char *who)
{
	uint64_t h = fnv1a(who);
	long window = (long)(time(NULL) / 60);
	struct slot *s = &rl->slots[h % RL_SLOTS];
	int ok;

	pthread_mutex_lock(&rl->mu);
	if (s->hash != h || s->window != window) {
		s->hash = h;
		s->window = window;
		s->count = 0;
	}
	ok = s->count < rl->per_minute;
	if (ok)
		s->count++;
	pthread_mutex_unlock(&rl->mu);
	return ok ? 0 : -1;
}

int ratelimit_retry_after(struct ratelimit *rl, const char *who)
{
	(void)rl;
	(void)who;
	return 60 - (int)(time(NULL) % 60);
}

/* ratelimit.h: a per-token request budget (BDG_RATE_LIMIT requests per
 * minute), in fixed one-minute windows, in a bounded table. Thread-safe.
 * With several bdgd behind a balancer each keeps its own budget. */
#ifndef BDG_RATELIMIT_H
#define BDG_RATELIMIT_H

struct ratelimit;

/* per_minute > 0; NULL on allocation failure. */
struct ratelimit *ratelimit_new(int per_minute);
void ratelimit_free(struct ratelimit *rl);
/* 0 when the request may go on, -1 when the budget of `who` is spent. */
int ratelimit_take(struct ratelimit *rl, const char *who);
/* Seconds until the budget of `who` renews (1..60). */
int ratelimit_retry_after(struct ratelimit *rl, const char *who);

#endif

/* server.h: what the running bdgd shares between request threads, all of
 * it set up before the first request and read-only after (counters are
 * atomic). */
#ifndef BDG_SERVER_H
#define BDG_SERVER_H

#include <stdatomic.h>

#include "auth.h"
#include "config.h"
#include "db.h"
#include "route.h"

struct ratelimit;

struct server {
	const struct bdg_config *cfg;
	struct db_pool *pool;
	struct db_pool *read_pool;       /* == pool unless BDG_DATABASE_READ_URL */
	struct bdg_auth *auth;
	struct ratelimit *rl;
	struct linelog *access;          /* the access log on stdout, NULL when quiet */
	const struct route *const *tables; /* NULL-terminated list of route tables */
	atomic_long requests;
	atomic_long status_2xx, status_3xx, status_4xx, status_5xx;
	atomic_long duration_us;
	atomic_long in_flight;
	atomic_int stopping;
};

/* The route tables, one per resource file, listed in api/routes.c. */
extern const struct route *const route_tables[];

#endif

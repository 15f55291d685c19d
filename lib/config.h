/* config.h: bdgd's configuration, read once at start from BDG_* environment
 * variables and then from command-line flags (flags win). Immutable after
 * start, shared read-only by every thread. */
#ifndef BDG_CONFIG_H
#define BDG_CONFIG_H

#include <stddef.h>

struct bdg_config {
	char listen[128];            /* BDG_LISTEN, default 127.0.0.1:8080 */
	char database_url[1024];     /* BDG_DATABASE_URL; empty = embedded cluster */
	char database_read_url[1024];/* BDG_DATABASE_READ_URL; empty = same */
	char data_dir[1024];         /* BDG_DATA_DIR, default ./var */
	char jwt_secret[1024];       /* BDG_JWT_SECRET (HS256) */
	size_t jwt_secret_len;
	char jwt_public_key[8192];   /* BDG_JWT_PUBLIC_KEY: PEM text or a file path (read in) */
	char jwt_private_key[8192];  /* BDG_JWT_PRIVATE_KEY: for `bdgd token` with RS256/ES256 */
	char jwt_alg[8];             /* BDG_JWT_ALG: HS256 | RS256 | ES256; derived when empty */
	char jwt_issuer[256];        /* BDG_JWT_ISSUER; empty = not checked */
	char jwt_audience[256];      /* BDG_JWT_AUDIENCE; empty = not checked */
	int threads;                 /* BDG_THREADS, default 256 */
	int pool_size;               /* BDG_POOL_SIZE, default 8 */
	int statement_timeout_ms;    /* BDG_STATEMENT_TIMEOUT_MS, default 5000 */
	long body_max;               /* BDG_BODY_MAX, default 1 MiB */
	long bulk_body_max;          /* BDG_BULK_BODY_MAX, default 64 MiB */
	int json_depth_max;          /* BDG_JSON_DEPTH_MAX, default 32 */
	char cors_origins[2048];     /* BDG_CORS_ORIGINS, comma-separated */
	int rate_limit;              /* BDG_RATE_LIMIT requests/minute per token; 0 = off */
	char web_root[1024];         /* BDG_WEB_ROOT: the built web UI folder; empty = none */
	int request_timeout_ms;      /* BDG_REQUEST_TIMEOUT_MS, default 10000 */
	char log_level[16];          /* BDG_LOG: info | debug | quiet */
};

/* Fill defaults, then read the environment. Returns 0, or -1 with a one-line
 * message in errbuf. */
int config_from_env(struct bdg_config *c, char *errbuf, size_t errlen);

/* Apply one flag "--name value" (name without dashes, as in the BDG_ variable
 * lower-cased: listen, database-url, data-dir, threads, ...). Returns 0, or -1
 * with a message in errbuf when the name is unknown or the value bad. */
int config_set(struct bdg_config *c, const char *name, const char *value,
	       char *errbuf, size_t errlen);

/* Cross-field checks after all sources are read (key sizes, algorithms).
 * `need_auth`: the command verifies or signs tokens. */
int config_check(struct bdg_config *c, int need_auth, char *errbuf, size_t errlen);

#endif

/* tokens.c: prints COUNT distinct signed tokens (sub "bench-1" … "bench-N"),
 * with the key configured the way bdgd reads it (BDG_JWT_SECRET, or
 * BDG_JWT_ALG + BDG_JWT_PRIVATE_KEY), for the benchmark of token
 * verification without the verified-token cache: a wrk script rotating
 * over more tokens than the cache holds misses it on every request.
 *
 *   bench-tokens COUNT UNIT ROLE [TTL] */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "auth.h"
#include "config.h"

int main(int argc, char **argv)
{
	static struct bdg_config cfg;
	struct bdg_err e = {0};
	char err[512], sub[32];
	long i, n, ttl;
	time_t now = time(NULL);

	if (argc < 4) {
		fprintf(stderr, "usage: bench-tokens COUNT UNIT ROLE [TTL]\n");
		return 2;
	}
	n = atol(argv[1]);
	ttl = argc > 4 ? atol(argv[4]) : 3600;
	if (config_from_env(&cfg, err, sizeof err) < 0 || config_check(&cfg, 1, err, sizeof err) < 0) {
		fprintf(stderr, "bench-tokens: %s\n", err);
		return 1;
	}
	for (i = 1; i <= n; i++) {
		char *t;

		snprintf(sub, sizeof sub, "bench-%ld", i);
		t = auth_sign_new(&cfg, sub, argv[2], argv[3], ttl, now, &e);
		if (!t) {
			fprintf(stderr, "bench-tokens: %s\n", e.detail);
			return 1;
		}
		puts(t);
		free(t);
	}
	return 0;
}

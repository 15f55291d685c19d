/* noauth.c: bdgd "without auth", the baseline of the auth benchmark. The
 * same sources as bdgd (api/ and lib/), except that auth_verify accepts any
 * bearer token without looking at it and answers a fixed principal (sub
 * "bench", unit $BDG_BENCH_UNIT, role admin). The dispatcher, routes and
 * handlers are untouched, so the difference between bdgd and this server on
 * the same request is exactly the cost of verifying the token.
 *
 * lib/auth.c is compiled into this file with its auth_verify renamed, so
 * that the static library's auth.o is never linked in. Benchmark only:
 * it is not installed, and it refuses to start unless BDG_BENCH_NOAUTH=1
 * (tests/bench/run sets it) and BDG_LISTEN is a 127.0.0.1 address. */
#define auth_verify auth_verify_checked
#include "../../lib/auth.c"
#undef auth_verify

#include <stdio.h>

__attribute__((constructor)) static void noauth_guard(void)
{
	const char *ok = getenv("BDG_BENCH_NOAUTH"), *listen = getenv("BDG_LISTEN");

	if (!ok || strcmp(ok, "1") != 0 || !listen || strncmp(listen, "127.0.0.1:", 10) != 0) {
		fprintf(stderr, "bdgd-noauth: a benchmark build that accepts any token; it runs only with "
			"BDG_BENCH_NOAUTH=1 and BDG_LISTEN=127.0.0.1:PORT\n");
		exit(2);
	}
}

int auth_verify(struct bdg_auth *a, const char *token, time_t now,
		struct bdg_principal *p, struct bdg_err *err);

int auth_verify(struct bdg_auth *a, const char *token, time_t now,
		struct bdg_principal *p, struct bdg_err *err)
{
	const char *unit = getenv("BDG_BENCH_UNIT");

	(void)a;
	(void)token;
	(void)err;
	memset(p, 0, sizeof *p);
	snprintf(p->sub, sizeof p->sub, "bench");
	snprintf(p->unit, sizeof p->unit, "%s", unit ? unit : "BENCH");
	p->role = ROLE_ADMIN;
	p->exp = (long long)now + 3600;
	return 0;
}

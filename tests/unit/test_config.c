/* test_config.c: environment, flags and the checks that stop a bad start. */
#include <stdlib.h>

#include "check.h"
#include "config.h"

int main(void)
{
	struct bdg_config c;
	char err[512];

	unsetenv("BDG_JWT_SECRET");
	setenv("BDG_THREADS", "16", 1);
	CHECK_EQ_INT(config_from_env(&c, err, sizeof err), 0);
	CHECK_EQ_INT(c.threads, 16);
	CHECK_EQ_STR(c.listen, "127.0.0.1:8080");
	CHECK_EQ_INT(c.body_max, 1048576);
	setenv("BDG_THREADS", "lots", 1);
	CHECK_EQ_INT(config_from_env(&c, err, sizeof err), -1);
	CHECK(strstr(err, "BDG_THREADS") != NULL);
	unsetenv("BDG_THREADS");
	CHECK_EQ_INT(config_from_env(&c, err, sizeof err), 0);
	CHECK_EQ_INT(config_set(&c, "listen", "0.0.0.0:9000", err, sizeof err), 0);
	CHECK_EQ_STR(c.listen, "0.0.0.0:9000");
	CHECK_EQ_INT(config_set(&c, "no-such", "1", err, sizeof err), -1);
	CHECK_EQ_INT(config_set(&c, "pool-size", "0", err, sizeof err), -1);
	/* a short HS256 secret is refused */
	CHECK_EQ_INT(config_set(&c, "jwt-secret", "short", err, sizeof err), 0);
	CHECK_EQ_INT(config_check(&c, 1, err, sizeof err), -1);
	CHECK(strstr(err, "32 bytes") != NULL);
	CHECK_EQ_INT(config_set(&c, "jwt-secret", "0123456789abcdef0123456789abcdef", err, sizeof err), 0);
	CHECK_EQ_INT(config_check(&c, 1, err, sizeof err), 0);
	CHECK_EQ_STR(c.jwt_alg, "HS256");
	CHECK_EQ_INT(config_set(&c, "jwt-alg", "none", err, sizeof err), 0);
	CHECK_EQ_INT(config_check(&c, 1, err, sizeof err), -1);
	CHECK_EQ_INT(config_set(&c, "jwt-alg", "RS256", err, sizeof err), 0);
	CHECK_EQ_INT(config_check(&c, 1, err, sizeof err), -1);
	CHECK_EQ_INT(config_set(&c, "listen", "8080", err, sizeof err), 0);
	CHECK_EQ_INT(config_set(&c, "jwt-alg", "HS256", err, sizeof err), 0);
	CHECK_EQ_INT(config_check(&c, 1, err, sizeof err), -1);
	return CHECK_DONE();
}

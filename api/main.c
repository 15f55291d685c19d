/* main.c: bdgd and its subcommands.
 *
 *   bdgd serve     run the HTTP API (embedded PostgreSQL unless BDG_DATABASE_URL)
 *   bdgd migrate   apply pending migrations and exit
 *   bdgd token     print a signed JWT for a service account or a test
 *   bdgd demo      load the demo data modelled on the seed documents
 *
 * Configuration comes from BDG_* variables and --flags (lib/config.h); a
 * bad configuration stops the start with one line on stderr. */
#include <civetweb.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"
#include "config.h"
#include "db.h"
#include "http.h"
#include "linelog.h"
#include "migrate.h"
#include "pgembed.h"
#include "ratelimit.h"
#include "server.h"

struct command {
	const char *name;
	int (*run)(struct bdg_config *cfg, int argc, char **argv);
	const char *usage;
};

static int cmd_serve(struct bdg_config *cfg, int argc, char **argv);
static int cmd_migrate(struct bdg_config *cfg, int argc, char **argv);
static int cmd_token(struct bdg_config *cfg, int argc, char **argv);
static int cmd_demo(struct bdg_config *cfg, int argc, char **argv);

static const char common_flags[] =
	"Configuration (flag, or environment variable):\n"
	"  --listen HOST:PORT          BDG_LISTEN (127.0.0.1:8080)\n"
	"  --database-url URL          BDG_DATABASE_URL (empty: embedded cluster in the data dir)\n"
	"  --database-read-url URL     BDG_DATABASE_READ_URL (reads from a replica)\n"
	"  --data-dir DIR              BDG_DATA_DIR (./var)\n"
	"  --jwt-secret S              BDG_JWT_SECRET (HS256, >= 32 bytes; embedded: generated once)\n"
	"  --jwt-public-key PEM|FILE   BDG_JWT_PUBLIC_KEY (RS256/ES256)\n"
	"  --jwt-private-key PEM|FILE  BDG_JWT_PRIVATE_KEY (for `token` with RS256/ES256)\n"
	"  --jwt-alg ALG               BDG_JWT_ALG (HS256 | RS256 | ES256)\n"
	"  --jwt-issuer ISS            BDG_JWT_ISSUER\n"
	"  --jwt-audience AUD          BDG_JWT_AUDIENCE\n"
	"  --threads N                 BDG_THREADS (256)\n"
	"  --pool-size N               BDG_POOL_SIZE (8)\n"
	"  --statement-timeout-ms N    BDG_STATEMENT_TIMEOUT_MS (5000)\n"
	"  --body-max BYTES            BDG_BODY_MAX (1048576)\n"
	"  --bulk-body-max BYTES       BDG_BULK_BODY_MAX (67108864)\n"
	"  --cors-origins LIST         BDG_CORS_ORIGINS\n"
	"  --rate-limit N              BDG_RATE_LIMIT (requests per minute per token; 0 = off)\n"
	"  --web-root DIR              BDG_WEB_ROOT (the built web UI)\n"
	"  --request-timeout-ms N      BDG_REQUEST_TIMEOUT_MS (10000)\n"
	"  --log LEVEL                 BDG_LOG (info | debug | quiet)\n";

static const struct command commands[] = {
	{"serve", cmd_serve, "bdgd serve [flags]\n  Serve the API under /api/v1, the web UI at / and /metrics.\n"},
	{"migrate", cmd_migrate, "bdgd migrate [flags]\n  Apply pending migrations and exit.\n"},
	{"token", cmd_token,
	 "bdgd token --sub S --unit CODE --role viewer|editor|approver|admin [--ttl SECONDS] [flags]\n"
	 "  Print a token signed with the configured key (default ttl 3600).\n"},
	{"demo", cmd_demo, "bdgd demo [flags]\n  Load the demo data (idempotent: running it twice changes nothing).\n"},
	{NULL, NULL, NULL},
};

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "bdgd: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void logf_info(const char *msg, const char *key, const char *value)
{
	fprintf(stderr, "{\"level\":\"info\",\"msg\":\"%s\"", msg);
	if (key)
		fprintf(stderr, ",\"%s\":\"%s\"", key, value);
	fprintf(stderr, "}\n");
}

/* Parse --name value / --name=value; `extra` names flags the command keeps
 * for itself (their values are returned in extra_vals). */
static void parse_flags(struct bdg_config *cfg, int argc, char **argv, const char *const *extra,
			const char **extra_vals)
{
	char err[512];
	int i, k;

	for (i = 0; i < argc; i++) {
		char name[64];
		const char *a = argv[i], *val, *eq;
		size_t n;

		if (strncmp(a, "--", 2) != 0)
			die("unexpected argument \"%s\" (see --help)", a);
		a += 2;
		eq = strchr(a, '=');
		n = eq ? (size_t)(eq - a) : strlen(a);
		if (n >= sizeof name)
			die("unknown option --%.40s", a);
		memcpy(name, a, n);
		name[n] = '\0';
		if (eq)
			val = eq + 1;
		else if (i + 1 < argc)
			val = argv[++i];
		else
			die("--%s needs a value", name);
		for (k = 0; extra && extra[k]; k++) {
			if (strcmp(extra[k], name) == 0) {
				extra_vals[k] = val;
				break;
			}
		}
		if (extra && extra[k])
			continue;
		if (config_set(cfg, name, val, err, sizeof err) < 0)
			die("%s", err);
	}
}

/* In embedded mode with no secret configured, HS256 uses a secret
 * generated once into <data_dir>/jwt-secret (0600). */
static void embedded_secret(struct bdg_config *cfg)
{
	char path[1200];
	unsigned char rnd[48];
	FILE *f;
	size_t i, n;
	int fd;

	if (cfg->jwt_secret[0] || cfg->jwt_public_key[0] || cfg->database_url[0] ||
	    (cfg->jwt_alg[0] && strcmp(cfg->jwt_alg, "HS256")))
		return;
	if (mkdir(cfg->data_dir, 0755) < 0 && errno != EEXIST)
		die("cannot create the data directory %s: %s", cfg->data_dir, strerror(errno));
	snprintf(path, sizeof path, "%s/jwt-secret", cfg->data_dir);
	f = fopen(path, "r");
	if (f) {
		n = fread(cfg->jwt_secret, 1, sizeof cfg->jwt_secret - 1, f);
		fclose(f);
		while (n > 0 && (cfg->jwt_secret[n - 1] == '\n' || cfg->jwt_secret[n - 1] == '\r'))
			n--;
		cfg->jwt_secret[n] = '\0';
		return;
	}
	if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
		die("cannot read random bytes for the JWT secret");
	for (i = 0; i < sizeof rnd; i++)
		snprintf(cfg->jwt_secret + 2 * i, 3, "%02x", rnd[i]);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd < 0 || write(fd, cfg->jwt_secret, strlen(cfg->jwt_secret)) < 0)
		die("cannot write %s: %s", path, strerror(errno));
	close(fd);
	logf_info("generated a JWT secret", "file", path);
}

/* The conninfo to use: BDG_DATABASE_URL, or the embedded cluster started. */
static const char *database(struct bdg_config *cfg, struct pgembed *pg)
{
	char err[512];

	if (cfg->database_url[0])
		return cfg->database_url;
	if (pgembed_start(pg, cfg->data_dir, err, sizeof err) < 0)
		die("%s", err);
	return pg->conninfo;
}

static void migrate_or_die(const char *conninfo, struct pgembed *pg)
{
	PGconn *c = PQconnectdb(conninfo);
	char err[512];
	int n;

	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "bdgd: cannot connect to the database: %s", PQerrorMessage(c));
		PQfinish(c);
		pgembed_stop(pg);
		exit(1);
	}
	n = migrate_run(c, 1, err, sizeof err);
	PQfinish(c);
	if (n < 0) {
		pgembed_stop(pg);
		die("%s", err);
	}
}

static int cmd_migrate(struct bdg_config *cfg, int argc, char **argv)
{
	struct pgembed pg = {0};
	char err[512];

	parse_flags(cfg, argc, argv, NULL, NULL);
	if (config_check(cfg, 0, err, sizeof err) < 0)
		die("%s", err);
	migrate_or_die(database(cfg, &pg), &pg);
	pgembed_stop(&pg);
	return 0;
}

static int cmd_demo(struct bdg_config *cfg, int argc, char **argv)
{
	struct pgembed pg = {0};
	const struct embedded_file *f;
	const char *conninfo;
	PGconn *c;
	PGresult *r;
	char err[512];
	int rc = 0;

	parse_flags(cfg, argc, argv, NULL, NULL);
	if (config_check(cfg, 0, err, sizeof err) < 0)
		die("%s", err);
	conninfo = database(cfg, &pg);
	migrate_or_die(conninfo, &pg);
	c = PQconnectdb(conninfo);
	for (f = bdg_demo_sql; rc == 0 && f->name; f++) {
		PQclear(PQexec(c, "BEGIN"));
		PQclear(PQexec(c, "SELECT set_config('app.sub', 'demo', true), set_config('app.role', 'admin', true)"));
		r = PQexec(c, f->data);
		if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
			fprintf(stderr, "bdgd: demo data %s failed: %s", f->name, PQresultErrorMessage(r));
			rc = 1;
		}
		PQclear(r);
		PQclear(PQexec(c, rc ? "ROLLBACK" : "COMMIT"));
		if (!rc)
			logf_info("demo data loaded", "file", f->name);
	}
	PQfinish(c);
	pgembed_stop(&pg);
	return rc;
}

static int cmd_token(struct bdg_config *cfg, int argc, char **argv)
{
	static const char *const extra[] = {"sub", "unit", "role", "ttl", NULL};
	const char *vals[5] = {NULL, NULL, NULL, "3600", NULL};
	struct bdg_err e = {0};
	char err[512], *tok, *end;
	long ttl;

	parse_flags(cfg, argc, argv, extra, vals);
	if (!vals[0] || !vals[1] || !vals[2])
		die("token needs --sub, --unit and --role (see bdgd token --help)");
	if (role_parse(vals[2]) == ROLE_NONE)
		die("--role must be viewer, editor, approver or admin");
	ttl = strtol(vals[3], &end, 10);
	if (*end || ttl < 1 || ttl > 366L * 86400)
		die("--ttl must be from 1 to 31622400 seconds");
	embedded_secret(cfg);
	if (config_check(cfg, 1, err, sizeof err) < 0)
		die("%s", err);
	if (strcmp(cfg->jwt_alg, "HS256") && !cfg->jwt_private_key[0])
		die("signing %s tokens needs BDG_JWT_PRIVATE_KEY", cfg->jwt_alg);
	tok = auth_sign_new(cfg, vals[0], vals[1], vals[2], ttl, time(NULL), &e);
	if (!tok)
		die("%s", e.detail);
	printf("%s\n", tok);
	free(tok);
	return 0;
}

static int log_message(const struct mg_connection *conn, const char *message)
{
	(void)conn;
	fprintf(stderr, "{\"level\":\"warn\",\"msg\":\"http\",\"detail\":\"%.200s\"}\n", message);
	return 1;
}

static int cmd_serve(struct bdg_config *cfg, int argc, char **argv)
{
	struct server *srv;
	struct pgembed pg = {0};
	struct mg_callbacks cb;
	struct mg_context *ctx;
	struct bdg_err e = {0};
	const char *conninfo;
	char err[512], threads[16], timeout[16];
	const char *opts[32];
	sigset_t set;
	int sig = 0, o = 0;

	parse_flags(cfg, argc, argv, NULL, NULL);
	embedded_secret(cfg);
	if (config_check(cfg, 1, err, sizeof err) < 0)
		die("%s", err);
	srv = calloc(1, sizeof *srv);
	if (!srv)
		die("out of memory");
	srv->cfg = cfg;
	srv->auth = auth_new(cfg, &e);
	if (!srv->auth)
		die("%s", e.detail);
	if (cfg->rate_limit > 0 && !(srv->rl = ratelimit_new(cfg->rate_limit)))
		die("out of memory");

	/* Signals are taken by sigwait below; threads inherit the mask. */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	conninfo = database(cfg, &pg);
	migrate_or_die(conninfo, &pg);
	srv->pool = db_pool_new(conninfo, cfg->pool_size, cfg->statement_timeout_ms);
	srv->read_pool = cfg->database_read_url[0]
		? db_pool_new(cfg->database_read_url, cfg->pool_size, cfg->statement_timeout_ms) : srv->pool;
	if (!srv->pool || !srv->read_pool)
		die("cannot create the database pool");

	srv->tables = route_tables;

	json_object_seed(0);
	mg_init_library(0);
	snprintf(threads, sizeof threads, "%d", cfg->threads);
	snprintf(timeout, sizeof timeout, "%d", cfg->request_timeout_ms);
	opts[o++] = "listening_ports"; opts[o++] = cfg->listen;
	opts[o++] = "num_threads"; opts[o++] = threads;
	opts[o++] = "enable_keep_alive"; opts[o++] = "yes";
	/* Above the 4 s idle timeout of common HTTP client pools (so that a
	 * client never reuses a connection the server is closing), short
	 * enough that idle connections do not hold worker threads for long. */
	opts[o++] = "keep_alive_timeout_ms"; opts[o++] = "5000";
	opts[o++] = "tcp_nodelay"; opts[o++] = "1";
	opts[o++] = "request_timeout_ms"; opts[o++] = timeout;
	opts[o++] = "max_request_size"; opts[o++] = "32768";
	opts[o++] = "enable_directory_listing"; opts[o++] = "no";
	opts[o++] = "decode_url"; opts[o++] = "no";
	/* CORS is ours (BDG_CORS_ORIGINS, api/http.c): empty values keep
	 * civetweb from answering preflights itself with "*". */
	opts[o++] = "access_control_allow_origin"; opts[o++] = "";
	opts[o++] = "access_control_allow_methods"; opts[o++] = "";
	opts[o++] = "access_control_allow_headers"; opts[o++] = "";
	opts[o] = NULL;
	/* The access log's writer, started after the signal mask is set (it
	 * inherits it); 256 KB holds a few hundred lines per write(2). */
	if (strcmp(cfg->log_level, "quiet") != 0 && !(srv->access = linelog_open(STDOUT_FILENO, 256 * 1024)))
		die("cannot start the access log's writer");
	memset(&cb, 0, sizeof cb);
	cb.log_message = log_message;
	ctx = mg_start(&cb, NULL, opts);
	if (!ctx) {
		linelog_close(srv->access);
		db_pool_free(srv->pool);
		pgembed_stop(&pg);
		die("cannot listen on %s (in use, or not an address of this machine)", cfg->listen);
	}
	mg_set_request_handler(ctx, "**", http_dispatch, srv);
	logf_info("serving", "listen", cfg->listen);

	sigwait(&set, &sig);
	logf_info("stopping: finishing requests in flight", "signal", sig == SIGTERM ? "TERM" : "INT");
	/* New requests get 503 + Connection: close; those in flight finish and
	 * are answered (bounded) before civetweb stops writing. */
	atomic_store(&srv->stopping, 1);
	for (int waited = 0; atomic_load(&srv->in_flight) > 0 && waited < 25000; waited += 10)
		usleep(10000);
	mg_stop(ctx);
	mg_exit_library();
	linelog_close(srv->access);             /* every request's line is written */
	if (srv->read_pool != srv->pool)
		db_pool_free(srv->read_pool);
	db_pool_free(srv->pool);
	auth_free(srv->auth);
	ratelimit_free(srv->rl);
	free(srv);
	pgembed_stop(&pg);
	logf_info("stopped", NULL, NULL);
	return 0;
}

static void usage(FILE *out)
{
	const struct command *c;

	fprintf(out, "bdgd: the bdg API server (gender equality plans and reports)\n\nUsage:\n");
	for (c = commands; c->name; c++)
		fprintf(out, "  %s", c->usage);
	fprintf(out, "\n%s", common_flags);
}

int main(int argc, char **argv)
{
	static struct bdg_config cfg;
	const struct command *c;
	char err[512];
	int i;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	for (c = commands; c->name; c++)
		if (strcmp(c->name, argv[1]) == 0)
			break;
	if (!c->name) {
		fprintf(stderr, "bdgd: unknown command \"%s\"\n", argv[1]);
		usage(stderr);
		return 2;
	}
	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("Usage: %s\n%s", c->usage, common_flags);
			return 0;
		}
	}
	if (config_from_env(&cfg, err, sizeof err) < 0)
		die("%s", err);
	return c->run(&cfg, argc - 2, argv + 2);
}

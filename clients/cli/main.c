/* main.c: bdg, the command line of the bdg API. Reads the configuration
 * (flags, then BDG_URL/BDG_TOKEN, then ~/.config/bdg/config), takes the
 * global options out of argv, and hands the rest to one command of the
 * table below, which also holds every command's help. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <curl/curl.h>

#include "cli.h"

#define BDG_VERSION "0.1.0"
#define DEFAULT_URL "http://127.0.0.1:8080"

/* The commands. Fields, documented once:
 *   name   the first word after the global options
 *   run    int (*)(struct cli *, const char *name, int argc, char **argv):
 *          argv holds what follows the name; returns an exit code
 *   usage  the synopsis lines shown by `bdg --help` and on a usage error
 *   help   what `bdg NAME --help` adds below the synopsis */
struct command {
	const char *name;
	int (*run)(struct cli *c, const char *name, int argc, char **argv);
	const char *usage;
	const char *help;
};

#define RESOURCE_HELP(what, key) \
	"  list [--FILTER VALUE]... [--all] [--limit N] [--after CURSOR] [--columns A,B]\n" \
	"        one page of " what " (--all: every page); each --FILTER VALUE is sent\n" \
	"        as the query parameter FILTER (the server rejects unknown ones)\n" \
	"  get " key "\n" \
	"  create [FILE]          the JSON body from FILE or stdin; sent with an\n" \
	"                         Idempotency-Key, so a retry never creates twice\n" \
	"  update " key " [FILE] [--replace] [--if-match ETAG]\n" \
	"        reads the current version (ETag) and sends the body as a JSON merge\n" \
	"        patch with If-Match (--replace: PUT the whole document instead);\n" \
	"        412 (exit 5) when someone changed it in between\n" \
	"  delete " key " [--if-match ETAG]\n"

static const struct command commands[] = {
	{"units", cmd_resource,
	 "bdg units list|get|create|update|delete [CODE] [FILE] [OPTIONS]",
	 "Units: the tree of organisations, by code.\n" RESOURCE_HELP("units", "CODE")
	 "Filters: --under CODE, --parent CODE, --kind KIND, --q TEXT, --active-on DATE.\n"},
	{"plans", cmd_resource,
	 "bdg plans list|get|create|update|delete|tree|issue [ID] [FILE] [OPTIONS]",
	 "Plans (kế hoạch), by id.\n" RESOURCE_HELP("plans", "ID")
	 "  tree ID                the cascade of plans below a plan, with the units\n"
	 "                         that have not issued their implementing plan yet\n"
	 "  issue ID [--if-match ETAG]  issue a draft plan (approver): its content is\n"
	 "                         frozen from then on\n"
	 "Filters: --unit, --under, --year, --status, --type, --parent_plan, --q.\n"},
	{"activities", cmd_resource,
	 "bdg activities list|get|create|update|delete [ID] [FILE] [OPTIONS]",
	 "Activities of plans, by id. create takes the plan from the body's \"plan\"\n"
	 "field, or from --plan ID.\n" RESOURCE_HELP("activities", "ID")
	 "Filters: --plan, --category, --lead_unit, --unit, --status, --from, --to, --under.\n"},
	{"indicators", cmd_resource,
	 "bdg indicators list|get|create|update|delete [CODE] [FILE] [OPTIONS]",
	 "The indicator catalogue (chỉ tiêu), by code.\n" RESOURCE_HELP("indicators", "CODE")},
	{"reports", cmd_resource,
	 "bdg reports list|get|create|update|delete|submit|accept|return [ID] [FILE] [OPTIONS]",
	 "Reports (báo cáo), by id.\n" RESOURCE_HELP("reports", "ID")
	 "  submit ID              send a draft or returned report to the plan's unit\n"
	 "  accept ID              accept a submitted report (approver of that unit)\n"
	 "  return ID --reason TEXT  send it back for correction\n"
	 "  (each reads the report's ETag first and sends it as If-Match, unless\n"
	 "  --if-match ETAG is given)\n"
	 "Filters: --plan, --unit, --under, --period, --status, --overdue, --as_of.\n"},
	{"completeness", cmd_completeness,
	 "bdg completeness --plan ID --period P\n"
	 "  bdg completeness --unit CODE --period P",
	 "Who has reported for a period: for each expected unit, the status, when\n"
	 "it was submitted, on time or late; totals and the missing units.\n"
	 "--plan: the recipients of one plan; --unit: every plan over a subtree.\n"
	 "Periods: 2024, 2024-H1, 2024-Q3, 2024-05.\n"},
	{"rollup", cmd_rollup,
	 "bdg rollup --unit CODE --indicator C[,C]... --period P [--include submitted]",
	 "An indicator summed (or by its aggregation rule) over a unit's subtree,\n"
	 "by sex, from accepted reports, with how many units contributed.\n"},
	{"import", cmd_import,
	 "bdg import FILE [--resource R] [--dry-run]",
	 "Upsert many records by natural key through the bulk endpoint, in one\n"
	 "atomic batch, and print the summary (created, updated, unchanged,\n"
	 "rejected per resource). FILE (or - for stdin) is either\n"
	 "  JSON  {\"units\": [...], \"indicators\": [...], \"plans\": [...], ...}\n"
	 "        sent to POST /bulk, or\n"
	 "  CSV   a header row of field names (UTF-8, BOM or not, ',' or ';'),\n"
	 "        sent to POST /bulk/RESOURCE: --resource units, indicators,\n"
	 "        activities, targets or report_values (a file named RESOURCE.csv\n"
	 "        needs no --resource).\n"
	 "--dry-run  validate everything and write nothing.\n"
	 "A batch with a bad item is rejected whole (exit 6), each bad item named.\n"},
	{"export", cmd_export,
	 "bdg export RESOURCE --csv|--json [--FILTER VALUE]...",
	 "Stream every item of a list to stdout, page by page on the server:\n"
	 "--csv as CSV (UTF-8 with a BOM, for spreadsheets), --json as NDJSON (one\n"
	 "object a line). RESOURCE: units, plans, activities, indicators, reports.\n"
	 "Filters as for list.\n"},
	{"sync", cmd_sync,
	 "bdg sync DIR [--types unit,plan,...] [--under CODE] [--limit N]",
	 "Follow the changes feed into DIR: every change is appended as one line\n"
	 "to DIR/<resource>.ndjson ({revision, resource, id, key, op, at, data});\n"
	 "DIR/state holds the last revision saved, replaced atomically once the\n"
	 "lines are on disk. The next run resumes from it, without duplicates\n"
	 "(lines written after the state by an interrupted run are cut off first).\n"
	 "Runs until the feed has nothing more; one sync at a time per DIR.\n"},
	{NULL, NULL, NULL, NULL},
};

static void usage_all(FILE *f)
{
	const struct command *cmd;

	fprintf(f,
		"bdg: the command line of the bdg API (gender-equality plans and reports).\n\n"
		"Usage: bdg [GLOBAL OPTIONS] COMMAND [ARGS]\n\n");
	for (cmd = commands; cmd->name; cmd++)
		fprintf(f, "  %s\n", cmd->usage);
	fprintf(f,
		"\nGlobal options (anywhere on the line):\n"
		"  --url URL      the server (default " DEFAULT_URL "; \"/api/v1\" is added)\n"
		"  --token JWT    the bearer token\n"
		"  --json         JSON output instead of a table\n"
		"  --csv          CSV output instead of a table\n"
		"  -v, --verbose  show each request and its status on stderr\n"
		"  -h, --help     this help, or a command's help: bdg COMMAND --help\n"
		"  --version\n\n"
		"Configuration: flags win over BDG_URL and BDG_TOKEN, which win over the file\n"
		"$BDG_CONFIG, else $XDG_CONFIG_HOME/bdg/config, else ~/.config/bdg/config:\n"
		"  url = https://bdg.example.gov.vn\n"
		"  token = eyJ...\n\n"
		"Exit codes: 0 ok, 1 other failure, 2 usage, 3 auth (401/403), 4 not found,\n"
		"5 conflict (409/412/428), 6 invalid input (400/422), 7 server or network\n"
		"(5xx, 429, no connection; retried three times first).\n");
}

int help_command(const char *name)
{
	const struct command *cmd;

	for (cmd = commands; cmd->name; cmd++) {
		if (strcmp(cmd->name, name) == 0) {
			printf("Usage: %s\n\n%s", cmd->usage, cmd->help);
			printf("\nGlobal options --url, --token, --json, --csv, -v: see bdg --help.\n");
			return 0;
		}
	}
	return -1;
}

/* Control characters of a server's message must not reach the terminal. */
static void put_clean(FILE *f, const char *s)
{
	for (; *s; s++)
		fputc((unsigned char)*s < 0x20 || *s == 0x7f ? ' ' : *s, f);
}

int fail(int code, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	fputs("bdg: ", stderr);
	put_clean(stderr, msg);
	fputc('\n', stderr);
	return code;
}

void note(const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	put_clean(stderr, msg);
	fputc('\n', stderr);
}

/* ---- arguments -------------------------------------------------------- */

/* Is name one of the comma-separated words of list? */
static int in_list(const char *list, const char *name, size_t n)
{
	const char *p = list;

	while (p && *p) {
		size_t l = strcspn(p, ",");
		if (l == n && strncmp(p, name, n) == 0)
			return 1;
		p += l + (p[l] == ',');
	}
	return 0;
}

int args_parse(int argc, char **argv, const char *flags, const char *options,
	       int open_options, struct args *a)
{
	int i, only_pos = 0;

	memset(a, 0, sizeof *a);
	for (i = 0; i < argc; i++) {
		char *s = argv[i], *eq;
		size_t n;

		if (only_pos || s[0] != '-' || s[1] != '-' || s[2] == '\0') {
			if (!only_pos && strcmp(s, "--") == 0) {
				only_pos = 1;
				continue;
			}
			if (a->npos == ARGS_MAX)
				return fail(EXIT_USAGE, "too many arguments"), -1;
			a->pos[a->npos++] = s;
			continue;
		}
		s += 2;
		eq = strchr(s, '=');
		n = eq ? (size_t)(eq - s) : strlen(s);
		if (a->nopt == ARGS_MAX)
			return fail(EXIT_USAGE, "too many options"), -1;
		if (in_list(flags, s, n)) {
			if (eq)
				return fail(EXIT_USAGE, "--%.*s takes no value", (int)n, s), -1;
			a->opt[a->nopt].name = s;
			a->opt[a->nopt++].value = NULL;
			continue;
		}
		if (!in_list(options, s, n) && !open_options)
			return fail(EXIT_USAGE, "unknown option --%.*s (see --help)", (int)n, s), -1;
		if (eq) {
			*eq = '\0';   /* argv is ours to cut */
			a->opt[a->nopt].name = s;
			a->opt[a->nopt++].value = eq + 1;
			continue;
		}
		if (i + 1 >= argc)
			return fail(EXIT_USAGE, "--%s needs a value", s), -1;
		a->opt[a->nopt].name = s;
		a->opt[a->nopt++].value = argv[++i];
	}
	return 0;
}

const char *args_get(const struct args *a, const char *name)
{
	int i;

	for (i = a->nopt - 1; i >= 0; i--)
		if (a->opt[i].value && strcmp(a->opt[i].name, name) == 0)
			return a->opt[i].value;
	return NULL;
}

int args_flag(const struct args *a, const char *name)
{
	int i;

	for (i = 0; i < a->nopt; i++)
		if (!a->opt[i].value && strcmp(a->opt[i].name, name) == 0)
			return 1;
	return 0;
}

/* ---- configuration ---------------------------------------------------- */

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
		*--e = '\0';
	if (e - s >= 2 && ((*s == '"' && e[-1] == '"') || (*s == '\'' && e[-1] == '\''))) {
		e[-1] = '\0';
		s++;
	}
	return s;
}

static int config_path(char *out, size_t n)
{
	const char *p = getenv("BDG_CONFIG"), *x = getenv("XDG_CONFIG_HOME"), *h = getenv("HOME");

	if (p && *p)
		return snprintf(out, n, "%s", p) < (int)n ? 1 : -1;
	if (x && *x)
		return snprintf(out, n, "%s/bdg/config", x) < (int)n ? 0 : -1;
	if (h && *h)
		return snprintf(out, n, "%s/.config/bdg/config", h) < (int)n ? 0 : -1;
	return -1;
}

/* Read url and token from the file, where the caller has none yet.
 * Returns 0 (a missing default file is fine) or an exit code. */
static int config_file(char *url, size_t urln, char *tok, size_t tokn)
{
	char path[4096], line[9000];
	int named = config_path(path, sizeof path), lineno = 0, rc = EXIT_OK;
	struct stat st;
	FILE *f;

	if (named < 0)
		return EXIT_OK;
	f = fopen(path, "r");
	if (!f) {
		if (errno == ENOENT && !named)
			return EXIT_OK;
		return fail(EXIT_USAGE, "cannot read %s: %s", path, strerror(errno));
	}
	while (fgets(line, sizeof line, f)) {
		char *k = trim(line), *v = strchr(k, '=');
		lineno++;
		if (!*k || *k == '#')
			continue;
		if (!v) {
			rc = fail(EXIT_USAGE, "%s:%d: expected \"url = ...\" or \"token = ...\"", path, lineno);
			break;
		}
		*v++ = '\0';
		k = trim(k);
		v = trim(v);
		if (strcmp(k, "url") == 0) {
			if (!*url)
				snprintf(url, urln, "%s", v);
		} else if (strcmp(k, "token") == 0) {
			if (!*tok)
				snprintf(tok, tokn, "%s", v);
			if (fstat(fileno(f), &st) == 0 && (st.st_mode & 077))
				fprintf(stderr, "bdg: warning: %s holds a token and others may read it (chmod 600 it)\n",
					path);
		} else {
			rc = fail(EXIT_USAGE, "%s:%d: unknown setting \"%s\" (url, token)", path, lineno, k);
			break;
		}
	}
	fclose(f);
	return rc;
}

/* The API root from what the user gave: scheme checked, "/api/v1" added. */
static int set_url(struct cli *c, const char *given)
{
	char tmp[1024];
	size_t n;

	if (strncmp(given, "http://", 7) != 0 && strncmp(given, "https://", 8) != 0)
		return fail(EXIT_USAGE, "the URL must start with http:// or https:// (got \"%s\")", given);
	if (strpbrk(given, " \r\n\t"))
		return fail(EXIT_USAGE, "the URL must not contain spaces");
	snprintf(tmp, sizeof tmp, "%s", given);
	n = strlen(tmp);
	while (n > 0 && tmp[n - 1] == '/')
		tmp[--n] = '\0';
	if (n >= 7 && strcmp(tmp + n - 7, "/api/v1") == 0)
		tmp[n - 7] = '\0';
	if (snprintf(c->url, sizeof c->url, "%s/api/v1", tmp) >= (int)sizeof c->url)
		return fail(EXIT_USAGE, "the URL is too long");
	return EXIT_OK;
}

/* ---- main ------------------------------------------------------------- */

int main(int argc, char **argv)
{
	static struct cli c;
	const struct command *cmd;
	char url[1024] = "", *rest[256];
	const char *flag_url = NULL, *flag_tok = NULL, *env;
	int i, nrest = 0, help = 0, version = 0, rc, only_pos = 0;

	/* Take the global options out, wherever they are. */
	for (i = 1; i < argc; i++) {
		const char *s = argv[i];
		if (!only_pos && (strcmp(s, "--url") == 0 || strcmp(s, "--token") == 0)) {
			if (i + 1 >= argc)
				return fail(EXIT_USAGE, "%s needs a value", s);
			*(s[2] == 'u' ? &flag_url : &flag_tok) = argv[++i];
		} else if (!only_pos && strncmp(s, "--url=", 6) == 0) {
			flag_url = s + 6;
		} else if (!only_pos && strncmp(s, "--token=", 8) == 0) {
			flag_tok = s + 8;
		} else if (!only_pos && strcmp(s, "--json") == 0) {
			c.fmt = OUT_JSON;
		} else if (!only_pos && strcmp(s, "--csv") == 0) {
			c.fmt = OUT_CSV;
		} else if (!only_pos && (strcmp(s, "-v") == 0 || strcmp(s, "--verbose") == 0)) {
			c.verbose = 1;
		} else if (!only_pos && (strcmp(s, "-h") == 0 || strcmp(s, "--help") == 0)) {
			help = 1;
		} else if (!only_pos && strcmp(s, "--version") == 0) {
			version = 1;
		} else {
			if (strcmp(s, "--") == 0)
				only_pos = 1;
			if (nrest == (int)(sizeof rest / sizeof *rest))
				return fail(EXIT_USAGE, "too many arguments");
			rest[nrest++] = argv[i];
		}
	}
	if (version) {
		printf("bdg %s (%s)\n", BDG_VERSION, curl_version());
		return EXIT_OK;
	}
	if (nrest > 0 && strcmp(rest[0], "help") == 0) {
		help = 1;
		memmove(rest, rest + 1, (size_t)--nrest * sizeof *rest);
	}
	if (nrest == 0) {
		usage_all(help ? stdout : stderr);
		return help ? EXIT_OK : EXIT_USAGE;
	}
	for (cmd = commands; cmd->name && strcmp(cmd->name, rest[0]) != 0; cmd++)
		;
	if (!cmd->name) {
		fail(EXIT_USAGE, "unknown command \"%s\"", rest[0]);
		usage_all(stderr);
		return EXIT_USAGE;
	}
	if (help) {
		help_command(cmd->name);
		return EXIT_OK;
	}

	/* Flags, then the environment, then the file. */
	if (flag_url)
		snprintf(url, sizeof url, "%s", flag_url);
	else if ((env = getenv("BDG_URL")) && *env)
		snprintf(url, sizeof url, "%s", env);
	if (flag_tok)
		snprintf(c.token, sizeof c.token, "%s", flag_tok);
	else if ((env = getenv("BDG_TOKEN")) && *env)
		snprintf(c.token, sizeof c.token, "%s", env);
	if ((!*url || !*c.token) && (rc = config_file(url, sizeof url, c.token, sizeof c.token)) != EXIT_OK)
		return rc;
	if ((rc = set_url(&c, *url ? url : DEFAULT_URL)) != EXIT_OK)
		return rc;
	if (strpbrk(c.token, "\r\n \t"))
		return fail(EXIT_USAGE, "the token must not contain spaces or line breaks");

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0 || http_open(&c) < 0)
		return fail(EXIT_FAIL, "cannot initialise libcurl");
	rc = cmd->run(&c, cmd->name, nrest - 1, rest + 1);
	http_close(&c);
	curl_global_cleanup();
	if (fflush(stdout) != 0 && rc == EXIT_OK)
		rc = fail(EXIT_FAIL, "cannot write the output: %s", strerror(errno));
	return rc;
}

/* pgembed.c: the embedded PostgreSQL cluster bdgd runs without
 * BDG_DATABASE_URL (see pgembed.h).
 *
 * It drives the stock Debian binaries (initdb, pg_ctl) as child processes,
 * as the `postgres` user when we are root, and appends their output to
 * <data_dir>/pg.log. A data directory holds:
 *   pg/            the cluster (PGDATA), 0700
 *   run/           the unix socket directory, 0700 (no TCP: listen_addresses='')
 *   pg.log         the output of initdb, pg_ctl and the server
 *   port           the port number naming the socket, chosen once
 *   .pgembed.lock  flock'd while a bdgd starts the cluster, so two never race
 * Paths reach pg_ctl through a shell, so quotes, backslashes, `$` and
 * backticks are refused in the data directory's path. */
#include "pgembed.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <locale.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#define PG_BINDIR_DEFAULT "/usr/lib/postgresql/15/bin"
#define PG_OS_USER "postgres"      /* who runs the cluster when we are root */
#define PG_SUPERUSER "postgres"    /* the cluster's bootstrap superuser role */
#define DEFAULT_DATA_DIR "./var"
#define FALLBACK_PARENT "/var/tmp" /* 1777 everywhere: reachable by anybody */
#define SHORT_SOCK_PARENT "/tmp"
#define PORT_BASE 20000            /* ports derived from the path: 20000..29999 */
#define PORT_SPAN 10000
#define MAX_GROUPS 64
#define MAX_PREFIXES 200
#define EXIT_SETUID 126            /* child could not become the cluster user */
#define EXIT_EXEC 127              /* child could not exec */

/* Who the cluster's processes run as. */
struct runas {
	int drop;                  /* 1: switch to uid/gid before exec (we are root) */
	uid_t uid;
	gid_t gid;
	gid_t groups[MAX_GROUPS];
	int ngroups;
	char name[64];
	char home_env[320];        /* "HOME=..." for the children */
};

/* The state of one pgembed_start or pgembed_stop call. */
struct job {
	struct pgembed *pg;
	struct runas as;
	char bindir[PATH_MAX];
	char logpath[1200];
	char *err;
	size_t errlen;
};

/* What postmaster.pid says. */
enum pm_state { PM_NONE, PM_RUNNING, PM_STALE };

struct pm_info {
	pid_t pid;
	int port;
	char sockdir[1100];
	char status[16];           /* "starting" | "ready" | "stopping" | "standby" */
};

static int fail(struct job *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static uint64_t fnv1a(const char *s);
static int exec_in(const char *dir, const char *name);
static int find_bindir(struct job *j);
static int runas_init(struct job *j);
static int absolute_path(const char *in, char *out, size_t len);
static int path_is_safe(const char *p);
static int unreachable_above(struct job *j, const char *dir, int include_self,
			     char *bad, size_t badlen);
static int mkdirs(const char *path, mode_t mode);
static int own_dir(struct job *j, const char *path, mode_t mode);
static int dir_is_ours(const char *dir);
static int choose_data_dir(struct job *j, const char *requested);
static int choose_sockdir(struct job *j, uint64_t hash);
static int own_file(struct job *j, const char *path);
static int read_port(const char *data_dir);
static void write_port(struct job *j);
static void child_exec(const struct job *j, char *const argv[], char *const envp[]);
static int run(struct job *j, char *const argv[]);
static int is_postmaster(pid_t pid, const char *pgdata);
static enum pm_state postmaster_state(const char *pgdata, struct pm_info *pm);
static void remove_stale(struct job *j);
static int count_orphans(const char *pgdata);
static long log_size(const char *logpath);
static void log_hint(const char *logpath, long from, char *out, size_t len);
static int run_initdb(struct job *j);
static int run_start(struct job *j);
static int ensure_db(struct job *j);
static void set_conninfo(struct pgembed *pg);
static void sleep_ms(int ms);

static int fail(struct job *j, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(j->err, j->errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 14695981039346656037ULL;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static int exec_in(const char *dir, const char *name)
{
	char path[PATH_MAX];

	if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path)
		return 0;
	return access(path, X_OK) == 0;
}

/* The PostgreSQL 15 binaries: Debian's folder, else `pg_config --bindir`. */
static int find_bindir(struct job *j)
{
	FILE *f;
	char line[PATH_MAX];
	size_t n;

	snprintf(j->bindir, sizeof j->bindir, "%s", PG_BINDIR_DEFAULT);
	if (exec_in(j->bindir, "initdb") && exec_in(j->bindir, "pg_ctl"))
		return 0;
	f = popen("pg_config --bindir 2>/dev/null", "r");
	if (f) {
		if (fgets(line, sizeof line, f)) {
			n = strcspn(line, "\r\n");
			line[n] = '\0';
			snprintf(j->bindir, sizeof j->bindir, "%s", line);
		}
		pclose(f);
		if (exec_in(j->bindir, "initdb") && exec_in(j->bindir, "pg_ctl"))
			return 0;
	}
	return fail(j, "PostgreSQL 15 server binaries not found in %s (install the Debian package postgresql-15)",
		    PG_BINDIR_DEFAULT);
}

/* As root, look up `postgres` and its groups now: the forked child may only
 * call async-signal-safe functions. */
static int runas_init(struct job *j)
{
	struct passwd pw, *res = NULL;
	char buf[4096];
	int n = MAX_GROUPS;

	memset(&j->as, 0, sizeof j->as);
	if (geteuid() != 0) {
		const char *home = getenv("HOME");

		j->as.uid = geteuid();
		j->as.gid = getegid();
		if (getpwuid_r(j->as.uid, &pw, buf, sizeof buf, &res) == 0 && res)
			snprintf(j->as.name, sizeof j->as.name, "%s", pw.pw_name);
		else
			snprintf(j->as.name, sizeof j->as.name, "uid %u", (unsigned)j->as.uid);
		snprintf(j->as.home_env, sizeof j->as.home_env, "HOME=%s", home && strlen(home) < 300 ? home : "/");
		return 0;
	}
	if (getpwnam_r(PG_OS_USER, &pw, buf, sizeof buf, &res) != 0 || !res)
		return fail(j, "running as root, the embedded PostgreSQL needs the user %s, which does not exist "
			    "(install postgresql-15, or set BDG_DATABASE_URL)", PG_OS_USER);
	if (pw.pw_uid == 0)
		return fail(j, "the user %s has uid 0; PostgreSQL refuses to run as root", PG_OS_USER);
	j->as.drop = 1;
	j->as.uid = pw.pw_uid;
	j->as.gid = pw.pw_gid;
	snprintf(j->as.name, sizeof j->as.name, "%s", pw.pw_name);
	snprintf(j->as.home_env, sizeof j->as.home_env, "HOME=%.300s", pw.pw_dir ? pw.pw_dir : "/");
	if (getgrouplist(pw.pw_name, pw.pw_gid, j->as.groups, &n) < 0) {
		j->as.groups[0] = pw.pw_gid;
		n = 1;
	}
	j->as.ngroups = n;
	return 0;
}

/* `in` made absolute (against the working directory) and normalised
 * lexically ("." and ".." and repeated slashes removed). */
static int absolute_path(const char *in, char *out, size_t len)
{
	char src[PATH_MAX * 2];
	char cwd[PATH_MAX];
	size_t o = 0;
	const char *p, *seg;
	size_t sl;

	if (in[0] == '/') {
		if (snprintf(src, sizeof src, "%s", in) >= (int)sizeof src)
			return -1;
	} else {
		if (!getcwd(cwd, sizeof cwd))
			return -1;
		if (snprintf(src, sizeof src, "%s/%s", cwd, in) >= (int)sizeof src)
			return -1;
	}
	if (len < 2)
		return -1;
	out[0] = '\0';
	for (p = src; *p;) {
		while (*p == '/')
			p++;
		seg = p;
		while (*p && *p != '/')
			p++;
		sl = (size_t)(p - seg);
		if (sl == 0 || (sl == 1 && seg[0] == '.'))
			continue;
		if (sl == 2 && seg[0] == '.' && seg[1] == '.') {
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--;
			out[o] = '\0';
			continue;
		}
		if (o + 1 + sl + 1 > len)
			return -1;
		out[o++] = '/';
		memcpy(out + o, seg, sl);
		o += sl;
		out[o] = '\0';
	}
	if (o == 0) {
		out[0] = '/';
		out[1] = '\0';
	}
	return 0;
}

/* pg_ctl hands paths to /bin/sh inside double quotes, and we hand it the
 * socket directory inside single quotes: keep the shell out of play. */
static int path_is_safe(const char *p)
{
	for (; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f || strchr("\"'\\$`", *p))
			return 0;
	return 1;
}

/* As root: 0 when the cluster user can search every existing folder above
 * `dir` (and `dir` itself when include_self); 1 with the first folder it
 * cannot search in `bad`; -1 when the check could not run. A folder that does
 * not exist yet ends the walk: we create the rest with mode 0755. The test
 * runs as that user (access(2) in a child), so groups and ACLs count. */
static int unreachable_above(struct job *j, const char *dir, int include_self,
			     char *bad, size_t badlen)
{
	char (*prefixes)[PATH_MAX];
	int n = 0, i, status, rc = -1;
	size_t k, dl = strlen(dir);
	pid_t pid;

	if (!j->as.drop)
		return 0;
	prefixes = malloc(MAX_PREFIXES * sizeof *prefixes);
	if (!prefixes)
		return -1;
	/* "/", "/a", "/a/b", ... */
	snprintf(prefixes[n++], PATH_MAX, "/");
	for (k = 1; k <= dl && n < MAX_PREFIXES; k++) {
		if (k < dl && dir[k] != '/')
			continue;
		if (k == dl && !include_self)
			break;
		if (k >= PATH_MAX)
			goto out;
		memcpy(prefixes[n], dir, k);
		prefixes[n][k] = '\0';
		n++;
	}
	pid = fork();
	if (pid < 0)
		goto out;
	if (pid == 0) {
		if (setgroups((size_t)j->as.ngroups, j->as.groups) != 0 || setgid(j->as.gid) != 0 ||
		    setuid(j->as.uid) != 0)
			_exit(EXIT_SETUID);
		for (i = 0; i < n; i++) {
			if (access(prefixes[i], X_OK) == 0)
				continue;
			if (errno == ENOENT)
				_exit(0);
			_exit(10 + i);
		}
		_exit(0);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			goto out;
	if (!WIFEXITED(status) || WEXITSTATUS(status) == EXIT_SETUID)
		goto out;
	rc = WEXITSTATUS(status) == 0 ? 0 : 1;
	i = WEXITSTATUS(status) - 10;
	if (rc == 1)
		snprintf(bad, badlen, "%s", i >= 0 && i < n ? prefixes[i] : dir);
out:
	free(prefixes);
	return rc;
}

/* mkdir -p; folders created here get `mode` exactly (umask aside). */
static int mkdirs(const char *path, mode_t mode)
{
	char tmp[PATH_MAX];
	size_t i, len = strlen(path);

	if (len >= sizeof tmp)
		return -1;
	memcpy(tmp, path, len + 1);
	for (i = 1; i <= len; i++) {
		if (tmp[i] != '/' && tmp[i] != '\0')
			continue;
		tmp[i] = '\0';
		if (mkdir(tmp, mode) == 0) {
			if (chmod(tmp, mode) != 0)
				return -1;
		} else if (errno != EEXIST) {
			return -1;
		}
		tmp[i] = path[i];
	}
	return 0;
}

/* Make `path` a folder owned by the cluster user with `mode`. */
static int own_dir(struct job *j, const char *path, mode_t mode)
{
	struct stat st;

	if (mkdir(path, mode) != 0 && errno != EEXIST)
		return fail(j, "cannot create %s: %s", path, strerror(errno));
	if (stat(path, &st) != 0)
		return fail(j, "cannot stat %s: %s", path, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return fail(j, "%s exists and is not a directory", path);
	if (st.st_uid != j->as.uid) {
		if (!j->as.drop)
			return fail(j, "%s belongs to uid %u, not to this user (uid %u)", path,
				    (unsigned)st.st_uid, (unsigned)j->as.uid);
		if (chown(path, j->as.uid, j->as.gid) != 0)
			return fail(j, "cannot chown %s to %s: %s", path, j->as.name, strerror(errno));
	}
	if ((st.st_mode & 07777) != mode && chmod(path, mode) != 0)
		return fail(j, "cannot chmod %s: %s", path, strerror(errno));
	return 0;
}

/* A file the cluster user can append to (pg.log). */
static int own_file(struct job *j, const char *path)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);

	if (fd < 0)
		return fail(j, "cannot open %s: %s", path, strerror(errno));
	if (j->as.drop && fchown(fd, j->as.uid, j->as.gid) != 0) {
		close(fd);
		return fail(j, "cannot chown %s to %s: %s", path, j->as.name, strerror(errno));
	}
	close(fd);
	return 0;
}

/* Resolve, check, create and own the data directory; fall back to
 * /var/tmp/bdg-<uid>-<hash> when the cluster user cannot reach it. */
static int choose_data_dir(struct job *j, const char *requested)
{
	char abs[PATH_MAX], real[PATH_MAX], bad[PATH_MAX], fb[PATH_MAX], fbbad[PATH_MAX];
	struct stat st;
	const char *use;
	int r;

	if (absolute_path(requested, abs, sizeof abs) != 0)
		return fail(j, "data directory %s: path too long or working directory unknown", requested);
	if (!path_is_safe(abs))
		return fail(j, "data directory %s: quotes, backslashes, $ and backticks are not supported in its path",
			    abs);
	use = abs;
	r = unreachable_above(j, abs, 0, bad, sizeof bad);
	/* Someone else's folder is not taken over: it must be reachable as it is. */
	if (r == 0 && j->as.drop && stat(abs, &st) == 0 && !dir_is_ours(abs))
		r = unreachable_above(j, abs, 1, bad, sizeof bad);
	if (r < 0)
		return fail(j, "cannot check whether user %s can reach %s", j->as.name, abs);
	if (r > 0 && stat(bad, &st) == 0 && !S_ISDIR(st.st_mode))
		return fail(j, "data directory %s: %s is not a directory", abs, bad);
	if (r > 0) {
		snprintf(fb, sizeof fb, "%s/bdg-%u-%012llx", FALLBACK_PARENT, (unsigned)geteuid(),
			 (unsigned long long)(fnv1a(abs) & 0xffffffffffffULL));
		r = unreachable_above(j, fb, 0, fbbad, sizeof fbbad);
		if (r != 0)
			return fail(j, "user %s cannot reach %s (%s is not searchable), nor the fallback %s",
				    j->as.name, abs, bad, fb);
		fprintf(stderr, "bdgd: embedded PostgreSQL uses %s: user %s cannot reach %s "
			"(%s is not searchable by it)\n", fb, j->as.name, abs, bad);
		use = fb;
	}
	if (mkdirs(use, 0755) != 0)
		return fail(j, "cannot create %s: %s", use, strerror(errno));
	if (!realpath(use, real))
		return fail(j, "cannot resolve %s: %s", use, strerror(errno));
	if (strlen(real) >= sizeof j->pg->data_dir - 16)
		return fail(j, "data directory path too long: %s", real);
	if (!path_is_safe(real))
		return fail(j, "data directory %s: quotes, backslashes, $ and backticks are not supported in its path",
			    real);
	/* A symlink may have led somewhere else: check the resolved path too. */
	if (use == abs && strcmp(real, abs) != 0 &&
	    unreachable_above(j, real, !dir_is_ours(real), bad, sizeof bad) != 0)
		return fail(j, "user %s cannot reach %s (resolved from %s): %s is not searchable",
			    j->as.name, real, abs, bad);
	memcpy(j->pg->data_dir, real, strlen(real) + 1);  /* length checked above */
	/* Our own folder (new, empty, or holding a cluster) belongs to the
	 * cluster user. */
	if (j->as.drop && dir_is_ours(real)) {
		if (stat(real, &st) != 0)
			return fail(j, "cannot stat %s: %s", real, strerror(errno));
		if (st.st_uid != j->as.uid && chown(real, j->as.uid, j->as.gid) != 0)
			return fail(j, "cannot chown %s to %s: %s", real, j->as.name, strerror(errno));
		if ((st.st_mode & 0700) != 0700 && chmod(real, (st.st_mode & 07777) | 0700) != 0)
			return fail(j, "cannot chmod %s: %s", real, strerror(errno));
	}
	return 0;
}

/* 1 when `dir` is empty or already holds what pgembed puts there. */
static int dir_is_ours(const char *dir)
{
	static const char *const ours[] = {"pg", "run", "pg.log", "port", ".pgembed.lock", NULL};
	DIR *d = opendir(dir);
	struct dirent *e;
	int mine = 0, other = 0, i;

	if (!d)
		return 0;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		for (i = 0; ours[i] && strcmp(ours[i], e->d_name) != 0; i++)
			;
		if (ours[i])
			mine = 1;
		else
			other = 1;
	}
	closedir(d);
	return mine || !other;
}

/* <data_dir>/run, unless the socket path would not fit in sun_path: then a
 * short private folder in /tmp. */
static int choose_sockdir(struct job *j, uint64_t hash)
{
	struct sockaddr_un sa;
	struct pgembed *pg = j->pg;

	snprintf(pg->sockdir, sizeof pg->sockdir, "%s/run", pg->data_dir);
	if (strlen(pg->sockdir) + strlen("/.s.PGSQL.65535") < sizeof sa.sun_path)
		return own_dir(j, pg->sockdir, 0700);
	snprintf(pg->sockdir, sizeof pg->sockdir, "%s/bdg-%u-%012llx", SHORT_SOCK_PARENT,
		 (unsigned)geteuid(), (unsigned long long)(hash & 0xffffffffffffULL));
	fprintf(stderr, "bdgd: embedded PostgreSQL socket in %s: %s/run is too long for a unix socket path\n",
		pg->sockdir, pg->data_dir);
	return own_dir(j, pg->sockdir, 0700);
}

static int read_port(const char *data_dir)
{
	char path[1200], buf[32];
	FILE *f;
	long v = 0;
	char *end;

	snprintf(path, sizeof path, "%s/port", data_dir);
	f = fopen(path, "re");
	if (!f)
		return 0;
	if (fgets(buf, sizeof buf, f)) {
		v = strtol(buf, &end, 10);
		if (end == buf || (*end && *end != '\n') || v < 1024 || v > 65535)
			v = 0;
	}
	fclose(f);
	return (int)v;
}

static void write_port(struct job *j)
{
	char path[1200], tmp[1210];
	FILE *f;

	if (read_port(j->pg->data_dir) == j->pg->port)
		return;
	snprintf(path, sizeof path, "%s/port", j->pg->data_dir);
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	f = fopen(tmp, "we");
	if (!f)
		return;
	fprintf(f, "%d\n", j->pg->port);
	if (fclose(f) != 0 || rename(tmp, path) != 0)
		unlink(tmp);
}

/* In the forked child: become the cluster user, send output to pg.log,
 * drop inherited descriptors (bdgd's listening socket must not live on in
 * the postmaster) and signal settings, exec. */
static void child_exec(const struct job *j, char *const argv[], char *const envp[])
{
	static const int sigs[] = {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD, SIGUSR1,
				   SIGUSR2, SIGALRM};
	struct sigaction sa;
	sigset_t none;
	size_t i;
	int fd;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		sigaction(sigs[i], &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (j->as.drop && (setgroups((size_t)j->as.ngroups, j->as.groups) != 0 ||
			   setgid(j->as.gid) != 0 || setuid(j->as.uid) != 0))
		_exit(EXIT_SETUID);
	if (chdir(j->pg->data_dir) != 0)
		_exit(EXIT_SETUID);
	fd = open("/dev/null", O_RDONLY);
	if (fd < 0 || dup2(fd, 0) < 0)
		_exit(EXIT_EXEC);
	fd = open(j->logpath, O_WRONLY | O_APPEND | O_CREAT, 0600);
	if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
		_exit(EXIT_EXEC);
	closefrom(3);
	execve(argv[0], argv, envp);
	_exit(EXIT_EXEC);
}

/* glibc's malloc for the cluster's processes (pg_ctl passes its
 * environment on to the postmaster, and so to every backend). By default
 * a block of 128 KB or more is mmap'ed and unmapped again when freed, and
 * free memory above 256 KB at the top of the heap goes back to the kernel,
 * so every request that builds a large result faulted its pages in anew: a
 * page of 100 plans (a 122 KB string_agg, copied into its output) spent a
 * third of the backend's time in page faults (perf), and completeness at
 * the root of 10,000 units (2.7 MB of JSON, more than 32 MB of sorts and
 * work tables) about 20 ms of its 80. Blocks below 16 MB now come from the
 * heap and up to 64 MB of free heap is kept: the page of plans ran 65 %
 * faster, completeness 83 -> 63 ms, the roll-up 60 -> 51 ms (alternating
 * runs, tests/bench/README.md). The price: a backend keeps up to 64 MB
 * that it once used. */
#define PG_MALLOC_TUNABLES "GLIBC_TUNABLES=glibc.malloc.mmap_threshold=16777216:" \
	"glibc.malloc.trim_threshold=67108864"

/* Run argv[0] (absolute) as the cluster user; returns its exit status, or
 * -1 when it could not be run or died from a signal. */
static int run(struct job *j, char *const argv[])
{
	char tz[256];
	char *envp[5];
	const char *t = getenv("TZ");
	int n = 0, status;
	pid_t pid;

	envp[n++] = (char *)"PATH=/usr/local/bin:/usr/bin:/bin";
	envp[n++] = (char *)PG_MALLOC_TUNABLES;
	envp[n++] = j->as.home_env;
	if (t && strlen(t) < sizeof tz - 4) {
		snprintf(tz, sizeof tz, "TZ=%s", t);
		envp[n++] = tz;
	}
	envp[n] = NULL;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0)
		child_exec(j, argv, envp);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (!WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* 1 when pid is alive and is a postgres process whose working directory is
 * pgdata (the postmaster and its children chdir there). */
static int is_postmaster(pid_t pid, const char *pgdata)
{
	char path[64], comm[64], cwd[PATH_MAX];
	FILE *f;
	ssize_t n;

	if (pid <= 1 || pid == getpid() || pid == getppid())
		return 0;
	if (kill(pid, 0) != 0 && errno == ESRCH)
		return 0;
	snprintf(path, sizeof path, "/proc/%ld/comm", (long)pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	if (!fgets(comm, sizeof comm, f))
		comm[0] = '\0';
	fclose(f);
	comm[strcspn(comm, "\n")] = '\0';
	if (strcmp(comm, "postgres") != 0 && strcmp(comm, "postmaster") != 0)
		return 0;
	snprintf(path, sizeof path, "/proc/%ld/cwd", (long)pid);
	n = readlink(path, cwd, sizeof cwd - 1);
	if (n < 0)
		return errno == EACCES || errno == EPERM;  /* someone else's: assume it is */
	cwd[n] = '\0';
	return strcmp(cwd, pgdata) == 0;
}

static enum pm_state postmaster_state(const char *pgdata, struct pm_info *pm)
{
	char path[1200], line[1200];
	FILE *f;
	int ln = 0;
	size_t n;

	memset(pm, 0, sizeof *pm);
	snprintf(path, sizeof path, "%s/postmaster.pid", pgdata);
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? PM_NONE : PM_STALE;
	while (fgets(line, sizeof line, f)) {
		ln++;
		n = strcspn(line, "\n");
		line[n] = '\0';
		while (n > 0 && line[n - 1] == ' ')
			line[--n] = '\0';
		if (ln == 1)
			pm->pid = (pid_t)atol(line);
		else if (ln == 4)
			pm->port = atoi(line);
		else if (ln == 5 && snprintf(pm->sockdir, sizeof pm->sockdir, "%s", line) >=
			 (int)sizeof pm->sockdir)
			pm->sockdir[0] = '\0';
		else if (ln == 8)
			snprintf(pm->status, sizeof pm->status, "%.15s", line);
	}
	fclose(f);
	return is_postmaster(pm->pid, pgdata) ? PM_RUNNING : PM_STALE;
}

/* Processes of a crashed cluster that still hold its shared memory. */
static int count_orphans(const char *pgdata)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)) != NULL) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);

		if (*end || pid <= 1)
			continue;
		n += is_postmaster((pid_t)pid, pgdata);
	}
	closedir(d);
	return n;
}

/* postmaster.pid names a process that is gone or is not this cluster's
 * postmaster (pid reused after a crash or a container restart): remove it
 * and the socket lock files, after letting orphaned backends exit. */
static void remove_stale(struct job *j)
{
	char path[1400];
	DIR *d;
	struct dirent *e;
	int waited;

	for (waited = 0; waited < 15000 && count_orphans(j->pg->pgdata) > 0; waited += 200)
		sleep_ms(200);
	snprintf(path, sizeof path, "%s/postmaster.pid", j->pg->pgdata);
	unlink(path);
	d = opendir(j->pg->sockdir);
	if (!d)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, ".s.PGSQL.", 9) != 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", j->pg->sockdir, e->d_name);
		unlink(path);
	}
	closedir(d);
}

static long log_size(const char *logpath)
{
	struct stat st;

	return stat(logpath, &st) == 0 ? (long)st.st_size : 0;
}

/* The last line that reads like an error among what this attempt appended
 * to pg.log (from offset `from`), for errbuf. */
static void log_hint(const char *logpath, long from, char *out, size_t len)
{
	char buf[8192];
	char *p, *line, *best = NULL;
	FILE *f = fopen(logpath, "re");
	long size;
	size_t n;

	out[0] = '\0';
	if (!f)
		return;
	if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0) {
		if (from > size)
			from = 0;
		if (size - from > (long)sizeof buf - 1)
			from = size - (long)(sizeof buf - 1);
		fseek(f, from, SEEK_SET);
	}
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	for (line = strtok_r(buf, "\n", &p); line; line = strtok_r(NULL, "\n", &p))
		if (strstr(line, "FATAL") || strstr(line, "ERROR") || strstr(line, "error:") ||
		    strstr(line, "could not"))
			best = line;
	if (best)
		snprintf(out, len, ": %.200s", best);
}

static int run_initdb(struct job *j)
{
	char initdb[PATH_MAX + 16], pgdata_arg[1200], hint[256];
	const char *loc = "--locale=C.UTF-8";
	locale_t l = newlocale(LC_ALL_MASK, "C.UTF-8", (locale_t)0);
	long from;
	int rc;

	if (l)
		freelocale(l);
	else
		loc = "--locale=C";
	snprintf(initdb, sizeof initdb, "%s/initdb", j->bindir);
	snprintf(pgdata_arg, sizeof pgdata_arg, "--pgdata=%s", j->pg->pgdata);
	{
		char *argv[] = {initdb, pgdata_arg, (char *)"--username=" PG_SUPERUSER,
				(char *)"--auth=trust", (char *)"--encoding=UTF8", (char *)loc,
				(char *)"--no-instructions", NULL};

		from = log_size(j->logpath);
		rc = run(j, argv);
	}
	if (rc == 0)
		return 0;
	log_hint(j->logpath, from, hint, sizeof hint);
	if (rc == EXIT_SETUID)
		return fail(j, "initdb failed: cannot run as %s in %s", j->as.name, j->pg->data_dir);
	return fail(j, "initdb failed%s (see %s)", hint, j->logpath);
}

static int run_start(struct job *j)
{
	char pg_ctl[PATH_MAX + 16], opts[1400], hint[256];
	long from;
	int rc;

	snprintf(pg_ctl, sizeof pg_ctl, "%s/pg_ctl", j->bindir);
	/* autovacuum_naptime 10 s (60 by default): ANALYZE follows a table's
	 * growth within seconds, which replans what the pooled connections
	 * cached while it was small (migrations/016_write_cost.sql). */
	snprintf(opts, sizeof opts,
		 "-c listen_addresses='' -k '%s' -p %d -c max_connections=100 "
		 "-c shared_buffers=128MB -c fsync=on -c autovacuum_naptime=10s",
		 j->pg->sockdir, j->pg->port);
	{
		char *argv[] = {pg_ctl, (char *)"start", (char *)"-w", (char *)"-t", (char *)"60",
				(char *)"-D", j->pg->pgdata, (char *)"-l", j->logpath,
				(char *)"-o", opts, NULL};

		from = log_size(j->logpath);
		rc = run(j, argv);
	}
	if (rc == 0)
		return 0;
	log_hint(j->logpath, from, hint, sizeof hint);
	return fail(j, "PostgreSQL did not start%s (see %s)", hint, j->logpath);
}

/* Role `bdg` (LOGIN, not superuser: ltree and unaccent are trusted
 * extensions, which the database owner may create) and database `bdg`
 * owned by it. Idempotent, so a crash between initdb and here heals. */
static int ensure_db(struct job *j)
{
	static const char *const check_role = "SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'bdg'";
	static const char *const create_role = "CREATE ROLE bdg LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE";
	static const char *const check_db = "SELECT 1 FROM pg_catalog.pg_database WHERE datname = 'bdg'";
	static const char *const create_db = "CREATE DATABASE bdg OWNER bdg ENCODING 'UTF8'";
	const char *keys[] = {"host", "port", "dbname", "user", "connect_timeout", "application_name", NULL};
	char port[16];
	const char *vals[] = {j->pg->sockdir, port, "postgres", PG_SUPERUSER, "10", "bdgd-pgembed", NULL};
	const char *checks[2] = {check_role, check_db};
	const char *creates[2] = {create_role, create_db};
	PGconn *c;
	PGresult *r = NULL;
	int i, rc = -1;

	snprintf(port, sizeof port, "%d", j->pg->port);
	c = PQconnectdbParams(keys, vals, 0);
	if (!c || PQstatus(c) != CONNECTION_OK) {
		fail(j, "cannot connect to the embedded PostgreSQL in %s: %s", j->pg->sockdir,
		     c ? PQerrorMessage(c) : "out of memory");
		goto out;
	}
	for (i = 0; i < 2; i++) {
		r = PQexec(c, checks[i]);
		if (PQresultStatus(r) != PGRES_TUPLES_OK) {
			fail(j, "embedded PostgreSQL: %s", PQresultErrorMessage(r));
			goto out;
		}
		if (PQntuples(r) == 0) {
			PQclear(r);
			r = PQexec(c, creates[i]);
			if (PQresultStatus(r) != PGRES_COMMAND_OK) {
				fail(j, "embedded PostgreSQL: %s", PQresultErrorMessage(r));
				goto out;
			}
		}
		PQclear(r);
		r = NULL;
	}
	rc = 0;
out:
	if (r)
		PQclear(r);
	if (c)
		PQfinish(c);
	if (rc != 0) {
		size_t n = strcspn(j->err, "\r\n");   /* one line */

		j->err[n] = '\0';
	}
	return rc;
}

static void set_conninfo(struct pgembed *pg)
{
	if (strchr(pg->sockdir, ' '))
		snprintf(pg->conninfo, sizeof pg->conninfo, "host='%s' port=%d dbname=bdg user=bdg",
			 pg->sockdir, pg->port);
	else
		snprintf(pg->conninfo, sizeof pg->conninfo, "host=%s port=%d dbname=bdg user=bdg",
			 pg->sockdir, pg->port);
}

int pgembed_start(struct pgembed *pg, const char *data_dir, char *errbuf, size_t errlen)
{
	struct job j;
	struct pm_info pm;
	enum pm_state st;
	struct stat sb;
	char path[1200];
	uint64_t hash;
	int lockfd = -1, rc = -1, waited;

	memset(pg, 0, sizeof *pg);
	memset(&j, 0, sizeof j);
	j.pg = pg;
	j.err = errbuf;
	j.errlen = errlen;
	if (errlen > 0)
		errbuf[0] = '\0';
	if (!data_dir || !*data_dir)
		data_dir = DEFAULT_DATA_DIR;
	if (find_bindir(&j) != 0 || runas_init(&j) != 0 || choose_data_dir(&j, data_dir) != 0)
		goto out;
	hash = fnv1a(pg->data_dir);
	snprintf(pg->pgdata, sizeof pg->pgdata, "%s/pg", pg->data_dir);
	snprintf(j.logpath, sizeof j.logpath, "%s/pg.log", pg->data_dir);

	snprintf(path, sizeof path, "%s/.pgembed.lock", pg->data_dir);
	lockfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (lockfd < 0) {
		fail(&j, "cannot open %s: %s", path, strerror(errno));
		goto out;
	}
	while (flock(lockfd, LOCK_EX) != 0) {
		if (errno != EINTR) {
			fail(&j, "cannot lock %s: %s", path, strerror(errno));
			goto out;
		}
	}
	/* An existing cluster is never chowned: its files belong to one user. */
	snprintf(path, sizeof path, "%s/PG_VERSION", pg->pgdata);
	if (stat(pg->pgdata, &sb) == 0 && access(path, F_OK) == 0 && sb.st_uid != j.as.uid) {
		fail(&j, "the cluster in %s belongs to uid %u, not to %s (uid %u): run bdgd as its owner, "
		     "or chown -R it", pg->pgdata, (unsigned)sb.st_uid,
		     j.as.drop ? j.as.name : "this user", (unsigned)j.as.uid);
		goto out;
	}
	if (own_file(&j, j.logpath) != 0 || own_dir(&j, pg->pgdata, 0700) != 0 ||
	    choose_sockdir(&j, hash) != 0)
		goto out;
	pg->port = read_port(pg->data_dir);
	if (pg->port == 0)
		pg->port = PORT_BASE + (int)(hash % PORT_SPAN);

	/* A server in the middle of starting or stopping: let it finish. */
	for (waited = 0;; waited += 200) {
		st = postmaster_state(pg->pgdata, &pm);
		if (st != PM_RUNNING || waited >= 60000 ||
		    (strcmp(pm.status, "starting") != 0 && strcmp(pm.status, "stopping") != 0))
			break;
		sleep_ms(200);
	}
	if (st == PM_RUNNING) {
		if (strcmp(pm.status, "ready") != 0 && strcmp(pm.status, "standby") != 0) {
			fail(&j, "the embedded PostgreSQL (pid %ld) is still \"%s\" after 60 s (see %s)",
			     (long)pm.pid, pm.status, j.logpath);
			goto out;
		}
		/* Someone else's server: reuse it where it listens. */
		if (pm.port > 0)
			pg->port = pm.port;
		if (pm.sockdir[0])
			snprintf(pg->sockdir, sizeof pg->sockdir, "%s", pm.sockdir);
		pg->started = 0;
	} else {
		if (st == PM_STALE)
			remove_stale(&j);
		snprintf(path, sizeof path, "%s/PG_VERSION", pg->pgdata);
		if (access(path, F_OK) != 0 && run_initdb(&j) != 0)
			goto out;
		write_port(&j);
		if (run_start(&j) != 0)
			goto out;
		pg->started = 1;
	}
	if (ensure_db(&j) != 0)
		goto out;
	set_conninfo(pg);
	rc = 0;
out:
	if (rc != 0 && pg->started)
		pgembed_stop(pg);
	if (lockfd >= 0)
		close(lockfd);
	return rc;
}

void pgembed_stop(struct pgembed *pg)
{
	struct job j;
	char err[512], pg_ctl[PATH_MAX + 16];
	int rc;

	if (!pg || !pg->started)
		return;
	memset(&j, 0, sizeof j);
	j.pg = pg;
	j.err = err;
	j.errlen = sizeof err;
	pg->started = 0;
	if (find_bindir(&j) != 0 || runas_init(&j) != 0) {
		fprintf(stderr, "bdgd: cannot stop the embedded PostgreSQL: %s\n", err);
		return;
	}
	snprintf(j.logpath, sizeof j.logpath, "%s/pg.log", pg->data_dir);
	snprintf(pg_ctl, sizeof pg_ctl, "%s/pg_ctl", j.bindir);
	{
		char *argv[] = {pg_ctl, (char *)"stop", (char *)"-D", pg->pgdata, (char *)"-m",
				(char *)"fast", (char *)"-w", (char *)"-t", (char *)"60", NULL};

		rc = run(&j, argv);
	}
	if (rc != 0)
		fprintf(stderr, "bdgd: stopping the embedded PostgreSQL failed (see %s)\n", j.logpath);
}

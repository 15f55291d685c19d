/* sync.c: `bdg sync DIR` — follow the changes feed into a folder that a
 * portal's cron job keeps: DIR/<resource>.ndjson gets one line per change
 * (the feed's item as it came), DIR/state the last revision saved.
 *
 * Each page is written in this order: the lines appended and fsync'd,
 * then state.tmp written, fsync'd and renamed over state, then the folder
 * fsync'd. A run killed in between leaves lines beyond the saved revision;
 * the next run cuts them off before it asks for more, so that every change
 * is in its file exactly once. One run at a time per folder (flock). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "cli.h"

#define SYNC_PAGE "500"
#define MAX_FILES 32

/* The open file of one resource, and what this page adds to it. */
struct out_file {
	char resource[40];
	int fd;
	struct buf pending;
};

struct sync {
	int dirfd;
	const char *dir;
	long long revision;     /* saved in DIR/state */
	int nfiles;
	struct out_file file[MAX_FILES];
};

/* The feed names resources; only plain lower-case names become files. */
static int safe_name(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > 32)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || s[i] == '_'))
			return 0;
	return 1;
}

/* ---- the state -------------------------------------------------------- */

static int state_read(struct sync *s)
{
	char text[64], *end;
	ssize_t n;
	int fd = openat(s->dirfd, "state", O_RDONLY | O_CLOEXEC);

	s->revision = 0;
	if (fd < 0)
		return errno == ENOENT ? EXIT_OK : fail(EXIT_FAIL, "cannot read %s/state: %s", s->dir, strerror(errno));
	n = read(fd, text, sizeof text - 1);
	close(fd);
	if (n < 0)
		return fail(EXIT_FAIL, "cannot read %s/state: %s", s->dir, strerror(errno));
	text[n] = '\0';
	errno = 0;
	s->revision = strtoll(text, &end, 10);
	while (*end == '\n' || *end == '\r' || *end == ' ')
		end++;
	if (end == text || *end || errno || s->revision < 0)
		return fail(EXIT_FAIL, "%s/state does not hold a revision number", s->dir);
	return EXIT_OK;
}

/* Replace DIR/state atomically: tmp file, fsync, rename, fsync the folder. */
static int state_write(struct sync *s, long long revision)
{
	char text[32];
	int fd = openat(s->dirfd, "state.tmp", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int n = snprintf(text, sizeof text, "%lld\n", revision);

	if (fd < 0)
		return fail(EXIT_FAIL, "cannot write %s/state.tmp: %s", s->dir, strerror(errno));
	if (write_all(fd, text, (size_t)n) < 0 || fsync(fd) < 0) {
		close(fd);
		return fail(EXIT_FAIL, "cannot write %s/state.tmp: %s", s->dir, strerror(errno));
	}
	close(fd);
	if (renameat(s->dirfd, "state.tmp", s->dirfd, "state") < 0 || fsync(s->dirfd) < 0)
		return fail(EXIT_FAIL, "cannot replace %s/state: %s", s->dir, strerror(errno));
	s->revision = revision;
	return EXIT_OK;
}

/* ---- cutting off what an interrupted run wrote ------------------------ */

/* The offset where the line that ends just before `end` starts. */
static off_t line_start(int fd, off_t end)
{
	char chunk[4096];
	off_t pos = end;
	size_t n, i;

	while (pos > 0) {
		n = pos > (off_t)sizeof chunk ? sizeof chunk : (size_t)pos;
		if (pread(fd, chunk, n, pos - (off_t)n) != (ssize_t)n)
			return -1;
		for (i = n; i > 0; i--)
			if (chunk[i - 1] == '\n')
				return pos - (off_t)n + (off_t)i;
		pos -= (off_t)n;
	}
	return 0;
}

/* The revision of the line [start, end) (its newline excluded), or -1. */
static long long line_revision(int fd, off_t start, off_t end)
{
	size_t n = (size_t)(end - start);
	char *line = malloc(n ? n : 1);
	json_t *item;
	long long rev = -1;

	if (!line || pread(fd, line, n, start) != (ssize_t)n) {
		free(line);
		return -2;
	}
	item = json_loadb(line, n, 0, NULL);
	if (json_is_integer(json_object_get(item, "revision")))
		rev = json_integer_value(json_object_get(item, "revision"));
	json_decref(item);
	free(line);
	return rev;
}

/* Cut a file back to its lines at or below the saved revision. */
static int repair_file(struct sync *s, const char *name)
{
	int fd = openat(s->dirfd, name, O_RDWR | O_CLOEXEC);
	off_t size, end, start;
	char last;
	long long rev;
	int cut = 0;

	if (fd < 0)
		return fail(EXIT_FAIL, "cannot open %s/%s: %s", s->dir, name, strerror(errno));
	end = size = lseek(fd, 0, SEEK_END);
	while (end > 0) {
		if (pread(fd, &last, 1, end - 1) != 1)
			goto io;
		if (last != '\n') {             /* a line cut short */
			if ((start = line_start(fd, end)) < 0)
				goto io;
			end = start;
			cut++;
			continue;
		}
		if ((start = line_start(fd, end - 1)) < 0)
			goto io;
		rev = line_revision(fd, start, end - 1);
		if (rev == -2)
			goto io;
		if (rev >= 0 && rev <= s->revision)
			break;
		end = start;                    /* beyond the state, or unreadable */
		cut++;
	}
	if (end < size) {
		if (ftruncate(fd, end) < 0 || fsync(fd) < 0)
			goto io;
		note("bdg: %s/%s: removed %d line%s written after revision %lld by an interrupted run",
		     s->dir, name, cut, cut == 1 ? "" : "s", s->revision);
	}
	close(fd);
	return EXIT_OK;
io:
	close(fd);
	return fail(EXIT_FAIL, "cannot repair %s/%s: %s", s->dir, name, strerror(errno));
}

static int repair(struct sync *s)
{
	int fd = dup(s->dirfd), rc = EXIT_OK;
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return fail(EXIT_FAIL, "cannot list %s: %s", s->dir, strerror(errno));
	}
	while (rc == EXIT_OK && (e = readdir(d))) {
		size_t n = strlen(e->d_name);
		char res[64];
		if (n <= 7 || n - 7 >= sizeof res || strcmp(e->d_name + n - 7, ".ndjson") != 0)
			continue;
		snprintf(res, sizeof res, "%.*s", (int)(n - 7), e->d_name);
		if (safe_name(res))
			rc = repair_file(s, e->d_name);
	}
	closedir(d);
	return rc;
}

/* ---- writing pages ---------------------------------------------------- */

static struct out_file *file_for(struct sync *s, const char *resource)
{
	struct out_file *f;
	char name[64];
	int i;

	for (i = 0; i < s->nfiles; i++)
		if (strcmp(s->file[i].resource, resource) == 0)
			return &s->file[i];
	if (s->nfiles == MAX_FILES) {
		fail(EXIT_FAIL, "too many resources in the feed");
		return NULL;
	}
	f = &s->file[s->nfiles];
	snprintf(name, sizeof name, "%s.ndjson", resource);
	f->fd = openat(s->dirfd, name, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (f->fd < 0) {
		fail(EXIT_FAIL, "cannot open %s/%s: %s", s->dir, name, strerror(errno));
		return NULL;
	}
	snprintf(f->resource, sizeof f->resource, "%s", resource);
	memset(&f->pending, 0, sizeof f->pending);
	s->nfiles++;
	return f;
}

/* Append one page's items to their files and make them durable. */
static int write_page(struct sync *s, json_t *items, long long *last)
{
	struct out_file *f;
	json_t *item;
	size_t i;
	int k;

	json_array_foreach(items, i, item) {
		const char *res = json_string_value(json_object_get(item, "resource"));
		json_t *rv = json_object_get(item, "revision");
		char *line;
		if (!res || !safe_name(res) || !json_is_integer(rv))
			return fail(EXIT_SERVER, "the feed sent a change without a proper resource or revision");
		if (json_integer_value(rv) <= *last)
			return fail(EXIT_SERVER, "the feed went backwards (revision %" JSON_INTEGER_FORMAT " after %lld)",
				    json_integer_value(rv), *last);
		*last = json_integer_value(rv);
		if (!(f = file_for(s, res)))
			return EXIT_FAIL;
		if (!(line = json_dumps(item, JSON_COMPACT)))
			return fail(EXIT_FAIL, "out of memory");
		buf_puts(&f->pending, line);
		buf_add(&f->pending, "\n", 1);
		free(line);
	}
	for (k = 0; k < s->nfiles; k++) {
		f = &s->file[k];
		if (f->pending.oom)
			return fail(EXIT_FAIL, "out of memory");
		if (f->pending.len == 0)
			continue;
		if (write_all(f->fd, f->pending.data, f->pending.len) < 0 || fsync(f->fd) < 0)
			return fail(EXIT_FAIL, "cannot write %s/%s.ndjson: %s", s->dir, f->resource, strerror(errno));
		f->pending.len = 0;
	}
	return EXIT_OK;
}

/* ---- the command ------------------------------------------------------ */

static int sync_run(struct cli *c, struct sync *s, const struct args *a, long long *count)
{
	const char *types = args_get(a, "types"), *under = args_get(a, "under"), *limit = args_get(a, "limit");
	char *et = types ? http_escape(c, types) : NULL, *eu = under ? http_escape(c, under) : NULL;
	char *el = http_escape(c, limit ? limit : SYNC_PAGE);
	int rc = EXIT_OK;

	for (;;) {
		struct http_req rq = {.method = "GET"};
		struct http_resp rs;
		struct buf p = {0};
		json_t *page = NULL, *items, *next, *more;
		long long last = s->revision, next_rev;
		char *path;

		buf_printf(&p, "/changes?since=%lld&limit=%s%s%s%s%s", s->revision, el ? el : SYNC_PAGE,
			   et ? "&types=" : "", et ? et : "", eu ? "&under=" : "", eu ? eu : "");
		if (!(path = buf_take(&p))) {
			rc = fail(EXIT_FAIL, "out of memory");
			break;
		}
		rq.path = path;
		if (http_do(c, &rq, &rs) < 0) {
			rc = EXIT_SERVER;
		} else if (rs.status != 200) {
			rc = http_report(&rs);
		} else if (!(page = http_json(&rs))) {
			rc = EXIT_SERVER;
		}
		http_resp_free(&rs);
		free(path);
		if (rc != EXIT_OK)
			break;
		items = json_object_get(page, "items");
		next = json_object_get(page, "next");
		more = json_object_get(page, "more");
		next_rev = json_is_string(next) ? strtoll(json_string_value(next), NULL, 10)
			: json_is_integer(next) ? json_integer_value(next) : -1;
		if (!json_is_array(items) || next_rev < 0) {
			rc = fail(EXIT_SERVER, "the changes feed answered without items or next");
		} else if ((rc = write_page(s, items, &last)) == EXIT_OK) {
			*count += (long long)json_array_size(items);
			if (next_rev < last)
				next_rev = last;
			if (next_rev > s->revision)
				rc = state_write(s, next_rev);
			if (rc == EXIT_OK && json_is_true(more) && json_array_size(items) == 0)
				rc = fail(EXIT_SERVER, "the feed says there is more but sent nothing");
		}
		json_decref(page);
		if (rc != EXIT_OK || !json_is_true(more))
			break;
	}
	free(et);
	free(eu);
	free(el);
	return rc;
}

int cmd_sync(struct cli *c, const char *name, int argc, char **argv)
{
	struct sync s;
	struct args a;
	long long count = 0;
	int lockfd = -1, rc, k;

	memset(&s, 0, sizeof s);
	s.dirfd = -1;
	if (args_parse(argc, argv, "", "types,under,limit", 0, &a) < 0)
		return EXIT_USAGE;
	if (a.npos != 1 || !*a.pos[0])
		return fail(EXIT_USAGE, "usage: bdg %s DIR [--types unit,plan] [--under CODE] [--limit N]", name);
	s.dir = a.pos[0];
	if (mkdir(s.dir, 0755) < 0 && errno != EEXIST)
		return fail(EXIT_FAIL, "cannot create %s: %s", s.dir, strerror(errno));
	if ((s.dirfd = open(s.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return fail(EXIT_FAIL, "cannot open %s: %s", s.dir, strerror(errno));
	lockfd = openat(s.dirfd, ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (lockfd < 0) {
		rc = fail(EXIT_FAIL, "cannot create %s/.lock: %s", s.dir, strerror(errno));
		goto out;
	}
	if (flock(lockfd, LOCK_EX | LOCK_NB) < 0) {
		rc = errno == EWOULDBLOCK ? fail(EXIT_CONFLICT, "another bdg sync is writing %s", s.dir)
			: fail(EXIT_FAIL, "cannot lock %s: %s", s.dir, strerror(errno));
		goto out;
	}
	if ((rc = state_read(&s)) != EXIT_OK || (rc = repair(&s)) != EXIT_OK)
		goto out;
	rc = sync_run(c, &s, &a, &count);
	if (rc == EXIT_OK || count > 0) {
		if (c->fmt == OUT_JSON)
			printf("{\"changes\": %lld, \"revision\": \"%lld\"}\n", count, s.revision);
		else if (c->fmt == OUT_CSV)
			printf("changes,revision\n%lld,%lld\n", count, s.revision);
		else
			printf("%lld change%s saved in %s, at revision %lld\n", count, count == 1 ? "" : "s", s.dir,
			       s.revision);
	}
out:
	for (k = 0; k < s.nfiles; k++) {
		close(s.file[k].fd);
		buf_free(&s.file[k].pending);
	}
	if (lockfd >= 0)
		close(lockfd);
	if (s.dirfd >= 0)
		close(s.dirfd);
	return rc;
}

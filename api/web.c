/* web.c: the web UI's files from one fixed folder, and /metrics.
 * Files are opened by bdgd itself (civetweb's file serving stays off, see
 * SECURITY-NOTES.md): only paths of [A-Za-z0-9._/-] without "..", only
 * regular files, "/" and unknown paths without a dot are index.html (the
 * UI routes in the browser). */
#include "web.h"

#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http.h"
#include "server.h"

static const struct {
	const char *ext;
	const char *type;
} types[] = {
	{".html", "text/html; charset=utf-8"}, {".js", "text/javascript; charset=utf-8"},
	{".css", "text/css; charset=utf-8"}, {".json", "application/json"},
	{".svg", "image/svg+xml"}, {".png", "image/png"}, {".ico", "image/x-icon"},
	{".woff2", "font/woff2"}, {".map", "application/json"}, {".txt", "text/plain; charset=utf-8"},
};

static const char *type_of(const char *path)
{
	const char *dot = strrchr(path, '.');
	size_t i;

	for (i = 0; dot && i < sizeof types / sizeof types[0]; i++)
		if (strcmp(dot, types[i].ext) == 0)
			return types[i].type;
	return "application/octet-stream";
}

static int safe_path(const char *p)
{
	for (; *p; p++)
		if (!(isalnum((unsigned char)*p) || *p == '.' || *p == '_' || *p == '/' || *p == '-'))
			return 0;
	return 1;
}

int web_serve(struct req *r, struct server *s)
{
	char path[1600];
	const char *rel = r->path;
	struct stat st;
	char *buf = NULL;
	ssize_t n;
	int fd = -1, rc = -1;

	if (strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0) {
		snprintf(r->extra_headers, sizeof r->extra_headers, "Allow: GET, HEAD\r\n");
		return bdg_fail(&r->ctx.err, 405, "method_not_allowed", "Only GET is allowed here.");
	}
	if (!s->cfg->web_root[0] || !safe_path(rel) || strstr(rel, ".."))
		return bdg_fail(&r->ctx.err, 404, "not_found", "There is no such page.");
	if (strcmp(rel, "/") == 0 || !strchr(strrchr(rel, '/'), '.'))
		rel = "/index.html";
	snprintf(path, sizeof path, "%s%s", s->cfg->web_root, rel);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > (32 << 20)) {
		bdg_fail(&r->ctx.err, 404, "not_found", "There is no such page.");
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf || (n = read(fd, buf, (size_t)st.st_size)) != st.st_size) {
		bdg_fail(&r->ctx.err, 500, "internal", "The page could not be read.");
		goto out;
	}
	free(r->out);
	r->out = buf;
	r->out_len = (size_t)n;
	r->out_type = type_of(path);
	r->status = 200;
	buf = NULL;
	snprintf(r->extra_headers, sizeof r->extra_headers,
		 "Cache-Control: %s\r\nX-Content-Type-Options: nosniff\r\n"
		 "Content-Security-Policy: default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'\r\n",
		 strstr(rel, "/assets/") ? "public, max-age=31536000, immutable" : "no-cache");
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return rc;
}

void metrics_render(struct req *r, struct server *s)
{
	char buf[2048];
	int n = snprintf(buf, sizeof buf,
		"# HELP bdg_requests_total Requests served.\n# TYPE bdg_requests_total counter\n"
		"bdg_requests_total{class=\"2xx\"} %ld\nbdg_requests_total{class=\"3xx\"} %ld\n"
		"bdg_requests_total{class=\"4xx\"} %ld\nbdg_requests_total{class=\"5xx\"} %ld\n"
		"# HELP bdg_request_duration_seconds_sum Time spent serving requests.\n"
		"# TYPE bdg_request_duration_seconds_sum counter\n"
		"bdg_request_duration_seconds_sum %.6f\n"
		"# HELP bdg_requests_in_flight Requests being served.\n# TYPE bdg_requests_in_flight gauge\n"
		"bdg_requests_in_flight %ld\n",
		atomic_load(&s->status_2xx), atomic_load(&s->status_3xx), atomic_load(&s->status_4xx),
		atomic_load(&s->status_5xx), (double)atomic_load(&s->duration_us) / 1e6,
		atomic_load(&s->in_flight));

	resp_bytes(r, 200, "text/plain; version=0.0.4", buf, (size_t)n);
}

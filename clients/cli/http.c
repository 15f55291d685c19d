/* http.c: the libcurl wrapper — one reused handle, bearer token, retries
 * with backoff on connection failures, 503 and 429 (POSTs carry one
 * Idempotency-Key across their retries, so none is applied twice), bodies
 * kept or streamed, and problem+json answers turned into messages on
 * stderr and exit codes. */
#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "buf.h"
#include "cli.h"

#define TRIES 3
#define RETRY_AFTER_MAX 30      /* seconds we wait at most when told to */

struct http_conn {
	CURL *curl;
};

/* What the callbacks of one attempt share. */
struct attempt {
	const struct http_req *rq;
	struct http_resp *rs;
	struct buf body;
	int retry_after;        /* seconds, from Retry-After; -1 if none */
	int sink_failed;
};

int http_open(struct cli *c)
{
	c->conn = calloc(1, sizeof *c->conn);
	if (!c->conn || !(c->conn->curl = curl_easy_init())) {
		free(c->conn);
		c->conn = NULL;
		return -1;
	}
	return 0;
}

void http_close(struct cli *c)
{
	if (!c->conn)
		return;
	curl_easy_cleanup(c->conn->curl);
	free(c->conn);
	c->conn = NULL;
}

void http_resp_free(struct http_resp *rs)
{
	free(rs->body);
	memset(rs, 0, sizeof *rs);
}

char *http_escape(struct cli *c, const char *s)
{
	char *e = curl_easy_escape(c->conn->curl, s, 0), *out;

	if (!e)
		return NULL;
	out = strdup(e);
	curl_free(e);
	return out;
}

/* A random (version 4) UUID for Idempotency-Key. */
static int uuid4(char out[37])
{
	unsigned char b[16];
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC), i, o = 0;
	ssize_t n = fd >= 0 ? read(fd, b, sizeof b) : -1;

	if (fd >= 0)
		close(fd);
	if (n != (ssize_t)sizeof b)
		return -1;
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	for (i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		o += snprintf(out + o, 3, "%02x", b[i]);
	}
	out[o] = '\0';
	return 0;
}

static size_t on_header(char *data, size_t size, size_t n, void *arg)
{
	struct attempt *a = arg;
	size_t len = size * n, vlen;
	char *colon = memchr(data, ':', len), *v;
	char *dst = NULL;
	size_t dstn = 0;

	if (len >= 5 && strncmp(data, "HTTP/", 5) == 0) {
		/* a new answer (after a 100 Continue, say): forget the old headers */
		a->rs->etag[0] = a->rs->content_type[0] = a->rs->location[0] = '\0';
		a->retry_after = -1;
		return len;
	}
	if (!colon)
		return len;
	v = colon + 1;
	while (v < data + len && (*v == ' ' || *v == '\t'))
		v++;
	vlen = (size_t)(data + len - v);
	while (vlen > 0 && (v[vlen - 1] == '\r' || v[vlen - 1] == '\n' || v[vlen - 1] == ' '))
		vlen--;
#define IS(name) ((size_t)(colon - data) == sizeof name - 1 && strncasecmp(data, name, sizeof name - 1) == 0)
	if (IS("ETag")) {
		dst = a->rs->etag;
		dstn = sizeof a->rs->etag;
	} else if (IS("Content-Type")) {
		dst = a->rs->content_type;
		dstn = sizeof a->rs->content_type;
	} else if (IS("Location")) {
		dst = a->rs->location;
		dstn = sizeof a->rs->location;
	} else if (IS("Retry-After")) {
		a->retry_after = vlen > 0 && isdigit((unsigned char)*v) ? atoi(v) : -1;
	}
#undef IS
	if (dst)
		snprintf(dst, dstn, "%.*s", (int)vlen, v);
	return len;
}

/* The body goes to the sink when the request has one and the answer is a
 * success; otherwise (errors, JSON answers) it is kept. libcurl knows the
 * status once the headers are in, before the first byte of the body. */
struct body_ctx {
	struct attempt *a;
	CURL *curl;
};

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
	struct body_ctx *b = arg;
	struct attempt *a = b->a;
	size_t len = size * n;

	if (a->rs->status == 0)
		curl_easy_getinfo(b->curl, CURLINFO_RESPONSE_CODE, &a->rs->status);
	if (a->rq->sink && a->rs->status >= 200 && a->rs->status < 300) {
		if (fwrite(data, 1, len, a->rq->sink) != len) {
			a->sink_failed = 1;
			return 0;
		}
		a->rs->streamed += len;
		return len;
	}
	buf_add(&a->body, data, len);
	return a->body.oom ? 0 : len;
}

static int retryable_curl(CURLcode e)
{
	switch (e) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_SSL_CONNECT_ERROR:
		return 1;
	default:
		return 0;
	}
}

static void pause_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) != 0)
		;
}

int http_do(struct cli *c, const struct http_req *rq, struct http_resp *rs)
{
	CURL *h = c->conn->curl;
	struct curl_slist *hdr = NULL;
	char url[8192], line[8400], key[37];
	char errbuf[CURL_ERROR_SIZE];
	struct attempt a;
	struct body_ctx bc;
	CURLcode e = CURLE_OK;
	int try, rc = -1;
	long wait_ms = 500;

	memset(rs, 0, sizeof *rs);
	if (snprintf(url, sizeof url, "%s%s", c->url, rq->path) >= (int)sizeof url)
		return fail(EXIT_USAGE, "the request URL is too long"), -1;
	if (*c->token) {
		snprintf(line, sizeof line, "Authorization: Bearer %s", c->token);
		hdr = curl_slist_append(hdr, line);
	}
	snprintf(line, sizeof line, "Accept: %s", rq->accept ? rq->accept : "application/json");
	hdr = curl_slist_append(hdr, line);
	if (rq->body) {
		snprintf(line, sizeof line, "Content-Type: %s", rq->content_type ? rq->content_type : "application/json");
		hdr = curl_slist_append(hdr, line);
	} else {
		hdr = curl_slist_append(hdr, "Content-Type:");  /* none, not libcurl's form type */
	}
	if (rq->if_match) {
		snprintf(line, sizeof line, "If-Match: %s", rq->if_match);
		hdr = curl_slist_append(hdr, line);
	}
	if (rq->idempotent) {
		if (uuid4(key) < 0) {
			curl_slist_free_all(hdr);
			return fail(EXIT_FAIL, "cannot read /dev/urandom for an Idempotency-Key"), -1;
		}
		snprintf(line, sizeof line, "Idempotency-Key: %s", key);
		hdr = curl_slist_append(hdr, line);
	}
	hdr = curl_slist_append(hdr, "Expect:");        /* no 100-continue round trip */
	hdr = curl_slist_append(hdr, "User-Agent: bdg-cli/0.1");

	for (try = 1; try <= TRIES; try++) {
		memset(&a, 0, sizeof a);
		a.rq = rq;
		a.rs = rs;
		a.retry_after = -1;
		bc.a = &a;
		bc.curl = h;
		free(rs->body);
		memset(rs, 0, sizeof *rs);
		errbuf[0] = '\0';

		curl_easy_reset(h);
		curl_easy_setopt(h, CURLOPT_URL, url);
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, rq->method);
		if (strcmp(rq->method, "HEAD") == 0)
			curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
		if (rq->body || !strcmp(rq->method, "POST") || !strcmp(rq->method, "PUT") || !strcmp(rq->method, "PATCH")) {
			/* no body: still "Content-Length: 0", never a hanging request */
			curl_easy_setopt(h, CURLOPT_POSTFIELDS, rq->body ? rq->body : "");
			curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(rq->body ? rq->len : 0));
		}
		curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
		curl_easy_setopt(h, CURLOPT_HEADERDATA, &a);
		curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
		curl_easy_setopt(h, CURLOPT_WRITEDATA, &bc);
		curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
		curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
		curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);     /* a stalled server: give up after */
		curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 120L);    /* two minutes without a byte */
		curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
		curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
		if (c->verbose)
			fprintf(stderr, "> %s %s%s\n", rq->method, url, try > 1 ? " (retry)" : "");

		e = curl_easy_perform(h);
		if (rs->status == 0)
			curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &rs->status);
		if (c->verbose && e == CURLE_OK)
			fprintf(stderr, "< %ld %s\n", rs->status, rs->content_type);

		if (e == CURLE_OK) {
			rs->len = a.body.len;
			rs->body = buf_take(&a.body);
			if (!rs->body) {
				fail(EXIT_FAIL, "out of memory reading the answer");
				break;
			}
			if ((rs->status == 503 || rs->status == 429) && try < TRIES && !rs->streamed) {
				long ms = a.retry_after >= 0 ? (a.retry_after > RETRY_AFTER_MAX ? RETRY_AFTER_MAX : a.retry_after) * 1000L
					: wait_ms;
				if (c->verbose)
					fprintf(stderr, "bdg: %ld, trying again in %ld ms\n", rs->status, ms);
				pause_ms(ms);
				wait_ms *= 2;
				continue;
			}
			rc = 0;
			break;
		}
		buf_free(&a.body);
		if (a.sink_failed) {
			fail(EXIT_FAIL, "cannot write the output");
			break;
		}
		if (!retryable_curl(e) || rs->streamed || try == TRIES) {
			fail(EXIT_SERVER, "cannot reach %s: %s", c->url, errbuf[0] ? errbuf : curl_easy_strerror(e));
			break;
		}
		if (c->verbose)
			fprintf(stderr, "bdg: %s, trying again in %ld ms\n", errbuf[0] ? errbuf : curl_easy_strerror(e), wait_ms);
		pause_ms(wait_ms);
		wait_ms *= 2;
	}
	curl_slist_free_all(hdr);
	if (rc < 0) {
		free(rs->body);
		rs->body = NULL;
		rs->status = 0;
	}
	return rc;
}

int http_exit_code(long status)
{
	if (status >= 200 && status < 300)
		return EXIT_OK;
	if (status == 401 || status == 403)
		return EXIT_AUTH;
	if (status == 404 || status == 410)
		return EXIT_NOT_FOUND;
	if (status == 409 || status == 412 || status == 428)
		return EXIT_CONFLICT;
	if (status == 400 || status == 422)
		return EXIT_INVALID;
	if (status >= 500 || status == 429)
		return EXIT_SERVER;
	return EXIT_FAIL;
}

static int is_json_type(const char *ct)
{
	return strncasecmp(ct, "application/json", 16) == 0 || strncasecmp(ct, "application/problem+json", 24) == 0;
}

int http_report(const struct http_resp *rs)
{
	json_t *p = NULL, *errs, *e;
	const char *title = NULL, *detail = NULL;
	size_t i;
	int code = http_exit_code(rs->status);

	if (rs->body && rs->len && is_json_type(rs->content_type))
		p = json_loadb(rs->body, rs->len, 0, NULL);
	if (json_is_object(p)) {
		title = json_string_value(json_object_get(p, "title"));
		detail = json_string_value(json_object_get(p, "detail"));
	}
	if (title && detail && strcmp(title, detail) != 0)
		fail(code, "%s (%ld): %s", title, rs->status, detail);
	else if (title || detail)
		fail(code, "%s (%ld)", title ? title : detail, rs->status);
	else
		fail(code, "the server answered %ld%s%.200s", rs->status, rs->body && rs->len ? ": " : "",
		     rs->body ? rs->body : "");
	errs = json_object_get(p, "errors");
	json_array_foreach(errs, i, e) {
		const char *f = json_string_value(json_object_get(e, "field"));
		const char *m = json_string_value(json_object_get(e, "message"));
		note("  %s: %s", f && *f ? f : "(body)", m ? m : "invalid");
	}
	json_decref(p);
	return code;
}

json_t *http_json(const struct http_resp *rs)
{
	json_error_t err;
	json_t *v = rs->body ? json_loadb(rs->body, rs->len, 0, &err) : NULL;

	if (!v)
		fail(EXIT_SERVER, "the server's answer is not JSON (%ld, %s)", rs->status,
		     rs->content_type[0] ? rs->content_type : "no content type");
	return v;
}

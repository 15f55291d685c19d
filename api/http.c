/* http.c: the one dispatcher civetweb calls, and the responses.
 *
 * socket → civetweb → http_dispatch: request id, CORS, route match (404,
 * 405 + Allow), query parameters checked against the route, JWT and role
 * (401, 403), rate limit (429), body read under the cap (413), content type
 * (415), JSON decoded with duplicate keys rejected and a depth cap (400),
 * If-Match (428), Idempotency-Key (replay, 422) → handler → one place that
 * sends the answer (problem+json for errors), logs one JSON line and
 * counts it. */
#include "http.h"

#include <civetweb.h>
#include <ctype.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "idem.h"
#include "linelog.h"
#include "page.h"
#include "ratelimit.h"
#include "server.h"
#include "valid.h"
#include "web.h"

#define API_PREFIX "/api/v1"

static const struct route *match_route(struct server *s, struct req *r, char *allow, size_t allowlen);
static int parse_query(struct req *r, const char *qs);
static int authenticate(struct server *s, struct req *r);
static int read_body(struct req *r, long cap);
static int decode_body(struct req *r);
static int run_handler(struct req *r);
static void send_response(struct req *r, const char *cors);
static void send_problem(struct req *r, const char *cors);
static void log_request(struct req *r, int64_t us);
static int json_depth_ok(const char *s, size_t n, int max);

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

const char *req_query(const struct req *r, const char *name)
{
	int i;

	for (i = 0; i < r->nquery; i++)
		if (strcmp(r->query[i].name, name) == 0)
			return r->query[i].value;
	return NULL;
}

int req_bad_param(struct req *r, const char *name, const char *message)
{
	bdg_fail(&r->ctx.err, 400, "bad_request", "Query parameter \"%s\" %s.", name, message);
	bdg_field(&r->ctx.err, name, "%s", message);
	return -1;
}

long long req_id(struct req *r, int i)
{
	const char *s = i < r->nparam ? r->param[i] : "";
	long long v = 0;
	size_t n = 0;

	for (; s[n]; n++) {
		if (!isdigit((unsigned char)s[n]) || n >= 18)
			goto bad;
		v = v * 10 + (s[n] - '0');
	}
	if (n > 0 && v > 0)
		return v;
bad:
	bdg_fail(&r->ctx.err, 404, "not_found", "No such resource, or it is out of your reach.");
	return -1;
}

int req_id_key(struct req *r, int i, char *key, size_t n)
{
	long long id = req_id(r, i);

	if (id < 0)
		return -1;
	snprintf(key, n, "%lld", id);
	return 0;
}

int resp_json(struct req *r, int status, char *text)
{
	free(r->out);
	r->status = status;
	r->out = text;
	r->out_len = text ? strlen(text) : 0;
	r->out_type = "application/json";
	return text ? 0 : bdg_fail(&r->ctx.err, 500, "internal", "Out of memory.");
}

int resp_bytes(struct req *r, int status, const char *type, const char *data, size_t len)
{
	char *copy = malloc(len + 1);

	if (!copy)
		return bdg_fail(&r->ctx.err, 500, "internal", "Out of memory.");
	memcpy(copy, data, len);
	copy[len] = '\0';
	free(r->out);
	r->status = status;
	r->out = copy;
	r->out_len = len;
	r->out_type = type;
	return 0;
}

int resp_empty(struct req *r)
{
	free(r->out);
	r->out = NULL;
	r->out_len = 0;
	r->status = 204;
	return 0;
}

/* One page of an export: every item as a CSV row or an NDJSON line. */
static int export_page(struct req *r, char *items, const char *next_key)
{
	json_t *arr = json_loads(items, 0, NULL), *item, *v;
	struct buf b = {0};
	const char *key;
	size_t i;
	int c;

	free(items);
	if (!json_is_array(arr)) {
		json_decref(arr);
		return bdg_fail(&r->ctx.err, 500, "internal", "The list could not be exported.");
	}
	snprintf(r->export_next, sizeof r->export_next, "%s", next_key ? next_key : "");
	json_array_foreach(arr, i, item) {
		if (r->export_mode == EXPORT_NDJSON) {
			char *line = json_dumps(item, JSON_COMPACT);
			buf_puts(&b, line);
			buf_add(&b, "\n", 1);
			free(line);
			continue;
		}
		if (!r->export_cols) {
			r->export_ncols = (int)json_object_size(item);
			r->export_cols = calloc((size_t)r->export_ncols + 1, sizeof *r->export_cols);
			c = 0;
			buf_puts(&b, "\xEF\xBB\xBF");
			json_object_foreach(item, key, v) {
				if (r->export_cols && c < r->export_ncols)
					r->export_cols[c] = strdup(key);
				buf_puts(&b, c++ ? "," : "");
				buf_csv(&b, key, ',');
			}
			buf_puts(&b, "\r\n");
		}
		for (c = 0; r->export_cols && c < r->export_ncols; c++) {
			v = r->export_cols[c] ? json_object_get(item, r->export_cols[c]) : NULL;
			if (c)
				buf_add(&b, ",", 1);
			if (json_is_string(v)) {
				buf_csv(&b, json_string_value(v), ',');
			} else if (v && !json_is_null(v)) {
				char *t = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
				buf_csv(&b, t, ',');
				free(t);
			}
		}
		buf_puts(&b, "\r\n");
	}
	r->export_rows += (int)json_array_size(arr);
	json_decref(arr);
	free(r->out);
	r->out_len = b.len;
	r->out = buf_take(&b);
	r->status = 200;
	return r->out ? 0 : bdg_fail(&r->ctx.err, 500, "internal", "Out of memory.");
}

int resp_list(struct req *r, char *items, const char *next_key)
{
	char cursor[420];
	size_t n;
	char *out;

	if (r->export_mode)
		return export_page(r, items, next_key);
	n = strlen(items) + sizeof cursor + 32;
	out = malloc(n);

	if (!out) {
		free(items);
		return bdg_fail(&r->ctx.err, 500, "internal", "Out of memory.");
	}
	if (next_key && *next_key) {
		page_cursor(next_key, cursor, sizeof cursor);
		snprintf(out, n, "{\"items\":%s,\"next\":\"%s\"}", items, cursor);
	} else {
		snprintf(out, n, "{\"items\":%s,\"next\":null}", items);
	}
	free(items);
	return resp_json(r, 200, out);
}

int resp_stream_begin(struct req *r, int status, const char *type)
{
	r->status = status;
	mg_printf(r->mc, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nTransfer-Encoding: chunked\r\n"
		  "X-Request-Id: %s\r\nCache-Control: no-store\r\n%s\r\n",
		  status, bdg_status_title(status), type, r->ctx.request_id, r->extra_headers);
	r->status = -status;            /* marks the response as sent */
	return 0;
}

int resp_stream_write(struct req *r, const char *data, size_t len)
{
	if (len == 0)
		return 0;
	if (mg_printf(r->mc, "%zx\r\n", len) <= 0 || mg_write(r->mc, data, len) <= 0 ||
	    mg_write(r->mc, "\r\n", 2) <= 0)
		return -1;
	return 0;
}

int resp_stream_end(struct req *r)
{
	return mg_write(r->mc, "0\r\n\r\n", 5) > 0 ? 0 : -1;
}

/* Split "/units/{code}/children" style patterns against the path. */
static int path_match(const char *pattern, const char *path, struct req *r)
{
	const char *p = pattern, *u = path;
	int np = 0;

	while (*p && *u) {
		if (*p == '{') {
			const char *pe = strchr(p, '}');
			size_t n = strcspn(u, "/");
			if (!pe || n == 0 || n >= sizeof r->param[0] || np >= REQ_MAX_PARAMS)
				return 0;
			if (r) {
				memcpy(r->param[np], u, n);
				r->param[np][n] = '\0';
			}
			np++;
			p = pe + 1;
			u += n;
			continue;
		}
		if (*p != *u)
			return 0;
		p++;
		u++;
	}
	if (*p || *u)
		return 0;
	if (r)
		r->nparam = np;
	return 1;
}

static const struct route *match_route(struct server *s, struct req *r, char *allow, size_t allowlen)
{
	const struct route *const *t;
	const struct route *rt;
	const struct route *found = NULL;

	allow[0] = '\0';
	for (t = s->tables; *t; t++) {
		for (rt = *t; rt->method; rt++) {
			if (!path_match(rt->path, r->path, NULL))
				continue;
			if (strcmp(rt->method, r->method) == 0 ||
			    (strcmp(r->method, "HEAD") == 0 && strcmp(rt->method, "GET") == 0)) {
				path_match(rt->path, r->path, r);
				found = rt;
			}
			if (!strstr(allow, rt->method)) {
				size_t l = strlen(allow);
				snprintf(allow + l, allowlen - l, "%s%s", l ? ", " : "", rt->method);
			}
		}
	}
	if (found)
		return found;
	return NULL;
}

/* Decode and check the query string against the route's parameter list. */
static int parse_query(struct req *r, const char *qs)
{
	const char *p = qs;
	const char *allowed = r->route->query ? r->route->query : "";

	while (p && *p) {
		const char *amp = strchr(p, '&');
		size_t len = amp ? (size_t)(amp - p) : strlen(p);
		const char *eq = memchr(p, '=', len);
		size_t klen = eq ? (size_t)(eq - p) : len;
		size_t vlen = eq ? len - klen - 1 : 0;
		struct qparam *q;
		const char *a;
		size_t kl;
		int ok = 0;

		if (len == 0)
			goto next;
		if (r->nquery >= REQ_MAX_QUERY)
			return bdg_fail(&r->ctx.err, 400, "bad_request", "Too many query parameters (at most %d).",
					REQ_MAX_QUERY);
		q = &r->query[r->nquery];
		q->name = malloc(klen + 1);
		q->value = malloc(vlen + 1);
		if (!q->name || !q->value) {
			free(q->name);
			free(q->value);
			return bdg_fail(&r->ctx.err, 500, "internal", "Out of memory.");
		}
		r->nquery++;
		if (mg_url_decode(p, (int)klen, q->name, (int)klen + 1, 1) < 0 ||
		    mg_url_decode(eq ? eq + 1 : "", (int)vlen, q->value, (int)vlen + 1, 1) < 0)
			return bdg_fail(&r->ctx.err, 400, "bad_request", "The query string is not well formed.");
		if (!utf8_valid(q->name, strlen(q->name)))
			return bdg_fail(&r->ctx.err, 400, "bad_request", "A query parameter's name is not valid UTF-8 text.");
		if (!utf8_valid(q->value, strlen(q->value)))
			return req_bad_param(r, q->name, "is not valid UTF-8 text");
		for (a = allowed; *a; a += kl + (a[kl] == ',')) {
			kl = strcspn(a, ",");
			if (kl == strlen(q->name) && strncmp(a, q->name, kl) == 0) {
				ok = 1;
				break;
			}
		}
		if (!ok) {
			bdg_fail(&r->ctx.err, 400, "bad_request", "Unknown query parameter \"%.60s\"; this route takes: %s.",
				 q->name, *allowed ? allowed : "none");
			bdg_field(&r->ctx.err, q->name, "is not a parameter of this route");
			r->ctx.err.status = 400;
			return -1;
		}
		if (req_query(r, q->name) != q->value)
			return req_bad_param(r, q->name, "is given twice");
next:
		p = amp ? amp + 1 : NULL;
	}
	return 0;
}

static int authenticate(struct server *s, struct req *r)
{
	const char *h = mg_get_header(r->mc, "Authorization");

	if (!h || strncasecmp(h, "Bearer ", 7) != 0 || !h[7])
		return bdg_fail(&r->ctx.err, 401, "unauthorized", "A bearer token is required.");
	if (auth_verify(s->auth, h + 7, time(NULL), &r->ctx.who, &r->ctx.err) < 0)
		return -1;
	if (r->ctx.who.role < r->route->role)
		return bdg_fail(&r->ctx.err, 403, "forbidden", "Your role (%s) may not do this; it needs %s.",
				role_name(r->ctx.who.role), role_name(r->route->role));
	return 0;
}

/* Two Content-Length headers that differ, or Content-Length together with
 * Transfer-Encoding: the framing is ambiguous (RFC 9112 §6.3), refused. */
static int framing_ambiguous(const struct mg_request_info *ri)
{
	const char *cl = NULL;
	int i, te = 0;

	for (i = 0; i < ri->num_headers; i++) {
		const char *name = ri->http_headers[i].name, *value = ri->http_headers[i].value;
		if (!strcasecmp(name, "Transfer-Encoding"))
			te = 1;
		if (strcasecmp(name, "Content-Length"))
			continue;
		if (cl && strcmp(cl, value))
			return 1;
		cl = value;
	}
	return cl && te;
}

static int read_body(struct req *r, long cap)
{
	const struct mg_request_info *ri = mg_get_request_info(r->mc);
	long long declared = ri->content_length;
	size_t size = 0, len = 0;
	char *buf = NULL;
	int n;

	if (framing_ambiguous(ri)) {
		snprintf(r->extra_headers + strlen(r->extra_headers),
			 sizeof r->extra_headers - strlen(r->extra_headers), "Connection: close\r\n");
		return bdg_fail(&r->ctx.err, 400, "bad_request",
				"The body's length is ambiguous (several Content-Length values, or with Transfer-Encoding).");
	}
	if (declared > cap) {
		snprintf(r->extra_headers + strlen(r->extra_headers),
			 sizeof r->extra_headers - strlen(r->extra_headers), "Connection: close\r\n");
		return bdg_fail(&r->ctx.err, 413, "too_large", "The request body is larger than %ld bytes.", cap);
	}
	for (;;) {
		if (len + 16384 + 1 > size) {
			size_t want = size ? size * 2 : (declared > 0 && declared < 65536 ? (size_t)declared + 1 : 16384);
			char *nb;
			if (want > (size_t)cap + 16384 + 2)
				want = (size_t)cap + 16384 + 2;
			if (want <= size) {
				free(buf);
				snprintf(r->extra_headers + strlen(r->extra_headers),
					 sizeof r->extra_headers - strlen(r->extra_headers), "Connection: close\r\n");
				return bdg_fail(&r->ctx.err, 413, "too_large",
						"The request body is larger than %ld bytes.", cap);
			}
			nb = realloc(buf, want);
			if (!nb) {
				free(buf);
				return bdg_fail(&r->ctx.err, 500, "internal", "Out of memory.");
			}
			buf = nb;
			size = want;
		}
		n = mg_read(r->mc, buf + len, size - len - 1);
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len > (size_t)cap) {
			free(buf);
			snprintf(r->extra_headers + strlen(r->extra_headers),
				 sizeof r->extra_headers - strlen(r->extra_headers), "Connection: close\r\n");
			return bdg_fail(&r->ctx.err, 413, "too_large", "The request body is larger than %ld bytes.", cap);
		}
	}
	if (declared >= 0 && (long long)len < declared) {
		free(buf);
		snprintf(r->extra_headers + strlen(r->extra_headers),
			 sizeof r->extra_headers - strlen(r->extra_headers), "Connection: close\r\n");
		return bdg_fail(&r->ctx.err, 400, "bad_request",
				"The body ended before its Content-Length (%lld bytes).", declared);
	}
	if (!buf && !(buf = malloc(1)))
		return bdg_fail(&r->ctx.err, 500, "internal", "Out of memory.");
	buf[len] = '\0';
	r->body_raw = buf;
	r->body_len = len;
	return 0;
}

/* Nesting depth of JSON text, ignoring brackets inside strings. */
static int json_depth_ok(const char *s, size_t n, int max)
{
	int depth = 0, in_str = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		char ch = s[i];
		if (in_str) {
			if (ch == '\\')
				i++;
			else if (ch == '"')
				in_str = 0;
		} else if (ch == '"') {
			in_str = 1;
		} else if (ch == '[' || ch == '{') {
			if (++depth > max)
				return 0;
		} else if (ch == ']' || ch == '}') {
			depth--;
		}
	}
	return 1;
}

static int media_is(const char *ct, const char *type)
{
	size_t n = strlen(type);

	return ct && strncasecmp(ct, type, n) == 0 && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

static int decode_body(struct req *r)
{
	json_error_t jerr;
	int depth = r->cfg->json_depth_max;

	if (r->body_len == 0) {
		if (r->route->flags & RF_BODY)
			return bdg_fail(&r->ctx.err, 400, "bad_request", "A JSON body is required.");
		return 0;
	}
	if (!(r->route->flags & (RF_BODY | RF_BODY_OPTIONAL | RF_CSV_BODY)))
		return bdg_fail(&r->ctx.err, 400, "bad_request", "This request takes no body.");
	if (r->route->flags & RF_CSV_BODY && media_is(r->content_type, "text/csv"))
		return 0;
	if (!media_is(r->content_type, "application/json") &&
	    !(media_is(r->content_type, "application/merge-patch+json") && !strcmp(r->method, "PATCH")))
		return bdg_fail(&r->ctx.err, 415, "unsupported_media_type",
				"The body must be application/json%s.",
				r->route->flags & RF_CSV_BODY ? " or text/csv" : "");
	if (r->route->flags & RF_BULK)
		depth += 4;
	if (!json_depth_ok(r->body_raw, r->body_len, depth))
		return bdg_fail(&r->ctx.err, 400, "bad_request", "The JSON body is nested deeper than %d levels.",
				depth);
	r->body = json_loadb(r->body_raw, r->body_len, JSON_REJECT_DUPLICATES, &jerr);
	if (!r->body) {
		char *t;
		/* jansson quotes the bytes near the fault, which may be half a
		 * character: keep the detail ASCII so that it can be rendered. */
		for (t = jerr.text; *t; t++)
			if ((unsigned char)*t >= 0x80 || (unsigned char)*t < 0x20)
				*t = '?';
		return bdg_fail(&r->ctx.err, 400, "bad_json", "The body is not valid JSON: %s (line %d, column %d).",
				jerr.text, jerr.line, jerr.column);
	}
	if (!json_is_object(r->body))
		return bdg_fail(&r->ctx.err, 400, "bad_request", "The JSON body must be an object.");
	return 0;
}

/* If-Match: "N", W/"N" or *. Anything else cannot match: 412. */
static int parse_if_match(struct req *r)
{
	const char *h = mg_get_header(r->mc, "If-Match");
	char *end;

	r->if_match = -1;
	if (!h) {
		if (r->route->flags & RF_IF_MATCH)
			return bdg_fail(&r->ctx.err, 428, "precondition_required",
					"This request needs an If-Match header with the ETag you read.");
		return 0;
	}
	while (*h == ' ')
		h++;
	if (strcmp(h, "*") == 0) {
		r->if_match_any = 1;
		return 0;
	}
	if (strncmp(h, "W/", 2) == 0)
		h += 2;
	if (*h == '"')
		h++;
	r->if_match = strtoll(h, &end, 10);
	if (end == h || (*end != '"' && *end != '\0') || r->if_match < 1)
		return bdg_fail(&r->ctx.err, 412, "precondition_failed",
				"If-Match does not name a version of this resource.");
	return 0;
}

/* Set (or add) a query parameter, for the pages of an export. */
static int set_query(struct req *r, const char *name, const char *value)
{
	int i;

	for (i = 0; i < r->nquery; i++) {
		if (strcmp(r->query[i].name, name) == 0) {
			free(r->query[i].value);
			r->query[i].value = strdup(value);
			return r->query[i].value ? 0 : -1;
		}
	}
	if (r->nquery >= REQ_MAX_QUERY)
		return -1;
	r->query[r->nquery].name = strdup(name);
	r->query[r->nquery].value = strdup(value);
	r->nquery++;
	return 0;
}

/* The export mode Accept asks for on a list route, or 0. */
static int export_mode(struct req *r)
{
	if (!(r->route->flags & RF_LIST) || strcmp(r->method, "GET") != 0 || !r->accept)
		return 0;
	if (strstr(r->accept, "application/x-ndjson"))
		return EXPORT_NDJSON;
	if (strstr(r->accept, "text/csv"))
		return EXPORT_CSV;
	return 0;
}

/* Ask the handler for the page after the one just written: `after` with
 * the cursor of its next key, or for a route paged by revision the
 * revision itself in the route's first query parameter. */
static int export_next_page(struct req *r)
{
	char cursor[420], name[32];

	if (r->route->flags & RF_REVISIONS) {
		snprintf(name, sizeof name, "%.*s", (int)strcspn(r->route->query, ","), r->route->query);
		return set_query(r, name, r->export_next);
	}
	page_cursor(r->export_next, cursor, sizeof cursor);
	return set_query(r, "after", cursor);
}

/* Stream every page of a list. The first page runs before anything is
 * sent, so that its errors are still a problem response; a later failure
 * cuts the chunked stream short (the client sees an incomplete body). */
static int run_export(struct req *r)
{
	int page = 0;

	if (set_query(r, "limit", "500") < 0)
		return bdg_fail(&r->ctx.err, 400, "bad_request", "Too many query parameters.");
	for (;;) {
		if (r->route->handler(r) < 0) {
			if (page == 0)
				return -1;
			fprintf(stderr, "{\"level\":\"error\",\"msg\":\"export cut short\",\"request_id\":\"%s\"}\n",
				r->ctx.request_id);
			r->status = -200;
			return 0;
		}
		if (page++ == 0) {
			snprintf(r->extra_headers + strlen(r->extra_headers),
				 sizeof r->extra_headers - strlen(r->extra_headers), "Content-Disposition: %s\r\n",
				 r->export_mode == EXPORT_CSV ? "attachment; filename=\"export.csv\"" : "inline");
			resp_stream_begin(r, 200, r->export_mode == EXPORT_CSV ? "text/csv; charset=utf-8"
					  : "application/x-ndjson");
		}
		r->status = -200;
		if (resp_stream_write(r, r->out, r->out_len) < 0)
			return 0;
		free(r->out);
		r->out = NULL;
		r->out_len = 0;
		ctx_release(&r->ctx);
		if (!r->export_next[0] || export_next_page(r) < 0)
			break;
	}
	if (r->export_mode == EXPORT_CSV && r->export_rows == 0)
		resp_stream_write(r, "\xEF\xBB\xBF", 3);
	resp_stream_end(r);
	return 0;
}

/* Runs the handler, inside an idempotent transaction when the route and
 * the request ask for one. */
static int run_handler(struct req *r)
{
	const char *key;
	struct idem_stored st;
	unsigned char md[SHA256_DIGEST_LENGTH];
	char hash[2 * SHA256_DIGEST_LENGTH + 1];
	EVP_MD_CTX *md_ctx;
	int i, rc;

	if (!(r->route->flags & RF_IDEMPOTENT) || !(key = mg_get_header(r->mc, "Idempotency-Key")))
		return r->route->handler(r);
	if (strlen(key) < 1 || strlen(key) > 200) {
		bdg_fail(&r->ctx.err, 400, "bad_request", "Idempotency-Key must be 1 to 200 characters.");
		return -1;
	}
	md_ctx = EVP_MD_CTX_new();
	if (!md_ctx || !EVP_DigestInit_ex(md_ctx, EVP_sha256(), NULL) ||
	    !EVP_DigestUpdate(md_ctx, r->method, strlen(r->method)) ||
	    !EVP_DigestUpdate(md_ctx, " ", 1) ||
	    !EVP_DigestUpdate(md_ctx, r->path, strlen(r->path)) ||
	    !EVP_DigestUpdate(md_ctx, "\n", 1) ||
	    !EVP_DigestUpdate(md_ctx, r->body_raw ? r->body_raw : "", r->body_len) ||
	    !EVP_DigestFinal_ex(md_ctx, md, NULL)) {
		EVP_MD_CTX_free(md_ctx);
		return bdg_fail(&r->ctx.err, 500, "internal", "Could not hash the request.");
	}
	EVP_MD_CTX_free(md_ctx);
	for (i = 0; i < SHA256_DIGEST_LENGTH; i++)
		snprintf(hash + 2 * i, 3, "%02x", md[i]);
	if (ctx_begin(&r->ctx) < 0)
		return -1;
	rc = idem_claim(&r->ctx, key, hash, &st);
	if (rc == 0) {
		ctx_rollback(&r->ctx);
		resp_json(r, st.status, st.body);
		if (st.body) {
			json_t *doc = json_loads(st.body, 0, NULL);
			json_t *v = json_object_get(doc, "version");
			if (json_is_integer(v))
				r->etag = json_integer_value(v);
			json_decref(doc);
		}
		snprintf(r->location, sizeof r->location, "%s", st.location ? st.location : "");
		free(st.location);
		snprintf(r->extra_headers + strlen(r->extra_headers),
			 sizeof r->extra_headers - strlen(r->extra_headers), "Idempotent-Replayed: true\r\n");
		return 0;
	}
	if (rc < 0 || r->route->handler(r) < 0 ||
	    idem_store(&r->ctx, key, r->status, r->out, r->location) < 0 || ctx_commit(&r->ctx) < 0) {
		ctx_rollback(&r->ctx);
		return -1;
	}
	return 0;
}

/* The status line, the headers and the body go out in ONE write: with
 * tcp_nodelay every mg_printf is its own send() and TCP segment, and the
 * client wakes for each. */
static void send_response(struct req *r, const char *cors)
{
	const char *inm;
	char etag[32] = "";
	struct buf b = {0};
	int head = strcmp(r->method, "HEAD") == 0;

	if (r->status < 0)              /* streamed already */
		return;
	if (r->etag > 0)
		snprintf(etag, sizeof etag, "\"%lld\"", r->etag);
	inm = mg_get_header(r->mc, "If-None-Match");
	if (etag[0] && inm && strcmp(r->method, "GET") == 0 && strstr(inm, etag)) {
		r->status = 304;
		buf_printf(&b, "HTTP/1.1 304 Not Modified\r\nETag: %s\r\nContent-Length: 0\r\n", etag);
	} else {
		buf_printf(&b, "HTTP/1.1 %d %s\r\n", r->status, bdg_status_title(r->status));
		if (r->status != 204)
			buf_printf(&b, "Content-Type: %s\r\nContent-Length: %zu\r\n",
				   r->out_type ? r->out_type : "application/json", r->out_len);
		if (etag[0])
			buf_printf(&b, "ETag: %s\r\n", etag);
		if (r->location[0])
			buf_printf(&b, "Location: %s\r\n", r->location);
		if (strncmp(r->path, "/", 1) == 0 && r->route)
			buf_puts(&b, "Cache-Control: no-store\r\n");
	}
	buf_printf(&b, "X-Request-Id: %s\r\n%s%s\r\n", r->ctx.request_id, cors, r->extra_headers);
	if (r->status != 304 && r->out_len && !head)
		buf_add(&b, r->out, r->out_len);
	if (b.data && !b.oom)
		mg_write(r->mc, b.data, b.len);
	buf_free(&b);
}

/* The request path as a URI reference: unreserved bytes and '/' kept,
 * everything else percent-encoded. */
static void uri_encode(char *out, size_t outlen, const char *prefix, const char *path)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = (size_t)snprintf(out, outlen, "%s", prefix);
	const unsigned char *p;

	for (p = (const unsigned char *)path; *p && o + 4 < outlen; p++) {
		if (isalnum(*p) || strchr("/-._~", *p)) {
			out[o++] = (char)*p;
		} else {
			out[o++] = '%';
			out[o++] = hex[*p >> 4];
			out[o++] = hex[*p & 15];
		}
	}
	out[o < outlen ? o : outlen - 1] = '\0';
}

/* application/problem+json (RFC 9457) from r->ctx.err. */
static void send_problem(struct req *r, const char *cors)
{
	struct bdg_err *e = &r->ctx.err;
	json_t *p = json_object();
	json_t *errs;
	char type[96], instance[1600];
	int i;

	if (e->status < 400 || e->status > 599)
		e->status = 500;
	snprintf(type, sizeof type, "urn:bdg:problem:%s", e->code ? e->code : "error");
	json_object_set_new(p, "type", json_string(type));
	json_object_set_new(p, "title", json_string(bdg_status_title(e->status)));
	json_object_set_new(p, "status", json_integer(e->status));
	json_object_set_new(p, "detail", json_string(e->detail[0] ? e->detail : bdg_status_title(e->status)));
	uri_encode(instance, sizeof instance, r->route || r->api ? API_PREFIX : "", r->path[0] ? r->path : "/");
	json_object_set_new(p, "instance", json_string(instance));
	json_object_set_new(p, "request_id", json_string(r->ctx.request_id));
	if (r->problem_errors) {
		json_object_set(p, "errors", r->problem_errors);
	} else if (e->nfields > 0) {
		errs = json_array();
		for (i = 0; i < e->nfields; i++)
			json_array_append_new(errs, json_pack("{s:s, s:s}", "field", e->fields[i].field,
							      "message", e->fields[i].message));
		json_object_set_new(p, "errors", errs);
	}
	free(r->out);
	r->out = json_dumps(p, JSON_COMPACT);
	json_decref(p);
	r->out_len = r->out ? strlen(r->out) : 0;
	r->out_type = "application/problem+json";
	r->status = e->status;
	r->etag = 0;
	r->location[0] = '\0';
	if (e->status == 401)
		snprintf(r->extra_headers + strlen(r->extra_headers), sizeof r->extra_headers - strlen(r->extra_headers),
			 "WWW-Authenticate: Bearer realm=\"bdg\", error=\"invalid_token\"\r\n");
	if (e->status == 503 || e->status == 429)
		snprintf(r->extra_headers + strlen(r->extra_headers), sizeof r->extra_headers - strlen(r->extra_headers),
			 "Retry-After: %d\r\n", e->status == 429 ? ratelimit_retry_after(((struct server *)r->srv)->rl, r->ctx.who.sub) : 2);
	send_response(r, cors);
}

static void json_escape_into(char *out, size_t outlen, const char *s)
{
	size_t o = 0;

	for (; *s && o + 7 < outlen; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\') {
			out[o++] = '\\';
			out[o++] = (char)ch;
		} else if (ch < 0x20) {
			o += (size_t)snprintf(out + o, outlen - o, "\\u%04x", ch);
		} else {
			out[o++] = (char)ch;
		}
	}
	out[o] = '\0';
}

/* One JSON line per request on stdout, handed to the access log's writer
 * thread (lib/linelog.c), which writes the lines of many requests with one
 * write(2): no stdio lock shared by the worker threads, no system call per
 * request under load, and never a line cut or interleaved. The second's
 * text is formatted once per thread. */
static void log_request(struct req *r, int64_t us)
{
	static _Thread_local time_t when_sec = -1;
	static _Thread_local char when[24];
	char path[300], sub[140], line[900];
	struct timespec ts;
	struct tm tm;
	int n, status = r->status < 0 ? -r->status : r->status;

	if (!r->srv->access)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	if (ts.tv_sec != when_sec) {
		gmtime_r(&ts.tv_sec, &tm);
		strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
		when_sec = ts.tv_sec;
	}
	json_escape_into(path, sizeof path, r->path);
	json_escape_into(sub, sizeof sub, r->ctx.who.sub);
	n = snprintf(line, sizeof line, "{\"ts\":\"%s.%03ldZ\",\"level\":\"info\",\"method\":\"%s\",\"path\":\"%s\","
		     "\"status\":%d,\"ms\":%lld.%02lld,\"request_id\":\"%s\",\"sub\":\"%s\"}\n",
		     when, ts.tv_nsec / 1000000, r->method, path, status, (long long)(us / 1000),
		     (long long)(us % 1000 / 10), r->ctx.request_id, sub);
	if (n > 0)
		linelog_put(r->srv->access, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

/* 96 random bits as 24 hex digits. Request ids need to be unique, not
 * secret: each worker thread seeds a xorshift128+ generator once from
 * getrandom() instead of making a system call per request. */
static void random_id(char *out)
{
	static _Thread_local uint64_t s[2];
	static const char hex[] = "0123456789abcdef";
	uint64_t x, y, v[2];
	int i;

	if (!s[0] && !s[1] && (getrandom(s, sizeof s, 0) != (ssize_t)sizeof s || (!s[0] && !s[1]))) {
		s[0] = (uint64_t)now_us() ^ (uint64_t)(uintptr_t)&s;
		s[1] = 0x9E3779B97F4A7C15ull;
	}
	for (i = 0; i < 2; i++) {
		x = s[0];
		y = s[1];
		s[0] = y;
		x ^= x << 23;
		s[1] = x ^ y ^ (x >> 17) ^ (y >> 26);
		v[i] = s[1] + y;
	}
	for (i = 0; i < 16; i++)
		out[i] = hex[(v[0] >> (60 - 4 * i)) & 15];
	for (i = 0; i < 8; i++)
		out[16 + i] = hex[(v[1] >> (60 - 4 * i)) & 15];
	out[24] = '\0';
}

static void request_id(struct req *r)
{
	const char *h = mg_get_header(r->mc, "X-Request-Id");
	size_t i, n = h ? strlen(h) : 0;
	int ok = n > 0 && n < sizeof r->ctx.request_id;

	for (i = 0; ok && i < n; i++)
		ok = isalnum((unsigned char)h[i]) || h[i] == '-' || h[i] == '_' || h[i] == '.';
	if (ok)
		memcpy(r->ctx.request_id, h, n + 1);
	else
		random_id(r->ctx.request_id);
}

/* Access-Control-* headers for an allowed Origin, or "". */
static void cors_headers(struct server *s, struct req *r, char *out, size_t outlen)
{
	const char *origin = mg_get_header(r->mc, "Origin");
	const char *list = s->cfg->cors_origins;
	size_t n = origin ? strlen(origin) : 0;
	const char *p;

	out[0] = '\0';
	if (!origin || !*list || n > 200)
		return;
	for (p = list; *p;) {
		size_t l = strcspn(p, ", ");
		if ((l == n && strncmp(p, origin, n) == 0) || (l == 1 && *p == '*')) {
			snprintf(out, outlen, "Access-Control-Allow-Origin: %s\r\nVary: Origin\r\n"
				 "Access-Control-Expose-Headers: ETag, Location, X-Request-Id, Retry-After\r\n",
				 origin);
			return;
		}
		p += l;
		while (*p == ',' || *p == ' ')
			p++;
	}
}

int http_dispatch(struct mg_connection *mc, void *data)
{
	struct server *s = data;
	const struct mg_request_info *ri = mg_get_request_info(mc);
	struct req *r = calloc(1, sizeof *r);
	char allow[64], cors[512], uri[1024];
	int64_t us, t0 = now_us();
	const char *raw = ri->local_uri ? ri->local_uri : "/";
	int i, status, n;

	if (!r) {
		mg_printf(mc, "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
		return 503;
	}
	atomic_fetch_add(&s->in_flight, 1);
	r->mc = mc;
	r->srv = s;
	r->cfg = s->cfg;
	r->method = ri->request_method;
	r->ctx.pool = s->pool;
	r->if_match = -1;
	request_id(r);
	cors_headers(s, r, cors, sizeof cors);

	/* civetweb leaves the path encoded (decode_url=no): decoded here, so
	 * that a %00 cannot cut it short and bad UTF-8 never reaches SQL. */
	n = mg_url_decode(raw, (int)strlen(raw), uri, (int)sizeof uri, 0);
	if (n < 0 || memchr(uri, '\0', (size_t)n)) {
		snprintf(r->path, sizeof r->path, "/");
		bdg_fail(&r->ctx.err, 400, "bad_request", "The request path is too long or holds a NUL byte.");
		snprintf(r->extra_headers, sizeof r->extra_headers, "Connection: close\r\n");
		goto problem;
	}
	if (atomic_load(&s->stopping)) {
		snprintf(r->path, sizeof r->path, "%.500s", uri);
		bdg_fail(&r->ctx.err, 503, "stopping", "The server is stopping; try again shortly.");
		snprintf(r->extra_headers, sizeof r->extra_headers, "Connection: close\r\n");
		goto problem;
	}

	if (strncmp(uri, API_PREFIX, sizeof API_PREFIX - 1) != 0 ||
	    (uri[sizeof API_PREFIX - 1] != '/' && uri[sizeof API_PREFIX - 1] != '\0')) {
		snprintf(r->path, sizeof r->path, "%.500s", uri);
		if (strcmp(uri, "/metrics") == 0 && strcmp(r->method, "GET") == 0)
			metrics_render(r, s);
		else if (web_serve(r, s) < 0)
			goto problem;
		send_response(r, "");
		goto done;
	}
	r->api = 1;
	snprintf(r->path, sizeof r->path, "%.500s", uri + sizeof API_PREFIX - 1);
	if (!r->path[0])
		snprintf(r->path, sizeof r->path, "/");

	if (strcmp(r->method, "OPTIONS") == 0) {
		match_route(s, r, allow, sizeof allow);
		r->status = 204;
		snprintf(r->extra_headers, sizeof r->extra_headers,
			 "Allow: %s\r\nAccess-Control-Allow-Methods: %s\r\n"
			 "Access-Control-Allow-Headers: Authorization, Content-Type, If-Match, If-None-Match, "
			 "Idempotency-Key, X-Request-Id, Accept\r\nAccess-Control-Max-Age: 600\r\n",
			 allow[0] ? allow : "OPTIONS", allow[0] ? allow : "OPTIONS");
		send_response(r, cors);
		goto done;
	}
	r->route = match_route(s, r, allow, sizeof allow);
	if (!r->route) {
		if (allow[0]) {
			snprintf(r->extra_headers, sizeof r->extra_headers, "Allow: %s\r\n", allow);
			bdg_fail(&r->ctx.err, 405, "method_not_allowed", "%s is not allowed here; use %s.",
				 r->method, allow);
		} else {
			bdg_fail(&r->ctx.err, 404, "not_found", "There is no such route.");
		}
		goto problem;
	}
	for (i = 0; i < r->nparam; i++) {
		if (!utf8_valid(r->param[i], strlen(r->param[i]))) {
			bdg_fail(&r->ctx.err, 404, "not_found", "No such resource, or it is out of your reach.");
			goto problem;
		}
	}
	if (parse_query(r, ri->query_string) < 0)
		goto problem;
	if (r->route->role > ROLE_NONE) {
		if (authenticate(s, r) < 0)
			goto problem;
		if (s->rl && ratelimit_take(s->rl, r->ctx.who.sub) < 0) {
			bdg_fail(&r->ctx.err, 429, "rate_limited", "Too many requests for this token; slow down.");
			goto problem;
		}
	}
	r->content_type = mg_get_header(mc, "Content-Type");
	r->accept = mg_get_header(mc, "Accept");
	if (strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0 && strcmp(r->method, "DELETE") != 0) {
		if (read_body(r, (r->route->flags & RF_BULK) ? s->cfg->bulk_body_max : s->cfg->body_max) < 0 ||
		    decode_body(r) < 0)
			goto problem;
	}
	if (parse_if_match(r) < 0)
		goto problem;
	if (s->read_pool != s->pool && strcmp(r->method, "GET") == 0)
		r->ctx.pool = s->read_pool;
	r->status = 200;
	r->export_mode = export_mode(r);
	if (r->export_mode ? run_export(r) < 0 : run_handler(r) < 0)
		goto problem;
	ctx_release(&r->ctx);
	send_response(r, cors);
	goto done;
problem:
	ctx_release(&r->ctx);
	send_problem(r, cors);
done:
	status = r->status < 0 ? -r->status : r->status;
	atomic_fetch_add(&s->requests, 1);
	atomic_fetch_add(status >= 500 ? &s->status_5xx : status >= 400 ? &s->status_4xx
			 : status >= 300 ? &s->status_3xx : &s->status_2xx, 1);
	us = now_us() - t0;
	atomic_fetch_add(&s->duration_us, (long)us);
	log_request(r, us);
	ctx_release(&r->ctx);
	for (i = 0; i < r->nquery; i++) {
		free(r->query[i].name);
		free(r->query[i].value);
	}
	for (i = 0; r->export_cols && i < r->export_ncols; i++)
		free(r->export_cols[i]);
	free(r->export_cols);
	json_decref(r->body);
	json_decref(r->problem_errors);
	free(r->body_raw);
	free(r->out);
	free(r);
	atomic_fetch_sub(&s->in_flight, 1);
	return status;
}

/* hello.c: the HTTP limit of the benchmark. A civetweb 1.15 server with the
 * options bdgd uses (keep-alive, tcp_nodelay, one thread per connection)
 * whose only handler answers a fixed JSON body with a Content-Length, so
 * that wrk against it measures what civetweb and loopback TCP allow.
 *
 *   bench-hello HOST:PORT [THREADS] [BYTES]
 *
 * With BYTES, the body is a JSON array of strings of that many bytes: the
 * HTTP limit for an answer the size of a list page (sent, like bdgd's,
 * with its head in one write).
 *
 * Stops on SIGTERM or SIGINT. */
#include <civetweb.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char small[] = "{\"status\":\"ok\"}";
static char *response;          /* head and body */
static size_t response_len;

static int hello(struct mg_connection *mc, void *data)
{
	(void)data;
	mg_write(mc, response, response_len);
	return 200;
}

/* The whole answer, head and body, built once. */
static int make_response(long bytes)
{
	char head[160];
	size_t hn, n = bytes > 0 ? (size_t)bytes : sizeof small - 1;

	hn = (size_t)snprintf(head, sizeof head,
			      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n", n);
	response = malloc(hn + n);
	if (!response)
		return -1;
	memcpy(response, head, hn);
	if (bytes <= 0) {
		memcpy(response + hn, small, n);
	} else {
		/* ["xxxx…", "xxxx…", …]: strings of 1,000 bytes (enough for
		 * any size above 2). */
		char *b = response + hn;
		size_t i;
		memset(b, 'x', n);
		b[0] = '[';
		b[n - 1] = ']';
		for (i = 1; i + 1 < n; i += 1000) {
			b[i] = '"';
			if (i + 999 < n - 1) {
				b[i + 997] = '"';
				b[i + 998] = ',';
				b[i + 999] = ' ';
			} else {
				b[n - 2] = '"';
			}
		}
		if (n < 4)
			memset(b + 1, ' ', n > 2 ? n - 2 : 0);
	}
	response_len = hn + n;
	return 0;
}

int main(int argc, char **argv)
{
	const char *opts[16];
	struct mg_callbacks cb;
	struct mg_context *ctx;
	sigset_t set;
	int sig, o = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: bench-hello HOST:PORT [THREADS] [BYTES]\n");
		return 2;
	}
	if (make_response(argc > 3 ? atol(argv[3]) : 0) < 0)
		return 1;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	mg_init_library(0);
	opts[o++] = "listening_ports";
	opts[o++] = argv[1];
	opts[o++] = "num_threads";
	opts[o++] = argc > 2 ? argv[2] : "128";
	opts[o++] = "enable_keep_alive";
	opts[o++] = "yes";
	opts[o++] = "keep_alive_timeout_ms";
	opts[o++] = "30000";
	opts[o++] = "tcp_nodelay";
	opts[o++] = "1";
	opts[o] = NULL;
	memset(&cb, 0, sizeof cb);
	ctx = mg_start(&cb, NULL, opts);
	if (!ctx) {
		fprintf(stderr, "bench-hello: cannot listen on %s\n", argv[1]);
		return 1;
	}
	mg_set_request_handler(ctx, "**", hello, NULL);
	sigwait(&set, &sig);
	mg_stop(ctx);
	mg_exit_library();
	free(response);
	return 0;
}

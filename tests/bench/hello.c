/* hello.c: the HTTP limit of the benchmark. A civetweb 1.15 server with the
 * options bdgd uses (keep-alive, tcp_nodelay, one thread per connection)
 * whose only handler answers a fixed JSON body with a Content-Length, so
 * that wrk against it measures what civetweb and loopback TCP allow.
 *
 *   bench-hello HOST:PORT [THREADS]
 *
 * Stops on SIGTERM or SIGINT. */
#include <civetweb.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char body[] = "{\"status\":\"ok\"}";

static int hello(struct mg_connection *mc, void *data)
{
	(void)data;
	mg_printf(mc, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
		  sizeof body - 1, body);
	return 200;
}

int main(int argc, char **argv)
{
	const char *opts[16];
	struct mg_callbacks cb;
	struct mg_context *ctx;
	sigset_t set;
	int sig, o = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: bench-hello HOST:PORT [THREADS]\n");
		return 2;
	}
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
	return 0;
}

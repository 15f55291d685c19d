/* pgembed.h: the embedded PostgreSQL cluster bdgd runs when no
 * BDG_DATABASE_URL is given.
 *
 * Under <data_dir>/pg the cluster is created on first start (initdb, UTF8,
 * C.UTF-8), started with pg_ctl on a private unix socket directory
 * (<data_dir>/run, listen_addresses=''), and stopped on exit. Started as
 * root, it runs as the unprivileged `postgres` user, who must reach the
 * data directory and every folder above it; when it cannot, a reachable
 * fallback directory is used and the log says which. A stale
 * postmaster.pid left by a crash is removed when its process is gone. */
#ifndef BDG_PGEMBED_H
#define BDG_PGEMBED_H

#include <stddef.h>

struct pgembed {
	char data_dir[1024];     /* the directory actually used (maybe the fallback) */
	char pgdata[1100];       /* <data_dir>/pg */
	char sockdir[1100];      /* <data_dir>/run */
	int port;                /* port number naming the socket (no TCP) */
	int started;             /* 1 when this process started it (and must stop it) */
	char conninfo[1400];     /* libpq conninfo to reach it: host=<sockdir> port=… dbname=bdg user=bdg */
};

/* Create (if needed) and start the cluster for data_dir; create the
 * database `bdg` and role `bdg` on first start. Returns 0, or -1 with a
 * one-line message in errbuf. */
int pgembed_start(struct pgembed *pg, const char *data_dir, char *errbuf, size_t errlen);

/* Stop the cluster if this process started it (pg_ctl stop -m fast). */
void pgembed_stop(struct pgembed *pg);

#endif

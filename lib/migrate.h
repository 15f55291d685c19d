/* migrate.h: applying the numbered SQL files of migrations/ (compiled into
 * the binary by tools/embed.py) in order, each in its own transaction,
 * recorded in bdg_migrations with a SHA-256 checksum. Refuses to run when
 * an applied file has changed or an applied file is missing. Safe when
 * several bdgd start at once (an advisory lock serialises them). */
#ifndef BDG_MIGRATE_H
#define BDG_MIGRATE_H

#include <stddef.h>
#include <libpq-fe.h>

struct embedded_file {
	const char *name;       /* "001_core.sql" */
	const char *data;
	size_t len;
};

/* Generated at build time: the migrations, sorted by name, ending with a
 * {NULL, NULL, 0} entry; and the demo data script. */
extern const struct embedded_file bdg_migrations[];
extern const struct embedded_file bdg_demo_sql[];
extern const struct embedded_file bdg_static[];      /* openapi.yaml */

/* Apply what is pending. Returns the number applied (>= 0), or -1 with a
 * one-line message in errbuf. `verbose` logs each file applied. */
int migrate_run(PGconn *conn, int verbose, char *errbuf, size_t errlen);

#endif

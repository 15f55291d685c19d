/* idem.h: Idempotency-Key for POST. The key is claimed inside the write's
 * own transaction (INSERT … ON CONFLICT DO NOTHING under the primary key
 * (actor, key)), so a concurrent retry waits for the first and then replays
 * its stored answer; the same key with another body is 422. */
#ifndef BDG_IDEM_H
#define BDG_IDEM_H

#include "ctx.h"

struct idem_stored {
	int status;
	char *body;             /* malloc'd */
	char *location;         /* malloc'd, may be empty */
};

/* Claim key for the caller inside the open transaction (ctx_begin first).
 * Returns 1 when claimed (run the request, then idem_store), 0 when an
 * earlier answer exists (*out filled; the caller frees its strings), -1 on
 * error (422 when the key was used for another request). */
int idem_claim(struct bdg_ctx *c, const char *key, const char *request_hash,
	       struct idem_stored *out);

/* Record the answer of the claimed key, in the same transaction. */
int idem_store(struct bdg_ctx *c, const char *key, int status, const char *body,
	       const char *location);

#endif

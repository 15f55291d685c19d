/* target.h: the targets a plan sets (chỉ tiêu kế hoạch), read and replaced
 * as one set per plan: {"targets": [{indicator, unit, sex, year, baseline,
 * target}, ...]}.
 *
 * The set's ETag is not a row version: it is a 60-bit hash of the set's
 * document (plus 1, so never 0), computed by SQL from what a GET shows. It
 * changes whenever any target of the plan is added, changed or removed, by
 * any writer, and an unchanged set keeps its ETag. The plan's own version
 * is not used: targets change after issue, when the plan is frozen.
 * Returns 0 or -1 with c->err set; doc is malloc'd JSON the caller frees. */
#ifndef BDG_TARGET_H
#define BDG_TARGET_H

#include <jansson.h>

#include "ctx.h"
#include "valid.h"

/* One target (the items of target_set_fields; bulk's target items too). */
extern const struct vfield target_fields[];
extern const struct vfield target_set_fields[];

/* The plan's target set and its ETag (404 when the plan is out of reach). */
int target_get(struct bdg_ctx *c, long long plan, char **doc, long long *etag);

/* Replace the plan's whole set with body's, in one transaction: targets
 * not in the body are deleted, the others created or updated (an unchanged
 * target is not written, so it gets no audit row). if_etag <= 0: no check;
 * otherwise 412 unless it is the set's current ETag. Errors name the item:
 * /targets/3/target. */
int target_replace(struct bdg_ctx *c, long long plan, const json_t *body, long long if_etag,
		   char **doc, long long *etag);

#endif

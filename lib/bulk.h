/* bulk.h: POST /bulk — many resources by natural key in one atomic batch.
 *
 * Sections are applied in dependency order (units, indicators, plans,
 * activities, targets, reports), each item checked for shape by its
 * resource's field table and then upserted by bdg.bulk_<section> in SQL
 * (authorization per item, as for single writes). One bad item rejects the
 * whole batch: the answer names every bad item by its JSON path. */
#ifndef BDG_BULK_H
#define BDG_BULK_H

#include <jansson.h>

#include "ctx.h"

#define BULK_MAX_ERRORS 1000

/* Run the batch. Returns 0 with *summary ({"dry_run":…, "<section>":
 * {"created","updated","unchanged","rejected"}}); or -1 with c->err set,
 * and for rejected items *errors (a JSON array of {field, message}) that the
 * caller puts into the problem body. The caller owns both. */
int bulk_run(struct bdg_ctx *c, const json_t *body, int dry_run, json_t **summary,
	     json_t **errors);

#endif

/* bulk.h: POST /bulk and POST /bulk/{resource} — many resources by natural
 * key in one atomic batch, from JSON or from a CSV file.
 *
 * Sections are applied in dependency order: units, indicators, plans (as
 * drafts), activities, then the plans sent as "issued" are issued, targets,
 * reports. Each item is checked for shape by its resource's field table in
 * C, staged with COPY into a temporary table, then upserted by
 * bdg.bulk_section in SQL (migrations/010_bulk_sections.sql: set-based
 * checks and writes, authorization per item as for single writes). One bad
 * item rejects the whole batch: the answer names every bad item by its
 * JSON pointer (/units/3/parent) or, for CSV, by its row as a spreadsheet
 * numbers it (/rows/12/value: the header is row 1). A re-sent batch is all
 * "unchanged" and writes nothing. Memory stays bounded: items go to the
 * database one at a time. */
#ifndef BDG_BULK_H
#define BDG_BULK_H

#include <stddef.h>

#include <jansson.h>

#include "ctx.h"

#define BULK_MAX_ERRORS 1000

/* Run a JSON batch ({"units": [...], "plans": [...], ...}). Returns 0 with
 * *summary ({"dry_run":…, "<section>": {"created","updated","unchanged",
 * "rejected"}}); or -1 with c->err set, and for rejected items *errors (a
 * JSON array of {field, message, status}) that the caller puts into the
 * problem body. The caller owns both. */
int bulk_run(struct bdg_ctx *c, const json_t *body, int dry_run, json_t **summary,
	     json_t **errors);

/* 1 when resource is one a CSV file can be imported into: units,
 * indicators, activities, targets, report_values. */
int bulk_csv_resource(const char *resource);

/* Run a CSV file (len bytes of text) of one resource, as bulk_run. Each
 * data row becomes one item of the resource's section (report_values rows
 * become the values of report items). */
int bulk_run_csv(struct bdg_ctx *c, const char *resource, const char *text, size_t len,
		 int dry_run, json_t **summary, json_t **errors);

#endif

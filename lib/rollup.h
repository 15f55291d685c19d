/* rollup.h: what a unit above reads from the reports below it, each as one
 * set-based statement: completeness of a plan or of a subtree, the reports
 * overdue (the missing ones included), the roll-up of indicators over a
 * subtree, and the consolidation of the recipients' accepted reports into
 * the issuing unit's own report. Every function returns 0 or -1 with
 * c->err set; doc and items are malloc'd JSON text the caller frees. */
#ifndef BDG_ROLLUP_H
#define BDG_ROLLUP_H

#include "ctx.h"
#include "page.h"

/* GET /plans/{id}/completeness: every recipient × reporting period (only
 * period when not NULL) with its report's status, totals, missing units. */
int rollup_plan_completeness(struct bdg_ctx *c, const char *plan, const char *period, char **doc);

/* GET /units/{code}/completeness: the same over every issued plan
 * addressed to a unit of the subtree (one row per plan × recipient ×
 * period). */
int rollup_unit_completeness(struct bdg_ctx *c, const char *code, const char *period, char **doc);

/* GET /reports/overdue: reports due before as_of (today in Vietnam when
 * NULL) and not sent (draft, returned) or missing, of the units under
 * `under` (the caller's unit when NULL). A list page keyed by
 * "due_on plan unit period". */
int rollup_overdue(struct bdg_ctx *c, const char *under, const char *as_of, const struct page *pg,
		   char **items, char *next, size_t nextlen);

/* GET /units/{code}/rollup: indicators (comma-separated codes) over the
 * subtree for a period by their aggregation rules; accepted reports only,
 * or submitted ones too; plan restricts to one plan (NULL: all). */
int rollup_indicators(struct bdg_ctx *c, const char *code, const char *indicators, const char *period,
		      int include_submitted, const char *plan, char **doc);

/* POST /reports/{id}/consolidate: fill the issuing unit's own report from
 * its recipients' accepted reports (bdg.report_consolidate). */
int rollup_consolidate(struct bdg_ctx *c, const char *id, long long if_version,
		       char **doc, long long *version);

#endif

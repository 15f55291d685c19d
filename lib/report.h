/* report.h: reports (báo cáo) on a plan for a period: reads within reach,
 * drafts written by editors of the reporting unit's subtree, and the
 * workflow (submit by the reporting unit's approver; accept or return by
 * the addressee's). The rules are 008_reports.sql's; this file checks the
 * shape of bodies and who may act. Every function returns 0 or -1 with
 * c->err set; doc, items and html are malloc'd text the caller frees. */
#ifndef BDG_REPORT_H
#define BDG_REPORT_H

#include <jansson.h>

#include "ctx.h"
#include "page.h"
#include "valid.h"

/* One value of a report (report_fields' values; bulk's report values). */
extern const struct vfield report_value_fields[];
extern const char *const report_result_statuses[];
extern const struct vfield report_fields[];
extern const struct vfield report_return_fields[];

struct report_filter {
	const char *plan;       /* id */
	const char *unit;       /* code: that unit's reports */
	const char *under;      /* code: reports of units in that subtree */
	const char *period;
	const char *status;     /* draft | submitted | accepted | returned */
	const char *q;          /* diacritic-free search in the texts */
	int overdue;            /* 1: not sent (draft, returned) and due before as_of */
	const char *as_of;      /* date; today in Vietnam when NULL */
};

/* Keys are report ids as decimal text. */
int report_get(struct bdg_ctx *c, const char *id, char **doc, long long *version);
int report_list(struct bdg_ctx *c, const struct report_filter *f, const struct page *pg,
		char **items, char *next, size_t nextlen);
int report_create(struct bdg_ctx *c, const json_t *body, char **doc, long long *version);
int report_update(struct bdg_ctx *c, const char *id, const json_t *body,
		  long long if_version, char **doc, long long *version);
int report_delete(struct bdg_ctx *c, const char *id, long long if_version);

/* The workflow. if_version <= 0: no If-Match. body of report_return:
 * {"reason": "..."}. */
int report_submit(struct bdg_ctx *c, const char *id, long long if_version,
		  char **doc, long long *version);
int report_accept(struct bdg_ctx *c, const char *id, long long if_version,
		  char **doc, long long *version);
int report_return(struct bdg_ctx *c, const char *id, const json_t *body, long long if_version,
		  char **doc, long long *version);

/* The printable HTML document (administrative layout, lib/document.h). */
int report_document(struct bdg_ctx *c, const char *id, char **html, long long *version);

/* After a write touched no row: 404 when the caller cannot see report id,
 * 403 when it sees it but may not write it. Always returns -1. Shared with
 * rollup.c. */
int report_missed(struct bdg_ctx *c, const char *id);

#endif

/* indicator.h: the indicator catalogue (chỉ tiêu): read by every token,
 * written only by admins of a root unit. Every function returns 0 or -1
 * with c->err set; doc and items are malloc'd JSON text the caller frees. */
#ifndef BDG_INDICATOR_H
#define BDG_INDICATOR_H

#include <jansson.h>

#include "ctx.h"
#include "page.h"
#include "valid.h"

extern const struct vfield indicator_fields[];

struct indicator_filter {
	const char *measure;            /* count | percent | ratio */
	const char *aggregation;        /* sum | ratio | max | latest */
	const char *sex_disaggregated;  /* "true" | "false" */
	const char *active;             /* "true" | "false" */
	const char *q;                  /* diacritic-free words in code and name */
};

/* The sexes a value is given for (female, male, total): of indicators,
 * targets and report values alike. */
extern const char *const indicator_sexes[];
extern const char *const indicator_measures[];
extern const char *const indicator_aggregations[];

int indicator_get(struct bdg_ctx *c, const char *code, char **doc, long long *version);
int indicator_list(struct bdg_ctx *c, const struct indicator_filter *f, const struct page *pg,
		   char **items, char *next, size_t nextlen);
int indicator_create(struct bdg_ctx *c, const json_t *body, char **doc, long long *version);
/* PUT: the whole indicator; code cannot change. if_version <= 0: no check. */
int indicator_update(struct bdg_ctx *c, const char *code, const json_t *body,
		     long long if_version, char **doc, long long *version);

#endif

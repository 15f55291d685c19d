/* activity.h: the activities (nội dung, nhiệm vụ) of plans. Read by the
 * plan's readers and by the units that lead or coordinate them
 * (bdg.activity_visible); added, changed and deleted by the editors who may
 * write the plan while it is a draft; status and progress also by the
 * editors of the lead unit's subtree, even after the plan is issued. Ids
 * are decimal text. Every function returns 0 or -1 with c->err set; doc
 * and items are malloc'd JSON text the caller frees. */
#ifndef BDG_ACTIVITY_H
#define BDG_ACTIVITY_H

#include <jansson.h>

#include "ctx.h"
#include "page.h"
#include "valid.h"

extern const struct vfield activity_fields[];
extern const char *const activity_categories[];
extern const char *const activity_statuses[];

struct activity_filter {
	const char *plan;         /* decimal id */
	const char *category;
	const char *lead_unit;    /* code */
	const char *unit;         /* code: the lead or a coordinating unit */
	const char *status;
	const char *from, *to;    /* dates: activities overlapping [from, to] */
	const char *under;        /* code: plans issued within that unit's subtree */
};

int activity_get(struct bdg_ctx *c, const char *id, char **doc, long long *version);
/* Across plans, in id order. */
int activity_list(struct bdg_ctx *c, const struct activity_filter *f, const struct page *pg,
		  char **items, char *next, size_t nextlen);
/* One plan's, in document order (section number, then id); 404 when the
 * caller cannot read the plan. The page key is "{2,3,1}/17". */
int activity_list_plan(struct bdg_ctx *c, const char *plan_id, const struct page *pg,
		       char **items, char *next, size_t nextlen);
/* 1 when key is a page key of activity_list_plan. */
int activity_plan_key_valid(const char *key);
/* *id receives the new activity's id. */
int activity_create(struct bdg_ctx *c, const char *plan_id, const json_t *body,
		    char **doc, long long *version, long long *id);
int activity_update(struct bdg_ctx *c, const char *id, const json_t *body,
		    long long if_version, char **doc, long long *version);
int activity_delete(struct bdg_ctx *c, const char *id, long long if_version);

#endif

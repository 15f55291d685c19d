/* plan.h: plans (kế hoạch, công văn hướng dẫn): reads through
 * bdg.plan_visible, writes by editors of the issuing unit's ancestors and
 * the unit itself, the lifecycle actions of the issuing unit's approvers,
 * the cascade tree and the printable document. Ids are passed as decimal
 * text (the handlers check them). Every function returns 0 or -1 with
 * c->err set; doc, items and html are malloc'd text the caller frees. */
#ifndef BDG_PLAN_H
#define BDG_PLAN_H

#include <jansson.h>

#include "ctx.h"
#include "db.h"
#include "page.h"
#include "valid.h"

extern const struct vfield plan_fields[];
extern const struct vfield plan_issue_fields[];
extern const struct vfield plan_cancel_fields[];
extern const struct vfield plan_supersede_fields[];
extern const char *const plan_types[];
extern const char *const plan_statuses[];

struct plan_filter {
	const char *unit;         /* code: plans issued by that unit */
	const char *under;        /* code: plans issued within that unit's subtree */
	const char *year;         /* decimal */
	const char *status;
	const char *type;
	const char *parent_plan;  /* decimal id: plans implementing it */
	const char *q;            /* diacritic-free words in number, title, objectives */
};

/* What the caller may do with one plan it can read (row locked FOR UPDATE
 * inside a write transaction). */
struct plan_access {
	long long version;
	int writable;             /* issued within the caller's subtree */
	int own;                  /* issued by the caller's own unit */
	char status[16];
	char unit[72];            /* the issuing unit's code */
};

int plan_get(struct bdg_ctx *c, const char *id, char **doc, long long *version);
int plan_list(struct bdg_ctx *c, const struct plan_filter *f, const struct page *pg,
	      char **items, char *next, size_t nextlen);
/* *id receives the new plan's id. */
int plan_create(struct bdg_ctx *c, const json_t *body, char **doc, long long *version, long long *id);
int plan_update(struct bdg_ctx *c, const char *id, const json_t *body,
		long long if_version, char **doc, long long *version);
int plan_delete(struct bdg_ctx *c, const char *id, long long if_version);

/* Lifecycle, for approvers (and admins) of the issuing unit itself. body
 * may be NULL for issue; if_version <= 0 skips the version check. */
int plan_issue(struct bdg_ctx *c, const char *id, const json_t *body,
	       long long if_version, char **doc, long long *version);
int plan_cancel(struct bdg_ctx *c, const char *id, const json_t *body,
		long long if_version, char **doc, long long *version);
int plan_supersede(struct bdg_ctx *c, const char *id, const json_t *body,
		   long long if_version, char **doc, long long *version);

/* The cascade below a plan (bdg.plan_tree) as JSON text. */
int plan_tree(struct bdg_ctx *c, const char *id, char **doc);
/* The plan as a printable HTML page (administrative document layout). */
int plan_document(struct bdg_ctx *c, const char *id, char **html, size_t *len);

/* Shared with activity.c. plan_access: the plan as the caller may use it
 * (404 when it cannot read it). plan_problems: run a statement returning
 * rows (field, message); any row is a 422 naming every field. */
int plan_access(struct bdg_ctx *c, const char *id, struct plan_access *a);
int plan_problems(struct bdg_ctx *c, const struct db_stmt *st, const char *const *params);

#endif

/* constraint.h: what a violated database constraint means to a caller.
 * One table (lib/constraint.c) maps constraint names to an HTTP status, the
 * JSON field at fault and a message; db.c consults it for SQLSTATE 23xxx. */
#ifndef BDG_CONSTRAINT_H
#define BDG_CONSTRAINT_H

struct constraint_rule {
	const char *name;       /* constraint name in the migrations */
	int status;             /* 409 or 422 */
	const char *field;      /* JSON pointer, or NULL */
	const char *message;
};

/* The rule for a constraint name, or NULL. */
const struct constraint_rule *constraint_find(const char *name);

#endif

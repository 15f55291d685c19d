/* routes.c: every route table bdgd serves, one per resource file. To add a
 * resource: write api/<resource>.c ending in its table, and list it here. */
#include <stddef.h>

#include "route.h"

extern const struct route system_routes[];
extern const struct route unit_routes[];
extern const struct route plan_routes[];
extern const struct route activity_routes[];
extern const struct route indicator_routes[];
extern const struct route target_routes[];
extern const struct route change_routes[];
extern const struct route report_routes[];
extern const struct route bulk_routes[];

const struct route *const route_tables[] = {
	system_routes,
	unit_routes,
	plan_routes,
	activity_routes,
	indicator_routes,
	target_routes,
	report_routes,
	change_routes,
	bulk_routes,
	NULL,
};

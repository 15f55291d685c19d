/* constraint.c: the table of constraint names → status, field, message.
 * Add a row for every named constraint a caller can violate. */
#include "constraint.h"

#include <string.h>

static const struct constraint_rule rules[] = {
	/* units (002_units.sql) */
	{"unit_code_key", 409, "/code", "a unit with this code already exists"},
	{"unit_code_format", 422, "/code", "must be 1-64 capital letters, digits, '.', '_' or '-'"},
	{"unit_name_length", 422, "/name", "must be 1 to 300 characters"},
	{"unit_kind_enum", 422, "/kind", "is not a known unit kind"},
	{"unit_valid_order", 422, "/valid_to", "must not be before valid_from"},
	{"unit_successor_self", 422, "/successor", "a unit cannot succeed itself"},
	{"unit_parent_id_fkey", 409, NULL, "the unit still has subunits"},
	{"unit_successor_id_fkey", 409, NULL, "the unit is the successor of another unit"},
};

const struct constraint_rule *constraint_find(const char *name)
{
	size_t i;

	if (!name)
		return NULL;
	for (i = 0; i < sizeof rules / sizeof rules[0]; i++)
		if (strcmp(rules[i].name, name) == 0)
			return &rules[i];
	return NULL;
}

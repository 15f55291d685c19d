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

	/* plans (003_plans.sql) */
	{"plan_number_format", 422, "/number", "is not a document number such as 595/KH-SYT"},
	{"plan_number_unique", 409, "/number", "the unit already has a plan with this number in this year"},
	{"plan_year_range", 422, "/year", "must be a year from 1990 to 2100"},
	{"plan_type_enum", 422, "/type", "must be plan or guidance"},
	{"plan_status_enum", 422, "/status", "is not a known plan status"},
	{"plan_cancelled_status", 422, "/status", "a cancelled plan needs the status cancelled"},
	{"plan_title_length", 422, "/title", "must be 1 to 1000 characters"},
	{"plan_place_length", 422, "/place", "is too long"},
	{"plan_funding_length", 422, "/funding", "is too long"},
	{"plan_signer_length", 422, "/signer", "is too long"},
	{"plan_signer_title_length", 422, "/signer_title", "is too long"},
	{"plan_legal_bases_items", 422, "/legal_bases", "each legal basis must be 1 to 2000 characters"},
	{"plan_objectives_items", 422, "/objectives", "each objective must be 1 to 5000 characters"},
	{"plan_issued_on_year", 422, "/issued_on", "must fall near the plan's year"},
	{"plan_parent_self", 422, "/parent_plan", "a plan cannot implement itself"},
	{"plan_parent_plan_id_fkey", 422, "/parent_plan", "no such plan"},
	{"plan_superseded_self", 422, "/superseded_by", "a plan cannot supersede itself"},
	{"plan_superseded_status", 422, "/superseded_by", "a superseded plan must name the plan that supersedes it"},
	{"plan_superseded_by_id_fkey", 422, "/superseded_by", "no such plan"},
	{"plan_cancelled_reason_required", 422, "/reason", "a reason is required to cancel a plan"},
	{"plan_cancelled_reason_length", 422, "/reason", "is too long"},
	{"plan_unit_id_fkey", 409, "/unit", "the unit still has plans"},
	{"plan_recipient_pkey", 409, "/recipients", "a unit is listed twice"},
	{"plan_recipient_unit_id_fkey", 422, "/recipients", "no such unit"},
	{"plan_reporting_pkey", 409, "/reporting", "a period is listed twice"},
	{"plan_reporting_period_format", 422, "/reporting", "a period must be 2024, 2024-H1, 2024-Q3 or 2024-05"},
	{"plan_reporting_window_order", 422, "/reporting", "data_to must not be before data_from"},
	{"plan_reporting_due_order", 422, "/reporting", "the due date must not be before the start of the data window"},
	/* activities */
	{"activity_section_format", 422, "/section", "must be a section number such as II.3.a"},
	{"activity_category_enum", 422, "/category", "is not a known category"},
	{"activity_title_length", 422, "/title", "must be 1 to 2000 characters"},
	{"activity_description_length", 422, "/description", "is too long"},
	{"activity_dates_order", 422, "/ends_on", "must not be before starts_on"},
	{"activity_budget_nonnegative", 422, "/budget_vnd", "must not be negative"},
	{"activity_status_enum", 422, "/status", "is not a known activity status"},
	{"activity_progress_range", 422, "/progress", "must be from 0 to 100"},
	{"activity_plan_id_fkey", 404, NULL, "no such plan"},
	{"activity_lead_unit_id_fkey", 422, "/lead_unit", "no such unit"},
	{"activity_unit_pkey", 409, "/coordinating_units", "a unit is listed twice"},
	{"activity_unit_unit_id_fkey", 422, "/coordinating_units", "no such unit"},
	/* indicators */
	{"indicator_code_format", 422, "/code", "must be a code of capital letters, digits, '.', '_' or '-'"},
	{"indicator_code_unique", 409, "/code", "an indicator with this code already exists"},
	{"indicator_name_length", 422, "/name", "must be 1 to 500 characters"},
	{"indicator_measure_enum", 422, "/measure", "must be count, percent or ratio"},
	{"indicator_aggregation_enum", 422, "/aggregation", "must be sum, ratio, max or latest"},
	{"indicator_aggregation_measure", 422, "/aggregation", "does not fit the measure"},
	{"indicator_ratio_parts", 422, "/numerator", "a ratio needs a numerator and a denominator indicator"},
	{"indicator_ratio_self", 422, "/numerator", "an indicator cannot be its own numerator or denominator"},
	{"indicator_numerator_id_fkey", 422, "/numerator", "no such indicator"},
	{"indicator_denominator_id_fkey", 422, "/denominator", "no such indicator"},
	{"indicator_numerator_sex_enum", 422, "/numerator_sex", "must be female, male or total"},
	{"indicator_denominator_sex_enum", 422, "/denominator_sex", "must be female, male or total"},
	{"indicator_scale_positive", 422, "/scale", "must be positive"},
	{"indicator_unit_of_measure_length", 422, "/unit_of_measure", "is too long"},
	{"indicator_source_length", 422, "/source", "is too long"},
	{"indicator_description_length", 422, "/description", "is too long"},
	/* targets */
	{"target_sex_enum", 422, "/sex", "must be female, male or total"},
	{"target_year_range", 422, "/year", "must be a year from 1990 to 2100"},
	{"target_baseline_nonnegative", 422, "/baseline", "must not be negative"},
	{"target_target_nonnegative", 422, "/target", "must not be negative"},
	{"target_natural_key", 409, "/indicator", "this indicator already has a target for this unit and sex"},
	{"target_indicator_id_fkey", 422, "/indicator", "no such indicator"},
	{"target_unit_id_fkey", 422, "/unit", "no such unit"},
	{"target_plan_id_fkey", 404, NULL, "no such plan"},
	{"plan_recipient_plan_id_fkey", 404, NULL, "no such plan"},
	{"plan_reporting_plan_id_fkey", 404, NULL, "no such plan"},
	{"activity_unit_activity_id_fkey", 404, NULL, "no such activity"},
	/* reports (006_reports.sql) are listed below this line */
	{"report_natural_key", 409, "/period", "the unit already has a report on this plan for this period"},
	{"report_plan_id_fkey", 422, "/plan", "no such plan"},
	{"report_unit_id_fkey", 409, "/unit", "the unit still has reports"},
	{"report_to_unit_id_fkey", 409, "/unit", "the unit still receives reports"},
	{"report_period_fkey", 422, "/period", "is not one of the plan's reporting periods"},
	{"report_status_enum", 422, "/status", "is not a known report status"},
	{"report_results_length", 422, "/results", "must be at most 20000 characters"},
	{"report_difficulties_length", 422, "/difficulties", "must be at most 20000 characters"},
	{"report_recommendations_length", 422, "/recommendations", "must be at most 20000 characters"},
	{"report_return_reason_length", 422, "/reason", "must be at most 2000 characters"},
	{"report_return_reason_required", 422, "/reason", "a reason is required to return a report"},
	{"report_submitted_status", 422, "/status", "a report that is not a draft has been submitted"},
	{"report_accepted_status", 422, "/status", "an accepted report has its acceptance time"},
	{"report_timeliness", 422, "/status", "on_time and days_late do not agree"},
	{"report_activity_pkey", 409, "/activity_results", "an activity is listed twice"},
	{"report_activity_activity_id_fkey", 422, "/activity_results", "no such activity"},
	{"report_activity_status_enum", 422, "/activity_results", "a status is done, partly or not_done"},
	{"report_activity_sessions_nonnegative", 422, "/activity_results", "sessions must not be negative"},
	{"report_activity_participants_nonnegative", 422, "/activity_results", "participants must not be negative"},
	{"report_activity_notes_length", 422, "/activity_results", "notes must be at most 2000 characters"},
	{"report_value_pkey", 409, "/values", "an indicator and sex are listed twice"},
	{"report_value_indicator_id_fkey", 422, "/values", "no such indicator"},
	{"report_value_sex_enum", 422, "/values", "a sex is female, male or total"},
	{"report_value_nonnegative", 422, "/values", "a value must not be negative"},
	{"report_activity_report_id_fkey", 404, NULL, "no such report"},
	{"report_value_report_id_fkey", 404, NULL, "no such report"},
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

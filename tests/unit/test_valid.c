/* test_valid.c: body validation by field table. */
#include <jansson.h>

#include "check.h"
#include "valid.h"

static const char *const kinds[] = {"a", "b", NULL};
static const struct vfield sub[] = {
	{"unit", V_CODE, VF_REQUIRED, 0, 0, NULL, NULL},
	{"n", V_INT, 0, 0, 100, NULL, NULL},
	{NULL, 0, 0, 0, 0, NULL, NULL},
};
static const struct vfield spec[] = {
	{"id", V_ID, VF_READONLY, 0, 0, NULL, NULL},
	{"name", V_STRING, VF_REQUIRED, 0, 5, NULL, NULL},
	{"kind", V_ENUM, VF_REQUIRED, 0, 0, kinds, NULL},
	{"on", V_DATE, VF_NULLABLE, 0, 0, NULL, NULL},
	{"period", V_PERIOD, 0, 0, 0, NULL, NULL},
	{"list", V_OBJECTS, 0, 0, 0, NULL, sub},
	{"tags", V_STRINGS, 0, 0, 10, NULL, NULL},
	{NULL, 0, 0, 0, 0, NULL, NULL},
};

static int check(const char *text, struct bdg_err *err)
{
	json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
	int rc;

	bdg_err_clear(err);
	rc = valid_object(j, spec, "", err);
	json_decref(j);
	return rc;
}

int main(void)
{
	struct bdg_err err = {0};

	CHECK_EQ_INT(check("{\"name\":\"Huế\",\"kind\":\"a\"}", &err), 0);
	CHECK_EQ_INT(check("{\"id\":5,\"name\":\"ab\",\"kind\":\"b\",\"on\":null}", &err), 0);
	/* five characters of Vietnamese are five, not their bytes */
	CHECK_EQ_INT(check("{\"name\":\"Hương\",\"kind\":\"a\"}", &err), 0);
	CHECK_EQ_INT(check("{\"name\":\"Hương T\",\"kind\":\"a\"}", &err), -1);
	CHECK_EQ_STR(err.fields[0].field, "/name");
	CHECK_EQ_INT(check("{\"kind\":\"c\",\"extra\":1}", &err), -1);
	CHECK_EQ_INT(err.status, 422);
	CHECK_EQ_INT(err.nfields, 3);
	CHECK_EQ_STR(err.fields[0].field, "/kind");
	CHECK_EQ_STR(err.fields[1].field, "/extra");
	CHECK_EQ_STR(err.fields[2].field, "/name");
	CHECK_EQ_INT(check("{\"name\":1,\"kind\":\"a\"}", &err), -1);
	CHECK_EQ_STR(err.fields[0].message, "must be a string");
	CHECK_EQ_INT(check("{\"name\":\"x\",\"kind\":\"a\",\"on\":\"2019-02-30\"}", &err), -1);
	CHECK_EQ_STR(err.fields[0].field, "/on");
	CHECK_EQ_INT(check("{\"name\":\"x\",\"kind\":\"a\",\"on\":\"2020-02-29\"}", &err), 0);
	CHECK_EQ_INT(check("{\"name\":\"x\",\"kind\":\"a\",\"on\":\"2019-02-29\"}", &err), -1);
	CHECK_EQ_INT(check("{\"name\":\"x\",\"kind\":\"a\",\"period\":\"2024-H3\"}", &err), -1);
	CHECK_EQ_INT(check("{\"name\":\"x\",\"kind\":\"a\",\"period\":\"2024-Q4\"}", &err), 0);
	CHECK_EQ_INT(check("{\"name\":\"x\",\"kind\":\"a\",\"list\":[{\"unit\":\"HUE\"},{\"unit\":\"bad code\",\"n\":101}]}", &err), -1);
	CHECK_EQ_INT(err.nfields, 2);
	CHECK_EQ_STR(err.fields[0].field, "/list/1/unit");
	CHECK_EQ_STR(err.fields[1].field, "/list/1/n");
	CHECK_EQ_INT(check("{\"name\":\"x\",\"kind\":\"a\",\"tags\":[\"a\", 3]}", &err), -1);
	CHECK_EQ_STR(err.fields[0].field, "/tags/1");
	CHECK_EQ_INT(check("[1]", &err), -1);
	CHECK_EQ_INT(err.status, 400);
	CHECK(valid_date("2024-12-31"));
	CHECK(!valid_date("2024-13-01"));
	CHECK(!valid_date("24-12-01"));
	CHECK(valid_code("HUE-SYT"));
	CHECK(!valid_code("hue"));
	CHECK(!valid_code("A'; DROP"));
	/* merge patch */
	json_t *t = json_loads("{\"a\":1,\"b\":{\"c\":2,\"d\":3}}", 0, NULL);
	json_t *p = json_loads("{\"a\":null,\"b\":{\"c\":5},\"e\":[1]}", 0, NULL);
	json_merge_patch(t, p);
	char *s = json_dumps(t, JSON_COMPACT | JSON_SORT_KEYS);
	CHECK_EQ_STR(s, "{\"b\":{\"c\":5,\"d\":3},\"e\":[1]}");
	free(s);
	json_decref(t);
	json_decref(p);
	return CHECK_DONE();
}

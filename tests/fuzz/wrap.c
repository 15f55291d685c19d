/* wrap.c: see wrap.h. */
#include "wrap.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

json_t *__wrap_json_pack(const char *fmt, ...)
{
	json_error_t jerr;
	json_t *j;
	va_list ap;

	va_start(ap, fmt);
	j = json_vpack_ex(&jerr, 0, fmt, ap);
	va_end(ap);
	if (!j) {
		fprintf(stderr, "fuzz: lib/ called json_pack(\"%s\"), which failed: %s\n", fmt, jerr.text);
		abort();
	}
	return j;
}

json_t *__wrap_json_string(const char *value)
{
	json_t *j = __real_json_string(value);

	if (!j && value) {
		fprintf(stderr, "fuzz: lib/ called json_string on text that is not UTF-8: \"%.300s\"\n", value);
		abort();
	}
	return j;
}

json_t *__wrap_json_stringn(const char *value, size_t len)
{
	json_t *j = __real_json_stringn(value, len);

	if (!j && value) {
		fprintf(stderr, "fuzz: lib/ called json_stringn on text that is not UTF-8: \"%.*s\"\n",
			(int)(len < 300 ? len : 300), value);
		abort();
	}
	return j;
}

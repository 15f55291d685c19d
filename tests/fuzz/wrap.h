/* wrap.h: jansson's constructors as lib/ calls them in the fuzz targets.
 *
 * The targets that link wrap.c pass -Wl,--wrap=json_pack (and json_string,
 * json_stringn) so that every call from lib/ goes through __wrap_*: a
 * NULL for a non-NULL argument (text that is not UTF-8, mostly) aborts the
 * run. lib/ builds its error lists with these, and json_array_append_new
 * or json_object_set_new drop a NULL without a word. */
#ifndef BDG_FUZZ_WRAP_H
#define BDG_FUZZ_WRAP_H

#include <jansson.h>

json_t *__real_json_string(const char *value);
json_t *__real_json_stringn(const char *value, size_t len);
json_t *__wrap_json_pack(const char *fmt, ...);
json_t *__wrap_json_string(const char *value);
json_t *__wrap_json_stringn(const char *value, size_t len);

#endif

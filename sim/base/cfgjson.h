/*
 * cfgjson.h - the strict JSON check of every config text (RFC 8259), before cJSON parses it.
 *
 * cJSON is lenient (it takes "016" and "16.", skips control bytes as white space, copies
 * invalid UTF-8, ignores what follows the value); cfg_load_* (cfg.h), the sweep file, trace and
 * safetensors headers pass this check first, so cJSON only builds the tree. cJSON also keeps
 * both members of an object that has a key twice (and finds the first): cfg_json_dup is the one
 * duplicate-key check every reader uses.
 */
#ifndef SPATTEN_CFGJSON_H
#define SPATTEN_CFGJSON_H

#include "base/common.h"

#ifdef __cplusplus
extern "C" {
#endif

struct cJSON;

/* Check that text[0, len) is exactly one JSON text as RFC 8259 defines it: white space is only
 * space, tab, CR and LF; numbers follow the strict grammar (no leading zeros, no "16.", at most
 * 63 characters); strings hold no raw control characters, only the standard escapes, \uXXXX
 * with surrogates paired and not \u0000, and valid UTF-8 (no overlongs, no encoded surrogates,
 * nothing above U+10FFFF); nothing but white space follows the value; objects and arrays nest at
 * most 64 deep. Returns SIM_OK, or SIM_EINVAL with the one line
 * "<name>: malformed JSON at line L, column C: <what is wrong>" (C counts bytes from 1). */
int  cfg_json_check(const char *text, size_t len, const char *name, sim_err *err);
/* cfg_json_check, then cJSON; *out is the parsed top-level object (free with cJSON_Delete), or
 * NULL with SIM_EINVAL ("<name>: top level must be a JSON object" if it is not an object). */
int  cfg_json_parse_object(const char *text, size_t len, const char *name, struct cJSON **out,
                           sim_err *err);
/* The first member, in document order, whose key an earlier member of the same object already
 * has; NULL if there is none. deep = false looks at j's own members only (a reader that checks
 * each member as it walks compares against this one, so its error order is unchanged); deep =
 * true searches every object inside j too, depth first (a member before its own members). With
 * path != NULL (cap bytes), the found member's path is written there: prefix, then ".key" per
 * object level ("key" alone when prefix is empty or NULL) and "[]" per array level, cut at cap - 1
 * bytes. O(n log n) in the members of each object, so a large header cannot make it quadratic. */
const struct cJSON *cfg_json_dup(const struct cJSON *j, bool deep, const char *prefix, char *path,
                                 size_t cap);
#ifdef __cplusplus
}
#endif
#endif

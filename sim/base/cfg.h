/*
 * cfg.h - strict JSON configuration through one declarative field table per kind of config.
 *
 * Every config kind (hw, dram, energy, gpu, workload) declares a static table of fields: key,
 * type, offset in its C struct, range, required or default, allowed names. cfg_load_file():
 *   - checks the text strictly against RFC 8259 (cfg_json_check) before cJSON parses it, and
 *     reports syntax errors with line, column and what is wrong;
 *   - processes an optional top-level "include": "other.json" (path relative to the including
 *     file) first, then applies this file's keys on top (objects merge field by field; lists and
 *     scalars replace); include chains are limited to 8 levels and cycles are errors;
 *   - rejects unknown keys (case-sensitive), duplicate keys, wrong types, non-whole numbers for
 *     integer fields, out-of-range values, unknown enum names (listing the allowed ones);
 *   - path fields (CFG_PATHF) are resolved against the directory of the file that sets them;
 *   - keys starting with "_comment" (any JSON value) are ignored everywhere, for citing sources;
 *   - after all files are applied, checks required fields, then runs the table's cross-field
 *     check, which may also fill derived values.
 * Every error is one line: "<file>: field '<path>' <problem>" with code SIM_EINVAL.
 */
#ifndef SPATTEN_CFG_H
#define SPATTEN_CFG_H

#include "base/common.h"
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

struct cJSON;

#define CFG_PATH_MAX 4096     /* longest path a config field holds, NUL included (PATH_MAX) */

typedef enum cfg_type {
    CFG_U32, CFG_U64, CFG_I32, CFG_F64, CFG_BOOL,
    CFG_STR,        /* char[cap] */
    CFG_ENUM,       /* uint32_t index into names[] */
    CFG_U32_LIST,   /* uint32_t[cap] + uint32_t count at count_off */
    CFG_F64_LIST,   /* double[cap] + uint32_t count at count_off */
    CFG_OBJ         /* nested struct at off, described by sub */
} cfg_type;

typedef struct cfg_table cfg_table;

typedef struct cfg_field {
    const char *key;
    cfg_type    type;
    size_t      off;
    double      lo, hi;          /* inclusive range (numbers, list elements, list/str length) */
    bool        required;
    double      def;             /* default for numbers/bool/enum index when not required */
    const char *def_str;         /* default for CFG_STR */
    const char *const *names;    /* CFG_ENUM: NULL-terminated */
    size_t      cap;             /* CFG_STR buffer size; list capacity */
    size_t      count_off;       /* list element count (uint32_t) */
    const cfg_table *sub;        /* CFG_OBJ */
    const char *doc;             /* one line for docs/config-reference.md */
    bool        is_path;         /* CFG_STR holding a file path: resolved relative to the file
                                    that sets it (so an included file's paths stay correct); a
                                    non-empty one must name an existing regular file at load
                                    time (the error names the config and the field) ... */
    bool        lazy_path;       /* ... unless lazy: the file is used only under a condition
                                    (workload weights/tokens with source weights), so its
                                    reader reports a missing one */
} cfg_field;

struct cfg_table {
    const char      *kind;       /* "hw", "dram", ... */
    const cfg_field *fields;
    size_t           n;
    /* Cross-field rules and derived values; path is the top file. May be NULL. */
    int (*check)(void *obj, const char *path, sim_err *err);
};

/* Field-table helpers (S = struct type). Ranges are inclusive. */
#define CFG_U32F(S, k, f, lo_, hi_, req, d, doc_) \
    { .key = k, .type = CFG_U32, .off = offsetof(S, f), .lo = lo_, .hi = hi_, .required = req, .def = d, .doc = doc_ }
#define CFG_U64F(S, k, f, lo_, hi_, req, d, doc_) \
    { .key = k, .type = CFG_U64, .off = offsetof(S, f), .lo = lo_, .hi = hi_, .required = req, .def = d, .doc = doc_ }
#define CFG_I32F(S, k, f, lo_, hi_, req, d, doc_) \
    { .key = k, .type = CFG_I32, .off = offsetof(S, f), .lo = lo_, .hi = hi_, .required = req, .def = d, .doc = doc_ }
#define CFG_F64F(S, k, f, lo_, hi_, req, d, doc_) \
    { .key = k, .type = CFG_F64, .off = offsetof(S, f), .lo = lo_, .hi = hi_, .required = req, .def = d, .doc = doc_ }
#define CFG_BOOLF(S, k, f, req, d, doc_) \
    { .key = k, .type = CFG_BOOL, .off = offsetof(S, f), .lo = 0, .hi = 1, .required = req, .def = d, .doc = doc_ }
#define CFG_STRF(S, k, f, req, d, doc_) \
    { .key = k, .type = CFG_STR, .off = offsetof(S, f), .lo = 0, .hi = sizeof(((S *)0)->f) - 1, \
      .required = req, .def_str = d, .cap = sizeof(((S *)0)->f), .doc = doc_ }
/* A file path: stored resolved against the directory of the config file that sets it. */
#define CFG_PATHF(S, k, f, req, d, doc_) \
    { .key = k, .type = CFG_STR, .off = offsetof(S, f), .lo = 0, .hi = sizeof(((S *)0)->f) - 1, \
      .required = req, .def_str = d, .cap = sizeof(((S *)0)->f), .doc = doc_, .is_path = true }
#define CFG_ENUMF(S, k, f, nm, req, d, doc_) \
    { .key = k, .type = CFG_ENUM, .off = offsetof(S, f), .required = req, .def = d, .names = nm, .doc = doc_ }
#define CFG_U32LISTF(S, k, f, cnt, lo_, hi_, req, doc_) \
    { .key = k, .type = CFG_U32_LIST, .off = offsetof(S, f), .lo = lo_, .hi = hi_, .required = req, \
      .cap = sizeof(((S *)0)->f) / sizeof(uint32_t), .count_off = offsetof(S, cnt), .doc = doc_ }
#define CFG_F64LISTF(S, k, f, cnt, lo_, hi_, req, doc_) \
    { .key = k, .type = CFG_F64_LIST, .off = offsetof(S, f), .lo = lo_, .hi = hi_, .required = req, \
      .cap = sizeof(((S *)0)->f) / sizeof(double), .count_off = offsetof(S, cnt), .doc = doc_ }
#define CFG_OBJF(S, k, f, tbl, req, doc_) \
    { .key = k, .type = CFG_OBJ, .off = offsetof(S, f), .required = req, .sub = tbl, .doc = doc_ }
#define CFG_NFIELDS(a) (sizeof(a) / sizeof((a)[0]))

/* Load path into *out (zeroed and defaulted first). Returns SIM_OK or SIM_EINVAL/SIM_EIO. */
int  cfg_load_file(const cfg_table *t, const char *path, void *out, sim_err *err);
/* Same from a string; name is used in messages; includes resolve relative to the cwd. */
int  cfg_load_string(const cfg_table *t, const char *json, const char *name, void *out,
                     sim_err *err);
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
/* Serialise the struct back to a cJSON object (for reports: "the config it came from"). */
struct cJSON *cfg_to_json(const cfg_table *t, const void *obj);
/* Markdown reference of a table (key, type, range/names, required/default, doc). */
void cfg_write_markdown(const cfg_table *t, FILE *out);

/* Resolve rel against the directory of base_file into buf (rel absolute: copied). Returns false
 * when the result does not fit cap (buf then holds a truncated path: never use it). */
bool cfg_resolve_path(const char *base_file, const char *rel, char *buf, size_t cap);

#ifdef __cplusplus
}
#endif
#endif

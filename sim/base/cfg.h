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

#include "base/cfgjson.h"
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
    CFG_OBJ,        /* nested struct at off, described by sub */
    CFG_PATH_LIST,  /* char[cap][elem_cap] paths (each resolved as CFG_PATHF) + uint32_t count */
    CFG_JSON        /* any JSON object, kept as a cJSON * (owned; cfg_release frees it) whose
                       members the caller checks; duplicate keys inside it are still errors */
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
    size_t      elem_cap;        /* CFG_PATH_LIST: size of one path buffer */
    size_t      count_off;       /* list element count (uint32_t) */
    const cfg_table *sub;        /* CFG_OBJ */
    const char *doc;             /* one line for docs/config-reference.md */
    bool        is_path;         /* CFG_STR holding a file path: resolved relative to the file
                                    that sets it (so an included file's paths stay correct); in
                                    a "hw" config a non-empty one must name an existing regular
                                    file at load time (the error names the config and field) */
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
/* A list of file paths (char f[N][M]), each resolved like CFG_PATHF. */
#define CFG_PATHLISTF(S, k, f, cnt, req, doc_) \
    { .key = k, .type = CFG_PATH_LIST, .off = offsetof(S, f), .required = req, \
      .cap = sizeof(((S *)0)->f) / sizeof(((S *)0)->f[0]), .elem_cap = sizeof(((S *)0)->f[0]), \
      .count_off = offsetof(S, cnt), .doc = doc_ }
/* A JSON object held as it is (struct cJSON *f); its members are the caller's to check. */
#define CFG_JSONF(S, k, f, req, doc_) \
    { .key = k, .type = CFG_JSON, .off = offsetof(S, f), .required = req, .doc = doc_ }
#define CFG_OBJF(S, k, f, tbl, req, doc_) \
    { .key = k, .type = CFG_OBJ, .off = offsetof(S, f), .required = req, .sub = tbl, .doc = doc_ }
#define CFG_NFIELDS(a) (sizeof(a) / sizeof((a)[0]))

/* Load path into *out (defaulted first). Returns SIM_OK or SIM_EINVAL/SIM_EIO. A table with
 * CFG_JSON fields owns memory afterwards, on success and on failure: cfg_release() frees it. */
int  cfg_load_file(const cfg_table *t, const char *path, void *out, sim_err *err);
/* Same from a string; name is used in messages; includes resolve relative to the cwd. */
int  cfg_load_string(const cfg_table *t, const char *json, const char *name, void *out,
                     sim_err *err);
/* Free what a load left in obj (CFG_JSON values); the fields become NULL. Tables without
 * CFG_JSON fields own nothing, and this is a no-op for them. */
void cfg_release(const cfg_table *t, void *obj);

/* Why a dotted field path does not name a field (cfg_find_path). */
typedef enum cfg_path_rc {
    CFG_PATH_OK,
    CFG_PATH_EMPTY,        /* an empty name ("policy..v_keep", "", "x.") */
    CFG_PATH_INCLUDE,      /* "include" as a component: it names a file, it is not a field */
    CFG_PATH_COMMENT,      /* a "_comment..." component: the loader ignores those keys */
    CFG_PATH_UNKNOWN,      /* a component that is not a field of its table */
    CFG_PATH_NOT_OBJECT    /* a component that is not a CFG_OBJ, followed by more components */
} cfg_path_rc;
/* The field a dotted path ("policy.v_keep") names in t, going through CFG_OBJ fields only, as
 * the loader would reach it; NULL when there is none. *rc says why (CFG_PATH_OK on success);
 * with why non-NULL it also gets the reason as one phrase naming the component, e.g.
 * "'polcy' is not a field of the workload config" or "'topk_comparators' is not an object, so it
 * has no field 'x'". */
const cfg_field *cfg_find_path(const cfg_table *t, const char *path, cfg_path_rc *rc, char *why,
                               size_t cap);
/* Set the dotted path in a JSON object to a copy of v, creating the objects on the way (what a
 * config file that overrides one nested field holds). A component that exists and is not an
 * object is SIM_EINVAL: "<name>: field '<path>' goes through '<part>', which is not an object". */
int cfg_json_set_path(struct cJSON *obj, const char *path, const struct cJSON *v, const char *name,
                      sim_err *err);

/* Serialise the struct back to a cJSON object (for reports: "the config it came from"). */
struct cJSON *cfg_to_json(const cfg_table *t, const void *obj);
/* Markdown reference of a table (key, type, range/names, required/default, doc). */
void cfg_write_markdown(const cfg_table *t, FILE *out);

/* Resolve rel against the directory of base_file into buf (rel absolute: copied). Returns false
 * when the result does not fit cap (buf then holds a truncated path: never use it). */
bool cfg_resolve_path(const char *base_file, const char *rel, char *buf, size_t cap);

/* A number as text: whole numbers below 1e18 without a fraction or exponent (1048576, not
 * 1.04858e+06), others in the shortest of %.15g, %.16g and %.17g that reads back exactly (0.1
 * prints as 0.1). For every normal double this is the shortest %g text that reads back (a
 * shorter one is the same text padded with zeros at %.15g); only subnormals (below 2.2e-308) can
 * print longer. The one formatter of config messages, sweep labels and trace metadata messages
 * (wlcsv.c keeps its own: its CSV cells are %.15g, else %.17g). */
void cfg_fmt_num(char *buf, size_t cap, double v);

#ifdef __cplusplus
}
#endif
#endif

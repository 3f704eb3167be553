/* cfg.c - strict, table-driven JSON config loader (see cfg.h for the rules). */
#include "base/cfg.h"
#include "base/fileio.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define CFG_MAX_INCLUDE 8

/* Which fields have been given a value by some file, mirroring nested tables. */
typedef struct cfg_seen {
    bool *set;
    struct cfg_seen **sub;
    size_t n;
} cfg_seen;

static cfg_seen *seen_new(const cfg_table *t)
{
    cfg_seen *s = sim_xcalloc(1, sizeof *s);
    s->n = t->n;
    s->set = sim_xcalloc(t->n, sizeof *s->set);
    s->sub = sim_xcalloc(t->n, sizeof *s->sub);
    for (size_t i = 0; i < t->n; i++)
        if (t->fields[i].type == CFG_OBJ) s->sub[i] = seen_new(t->fields[i].sub);
    return s;
}

static void seen_free(cfg_seen *s)
{
    if (!s) return;
    for (size_t i = 0; i < s->n; i++) seen_free(s->sub[i]);
    free(s->set);
    free(s->sub);
    free(s);
}

static void *at(void *obj, size_t off) { return (char *)obj + off; }
static const void *cat(const void *obj, size_t off) { return (const char *)obj + off; }

/* Fill every field's default (required fields get 0 / ""). */
static void cfg_defaults(const cfg_table *t, void *out)
{
    for (size_t i = 0; i < t->n; i++) {
        const cfg_field *f = &t->fields[i];
        void *p = at(out, f->off);
        switch (f->type) {
        case CFG_U32:  *(uint32_t *)p = (uint32_t)f->def; break;
        case CFG_U64:  *(uint64_t *)p = (uint64_t)f->def; break;
        case CFG_I32:  *(int32_t *)p = (int32_t)f->def; break;
        case CFG_F64:  *(double *)p = f->def; break;
        case CFG_BOOL: *(bool *)p = f->def != 0; break;
        case CFG_ENUM: *(uint32_t *)p = (uint32_t)f->def; break;
        case CFG_STR:
            if (f->def_str) snprintf((char *)p, f->cap, "%s", f->def_str);
            else ((char *)p)[0] = '\0';
            break;
        case CFG_U32_LIST:
        case CFG_F64_LIST: *(uint32_t *)at(out, f->count_off) = 0; break;
        case CFG_OBJ: cfg_defaults(f->sub, p); break;
        case CFG_PATH_LIST: *(uint32_t *)at(out, f->count_off) = 0; break;
        case CFG_JSON: *(cJSON **)p = NULL; break;
        }
    }
}

static void join(char *buf, size_t cap, const char *prefix, const char *key)
{
    if (prefix[0]) snprintf(buf, cap, "%s.%s", prefix, key);
    else snprintf(buf, cap, "%s", key);
}

void cfg_fmt_num(char *buf, size_t cap, double v)
{
    if (v == floor(v) && fabs(v) < 1e18) snprintf(buf, cap, "%.0f", v);
    else {   /* the shortest of %.15g..%.17g that reads back exactly */
        for (int prec = 15; prec <= 17; prec++) {
            snprintf(buf, cap, "%.*g", prec, v);
            if (strtod(buf, NULL) == v) break;
        }
    }
}

static int range_err(sim_err *err, const char *file, const char *path, double v, double lo,
                     double hi)
{
    char a[40], b[40], c[40];
    cfg_fmt_num(a, sizeof a, v);
    cfg_fmt_num(b, sizeof b, lo);
    cfg_fmt_num(c, sizeof c, hi);
    return sim_errf(err, SIM_EINVAL, "%s: field '%s' = %s is out of range [%s, %s]", file, path,
                    a, b, c);
}

static const char *type_name(cfg_type t)
{
    switch (t) {
    case CFG_U32: case CFG_U64: case CFG_I32: return "a whole number";
    case CFG_F64: return "a number";
    case CFG_BOOL: return "true or false";
    case CFG_STR: case CFG_ENUM: return "a string";
    case CFG_U32_LIST: return "an array of whole numbers";
    case CFG_F64_LIST: return "an array of numbers";
    case CFG_OBJ: case CFG_JSON: return "an object";
    case CFG_PATH_LIST: return "an array of paths";
    }
    return "?";
}

/* A list field's array: its size, 1 .. cap (an empty array is an error, never a silent
 * default: a config leaves the field out for that). */
static int array_size(const cJSON *j, const cfg_field *f, const char *file, const char *path,
                      int *n, sim_err *err)
{
    if (!cJSON_IsArray(j))
        return sim_errf(err, SIM_EINVAL, "%s: field '%s' must be %s", file, path,
                        type_name(f->type));
    *n = cJSON_GetArraySize(j);
    if (*n == 0)
        return sim_errf(err, SIM_EINVAL, "%s: field '%s' is an empty array (leave the field "
                        "out for its default)", file, path);
    if ((size_t)*n > f->cap)
        return sim_errf(err, SIM_EINVAL, "%s: field '%s' has %d elements; at most %zu allowed",
                        file, path, *n, f->cap);
    return SIM_OK;
}

static int num_value(const cJSON *j, const cfg_field *f, bool whole, const char *file,
                     const char *path, double *out, sim_err *err)
{
    if (!cJSON_IsNumber(j))
        return sim_errf(err, SIM_EINVAL, "%s: field '%s' must be %s", file, path,
                        type_name(f->type));
    double v = j->valuedouble;
    if (whole && v != floor(v))
        return sim_errf(err, SIM_EINVAL, "%s: field '%s' = %.17g must be a whole number", file,
                        path, v);
    if (v < f->lo || v > f->hi) return range_err(err, file, path, v, f->lo, f->hi);
    *out = v;
    return SIM_OK;
}

static int apply_obj(const cfg_table *t, const cJSON *obj, const char *file, const char *prefix,
                     void *out, cfg_seen *seen, bool top, sim_err *err);
static int check_referenced(const cfg_table *t, const cfg_field *f, const cJSON *j,
                            const char *file, const char *path, const void *out, sim_err *err);

/* No key twice in any object inside j (cJSON keeps both; the loader's rule holds inside CFG_JSON
 * values too). */
static int json_no_dups(const cJSON *j, const char *file, const char *path, sim_err *err)
{
    char sub[512];
    if (cfg_json_dup(j, true, path, sub, sizeof sub))
        return sim_errf(err, SIM_EINVAL, "%s: field '%s' appears twice", file, sub);
    return SIM_OK;
}

static int apply_field(const cfg_field *f, const cJSON *j, const char *file, const char *path,
                       void *out, cfg_seen *seen, size_t idx, sim_err *err)
{
    void *p = at(out, f->off);
    double v;
    int rc;
    switch (f->type) {
    case CFG_U32: case CFG_U64: case CFG_I32: case CFG_F64:
        if ((rc = num_value(j, f, f->type != CFG_F64, file, path, &v, err))) return rc;
        if (f->type == CFG_U32) *(uint32_t *)p = (uint32_t)v;
        else if (f->type == CFG_U64) *(uint64_t *)p = (uint64_t)v;
        else if (f->type == CFG_I32) *(int32_t *)p = (int32_t)v;
        else *(double *)p = v;
        break;
    case CFG_BOOL:
        if (!cJSON_IsBool(j))
            return sim_errf(err, SIM_EINVAL, "%s: field '%s' must be true or false", file, path);
        *(bool *)p = cJSON_IsTrue(j);
        break;
    case CFG_STR: {
        if (!cJSON_IsString(j))
            return sim_errf(err, SIM_EINVAL, "%s: field '%s' must be a string", file, path);
        const char *val = j->valuestring;
        /* names and paths reach one-line messages, console headers and report.json */
        for (const unsigned char *c = (const unsigned char *)val; *c; c++)
            if (*c < 0x20 || *c == 0x7f)
                return sim_errf(err, SIM_EINVAL, "%s: field '%s' holds the control character "
                                "0x%02x at character %zu", file, path, *c,
                                (size_t)(c - (const unsigned char *)val) + 1);
        if (f->is_path && f->required && !val[0])   /* "" means "none" only where optional */
            return sim_errf(err, SIM_EINVAL, "%s: field '%s' is an empty path (a file is "
                            "required)", file, path);
        char resolved[CFG_PATH_MAX];
        if (f->is_path && val[0]) {
            if (!cfg_resolve_path(file, val, resolved, sizeof resolved))
                return sim_errf(err, SIM_EINVAL, "%s: field '%s': the path relative to this file "
                                "is longer than %d bytes", file, path, CFG_PATH_MAX - 1);
            val = resolved;
        }
        size_t len = strlen(val);
        if (len >= f->cap || (double)len < f->lo)
            return sim_errf(err, SIM_EINVAL, "%s: field '%s' has length %zu; allowed [%.0f, %zu]",
                            file, path, len, f->lo, f->cap - 1);
        memcpy(p, val, len + 1);
        break;
    }
    case CFG_ENUM: {
        if (!cJSON_IsString(j))
            return sim_errf(err, SIM_EINVAL, "%s: field '%s' must be a string", file, path);
        uint32_t k = 0;
        for (; f->names[k]; k++)
            if (strcmp(f->names[k], j->valuestring) == 0) break;
        if (!f->names[k]) {
            char allowed[256] = "";
            size_t used = 0;
            for (uint32_t m = 0; f->names[m] && used < sizeof allowed; m++)
                used += (size_t)snprintf(allowed + used, sizeof allowed - used, "%s%s",
                                         m ? ", " : "", f->names[m]);
            return sim_errf(err, SIM_EINVAL, "%s: field '%s' = \"%s\" is not one of: %s", file,
                            path, j->valuestring, allowed);
        }
        *(uint32_t *)p = k;
        break;
    }
    case CFG_U32_LIST: case CFG_F64_LIST: {
        int n;
        if ((rc = array_size(j, f, file, path, &n, err))) return rc;
        int i = 0;
        const cJSON *e;
        cJSON_ArrayForEach(e, j) {
            char ep[200];
            snprintf(ep, sizeof ep, "%s[%d]", path, i);
            if ((rc = num_value(e, f, f->type == CFG_U32_LIST, file, ep, &v, err))) return rc;
            if (f->type == CFG_U32_LIST) ((uint32_t *)p)[i] = (uint32_t)v;
            else ((double *)p)[i] = v;
            i++;
        }
        *(uint32_t *)at(out, f->count_off) = (uint32_t)n;
        break;
    }
    case CFG_PATH_LIST: {
        int n;
        if ((rc = array_size(j, f, file, path, &n, err))) return rc;
        int i = 0;
        const cJSON *e;
        cJSON_ArrayForEach(e, j) {
            char *dst = (char *)p + (size_t)i * f->elem_cap;
            if (!cJSON_IsString(e))
                return sim_errf(err, SIM_EINVAL, "%s: field '%s[%d]' must be a path (a string)",
                                file, path, i);
            if (!e->valuestring[0])
                return sim_errf(err, SIM_EINVAL, "%s: field '%s[%d]' is empty", file, path, i);
            if (!cfg_resolve_path(file, e->valuestring, dst, f->elem_cap))
                return sim_errf(err, SIM_EINVAL, "%s: field '%s[%d]': the path relative to this "
                                "file is longer than %zu bytes", file, path, i, f->elem_cap - 1);
            i++;
        }
        *(uint32_t *)at(out, f->count_off) = (uint32_t)n;
        break;
    }
    case CFG_JSON: {
        if (!cJSON_IsObject(j))
            return sim_errf(err, SIM_EINVAL, "%s: field '%s' must be an object", file, path);
        if ((rc = json_no_dups(j, file, path, err))) return rc;
        cJSON_Delete(*(cJSON **)p);                /* an including file replaces the value */
        *(cJSON **)p = cJSON_Duplicate(j, true);
        break;
    }
    case CFG_OBJ:
        if (!cJSON_IsObject(j))
            return sim_errf(err, SIM_EINVAL, "%s: field '%s' must be an object", file, path);
        if ((rc = apply_obj(f->sub, j, file, path, p, seen->sub[idx], false, err))) return rc;
        break;
    }
    seen->set[idx] = true;
    return SIM_OK;
}

static int apply_obj(const cfg_table *t, const cJSON *obj, const char *file, const char *prefix,
                     void *out, cfg_seen *seen, bool top, sim_err *err)
{
    const cJSON *c, *twin = cfg_json_dup(obj, false, NULL, NULL, 0);
    cJSON_ArrayForEach(c, obj) {
        char path[160];
        join(path, sizeof path, prefix, c->string);
        if (c == twin)
            return sim_errf(err, SIM_EINVAL, "%s: field '%s' appears twice", file, path);
        if (strncmp(c->string, "_comment", 8) == 0) continue;   /* _comment, _comment_x: notes */
        if (top && strcmp(c->string, "include") == 0) continue;  /* handled by the caller */
        size_t i = 0;
        while (i < t->n && strcmp(t->fields[i].key, c->string) != 0) i++;
        if (i == t->n)
            return sim_errf(err, SIM_EINVAL, "%s: unknown field '%s' in %s config", file, path,
                            t->kind);
        int rc = apply_field(&t->fields[i], c, file, path, out, seen, i, err);
        if (rc) return rc;
        if ((rc = check_referenced(t, &t->fields[i], c, file, path, out, err))) return rc;
    }
    return SIM_OK;
}

/* A hardware config loads the files its path fields name (dram, energy, GPU configs) as part of
 * the same load, so a missing one is traced back here to the config and the field that name it,
 * with the resolved path (which shows the directory it was resolved against). Other kinds'
 * paths (workload weights, sweep inputs) are used conditionally and their readers report them. */
static int check_referenced(const cfg_table *t, const cfg_field *f, const cJSON *j,
                            const char *file, const char *path, const void *out, sim_err *err)
{
    if (!f->is_path || f->type != CFG_STR || strcmp(t->kind, "hw") != 0) return SIM_OK;
    const char *val = (const char *)out + f->off;
    struct stat sb;
    if (!val[0]) return SIM_OK;
    if (stat(val, &sb) != 0)
        return sim_errf(err, SIM_EINVAL, "%s: field '%s' = \"%s\": cannot open %s: %s", file, path,
                        j->valuestring, val, strerror(errno));
    if (!S_ISREG(sb.st_mode))
        return sim_errf(err, SIM_EINVAL, "%s: field '%s' = \"%s\": %s is not a regular file",
                        file, path, j->valuestring, val);
    return SIM_OK;
}

static int check_required(const cfg_table *t, const cfg_seen *seen, const char *file,
                          const char *prefix, sim_err *err)
{
    for (size_t i = 0; i < t->n; i++) {
        char path[160];
        join(path, sizeof path, prefix, t->fields[i].key);
        if (t->fields[i].required && !seen->set[i])
            return sim_errf(err, SIM_EINVAL, "%s: required field '%s' is missing", file, path);
        if (t->fields[i].type == CFG_OBJ && seen->set[i]) {
            int rc = check_required(t->fields[i].sub, seen->sub[i], file, path, err);
            if (rc) return rc;
        }
    }
    return SIM_OK;
}

static int run_checks(const cfg_table *t, void *out, const char *file, sim_err *err)
{
    for (size_t i = 0; i < t->n; i++)
        if (t->fields[i].type == CFG_OBJ) {
            int rc = run_checks(t->fields[i].sub, at(out, t->fields[i].off), file, err);
            if (rc) return rc;
        }
    return t->check ? t->check(out, file, err) : SIM_OK;
}

static int load_rec(const cfg_table *t, const char *file, const char *text, size_t len,
                    void *out, cfg_seen *seen, const char **chain, int depth, sim_err *err)
{
    cJSON *root = NULL;
    int rc = cfg_json_parse_object(text, len, file, &root, err);
    if (rc) return rc;
    const cJSON *inc = NULL, *c;
    cJSON_ArrayForEach(c, root)
        if (strcmp(c->string, "include") == 0) inc = c;
    if (inc) {
        if (!cJSON_IsString(inc)) {
            cJSON_Delete(root);
            return sim_errf(err, SIM_EINVAL, "%s: field 'include' must be a string (a file path)",
                            file);
        }
        char ipath[CFG_PATH_MAX];
        if (!cfg_resolve_path(file, inc->valuestring, ipath, sizeof ipath)) {
            cJSON_Delete(root);
            return sim_errf(err, SIM_EINVAL, "%s: field 'include': the path relative to this file "
                            "is longer than %d bytes", file, CFG_PATH_MAX - 1);
        }
        if (depth + 1 >= CFG_MAX_INCLUDE) {
            cJSON_Delete(root);
            return sim_errf(err, SIM_EINVAL, "%s: field 'include' nests deeper than %d files", file,
                            CFG_MAX_INCLUDE);
        }
        for (int i = 0; i <= depth; i++)
            if (strcmp(chain[i], ipath) == 0) {
                rc = sim_errf(err, SIM_EINVAL, "%s: field 'include' = \"%s\" forms a cycle",
                              file, inc->valuestring);
                cJSON_Delete(root);
                return rc;
            }
        size_t ilen = 0;
        char *itext = NULL;
        sim_err ierr;
        if (fio_read_capped(ipath, FIO_CAP_CONFIG, "config", &itext, &ilen, &ierr)) {
            rc = sim_errf(err, ierr.code == SIM_ENOMEM ? SIM_ENOMEM : SIM_EINVAL,
                          "%s: field 'include' = \"%s\": cannot read %s (%s)", file,
                          inc->valuestring, ipath, ierr.msg + strlen(ipath) + 2);
            cJSON_Delete(root);
            return rc;
        }
        chain[depth + 1] = ipath;
        rc = load_rec(t, ipath, itext, ilen, out, seen, chain, depth + 1, err);
        free(itext);
        if (rc) { cJSON_Delete(root); return rc; }
    }
    rc = apply_obj(t, root, file, "", out, seen, true, err);
    cJSON_Delete(root);
    return rc;
}

static int load_text(const cfg_table *t, const char *name, const char *text, size_t len,
                     void *out, sim_err *err)
{
    cfg_defaults(t, out);
    cfg_seen *seen = seen_new(t);
    const char *chain[CFG_MAX_INCLUDE + 1] = { name };
    int rc = load_rec(t, name, text, len, out, seen, chain, 0, err);
    if (!rc) rc = check_required(t, seen, name, "", err);
    if (!rc) rc = run_checks(t, out, name, err);
    seen_free(seen);
    return rc;
}

int cfg_load_file(const cfg_table *t, const char *path, void *out, sim_err *err)
{
    char *text = NULL;
    size_t len = 0;
    int rc = fio_read_capped(path, FIO_CAP_CONFIG, "config", &text, &len, err);
    if (rc) return rc;
    rc = load_text(t, path, text, len, out, err);
    free(text);
    return rc;
}

int cfg_load_string(const cfg_table *t, const char *json, const char *name, void *out,
                    sim_err *err)
{
    return load_text(t, name, json, strlen(json), out, err);
}

bool cfg_resolve_path(const char *base_file, const char *rel, char *buf, size_t cap)
{
    const char *slash = strrchr(base_file, '/');
    int n = rel[0] == '/' || !slash ? snprintf(buf, cap, "%s", rel)
                                    : snprintf(buf, cap, "%.*s/%s", (int)(slash - base_file),
                                               base_file, rel);
    return n >= 0 && (size_t)n < cap;
}

void cfg_release(const cfg_table *t, void *obj)
{
    for (size_t i = 0; i < t->n; i++) {
        const cfg_field *f = &t->fields[i];
        if (f->type == CFG_JSON) {
            cJSON_Delete(*(cJSON **)at(obj, f->off));
            *(cJSON **)at(obj, f->off) = NULL;
        } else if (f->type == CFG_OBJ)
            cfg_release(f->sub, at(obj, f->off));
    }
}

const cfg_field *cfg_find_path(const cfg_table *t, const char *path, cfg_path_rc *rc, char *why,
                               size_t cap)
{
    char tmp[8];
    if (!why) { why = tmp; cap = sizeof tmp; }
    const char *part = path;
    for (;;) {
        const char *dot = strchr(part, '.');
        int n = dot ? (int)(dot - part) : (int)strlen(part);
        if (n == 0) {
            *rc = CFG_PATH_EMPTY;
            snprintf(why, cap, "bad field path (empty name between dots)");
            return NULL;
        }
        if (n == 7 && !strncmp(part, "include", 7)) {
            *rc = CFG_PATH_INCLUDE;
            snprintf(why, cap, "'include' names a file to include, not a field");
            return NULL;
        }
        if (n >= 8 && !strncmp(part, "_comment", 8)) {
            *rc = CFG_PATH_COMMENT;
            snprintf(why, cap, "'%.*s' is a comment, which the config loader ignores", n, part);
            return NULL;
        }
        size_t i = 0;
        while (i < t->n && (strncmp(t->fields[i].key, part, (size_t)n) || t->fields[i].key[n]))
            i++;
        if (i == t->n) {
            *rc = CFG_PATH_UNKNOWN;
            snprintf(why, cap, "'%.*s' is not a field of the %s config", n, part, t->kind);
            return NULL;
        }
        if (!dot) {
            *rc = CFG_PATH_OK;
            if (cap) why[0] = '\0';
            return &t->fields[i];
        }
        if (t->fields[i].type != CFG_OBJ) {
            *rc = CFG_PATH_NOT_OBJECT;
            snprintf(why, cap, "'%.*s' is not an object, so it has no field '%s'", n, part,
                     dot + 1);
            return NULL;
        }
        t = t->fields[i].sub;
        part = dot + 1;
    }
}

int cfg_json_set_path(cJSON *obj, const char *path, const cJSON *v, const char *name,
                      sim_err *err)
{
    const char *part = path, *dot;
    while ((dot = strchr(part, '.'))) {
        char *key = sim_xmalloc((size_t)(dot - part) + 1);
        memcpy(key, part, (size_t)(dot - part));
        key[dot - part] = '\0';
        cJSON *sub = cJSON_GetObjectItemCaseSensitive(obj, key);
        if (!sub) sub = cJSON_AddObjectToObject(obj, key);
        if (!cJSON_IsObject(sub)) {
            int rc = sim_errf(err, SIM_EINVAL, "%s: field '%s' goes through '%s', which is not "
                              "an object", name, path, key);
            free(key);
            return rc;
        }
        free(key);
        obj = sub;
        part = dot + 1;
    }
    cJSON_DeleteItemFromObjectCaseSensitive(obj, part);
    cJSON_AddItemToObject(obj, part, cJSON_Duplicate(v, true));
    return SIM_OK;
}

cJSON *cfg_to_json(const cfg_table *t, const void *obj)
{
    cJSON *o = cJSON_CreateObject();
    for (size_t i = 0; i < t->n; i++) {
        const cfg_field *f = &t->fields[i];
        const void *p = cat(obj, f->off);
        switch (f->type) {
        case CFG_U32:  cJSON_AddNumberToObject(o, f->key, *(const uint32_t *)p); break;
        case CFG_U64:  cJSON_AddNumberToObject(o, f->key, (double)*(const uint64_t *)p); break;
        case CFG_I32:  cJSON_AddNumberToObject(o, f->key, *(const int32_t *)p); break;
        case CFG_F64:  cJSON_AddNumberToObject(o, f->key, *(const double *)p); break;
        case CFG_BOOL: cJSON_AddBoolToObject(o, f->key, *(const bool *)p); break;
        case CFG_STR:  cJSON_AddStringToObject(o, f->key, (const char *)p); break;
        case CFG_ENUM: cJSON_AddStringToObject(o, f->key, f->names[*(const uint32_t *)p]); break;
        case CFG_U32_LIST: case CFG_F64_LIST: {
            cJSON *a = cJSON_AddArrayToObject(o, f->key);
            uint32_t n = *(const uint32_t *)cat(obj, f->count_off);
            for (uint32_t k = 0; k < n; k++)
                cJSON_AddItemToArray(a, cJSON_CreateNumber(
                    f->type == CFG_U32_LIST ? ((const uint32_t *)p)[k] : ((const double *)p)[k]));
            break;
        }
        case CFG_OBJ: cJSON_AddItemToObject(o, f->key, cfg_to_json(f->sub, p)); break;
        case CFG_PATH_LIST: {
            cJSON *a = cJSON_AddArrayToObject(o, f->key);
            uint32_t n = *(const uint32_t *)cat(obj, f->count_off);
            for (uint32_t k = 0; k < n; k++)
                cJSON_AddItemToArray(a, cJSON_CreateString((const char *)p + k * f->elem_cap));
            break;
        }
        case CFG_JSON: {
            const cJSON *v = *(cJSON *const *)p;
            cJSON_AddItemToObject(o, f->key, v ? cJSON_Duplicate(v, true) : cJSON_CreateNull());
            break;
        }
        }
    }
    return o;
}

static void md_rows(const cfg_table *t, const char *prefix, FILE *out)
{
    for (size_t i = 0; i < t->n; i++) {
        const cfg_field *f = &t->fields[i];
        char path[160], lo[40], hi[40];
        join(path, sizeof path, prefix, f->key);
        cfg_fmt_num(lo, sizeof lo, f->lo);
        cfg_fmt_num(hi, sizeof hi, f->hi);
        fprintf(out, "| `%s` | %s | ", path, type_name(f->type));
        switch (f->type) {
        case CFG_ENUM:
            for (size_t k = 0; f->names[k]; k++) fprintf(out, "%s`%s`", k ? ", " : "", f->names[k]);
            break;
        case CFG_STR: fprintf(out, "length ≤ %zu", f->cap - 1); break;
        case CFG_BOOL: case CFG_OBJ: case CFG_JSON: fprintf(out, "-"); break;
        case CFG_PATH_LIST: fprintf(out, "≤ %zu paths", f->cap); break;
        case CFG_U32_LIST: case CFG_F64_LIST:
            fprintf(out, "≤ %zu elements, each [%s, %s]", f->cap, lo, hi);
            break;
        default: fprintf(out, "[%s, %s]", lo, hi);
        }
        if (f->required) fprintf(out, " | required | ");
        else if (f->type == CFG_STR) fprintf(out, " | `\"%s\"` | ", f->def_str ? f->def_str : "");
        else if (f->type == CFG_ENUM) fprintf(out, " | `%s` | ", f->names[(size_t)f->def]);
        else if (f->type == CFG_BOOL) fprintf(out, " | `%s` | ", f->def != 0 ? "true" : "false");
        else if (f->type == CFG_OBJ || f->type == CFG_U32_LIST || f->type == CFG_F64_LIST ||
                 f->type == CFG_PATH_LIST || f->type == CFG_JSON)
            fprintf(out, " | optional | ");
        else { char d[40]; cfg_fmt_num(d, sizeof d, f->def); fprintf(out, " | `%s` | ", d); }
        fprintf(out, "%s |\n", f->doc ? f->doc : "");
        if (f->type == CFG_OBJ) md_rows(f->sub, path, out);
    }
}

void cfg_write_markdown(const cfg_table *t, FILE *out)
{
    fprintf(out, "| field | type | allowed | default | meaning |\n|---|---|---|---|---|\n");
    md_rows(t, "", out);
}

/* cfg.c - strict, table-driven JSON config loader (see cfg.h for the rules). */
#include "base/cfg.h"
#include "base/fileio.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
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
        }
    }
}

static void join(char *buf, size_t cap, const char *prefix, const char *key)
{
    if (prefix[0]) snprintf(buf, cap, "%s.%s", prefix, key);
    else snprintf(buf, cap, "%s", key);
}

static void fmt_num(char *buf, size_t cap, double v)
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
    fmt_num(a, sizeof a, v);
    fmt_num(b, sizeof b, lo);
    fmt_num(c, sizeof c, hi);
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
    case CFG_OBJ: return "an object";
    }
    return "?";
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
            /* a referenced file is traced back to the config and field that name it */
            struct stat sb;
            if (f->lazy_path) {
                /* used only under a condition: its reader reports it */
            } else if (stat(val, &sb) != 0)
                return sim_errf(err, SIM_EINVAL, "%s: field '%s' = \"%s\": cannot open %s: %s",
                                file, path, j->valuestring, val, strerror(errno));
            else if (!S_ISREG(sb.st_mode))
                return sim_errf(err, SIM_EINVAL, "%s: field '%s' = \"%s\": %s is not a regular "
                                "file", file, path, j->valuestring, val);
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
        if (!cJSON_IsArray(j))
            return sim_errf(err, SIM_EINVAL, "%s: field '%s' must be %s", file, path,
                            type_name(f->type));
        int n = cJSON_GetArraySize(j);
        if (n == 0)   /* never a silent default: leave the field out for that */
            return sim_errf(err, SIM_EINVAL, "%s: field '%s' is an empty array (leave the field "
                            "out for its default)", file, path);
        if ((size_t)n > f->cap)
            return sim_errf(err, SIM_EINVAL, "%s: field '%s' has %d elements; at most %zu allowed",
                            file, path, n, f->cap);
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
    const cJSON *c;
    cJSON_ArrayForEach(c, obj) {
        char path[160];
        join(path, sizeof path, prefix, c->string);
        for (const cJSON *d = obj->child; d != c; d = d->next)
            if (strcmp(d->string, c->string) == 0)
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
    }
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

/* ---- strict JSON check (RFC 8259) ------------------------------------------------------------
 * cJSON is lenient: it takes "016" and "16." as numbers, skips any byte <= 0x20 (NUL included) as
 * white space, copies raw control characters and invalid UTF-8 into strings, and ignores what
 * follows the value unless asked. Every config text therefore passes this one-pass check first;
 * cJSON then only builds the tree. The grammar is RFC 8259's; on top of it a string may not
 * contain \u0000 (it would silently cut a C string) and escapes must pair surrogates properly
 * (so every string is valid UTF-8 when written back into reports). */
#define CFG_JSON_MAX_DEPTH 64
#define CFG_JSON_MAX_NUMBER 63

typedef struct jchk {
    const unsigned char *p, *end;  /* cursor and end of the text */
    const unsigned char *at;       /* where the first error is */
    char what[160];                /* what is wrong there */
} jchk;

static bool jfail(jchk *j, const unsigned char *at, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static bool jfail(jchk *j, const unsigned char *at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(j->what, sizeof j->what, fmt, ap);
    va_end(ap);
    j->at = at;
    return false;
}

static void jws(jchk *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
        j->p++;
}

/* What is at the cursor, for messages: "'x'" for a printable byte, "control byte 0xNN (...)",
 * "byte 0xNN" for bytes from 0x80, "the end of the input" at the end. */
static const char *jfound(const jchk *j, char *buf, size_t cap)
{
    if (j->p >= j->end) return "the end of the input";
    unsigned char c = *j->p;
    if (c > 0x20 && c < 0x7f) snprintf(buf, cap, "'%c'", c);
    else if (c < 0x20 || c == 0x7f)
        snprintf(buf, cap, "control byte 0x%02x (white space is only space, tab, CR and LF)", c);
    else snprintf(buf, cap, "byte 0x%02x", c);
    return buf;
}

static int jhex4(const unsigned char *s)
{
    int v = 0;
    for (int i = 0; i < 4; i++) {
        int c = s[i], d;
        if (c >= '0' && c <= '9') d = c - '0';
        else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
        else return -1;
        v = v * 16 + d;
    }
    return v;
}

/* One UTF-8 sequence starting at a byte >= 0x80 (RFC 3629: no overlongs, no surrogates,
 * nothing above U+10FFFF). */
static bool jutf8(jchk *j)
{
    const unsigned char *s = j->p;
    unsigned c = s[0], lo = 0x80, hi = 0xbf;
    int n;
    if (c < 0xc0) return jfail(j, s, "invalid UTF-8 in a string (stray continuation byte 0x%02x)", c);
    if (c < 0xc2) return jfail(j, s, "invalid UTF-8 in a string (overlong sequence)");
    if (c < 0xe0) n = 1;
    else if (c < 0xf0) {
        n = 2;
        if (c == 0xe0) lo = 0xa0;          /* below: overlong */
        if (c == 0xed) hi = 0x9f;          /* above: U+D800..U+DFFF */
    } else if (c < 0xf5) {
        n = 3;
        if (c == 0xf0) lo = 0x90;          /* below: overlong */
        if (c == 0xf4) hi = 0x8f;          /* above: beyond U+10FFFF */
    } else
        return jfail(j, s, "invalid UTF-8 in a string (byte 0x%02x)", c);
    if (j->end - s <= n) return jfail(j, s, "invalid UTF-8 in a string (truncated sequence)");
    if (s[1] < lo || s[1] > hi) {
        if (s[1] >= 0x80 && s[1] <= 0xbf) {
            if (c == 0xe0 || c == 0xf0)
                return jfail(j, s, "invalid UTF-8 in a string (overlong sequence)");
            if (c == 0xed)
                return jfail(j, s, "invalid UTF-8 in a string (encoded surrogate U+D800..U+DFFF)");
            return jfail(j, s, "invalid UTF-8 in a string (code point above U+10FFFF)");
        }
        return jfail(j, s, "invalid UTF-8 in a string (truncated sequence)");
    }
    for (int i = 2; i <= n; i++)
        if (s[i] < 0x80 || s[i] > 0xbf)
            return jfail(j, s, "invalid UTF-8 in a string (truncated sequence)");
    j->p += n + 1;
    return true;
}

static bool jstring(jchk *j)
{
    const unsigned char *open = j->p++;    /* at the opening quote */
    for (;;) {
        if (j->p >= j->end) return jfail(j, open, "string is not closed");
        unsigned c = *j->p;
        if (c == '"') { j->p++; return true; }
        if (c < 0x20)
            return jfail(j, j->p, "raw control character 0x%02x in a string (escape it, e.g. \\n)", c);
        if (c >= 0x80) {
            if (!jutf8(j)) return false;
            continue;
        }
        if (c != '\\') { j->p++; continue; }
        const unsigned char *esc = j->p;
        if (j->end - esc < 2) return jfail(j, open, "string is not closed");
        c = esc[1];
        if (c != 'u') {
            if (c == 0 || !strchr("\"\\/bfnrt", (int)c)) {
                if (c > 0x20 && c < 0x7f)
                    return jfail(j, esc, "invalid escape '\\%c' in a string", (char)c);
                return jfail(j, esc, "invalid escape in a string ('\\' then byte 0x%02x)", c);
            }
            j->p += 2;
            continue;
        }
        int u = j->end - esc >= 6 ? jhex4(esc + 2) : -1;
        if (u < 0) return jfail(j, esc, "'\\u' must be followed by 4 hex digits");
        if (u == 0) return jfail(j, esc, "'\\u0000' (NUL) is not allowed in a string");
        j->p += 6;
        if (u >= 0xdc00 && u <= 0xdfff)
            return jfail(j, esc, "unpaired surrogate '\\u%04X' in a string", (unsigned)u);
        if (u >= 0xd800 && u <= 0xdbff) {
            int l = j->end - j->p >= 6 && j->p[0] == '\\' && j->p[1] == 'u' ? jhex4(j->p + 2) : -1;
            if (l < 0xdc00 || l > 0xdfff)
                return jfail(j, esc, "unpaired surrogate '\\u%04X' in a string", (unsigned)u);
            j->p += 6;
        }
    }
}

static bool jdigits(jchk *j, const char *where)
{
    char b[80];
    if (j->p >= j->end || *j->p < '0' || *j->p > '9')
        return jfail(j, j->p, "expected a digit %s, found %s", where, jfound(j, b, sizeof b));
    while (j->p < j->end && *j->p >= '0' && *j->p <= '9') j->p++;
    return true;
}

/* -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)? */
static bool jnumber(jchk *j)
{
    const unsigned char *start = j->p;
    if (*j->p == '-') j->p++;
    if (j->p < j->end && *j->p == '0') {
        j->p++;
        if (j->p < j->end && *j->p >= '0' && *j->p <= '9')
            return jfail(j, start, "number with a leading zero");
    } else if (!jdigits(j, "after '-'"))
        return false;
    if (j->p < j->end && *j->p == '.') {
        j->p++;
        if (!jdigits(j, "after the decimal point")) return false;
    }
    if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
        j->p++;
        if (j->p < j->end && (*j->p == '+' || *j->p == '-')) j->p++;
        if (!jdigits(j, "in the exponent")) return false;
    }
    /* RFC 8259 section 9 lets a parser limit numbers; cJSON 1.7.15 reads at most 63 bytes of
     * one and would stop in the middle of a longer one. */
    if (j->p - start > CFG_JSON_MAX_NUMBER)
        return jfail(j, start, "number longer than %d characters", CFG_JSON_MAX_NUMBER);
    return true;
}

static bool jvalue(jchk *j, int depth)
{
    char b[80];
    jws(j);
    if (j->p >= j->end) return jfail(j, j->p, "expected a value, found the end of the input");
    const unsigned char *v = j->p;
    switch (*v) {
    case '"': return jstring(j);
    case '{': case '[': {
        bool obj = *v == '{';
        if (depth >= CFG_JSON_MAX_DEPTH)
            return jfail(j, v, "nested deeper than %d objects and arrays", CFG_JSON_MAX_DEPTH);
        j->p++;
        jws(j);
        if (j->p < j->end && *j->p == (obj ? '}' : ']')) { j->p++; return true; }
        for (bool first = true;; first = false) {
            if (obj) {
                jws(j);
                if (j->p >= j->end || *j->p != '"')
                    return jfail(j, j->p, "expected an object key (a string)%s, found %s",
                                 first ? " or '}'" : " after ','", jfound(j, b, sizeof b));
                if (!jstring(j)) return false;
                jws(j);
                if (j->p >= j->end || *j->p != ':')
                    return jfail(j, j->p, "expected ':' after an object key, found %s",
                                 jfound(j, b, sizeof b));
                j->p++;
            }
            if (!jvalue(j, depth + 1)) return false;
            jws(j);
            if (j->p < j->end && *j->p == ',') { j->p++; continue; }
            if (j->p < j->end && *j->p == (obj ? '}' : ']')) { j->p++; return true; }
            return jfail(j, j->p, obj ? "expected ',' or '}' after an object member, found %s"
                                      : "expected ',' or ']' after an array element, found %s",
                         jfound(j, b, sizeof b));
        }
    }
    case 't': case 'f': case 'n': {
        const char *lit = *v == 't' ? "true" : *v == 'f' ? "false" : "null";
        size_t n = strlen(lit);
        if ((size_t)(j->end - v) < n || memcmp(v, lit, n) != 0)
            return jfail(j, v, "invalid literal (expected true, false or null)");
        j->p += n;
        return true;
    }
    default:
        if (*v == '-' || (*v >= '0' && *v <= '9')) return jnumber(j);
        return jfail(j, v, "expected a value, found %s", jfound(j, b, sizeof b));
    }
}

static int json_err(sim_err *err, const char *name, const char *text, size_t off, const char *what)
{
    unsigned line = 1, col = 1;
    for (size_t i = 0; i < off; i++) {
        if (text[i] == '\n') { line++; col = 1; } else col++;
    }
    return sim_errf(err, SIM_EINVAL, "%s: malformed JSON at line %u, column %u%s%s", name, line,
                    col, what[0] ? ": " : "", what);
}

int cfg_json_check(const char *text, size_t len, const char *name, sim_err *err)
{
    jchk j = { (const unsigned char *)text, (const unsigned char *)text + len, NULL, "" };
    char b[80];
    if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
        jfail(&j, j.p, "byte order mark at the start (save the file as UTF-8 without BOM)");
    else if (jvalue(&j, 0)) {
        jws(&j);
        if (j.p == j.end) return SIM_OK;
        jfail(&j, j.p, "unexpected %s after the JSON value", jfound(&j, b, sizeof b));
    }
    return json_err(err, name, text, (size_t)(j.at - (const unsigned char *)text), j.what);
}

int cfg_json_parse_object(const char *text, size_t len, const char *name, cJSON **out,
                          sim_err *err)
{
    *out = NULL;
    int rc = cfg_json_check(text, len, name, err);
    if (rc) return rc;
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, false);
    if (!root) {   /* valid JSON that cJSON still refuses (out of memory): say where */
        size_t off = end && end >= text && end <= text + len ? (size_t)(end - text) : 0;
        return json_err(err, name, text, off, "cJSON cannot parse it");
    }
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return sim_errf(err, SIM_EINVAL, "%s: top level must be a JSON object", name);
    }
    *out = root;
    return SIM_OK;
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
        fmt_num(lo, sizeof lo, f->lo);
        fmt_num(hi, sizeof hi, f->hi);
        fprintf(out, "| `%s` | %s | ", path, type_name(f->type));
        switch (f->type) {
        case CFG_ENUM:
            for (size_t k = 0; f->names[k]; k++) fprintf(out, "%s`%s`", k ? ", " : "", f->names[k]);
            break;
        case CFG_STR: fprintf(out, "length ≤ %zu", f->cap - 1); break;
        case CFG_BOOL: case CFG_OBJ: fprintf(out, "-"); break;
        case CFG_U32_LIST: case CFG_F64_LIST:
            fprintf(out, "≤ %zu elements, each [%s, %s]", f->cap, lo, hi);
            break;
        default: fprintf(out, "[%s, %s]", lo, hi);
        }
        if (f->required) fprintf(out, " | required | ");
        else if (f->type == CFG_STR) fprintf(out, " | `\"%s\"` | ", f->def_str ? f->def_str : "");
        else if (f->type == CFG_ENUM) fprintf(out, " | `%s` | ", f->names[(size_t)f->def]);
        else if (f->type == CFG_BOOL) fprintf(out, " | `%s` | ", f->def != 0 ? "true" : "false");
        else if (f->type == CFG_OBJ || f->type == CFG_U32_LIST || f->type == CFG_F64_LIST)
            fprintf(out, " | optional | ");
        else { char d[40]; fmt_num(d, sizeof d, f->def); fprintf(out, " | `%s` | ", d); }
        fprintf(out, "%s |\n", f->doc ? f->doc : "");
        if (f->type == CFG_OBJ) md_rows(f->sub, path, out);
    }
}

void cfg_write_markdown(const cfg_table *t, FILE *out)
{
    fprintf(out, "| field | type | allowed | default | meaning |\n|---|---|---|---|---|\n");
    md_rows(t, "", out);
}

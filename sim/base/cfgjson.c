/* cfgjson.c - the strict RFC 8259 check every config text passes before cJSON parses it, and the
 * duplicate-key check on the parsed tree (see cfgjson.h). */
#include "base/cfgjson.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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


/* ---- duplicate keys ---------------------------------------------------------------------------
 * One object's members sorted by (key, position): every member that is not the first of its run
 * of equal keys has an earlier twin; the one with the lowest position is the answer. */
typedef struct jmember { const cJSON *m; size_t pos; } jmember;

static int jmember_cmp(const void *a, const void *b)
{
    const jmember *x = a, *y = b;
    int c = strcmp(x->m->string, y->m->string);
    return c ? c : (x->pos > y->pos) - (x->pos < y->pos);
}

static const cJSON *own_dup(const cJSON *obj)
{
    size_t n = 0;
    for (const cJSON *m = obj->child; m; m = m->next) n++;
    if (n < 2) return NULL;
    jmember *v = sim_xmalloc(n * sizeof *v);
    n = 0;
    for (const cJSON *m = obj->child; m; m = m->next, n++) v[n] = (jmember){ m, n };
    qsort(v, n, sizeof *v, jmember_cmp);
    const cJSON *first = NULL;
    size_t best = n;
    for (size_t i = 1; i < n; i++)
        if (v[i].pos < best && strcmp(v[i - 1].m->string, v[i].m->string) == 0) {
            best = v[i].pos;
            first = v[i].m;
        }
    free(v);
    return first;
}

/* path[0, len) is j's own path; members append to it and restore it */
static const cJSON *dup_walk(const cJSON *j, bool deep, char *path, size_t cap, size_t len)
{
    bool obj = cJSON_IsObject(j);
    const cJSON *twin = obj ? own_dup(j) : NULL, *m;
    cJSON_ArrayForEach(m, j) {
        if (path) {
            if (obj) snprintf(path + len, cap - len, len ? ".%s" : "%s", m->string);
            else snprintf(path + len, cap - len, "[]");
        }
        if (m == twin) return m;
        if (deep && (cJSON_IsObject(m) || cJSON_IsArray(m))) {
            const cJSON *d = dup_walk(m, deep, path, cap, path ? strlen(path) : 0);
            if (d) return d;
        }
        if (path) path[len] = '\0';
    }
    return NULL;
}

const cJSON *cfg_json_dup(const cJSON *j, bool deep, const char *prefix, char *path, size_t cap)
{
    if (!j) return NULL;
    if (path && !cap) path = NULL;
    if (path) snprintf(path, cap, "%s", prefix ? prefix : "");
    return dup_walk(j, deep, path, cap, path ? strlen(path) : 0);
}

/* st.c - strict safetensors reader and atomic writer (see st.h). */
#include "trace/st.h"
#include "base/fileio.h"
#include "base/cfg.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>

const char *const ST_DTYPE_NAMES[] = { "U8", "I8", "I16", "U16", "I32", "U32", "I64", "U64",
                                       "F16", "BF16", "F32", "F64", "BOOL", NULL };
static const uint8_t DT_SIZE[] = { 1, 1, 2, 2, 4, 4, 8, 8, 2, 2, 4, 8, 1 };

size_t st_dtype_size(st_dtype t) { return t < ST_NDTYPES ? DT_SIZE[t] : 0; }

uint64_t st_fnv1a(const uint8_t *p, size_t n, uint64_t h)
{
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

static uint64_t rd_le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}

/* Byte offset of "key" in the header text (for messages); the header start if not found. */
static uint64_t key_off(const char *hdr, size_t hlen, const char *key)
{
    size_t kl = strlen(key);
    for (size_t i = 0; i + kl + 2 <= hlen; i++)
        if (hdr[i] == '"' && memcmp(hdr + i + 1, key, kl) == 0 && hdr[i + 1 + kl] == '"')
            return 8 + i;
    return 8;
}

static int whole(const cJSON *j, double max, uint64_t *out)
{
    if (!cJSON_IsNumber(j)) return 0;
    double v = j->valuedouble;
    if (!(v >= 0) || v > max || v != floor(v)) return 0;
    *out = (uint64_t)v;
    return 1;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(((const st_tensor *)a)->name, ((const st_tensor *)b)->name);
}

static int off_cmp(const void *a, const void *b)
{
    const st_tensor *x = *(const st_tensor *const *)a, *y = *(const st_tensor *const *)b;
    if (x->file_off != y->file_off) return x->file_off < y->file_off ? -1 : 1;
    return x->nbytes < y->nbytes ? -1 : (x->nbytes > y->nbytes);
}

void st_release(st_file *f)
{
    if (!f) return;
    for (uint32_t i = 0; i < f->n; i++) free(f->t[i].name);
    free(f->t);
    for (uint32_t i = 0; i < f->n_meta; i++) { free(f->meta_key[i]); free(f->meta_val[i]); }
    free(f->meta_key);
    free(f->meta_val);
    memset(f, 0, sizeof *f);
}

#define FAIL(off, ...) do { char m_[300]; snprintf(m_, sizeof m_, __VA_ARGS__); \
    rc = sim_errf(err, SIM_ETRACE, "%s: %s at byte %llu", name, m_, (unsigned long long)(off)); \
    goto out; } while (0)

int st_parse(const uint8_t *buf, size_t len, const char *name, st_file *out, sim_err *err)
{
    int rc = SIM_OK;
    cJSON *root = NULL;
    memset(out, 0, sizeof *out);
    out->name = name;
    if (len < 8) {
        return sim_errf(err, SIM_ETRACE, "%s: file too short for the 8-byte header length at byte %zu",
                        name, len);
    }
    uint64_t hlen = rd_le64(buf);
    if (hlen < 2)
        return sim_errf(err, SIM_ETRACE, "%s: header length %llu is too small (a JSON header "
                        "needs at least 2 bytes) at byte 0", name, (unsigned long long)hlen);
    if (hlen > ST_MAX_HEADER)
        return sim_errf(err, SIM_ETRACE, "%s: header length %llu exceeds the %u-byte limit at "
                        "byte 0", name, (unsigned long long)hlen, ST_MAX_HEADER);
    if (hlen > len - 8)
        return sim_errf(err, SIM_ETRACE,
                        "%s: header length %llu does not fit the file (%zu bytes) at byte 0", name,
                        (unsigned long long)hlen, len);
    const char *hdr = (const char *)buf + 8;
    if (hdr[0] != '{')
        return sim_errf(err, SIM_ETRACE, "%s: header does not start with '{' at byte 8", name);
    sim_err je = {0};           /* strict JSON first: cJSON is lenient (sim/cfg.h) */
    if (cfg_json_check(hdr, (size_t)hlen, name, &je))
        return sim_errf(err, SIM_ETRACE, "%s, in the header at byte 8", je.msg);
    const char *end = NULL;
    root = cJSON_ParseWithLengthOpts(hdr, (size_t)hlen, &end, 0);
    if (!root) {   /* cJSON sets end to where it failed (not its global, which is not thread-safe) */
        uint64_t o = end && end >= hdr && end <= hdr + hlen ? 8 + (uint64_t)(end - hdr) : 8;
        return sim_errf(err, SIM_ETRACE, "%s: malformed JSON header at byte %llu", name,
                        (unsigned long long)o);
    }
    if (!cJSON_IsObject(root)) FAIL(8, "header is not a JSON object");
    for (const char *p = end; p < hdr + hlen; p++)
        if (*p != ' ' && *p != '\n' && *p != '\t' && *p != '\r')
            FAIL(8 + (uint64_t)(p - hdr), "unexpected bytes after the JSON header");
    out->data_off = 8 + hlen;
    out->data_len = len - 8 - hlen;
    out->data = buf + 8 + hlen;
    int cnt = cJSON_GetArraySize(root);
    out->t = sim_xcalloc((size_t)cnt + 1, sizeof *out->t);
    const cJSON *c;
    bool seen_meta = false;
    cJSON_ArrayForEach(c, root) {
#define ko key_off(hdr, (size_t)hlen, c->string)   /* only evaluated on an error */
        if (strcmp(c->string, "__metadata__") == 0) {
            if (seen_meta) FAIL(ko, "duplicate key '__metadata__'");
            seen_meta = true;
            if (!cJSON_IsObject(c)) FAIL(ko, "'__metadata__' is not an object");
            int nm = cJSON_GetArraySize(c);
            out->meta_key = sim_xcalloc((size_t)nm + 1, sizeof(char *));
            out->meta_val = sim_xcalloc((size_t)nm + 1, sizeof(char *));
            const cJSON *m, *twin = cfg_json_dup(c, false, NULL, NULL, 0);
            cJSON_ArrayForEach(m, c) {
                if (!cJSON_IsString(m))
                    FAIL(key_off(hdr, (size_t)hlen, m->string), "metadata '%.60s' is not a string",
                         m->string);
                if (m == twin)
                    FAIL(key_off(hdr, (size_t)hlen, m->string), "duplicate metadata key '%.60s'",
                         m->string);
                out->meta_key[out->n_meta] = sim_xstrdup(m->string);
                out->meta_val[out->n_meta] = sim_xstrdup(m->valuestring);
                out->n_meta++;
            }
            continue;
        }
        if (!cJSON_IsObject(c)) FAIL(ko, "tensor '%.60s' is not an object", c->string);
        st_tensor *t = &out->t[out->n];
        t->name = sim_xstrdup(c->string);
        out->n++;
        const cJSON *dt = NULL, *sh = NULL, *of = NULL, *e;
        cJSON_ArrayForEach(e, c) {
            const cJSON **slot = !strcmp(e->string, "dtype") ? &dt
                               : !strcmp(e->string, "shape") ? &sh
                               : !strcmp(e->string, "data_offsets") ? &of : NULL;
            if (!slot) FAIL(ko, "tensor '%.60s' has unknown field '%.40s'", c->string, e->string);
            if (*slot) FAIL(ko, "tensor '%.60s' has field '%.40s' twice", c->string, e->string);
            *slot = e;
        }
        if (!dt || !sh || !of) FAIL(ko, "tensor '%.60s' lacks dtype, shape or data_offsets", c->string);
        if (!cJSON_IsString(dt)) FAIL(ko, "tensor '%.60s' dtype is not a string", c->string);
        uint32_t k = 0;
        while (ST_DTYPE_NAMES[k] && strcmp(ST_DTYPE_NAMES[k], dt->valuestring)) k++;
        if (!ST_DTYPE_NAMES[k])
            FAIL(ko, "tensor '%.60s' has unknown dtype '%.20s'", c->string, dt->valuestring);
        t->dtype = (st_dtype)k;
        if (!cJSON_IsArray(sh) || cJSON_GetArraySize(sh) > ST_MAX_DIMS)
            FAIL(ko, "tensor '%.60s' shape is not an array of at most %d sizes", c->string,
                 ST_MAX_DIMS);
        t->numel = 1;
        cJSON_ArrayForEach(e, sh) {
            uint64_t v;
            if (!whole(e, 9007199254740992.0, &v))
                FAIL(ko, "tensor '%.60s' shape has a bad size", c->string);
            if (v && t->numel > UINT64_MAX / v / 16)
                FAIL(ko, "tensor '%.60s' shape overflows", c->string);
            t->shape[t->ndim++] = v;
            t->numel *= v;
        }
        uint64_t b0, b1;
        if (!cJSON_IsArray(of) || cJSON_GetArraySize(of) != 2 ||
            !whole(cJSON_GetArrayItem(of, 0), 9007199254740992.0, &b0) ||
            !whole(cJSON_GetArrayItem(of, 1), 9007199254740992.0, &b1))
            FAIL(ko, "tensor '%.60s' data_offsets is not [begin, end]", c->string);
        t->nbytes = t->numel * DT_SIZE[k];
        if (b1 < b0 || b1 - b0 != t->nbytes)
            FAIL(ko, "tensor '%.60s' data_offsets [%llu, %llu] do not match its shape (%llu bytes)",
                 c->string, (unsigned long long)b0, (unsigned long long)b1,
                 (unsigned long long)t->nbytes);
        if (b1 > out->data_len)
            FAIL(out->data_off + out->data_len,
                 "tensor '%.60s' data [%llu, %llu] ends past the end of the file (truncated?)",
                 c->string, (unsigned long long)b0, (unsigned long long)b1);
        t->data = out->data + b0;
        t->file_off = out->data_off + b0;
#undef ko
    }
    /* duplicates (only tensor names are left to find: '__metadata__', metadata keys and tensor
     * fields were checked above), then contiguity */
    {
        const cJSON *twin = cfg_json_dup(root, false, NULL, NULL, 0);
        if (twin)
            FAIL(key_off(hdr, (size_t)hlen, twin->string), "duplicate tensor '%.60s'", twin->string);
    }
    qsort(out->t, out->n, sizeof *out->t, name_cmp);
    {
        st_tensor **by = sim_xmalloc(((size_t)out->n + 1) * sizeof *by);
        for (uint32_t i = 0; i < out->n; i++) by[i] = &out->t[i];
        qsort(by, out->n, sizeof *by, off_cmp);
        uint64_t pos = out->data_off;
        for (uint32_t i = 0; i < out->n; i++) {
            if (by[i]->file_off != pos) {
                uint64_t o = by[i]->file_off;
                const char *nm = by[i]->name;
                char nb[64];
                snprintf(nb, sizeof nb, "%.60s", nm);
                free(by);
                FAIL(o, "tensor '%s' data %s the previous tensor", nb,
                     o < pos ? "overlaps" : "leaves a gap after");
            }
            pos += by[i]->nbytes;
        }
        free(by);
        if (pos != out->data_off + out->data_len)
            FAIL(pos, "%llu bytes after the last tensor",
                 (unsigned long long)(out->data_off + out->data_len - pos));
    }
out:
    cJSON_Delete(root);
    if (rc) st_release(out);
    return rc;
}

const st_tensor *st_find(const st_file *f, const char *name)
{
    size_t lo = 0, hi = f->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(f->t[mid].name, name);
        if (!c) return &f->t[mid];
        if (c < 0) lo = mid + 1; else hi = mid;
    }
    return NULL;
}

const char *st_meta(const st_file *f, const char *key)
{
    for (uint32_t i = 0; i < f->n_meta; i++)
        if (strcmp(f->meta_key[i], key) == 0) return f->meta_val[i];
    return NULL;
}

/* ---- writer ---- */

typedef struct wt_ent { char *name; st_dtype dt; uint32_t ndim; uint64_t shape[ST_MAX_DIMS];
                        const void *data; uint64_t nbytes; } wt_ent;
struct st_writer {
    wt_ent *e;
    uint32_t n, cap;
    char **mk, **mv;
    uint32_t nm, mcap;
    char *self_key;           /* metadata key of a whole-file checksum, or NULL */
};

void st_self_checksum(st_writer *w, const char *key)
{
    free(w->self_key);
    w->self_key = sim_xstrdup(key);
    st_add_meta(w, key, ST_SELF_PLACEHOLDER);
}

/* The 16 hex digits of "<key>":"fnv1a64:XXXXXXXXXXXXXXXX" in the header text hdr[0, n): their
 * offset in hdr, or -1 unless the pattern occurs exactly once. (Inside a JSON string value a
 * quote is escaped, so the pattern with its bare quotes can only be the metadata entry.) */
long st_self_digits(const char *hdr, size_t n, const char *key)
{
    char pat[96];
    int pl = snprintf(pat, sizeof pat, "\"%s\":\"fnv1a64:", key);
    if (pl <= 0 || (size_t)pl >= sizeof pat) return -1;
    long found = -1;
    for (size_t i = 0; i + (size_t)pl + 16 <= n; i++)
        if (hdr[i] == '"' && memcmp(hdr + i, pat, (size_t)pl) == 0) {
            if (found >= 0) return -1;
            found = (long)(i + (size_t)pl);
        }
    return found;
}

st_writer *st_writer_new(void) { return sim_xcalloc(1, sizeof(st_writer)); }

void st_add(st_writer *w, const char *name, st_dtype dt, uint32_t ndim, const uint64_t *shape,
            const void *data)
{
    SIM_ASSERT(ndim <= ST_MAX_DIMS);
    if (w->n == w->cap) {
        w->cap = w->cap ? 2 * w->cap : 64;
        w->e = sim_xrealloc(w->e, (size_t)w->cap * sizeof *w->e);
    }
    wt_ent *e = &w->e[w->n++];
    e->name = sim_xstrdup(name);
    e->dt = dt;
    e->ndim = ndim;
    uint64_t n = 1;
    for (uint32_t i = 0; i < ndim; i++) { e->shape[i] = shape[i]; n *= shape[i]; }
    e->nbytes = n * DT_SIZE[dt];
    e->data = data;
    SIM_ASSERT(data || e->nbytes == 0);
}

void st_add_meta(st_writer *w, const char *key, const char *val)
{
    if (w->nm == w->mcap) {
        w->mcap = w->mcap ? 2 * w->mcap : 8;
        w->mk = sim_xrealloc(w->mk, w->mcap * sizeof *w->mk);
        w->mv = sim_xrealloc(w->mv, w->mcap * sizeof *w->mv);
    }
    w->mk[w->nm] = sim_xstrdup(key);
    w->mv[w->nm] = sim_xstrdup(val);
    w->nm++;
}

uint64_t st_data_checksum(const st_writer *w)
{
    uint64_t h = ST_FNV_INIT;
    for (uint32_t i = 0; i < w->n; i++) h = st_fnv1a(w->e[i].data, (size_t)w->e[i].nbytes, h);
    return h;
}

int st_write(st_writer *w, const char *path, sim_err *err)
{
    cJSON *root = cJSON_CreateObject();
    if (w->nm) {
        cJSON *m = cJSON_AddObjectToObject(root, "__metadata__");
        for (uint32_t i = 0; i < w->nm; i++) cJSON_AddStringToObject(m, w->mk[i], w->mv[i]);
    }
    uint64_t off = 0;
    for (uint32_t i = 0; i < w->n; i++) {
        const wt_ent *e = &w->e[i];
        cJSON *t = cJSON_AddObjectToObject(root, e->name);
        cJSON_AddStringToObject(t, "dtype", ST_DTYPE_NAMES[e->dt]);
        cJSON *s = cJSON_AddArrayToObject(t, "shape");
        for (uint32_t k = 0; k < e->ndim; k++)
            cJSON_AddItemToArray(s, cJSON_CreateNumber((double)e->shape[k]));
        cJSON *o = cJSON_AddArrayToObject(t, "data_offsets");
        cJSON_AddItemToArray(o, cJSON_CreateNumber((double)off));
        cJSON_AddItemToArray(o, cJSON_CreateNumber((double)(off + e->nbytes)));
        off += e->nbytes;
    }
    char *hdr = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    size_t hl = strlen(hdr), padded = (hl + 7) / 8 * 8;
    if (w->self_key) {   /* FNV-1a over the whole file with the 16 digits as '0', then patch */
        long at = st_self_digits(hdr, hl, w->self_key);
        SIM_ASSERT(at >= 0);
        uint8_t lb[8];
        for (int i = 0; i < 8; i++) lb[i] = (uint8_t)((uint64_t)padded >> (8 * i));
        uint64_t h = st_fnv1a(lb, 8, ST_FNV_INIT);
        h = st_fnv1a((const uint8_t *)hdr, hl, h);
        for (size_t i = hl; i < padded; i++) h = st_fnv1a((const uint8_t *)" ", 1, h);
        for (uint32_t i = 0; i < w->n; i++) h = st_fnv1a(w->e[i].data, (size_t)w->e[i].nbytes, h);
        char hex[17];
        snprintf(hex, sizeof hex, "%016llx", (unsigned long long)h);
        memcpy(hdr + at, hex, 16);
    }
    fio_writer *fw;
    int rc = fio_open(path, &fw, err);
    if (rc) { cJSON_free(hdr); return rc; }
    FILE *f = fio_file(fw);
    uint8_t lenb[8];
    for (int i = 0; i < 8; i++) lenb[i] = (uint8_t)((uint64_t)padded >> (8 * i));
    bool ok = fwrite(lenb, 1, 8, f) == 8 && fwrite(hdr, 1, hl, f) == hl;
    for (size_t i = hl; ok && i < padded; i++) ok = fputc(' ', f) != EOF;
    for (uint32_t i = 0; ok && i < w->n; i++)
        if (w->e[i].nbytes) ok = fwrite(w->e[i].data, 1, (size_t)w->e[i].nbytes, f) == w->e[i].nbytes;
    cJSON_free(hdr);
    if (!ok) {
        int e = errno;
        fio_abort(fw);
        return sim_errf(err, SIM_EIO, "%s: write failed: %s", path, strerror(e));
    }
    return fio_commit(fw, err);
}

void st_writer_free(st_writer *w)
{
    if (!w) return;
    for (uint32_t i = 0; i < w->n; i++) free(w->e[i].name);
    for (uint32_t i = 0; i < w->nm; i++) { free(w->mk[i]); free(w->mv[i]); }
    free(w->self_key);
    free(w->e);
    free(w->mk);
    free(w->mv);
    free(w);
}

/*
 * st.h - the safetensors container, strictly validated (used by .spt traces and weights files).
 *
 * Layout: 8-byte little-endian header length H, H bytes of JSON (an object; optional
 * "__metadata__": {string: string}; every other key a tensor {"dtype", "shape", "data_offsets"}),
 * then the data region. st_parse checks everything before anything is used: header length
 * against the file size, JSON syntax, duplicate keys, unknown entry fields, dtype names, shape
 * sizes (overflow-checked), offsets inside the data region, tensors contiguous without gaps or
 * overlaps (the safetensors rule). Errors: "NAME: <problem> at byte N" (SIM_ETRACE).
 */
#ifndef SPATTEN_ST_H
#define SPATTEN_ST_H

#include "base/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum st_dtype { ST_U8, ST_I8, ST_I16, ST_U16, ST_I32, ST_U32, ST_I64, ST_U64, ST_F16,
                        ST_BF16, ST_F32, ST_F64, ST_BOOL, ST_NDTYPES } st_dtype;
extern const char *const ST_DTYPE_NAMES[];
size_t st_dtype_size(st_dtype t);

#define ST_MAX_DIMS 8
#define ST_MAX_HEADER (100u * 1024u * 1024u)

typedef struct st_tensor {
    char    *name;
    st_dtype dtype;
    uint32_t ndim;
    uint64_t shape[ST_MAX_DIMS];
    uint64_t numel;
    const uint8_t *data;      /* inside the parsed buffer */
    uint64_t nbytes;
    uint64_t file_off;        /* absolute byte offset of the data in the file */
} st_tensor;

typedef struct st_file {
    const char *name;
    uint32_t    n;
    st_tensor  *t;            /* sorted by name (st_find uses binary search) */
    uint32_t    n_meta;
    char      **meta_key, **meta_val;
    uint64_t    data_off;     /* absolute offset of the data region */
    uint64_t    data_len;
    const uint8_t *data;
} st_file;

int  st_parse(const uint8_t *buf, size_t len, const char *name, st_file *out, sim_err *err);
void st_release(st_file *f);
const st_tensor *st_find(const st_file *f, const char *name);
const char *st_meta(const st_file *f, const char *key);      /* NULL if absent */

/* Writer: add tensors (data is referenced, not copied, until st_write) and metadata. */
typedef struct st_writer st_writer;
st_writer *st_writer_new(void);
void st_add(st_writer *w, const char *name, st_dtype dt, uint32_t ndim, const uint64_t *shape,
            const void *data);
void st_add_meta(st_writer *w, const char *key, const char *val);
/* FNV-1a 64 of the data region as it will be written (call after all st_add). */
uint64_t st_data_checksum(const st_writer *w);
/* A whole-file checksum in metadata key: the value is "fnv1a64:" + 16 lower-case hex digits of
 * FNV-1a 64 over every byte of the file (length, header, padding, data) with those 16 digits
 * read as '0'. st_write fills it in. */
#define ST_SELF_PLACEHOLDER "fnv1a64:0000000000000000"
void st_self_checksum(st_writer *w, const char *key);
/* Where the 16 digits of key's self checksum sit in header text hdr[0, n) (offset into hdr),
 * or -1 unless "<key>":"fnv1a64: occurs exactly once. */
long st_self_digits(const char *hdr, size_t n, const char *key);
int  st_write(st_writer *w, const char *path, sim_err *err);   /* atomic */
void st_writer_free(st_writer *w);

uint64_t st_fnv1a(const uint8_t *p, size_t n, uint64_t h);
#define ST_FNV_INIT 0xcbf29ce484222325ull

#ifdef __cplusplus
}
#endif
#endif

/*
 * traffic.h - the accelerator's DRAM traffic kinds: one fetcher stream each, one byte counter
 * each in the reports. Shared by the public API (accel.h) and the fetcher (fetch.h) so that
 * neither drags the other's dependencies along.
 */
#ifndef SPATTEN_TRAFFIC_H
#define SPATTEN_TRAFFIC_H

#include "base/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* DRAM traffic kinds (useful bytes of rows moved; requests are dram request_bytes each). */
typedef enum acc_traffic {
    ACC_TR_Q = 0,      /* read: query rows */
    ACC_TR_K_MSB,      /* read: K MSB plane (or full K when progressive quantisation is off) */
    ACC_TR_K_LSB,      /* read: K LSB plane (progressive re-fetch, or full K's low bits) */
    ACC_TR_V,          /* read: V rows */
    ACC_TR_OUT,        /* write: attention output rows */
    ACC_TR_KV_APPEND,  /* write: generation appends the new token's K (both planes) and V */
    ACC_TR_N
} acc_traffic;
extern const char *const ACC_TRAFFIC_NAMES[ACC_TR_N];   /* "q", "k_msb", "k_lsb", "v", "out", "kv_append" */
static inline bool acc_traffic_is_write(int k) { return k == ACC_TR_OUT || k == ACC_TR_KV_APPEND; }

#ifdef __cplusplus
}
#endif
#endif

/*
 * stats.h - the one statistics registry: modules keep plain counters in their own structs and
 * register each once, by pointer, with a unit and a description. Nothing is looked up by name
 * on the per-cycle path. Registration order is output order, so output is deterministic.
 * Keys are "module.name" (module may contain dots, e.g. "dram.ch3").
 * Text output: "module.name = value  # unit: description" (one per line); JSON output: a flat
 * object { "module.name": value, ... } from the same registry, so both carry identical content.
 * Snapshots (stats_snapshot, stats_snapshot_f64) copy every value, so a per-pass view is a
 * subtraction of two snapshots: the one accounting path of the simulator.
 * A block declares its counters in one static table of stats_def (STATS_U64 / STATS_F64 rows,
 * offsets into the block's counter struct) and registers them with one stats_add_table call.
 */
#ifndef SPATTEN_STATS_H
#define SPATTEN_STATS_H

#include "base/common.h"
#include <stddef.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct stats stats;
struct cJSON;

stats *stats_create(void);
void   stats_destroy(stats *st);                          /* NULL is a no-op */

/* Register a counter; module/name/unit/desc are copied. The pointer must outlive st's use. */
void stats_add_u64(stats *st, const char *module, const char *name, const char *unit,
                   const uint64_t *value, const char *desc);
/* Register a floating-point value (e.g. a derived figure filled in at report time). */
void stats_add_f64(stats *st, const char *module, const char *name, const char *unit,
                   const double *value, const char *desc);

/* One row of a block's counter table: a uint64_t (or double) at byte offset `off` of the
 * block's counter struct. */
typedef struct stats_def {
    const char *name, *unit, *desc;
    size_t      off;
    bool        f64;
} stats_def;
#define STATS_U64(type, field, name, unit, desc) { name, unit, desc, offsetof(type, field), false }
#define STATS_F64(type, field, name, unit, desc) { name, unit, desc, offsetof(type, field), true }
/* Registers defs[0..n) under `module`, in table order, as fields of the struct at base.
 * st NULL is a no-op (a block built without a registry). */
void stats_add_table(stats *st, const char *module, const stats_def *defs, size_t n,
                     const void *base);

size_t      stats_count(const stats *st);
const char *stats_key(const stats *st, size_t i);          /* "module.name" */
/* Value of "module.name"; returns false if not registered. For tests and reports, not hot paths. */
bool        stats_get(const stats *st, const char *key, double *out);
bool        stats_get_u64(const stats *st, const char *key, uint64_t *out);

/* Index of "module.name" in registration order, or -1. For set-up code, not hot paths. */
long        stats_index(const stats *st, const char *key);

/* Snapshot of all u64 counters (in registration order; f64 entries read as 0). buf has
 * stats_count() entries. */
void   stats_snapshot(const stats *st, uint64_t *buf);
/* The same for the f64 values (u64 entries read as 0). */
void   stats_snapshot_f64(const stats *st, double *buf);

int    stats_write_text(const stats *st, FILE *out);
/* Adds every entry as a member of obj (numbers; u64 as exact integers when they fit 2^53). */
void   stats_to_json(const stats *st, struct cJSON *obj);

#ifdef __cplusplus
}
#endif
#endif

/*
 * stats.h - the one statistics registry: modules keep plain counters in their own structs and
 * register each once, by pointer, with a unit and a description. Nothing is looked up by name
 * on the per-cycle path. Registration order is output order, so output is deterministic.
 * Keys are "module.name" (module may contain dots, e.g. "dram.ch3").
 * Text output: "module.name = value  # unit: description" (one per line); JSON output: a flat
 * object { "module.name": value, ... } from the same registry, so both carry identical content.
 * Snapshots (stats_snapshot) copy every u64 counter, so a per-layer view is a subtraction.
 */
#ifndef SPATTEN_STATS_H
#define SPATTEN_STATS_H

#include "base/common.h"
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

size_t      stats_count(const stats *st);
const char *stats_key(const stats *st, size_t i);          /* "module.name" */
/* Value of "module.name"; returns false if not registered. For tests and reports, not hot paths. */
bool        stats_get(const stats *st, const char *key, double *out);
bool        stats_get_u64(const stats *st, const char *key, uint64_t *out);

/* Snapshot of all u64 counters (in registration order; f64 entries read as 0). buf has
 * stats_count() entries. */
void   stats_snapshot(const stats *st, uint64_t *buf);

int    stats_write_text(const stats *st, FILE *out);
/* Adds every entry as a member of obj (numbers; u64 as exact integers when they fit 2^53). */
void   stats_to_json(const stats *st, struct cJSON *obj);

#ifdef __cplusplus
}
#endif
#endif

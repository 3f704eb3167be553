/* stats.c - counter registry (see stats.h). */
#include "base/stats.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

typedef struct stat_entry {
    char *key;                 /* "module.name" */
    char *unit;
    char *desc;
    const uint64_t *u64;       /* exactly one of u64 / f64 is set */
    const double   *f64;
} stat_entry;

struct stats {
    stat_entry *e;
    size_t n, cap;
};

stats *stats_create(void) { return sim_xcalloc(1, sizeof(stats)); }

void stats_destroy(stats *st)
{
    if (!st) return;
    for (size_t i = 0; i < st->n; i++) {
        free(st->e[i].key);
        free(st->e[i].unit);
        free(st->e[i].desc);
    }
    free(st->e);
    free(st);
}

static stat_entry *add(stats *st, const char *module, const char *name, const char *unit,
                       const char *desc)
{
    if (st->n == st->cap) {
        st->cap = st->cap ? st->cap * 2 : 64;
        st->e = sim_xrealloc(st->e, st->cap * sizeof *st->e);
    }
    stat_entry *e = &st->e[st->n++];
    size_t len = strlen(module) + 1 + strlen(name) + 1;
    e->key = sim_xmalloc(len);
    snprintf(e->key, len, "%s.%s", module, name);
    e->unit = sim_xstrdup(unit ? unit : "");
    e->desc = sim_xstrdup(desc ? desc : "");
    e->u64 = NULL;
    e->f64 = NULL;
    return e;
}

void stats_add_u64(stats *st, const char *module, const char *name, const char *unit,
                   const uint64_t *value, const char *desc)
{
    SIM_ASSERT(value != NULL);
    add(st, module, name, unit, desc)->u64 = value;
}

void stats_add_f64(stats *st, const char *module, const char *name, const char *unit,
                   const double *value, const char *desc)
{
    SIM_ASSERT(value != NULL);
    add(st, module, name, unit, desc)->f64 = value;
}

void stats_add_table(stats *st, const char *module, const stats_def *defs, size_t n,
                     const void *base)
{
    if (!st) return;
    const char *b = base;
    for (size_t i = 0; i < n; i++) {
        const stats_def *d = &defs[i];
        if (d->f64) stats_add_f64(st, module, d->name, d->unit, (const double *)(const void *)(b + d->off), d->desc);
        else stats_add_u64(st, module, d->name, d->unit, (const uint64_t *)(const void *)(b + d->off), d->desc);
    }
}

size_t      stats_count(const stats *st)            { return st->n; }
const char *stats_key(const stats *st, size_t i)    { return st->e[i].key; }


static const stat_entry *find(const stats *st, const char *key)
{
    for (size_t i = 0; i < st->n; i++)
        if (strcmp(st->e[i].key, key) == 0) return &st->e[i];
    return NULL;
}

bool stats_get(const stats *st, const char *key, double *out)
{
    const stat_entry *e = find(st, key);
    if (!e) return false;
    *out = e->u64 ? (double)*e->u64 : *e->f64;
    return true;
}

bool stats_get_u64(const stats *st, const char *key, uint64_t *out)
{
    const stat_entry *e = find(st, key);
    if (!e || !e->u64) return false;
    *out = *e->u64;
    return true;
}

long stats_index(const stats *st, const char *key)
{
    const stat_entry *e = find(st, key);
    return e ? (long)(e - st->e) : -1;
}

void stats_snapshot(const stats *st, uint64_t *buf)
{
    for (size_t i = 0; i < st->n; i++) buf[i] = st->e[i].u64 ? *st->e[i].u64 : 0;
}

void stats_snapshot_f64(const stats *st, double *buf)
{
    for (size_t i = 0; i < st->n; i++) buf[i] = st->e[i].f64 ? *st->e[i].f64 : 0.0;
}

int stats_write_text(const stats *st, FILE *out)
{
    for (size_t i = 0; i < st->n; i++) {
        const stat_entry *e = &st->e[i];
        if (e->u64)
            fprintf(out, "%-44s = %-16" PRIu64, e->key, *e->u64);
        else
            fprintf(out, "%-44s = %-16.6g", e->key, *e->f64);
        fprintf(out, "  # %s: %s\n", e->unit, e->desc);
    }
    return ferror(out) ? -1 : 0;
}

void stats_to_json(const stats *st, cJSON *obj)
{
    for (size_t i = 0; i < st->n; i++) {
        const stat_entry *e = &st->e[i];
        double v = e->u64 ? (double)*e->u64 : *e->f64;
        if (e->f64 && v != v)                       /* NaN: say null explicitly */
            cJSON_AddNullToObject(obj, e->key);
        else if (e->u64 || v == (double)(int64_t)v)
            cJSON_AddNumberToObject(obj, e->key, v);
        else {                                      /* full precision, as in report.c */
            char buf[40];
            snprintf(buf, sizeof buf, "%.17g", v);
            cJSON_AddRawToObject(obj, e->key, buf);
        }
    }
}

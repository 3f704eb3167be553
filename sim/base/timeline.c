/*
 * timeline.c - Chrome/Perfetto trace-event JSON writer (format and ordering rules in timeline.h).
 * The JSON is printed by hand (not through cJSON) so numbers have a fixed format and the output
 * is byte-identical for the same slices; names are escaped per RFC 8259.
 */
#include "base/timeline.h"
#include "base/fileio.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct tl_ev {
    int      track;
    char    *name;
    cycle_t  start, end;
    bool     has_arg;
    char    *arg_key;
    uint64_t arg_val;
    size_t   seq;        /* insertion order: last tie-breaker */
} tl_ev;

struct timeline {
    char  **tracks;      /* [n_tracks] names */
    size_t  n_tracks, cap_tracks;
    tl_ev  *ev;          /* [n_ev] */
    size_t  n_ev, cap_ev;
};

timeline *tl_create(void)
{
    return sim_xcalloc(1, sizeof(timeline));
}

void tl_destroy(timeline *t)
{
    if (!t) return;
    for (size_t i = 0; i < t->n_tracks; i++) free(t->tracks[i]);
    for (size_t i = 0; i < t->n_ev; i++) {
        free(t->ev[i].name);
        free(t->ev[i].arg_key);
    }
    free(t->tracks);
    free(t->ev);
    free(t);
}

int tl_track(timeline *t, const char *name)
{
    SIM_ASSERT(name != NULL);
    for (size_t i = 0; i < t->n_tracks; i++)
        if (strcmp(t->tracks[i], name) == 0) return (int)i;
    if (t->n_tracks == t->cap_tracks) {
        t->cap_tracks = t->cap_tracks ? 2 * t->cap_tracks : 8;
        t->tracks = sim_xrealloc(t->tracks, t->cap_tracks * sizeof *t->tracks);
    }
    t->tracks[t->n_tracks] = sim_xstrdup(name);
    return (int)t->n_tracks++;
}

void tl_slice_arg(timeline *t, int track, const char *name, cycle_t start, cycle_t end,
                  const char *arg_key, uint64_t arg_val)
{
    SIM_ASSERT(track >= 0 && (size_t)track < t->n_tracks);
    SIM_ASSERT(name != NULL);
    SIM_ASSERT(start <= end);
    if (t->n_ev == t->cap_ev) {
        t->cap_ev = t->cap_ev ? 2 * t->cap_ev : 64;
        t->ev = sim_xrealloc(t->ev, t->cap_ev * sizeof *t->ev);
    }
    tl_ev *e = &t->ev[t->n_ev];
    e->track = track;
    e->name = sim_xstrdup(name);
    e->start = start;
    e->end = end;
    e->has_arg = arg_key != NULL;
    e->arg_key = arg_key ? sim_xstrdup(arg_key) : NULL;
    e->arg_val = arg_val;
    e->seq = t->n_ev++;
}

void tl_slice(timeline *t, int track, const char *name, cycle_t start, cycle_t end)
{
    tl_slice_arg(t, track, name, start, end, NULL, 0);
}

size_t tl_count(const timeline *t)
{
    return t->n_ev;
}

/* Total order: start asc, track asc, end desc (enclosing slices before nested ones), seq asc. */
static int ev_cmp(const void *pa, const void *pb)
{
    const tl_ev *a = *(const tl_ev *const *)pa, *b = *(const tl_ev *const *)pb;
    if (a->start != b->start) return a->start < b->start ? -1 : 1;
    if (a->track != b->track) return a->track < b->track ? -1 : 1;
    if (a->end != b->end) return a->end > b->end ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq ? 1 : 0;
}

static void put_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            if (*p < 0x20) fprintf(f, "\\u%04x", *p);
            else fputc(*p, f);
        }
    }
    fputc('"', f);
}

int tl_write(const timeline *t, const char *path, double cycle_ns, sim_err *err)
{
    if (!(cycle_ns > 0) || !isfinite(cycle_ns))
        return sim_errf(err, SIM_EINVAL, "%s: timeline cycle length %g ns must be > 0", path, cycle_ns);
    const tl_ev **order = sim_xcalloc(t->n_ev ? t->n_ev : 1, sizeof *order);
    for (size_t i = 0; i < t->n_ev; i++) order[i] = &t->ev[i];
    qsort(order, t->n_ev, sizeof *order, ev_cmp);

    fio_writer *w;
    int rc = fio_open(path, &w, err);
    if (rc) { free(order); return rc; }
    FILE *f = fio_file(w);
    const double us_per_cycle = cycle_ns / 1000.0;
    fputs("{\"displayTimeUnit\": \"ns\",\n \"otherData\": {\"generator\": \"spatten-sim " SPATTEN_VERSION
          "\", \"cycle_ns\": ", f);
    fprintf(f, "%.6f}", cycle_ns);
    fputs(",\n \"traceEvents\": [\n", f);
    fputs("  {\"ph\": \"M\", \"pid\": 1, \"tid\": 0, \"name\": \"process_name\", \"args\": {\"name\": \"spatten\"}}", f);
    for (size_t i = 0; i < t->n_tracks; i++) {
        fprintf(f, ",\n  {\"ph\": \"M\", \"pid\": 1, \"tid\": %zu, \"name\": \"thread_name\", \"args\": {\"name\": ", i + 1);
        put_str(f, t->tracks[i]);
        fputs("}}", f);
        fprintf(f, ",\n  {\"ph\": \"M\", \"pid\": 1, \"tid\": %zu, \"name\": \"thread_sort_index\", \"args\": {\"sort_index\": %zu}}",
                i + 1, i);
    }
    for (size_t i = 0; i < t->n_ev; i++) {
        const tl_ev *e = order[i];
        fputs(",\n  {\"ph\": \"X\", \"pid\": 1, \"tid\": ", f);
        fprintf(f, "%d, \"name\": ", e->track + 1);
        put_str(f, e->name);
        fprintf(f, ", \"ts\": %.6f, \"dur\": %.6f", (double)e->start * us_per_cycle,
                (double)(e->end - e->start) * us_per_cycle);
        fprintf(f, ", \"args\": {\"start_cycle\": %" PRIu64 ", \"end_cycle\": %" PRIu64, e->start, e->end);
        if (e->has_arg) {
            fputs(", ", f);
            put_str(f, e->arg_key);
            fprintf(f, ": %" PRIu64, e->arg_val);
        }
        fputs("}}", f);
    }
    fputs("\n ]\n}\n", f);
    free(order);
    if (ferror(f)) {
        fio_abort(w);
        return sim_errf(err, SIM_EIO, "%s: write error", path);
    }
    return fio_commit(w, err);
}

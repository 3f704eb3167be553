/* sweep.c - the sweep file and its points (see sweep.h). */
#define _XOPEN_SOURCE 700     /* realpath */
#include "base/sweep.h"
#include "base/fileio.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* The sweep file as the config loader fills it. */
typedef struct sweep_file {
    char     hw[CFG_PATH_MAX];
    char     wl[SWEEP_MAX_WORKLOADS][CFG_PATH_MAX];
    uint32_t n_wl;
    cJSON   *vary_hw, *vary_wl;
} sweep_file;

static const cfg_field SWEEP_FIELDS[] = {
    CFG_PATHF(sweep_file, "hw", hw, true, "", "base hardware config"),
    CFG_PATHLISTF(sweep_file, "workloads", wl, n_wl, true, "base workload configs (at least one)"),
    CFG_JSONF(sweep_file, "vary_hw", vary_hw, false, "hw field path -> list of values"),
    CFG_JSONF(sweep_file, "vary_workload", vary_wl, false, "workload field path -> list of values"),
};
static const cfg_table SWEEP_TABLE = { "sweep", SWEEP_FIELDS, CFG_NFIELDS(SWEEP_FIELDS), NULL };

typedef struct sw_axis {
    char         *key;        /* dotted field path */
    char         *column;     /* "hw.<key>" / "wl.<key>" */
    bool          is_hw;
    int           n;
    const cJSON  *values;     /* array inside the loaded sweep_file */
} sw_axis;

struct sweep {
    char       *path;
    char        hw[PATH_MAX];             /* absolute */
    char      (*wl)[PATH_MAX];            /* absolute, [n_wl] */
    int         n_wl;
    int         n_axes;
    sw_axis     axis[SWEEP_MAX_AXES];
    long        n_points;
    sweep_file *f;
};

static int abs_path(const char *name, const char *resolved, const char *what, char *out,
                    sim_err *err)
{
    if (!realpath(resolved, out))
        return sim_errf(err, SIM_EIO, "%s: field '%s': cannot open %s: %s", name, what,
                        resolved, strerror(errno));
    return SIM_OK;
}

/* A varied path must name a field of its config table (cfg_find_path) and must not enter another
 * varied path's value: a point file could not hold both, and one value would be dropped while its
 * CSV column still claimed that the points differ. */
static int axis_check(const sweep *s, const cfg_table *t, bool is_hw, const char *key,
                      sim_err *err)
{
    const char *field = is_hw ? "vary_hw" : "vary_workload";
    char why[512];
    cfg_path_rc prc;
    if (!cfg_find_path(t, key, &prc, why, sizeof why)) {
        if (prc == CFG_PATH_INCLUDE)
            return sim_errf(err, SIM_EINVAL, "%s: field '%s.%s': 'include' cannot be varied or "
                            "entered (the base config comes from the sweep's '%s' field)",
                            s->path, field, key, is_hw ? "hw" : "workloads");
        return sim_errf(err, SIM_EINVAL, "%s: field '%s.%s': %s", s->path, field, key, why);
    }
    size_t lk = strlen(key);
    for (int a = 0; a < s->n_axes; a++) {
        const char *o = s->axis[a].key;
        size_t lo = strlen(o);
        if (s->axis[a].is_hw != is_hw) continue;
        if ((lo < lk && !strncmp(o, key, lo) && key[lo] == '.') ||
            (lk < lo && !strncmp(o, key, lk) && o[lk] == '.'))
            return sim_errf(err, SIM_EINVAL, "%s: field '%s.%s' overlaps the varied field "
                            "'%s.%s' (one lies inside the other)", s->path, field, key, field, o);
    }
    return SIM_OK;
}

static int parse_vary(sweep *s, const cJSON *obj, const cfg_table *t, bool is_hw, sim_err *err)
{
    const char *field = is_hw ? "vary_hw" : "vary_workload";
    const cJSON *c;
    cJSON_ArrayForEach(c, obj) {
        if (s->n_axes == SWEEP_MAX_AXES)
            return sim_errf(err, SIM_EINVAL, "%s: more than %d varied fields", s->path,
                            SWEEP_MAX_AXES);
        int n = cJSON_GetArraySize(c);
        if (!cJSON_IsArray(c) || n < 1)
            return sim_errf(err, SIM_EINVAL, "%s: field '%s.%s' must be a non-empty array of values",
                            s->path, field, c->string);
        const cJSON *v;
        cJSON_ArrayForEach(v, c)
            if (!cJSON_IsNumber(v) && !cJSON_IsString(v) && !cJSON_IsBool(v))
                return sim_errf(err, SIM_EINVAL, "%s: field '%s.%s' values must be numbers, "
                                "strings or booleans", s->path, field, c->string);
        cJSON_ArrayForEach(v, c)
            if (cJSON_IsString(v) && strpbrk(v->valuestring, ",\"\r\n"))
                return sim_errf(err, SIM_EINVAL, "%s: field '%s.%s': value \"%s\" has a comma, "
                                "quote or line break (it would break the CSV)", s->path, field,
                                c->string, v->valuestring);
        int rc = axis_check(s, t, is_hw, c->string, err);
        if (rc) return rc;
        sw_axis *a = &s->axis[s->n_axes++];
        a->key = sim_xstrdup(c->string);
        size_t len = strlen(c->string) + 4;
        a->column = sim_xmalloc(len);
        snprintf(a->column, len, "%s%s", is_hw ? "hw." : "wl.", c->string);
        a->is_hw = is_hw;
        a->n = n;
        a->values = c;
    }
    return SIM_OK;
}

static int load(sweep *s, const cfg_table *hw_t, const cfg_table *wl_t, sim_err *err)
{
    int rc = cfg_load_file(&SWEEP_TABLE, s->path, s->f, err);
    if (rc) return rc;
    if (s->f->n_wl < 1)
        return sim_errf(err, SIM_EINVAL, "%s: field 'workloads' must name at least one workload "
                        "config", s->path);
    if ((rc = abs_path(s->path, s->f->hw, "hw", s->hw, err))) return rc;
    s->n_wl = (int)s->f->n_wl;
    s->wl = sim_xcalloc((size_t)s->n_wl, sizeof *s->wl);
    for (int i = 0; i < s->n_wl; i++) {
        char what[32];
        snprintf(what, sizeof what, "workloads[%d]", i);
        if ((rc = abs_path(s->path, s->f->wl[i], what, s->wl[i], err))) return rc;
    }
    if (s->f->vary_hw && (rc = parse_vary(s, s->f->vary_hw, hw_t, true, err))) return rc;
    if (s->f->vary_wl && (rc = parse_vary(s, s->f->vary_wl, wl_t, false, err))) return rc;
    s->n_points = s->n_wl;
    for (int a = 0; a < s->n_axes; a++) {
        s->n_points *= s->axis[a].n;
        if (s->n_points > SWEEP_MAX_POINTS)
            return sim_errf(err, SIM_EINVAL, "%s: more than %d points", s->path, SWEEP_MAX_POINTS);
    }
    return SIM_OK;
}

int sweep_load(const char *path, const cfg_table *hw_t, const cfg_table *wl_t, sweep **out,
               sim_err *err)
{
    sweep *s = sim_xcalloc(1, sizeof *s);
    s->path = sim_xstrdup(path);
    s->f = sim_xcalloc(1, sizeof *s->f);
    int rc = load(s, hw_t, wl_t, err);
    if (rc) {
        sweep_free(s);
        s = NULL;
    }
    *out = s;
    return rc;
}

void sweep_free(sweep *s)
{
    if (!s) return;
    for (int a = 0; a < s->n_axes; a++) {
        free(s->axis[a].key);
        free(s->axis[a].column);
    }
    cfg_release(&SWEEP_TABLE, s->f);
    free(s->f);
    free(s->wl);
    free(s->path);
    free(s);
}

const char *sweep_path(const sweep *s) { return s->path; }
const char *sweep_hw(const sweep *s) { return s->hw; }
int sweep_n_workloads(const sweep *s) { return s->n_wl; }
const char *sweep_workload(const sweep *s, int i) { return s->wl[i]; }
long sweep_n_points(const sweep *s) { return s->n_points; }
int sweep_n_axes(const sweep *s) { return s->n_axes; }
const char *sweep_axis_column(const sweep *s, int a) { return s->axis[a].column; }

/* Point p -> workload index and the value index of each axis (last axis varies fastest). */
static int point_coords(const sweep *s, long p, int *vi)
{
    for (int a = s->n_axes - 1; a >= 0; a--) {
        vi[a] = (int)(p % s->axis[a].n);
        p /= s->axis[a].n;
    }
    return (int)p;
}

static const cJSON *axis_value(const sweep *s, long p, int a)
{
    int vi[SWEEP_MAX_AXES];
    point_coords(s, p, vi);
    return cJSON_GetArrayItem(s->axis[a].values, vi[a]);
}

void sweep_put_cell(const sweep *s, long p, int a, FILE *f)
{
    const cJSON *v = axis_value(s, p, a);
    if (cJSON_IsString(v)) fputs(v->valuestring, f);
    else if (cJSON_IsBool(v)) fputs(cJSON_IsTrue(v) ? "true" : "false", f);
    else {
        char num[40];
        cfg_fmt_num(num, sizeof num, v->valuedouble);
        fputs(num, f);
    }
}

bool sweep_point_path(const char *dir, long p, const char *suffix, char *buf, size_t cap)
{
    int n = snprintf(buf, cap, "%s/point-%05ld%s", dir, p, suffix);
    return n >= 0 && (size_t)n < cap;
}

int sweep_write_point(const sweep *s, long p, const char *dir, char *hw_out, char *wl_out,
                      size_t cap, sim_err *err)
{
    int vi[SWEEP_MAX_AXES];
    int w = point_coords(s, p, vi);
    if (!sweep_point_path(dir, p, "-hw.json", hw_out, cap) ||
        !sweep_point_path(dir, p, "-workload.json", wl_out, cap))
        return sim_errf(err, SIM_EIO, "%s: path too long for point %ld's files", dir, p);
    /* Each file includes its base; paths inside a base resolve against the base's own
     * directory (CFG_PATHF), so nothing needs rewriting. */
    cJSON *h = cJSON_CreateObject();
    cJSON_AddStringToObject(h, "include", s->hw);
    cJSON *wj = cJSON_CreateObject();
    cJSON_AddStringToObject(wj, "include", s->wl[w]);
    int rc = SIM_OK;
    for (int a = 0; a < s->n_axes && !rc; a++)
        rc = cfg_json_set_path(s->axis[a].is_hw ? h : wj, s->axis[a].key,
                               cJSON_GetArrayItem(s->axis[a].values, vi[a]), s->path, err);
    if (!rc) rc = fio_write_json(hw_out, h, err);
    if (!rc) rc = fio_write_json(wl_out, wj, err);
    cJSON_Delete(h);
    cJSON_Delete(wj);
    return rc;
}

/* tcache.c - reference-model traces cached on disk (see tcache.h). */
#include "models/tcache.h"
#include "models/model.h"
#include "trace/st.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int tcache_trace(const char *dir, const wl_cfg *w, spt_trace **out, sim_err *err)
{
    if (w->source != WL_SRC_SYNTHETIC) return model_run(w, out, NULL, err);
    char *js = wl_to_json(w);
    uint64_t h = st_fnv1a((const uint8_t *)SPATTEN_VERSION "\n", strlen(SPATTEN_VERSION) + 1,
                          0xcbf29ce484222325ull);
    h = st_fnv1a((const uint8_t *)js, strlen(js), h);
    free(js);
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/trace-%016llx.spt", dir, (unsigned long long)h);
    sim_err ce;
    if (access(path, R_OK) == 0 && spt_read(path, out, &ce) == SIM_OK) return SIM_OK;
    int rc = model_run(w, out, NULL, err);
    if (!rc) (void)spt_write(*out, path, &ce);
    return rc;
}

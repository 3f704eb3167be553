/*
 * fuzz_spt.c - libFuzzer target for the .spt trace reader (and through it the safetensors
 * container parser): any input must give SIM_OK or a one-line SIM_ETRACE, never a crash, leak
 * or undefined behaviour. Not part of `make test` (the deterministic fuzz loop in
 * tests/unit/610_trace_corrupt.cc is); run it for longer by hand:
 *
 *   clang -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -iquote build/inc/front \
 *       tests/fuzz/fuzz_spt.c sim/trace/trace.c sim/trace/st.c sim/trace/fxp.c sim/base/common.c \
 *       sim/base/fileio.c -lcjson -lm -o build/fuzz_spt
 *   build/spatten trace configs/workloads/tiny-gpt2.json -o /tmp/corpus/tiny.spt
 *   build/fuzz_spt -max_total_time=300 /tmp/corpus
 */
#include "trace/trace.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    spt_trace *t = NULL;
    sim_err e;
    int rc = spt_read_mem(data, size, "fuzz.spt", &t, &e);
    if (rc == SIM_OK) {
        SIM_ASSERT(t != NULL);
        spt_free(t);
    } else {
        SIM_ASSERT(t == NULL && rc == SIM_ETRACE && strchr(e.msg, '\n') == NULL);
    }
    return 0;
}

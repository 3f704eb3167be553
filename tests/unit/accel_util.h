// accel_util.h - what the accelerator tests share (header only; not a test file): a hardware
// config loaded for one test, and a trace from the reference model.
#ifndef SPATTEN_ACCEL_UTIL_H
#define SPATTEN_ACCEL_UTIL_H

#include <gtest/gtest.h>
extern "C" {
#include "accel/hwcfg.h"
#include "models/model.h"
#include "models/workload.h"
}

namespace testutil {
// configs/hw/<x>.json loaded (and released) for the test's scope
struct Hw {
  hw_cfg hw{};
  explicit Hw(const char *path) {
    sim_err e{};
    EXPECT_EQ(hw_cfg_load(path, &hw, &e), SIM_OK) << e.msg;
  }
  ~Hw() { hw_cfg_release(&hw); }
  Hw(const Hw &) = delete;
  Hw &operator=(const Hw &) = delete;
};

// The reference model's trace of a workload config (nullptr on failure, reported).
inline spt_trace *trace_of(const char *wl_path) {
  wl_cfg w{};
  sim_err e{};
  EXPECT_EQ(wl_cfg_load(wl_path, &w, &e), SIM_OK) << e.msg;
  spt_trace *t = nullptr;
  EXPECT_EQ(model_run(&w, &t, nullptr, &e), SIM_OK) << e.msg;
  return t;
}
}  // namespace testutil

#endif

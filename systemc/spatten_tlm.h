// spatten_tlm.h - SpAtten accelerator as a SystemC TLM-2.0 target (loosely timed).
//
// A thin front end over libspatten: the cycle-level simulation runs inside b_transport, and the
// transaction's delay is annotated with the simulated time (cycles x clock period), so a virtual
// platform sees the accelerator's latency without ticking it cycle by cycle in SystemC time.
// Register map (32-bit little-endian registers, byte offsets):
//   0x00 CTRL        W: 1 = run the loaded trace (blocking; delay annotated)
//   0x04 STATUS      R: 0 idle, 1 done, 2 error (see error_message())
//   0x08 CYCLES_LO   R: accelerator cycles of the last run
//   0x0c CYCLES_HI
//   0x10 DRAM_RD_LO  R: DRAM bytes read by the last run
//   0x14 DRAM_RD_HI
//   0x18 DRAM_WR_LO  R: DRAM bytes written
//   0x1c DRAM_WR_HI
//   0x20 ENERGY_NJ   R: energy of the last run, nanojoules (saturated to 2^32-1)
// Anything else is TLM_ADDRESS_ERROR_RESPONSE; other sizes TLM_BURST_ERROR_RESPONSE.
#ifndef SPATTEN_TLM_H
#define SPATTEN_TLM_H

#include <cstdint>
#include <string>
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

extern "C" {
#include "accel/accel.h"
#include "accel/hwcfg.h"
#include "base/stats.h"
#include "trace/trace.h"
}

class SpattenTlm : public sc_core::sc_module {
 public:
  enum Reg : uint64_t {
    CTRL = 0x00, STATUS = 0x04, CYCLES_LO = 0x08, CYCLES_HI = 0x0c, DRAM_RD_LO = 0x10,
    DRAM_RD_HI = 0x14, DRAM_WR_LO = 0x18, DRAM_WR_HI = 0x1c, ENERGY_NJ = 0x20, REG_END = 0x24
  };
  enum Status : uint32_t { IDLE = 0, DONE = 1, ERROR = 2 };

  tlm_utils::simple_target_socket<SpattenTlm> socket;

  // Loads the hardware config and the trace; throws std::runtime_error with the library's
  // one-line message on bad input (the library itself never exits).
  SpattenTlm(sc_core::sc_module_name name, const std::string &hw_json,
             const std::string &trace_spt);
  ~SpattenTlm() override;

  const std::string &error_message() const { return error_; }
  const accel_result *last_result() const { return have_result_ ? &result_ : nullptr; }

 private:
  void b_transport(tlm::tlm_generic_payload &tx, sc_core::sc_time &delay);
  uint32_t read_reg(uint64_t addr) const;
  void run(sc_core::sc_time &delay);

  hw_cfg hw_{};
  spt_trace *trace_ = nullptr;
  uint32_t status_ = IDLE;
  accel_result result_{};
  bool have_result_ = false;
  std::string error_;
};

#endif

// spatten_tlm.cpp - TLM-2.0 target wrapper over libspatten (see spatten_tlm.h).
#include "spatten_tlm.h"

#include <cstring>
#include <stdexcept>

SpattenTlm::SpattenTlm(sc_core::sc_module_name name, const std::string &hw_json,
                       const std::string &trace_spt)
    : sc_core::sc_module(name), socket("socket") {
  socket.register_b_transport(this, &SpattenTlm::b_transport);
  sim_err err{};
  if (hw_cfg_load(hw_json.c_str(), &hw_, &err) != SIM_OK) throw std::runtime_error(err.msg);
  if (spt_read(trace_spt.c_str(), &trace_, &err) != SIM_OK) {
    hw_cfg_release(&hw_);
    throw std::runtime_error(err.msg);
  }
}

SpattenTlm::~SpattenTlm() {
  spt_free(trace_);
  hw_cfg_release(&hw_);
}

void SpattenTlm::run(sc_core::sc_time &delay) {
  sim_err err{};
  stats *st = stats_create();
  accel *a = accel_create(&hw_, trace_, st, &err);
  int rc = a ? accel_run(a, &err) : (err.code ? err.code : SIM_EINVAL);
  if (rc == SIM_OK) {
    const accel_result *r = accel_result_get(a);
    result_ = *r;
    result_.pass = nullptr;          // per-pass detail is not kept across runs
    result_.n_pass = 0;
    have_result_ = true;
    status_ = DONE;
    error_.clear();
    delay += sc_core::sc_time(static_cast<double>(r->cycles * r->clk_ps), sc_core::SC_PS);
  } else {
    status_ = ERROR;
    error_ = err.msg;
  }
  accel_destroy(a);
  stats_destroy(st);
}

uint32_t SpattenTlm::read_reg(uint64_t addr) const {
  const accel_result &r = result_;
  auto lo = [](uint64_t v) { return static_cast<uint32_t>(v); };
  auto hi = [](uint64_t v) { return static_cast<uint32_t>(v >> 32); };
  switch (addr) {
    case CTRL: return 0;
    case STATUS: return status_;
    case CYCLES_LO: return lo(r.cycles);
    case CYCLES_HI: return hi(r.cycles);
    case DRAM_RD_LO: return lo(r.c.dram_rd_bytes);
    case DRAM_RD_HI: return hi(r.c.dram_rd_bytes);
    case DRAM_WR_LO: return lo(r.c.dram_wr_bytes);
    case DRAM_WR_HI: return hi(r.c.dram_wr_bytes);
    case ENERGY_NJ: {
      double nj = r.c.energy_total_pj * 1e-3;
      return nj >= 4294967295.0 ? 0xffffffffu : static_cast<uint32_t>(nj);
    }
  }
  return 0;
}

void SpattenTlm::b_transport(tlm::tlm_generic_payload &tx, sc_core::sc_time &delay) {
  const uint64_t addr = tx.get_address();
  if (tx.get_data_length() != 4 || tx.get_streaming_width() < 4 || tx.get_byte_enable_ptr()) {
    tx.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
    return;
  }
  if (addr % 4 != 0 || addr >= REG_END) {
    tx.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  uint32_t v = 0;
  if (tx.is_write()) {
    std::memcpy(&v, tx.get_data_ptr(), 4);
    if (addr != CTRL || v != 1) {
      tx.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
      return;
    }
    run(delay);
  } else if (tx.is_read()) {
    v = read_reg(addr);
    std::memcpy(tx.get_data_ptr(), &v, 4);
  } else {
    tx.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
    return;
  }
  tx.set_response_status(tlm::TLM_OK_RESPONSE);
}

// tb_spatten_tlm.cpp - a TLM-2.0 initiator driving SpattenTlm: starts a run through the CTRL
// register, checks the annotated delay equals cycles x clock period, and that the registers
// report the same cycles and DRAM bytes as a direct libspatten run of the same trace (the
// independent reference here is the library's own entry point, called without SystemC), and
// that bad accesses get TLM error responses. Usage: tb_spatten_tlm HW.json TRACE.spt
#include <cstdio>
#include <cstring>
#include <iostream>

#include <tlm_utils/simple_initiator_socket.h>

#include "spatten_tlm.h"

static int failures = 0;
#define CHECK(c)                                                           \
  do {                                                                     \
    if (!(c)) { std::cerr << "FAIL " << __LINE__ << ": " #c "\n"; failures++; } \
  } while (0)

struct Initiator : sc_core::sc_module {
  tlm_utils::simple_initiator_socket<Initiator> socket;
  const accel_result *ref;
  uint64_t clk_ps;
  SC_HAS_PROCESS(Initiator);
  Initiator(sc_core::sc_module_name n, const accel_result *r, uint64_t clk)
      : sc_module(n), socket("socket"), ref(r), clk_ps(clk) { SC_THREAD(main); }

  tlm::tlm_response_status access(bool write, uint64_t addr, uint32_t &v, sc_core::sc_time &d,
                                  unsigned len = 4) {
    tlm::tlm_generic_payload tx;
    unsigned char buf[8] = {0};
    std::memcpy(buf, &v, 4);
    tx.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
    tx.set_address(addr);
    tx.set_data_ptr(buf);
    tx.set_data_length(len);
    tx.set_streaming_width(len);
    tx.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    socket->b_transport(tx, d);
    std::memcpy(&v, buf, 4);
    return tx.get_response_status();
  }
  uint64_t read64(uint64_t lo_addr) {
    sc_core::sc_time d = sc_core::SC_ZERO_TIME;
    uint32_t lo = 0, hi = 0;
    access(false, lo_addr, lo, d);
    access(false, lo_addr + 4, hi, d);
    return (uint64_t)hi << 32 | lo;
  }
  void main() {
    sc_core::sc_time d = sc_core::SC_ZERO_TIME;
    uint32_t v = 0;
    CHECK(access(false, SpattenTlm::STATUS, v, d) == tlm::TLM_OK_RESPONSE && v == SpattenTlm::IDLE);
    v = 1;
    CHECK(access(true, SpattenTlm::CTRL, v, d) == tlm::TLM_OK_RESPONSE);
    CHECK(d == sc_core::sc_time((double)(ref->cycles * clk_ps), sc_core::SC_PS));
    wait(d);
    d = sc_core::SC_ZERO_TIME;
    CHECK(access(false, SpattenTlm::STATUS, v, d) == tlm::TLM_OK_RESPONSE && v == SpattenTlm::DONE);
    CHECK(read64(SpattenTlm::CYCLES_LO) == ref->cycles);
    CHECK(read64(SpattenTlm::DRAM_RD_LO) == ref->c.dram_rd_bytes);
    CHECK(read64(SpattenTlm::DRAM_WR_LO) == ref->c.dram_wr_bytes);
    CHECK(access(false, 0x100, v, d) == tlm::TLM_ADDRESS_ERROR_RESPONSE);
    CHECK(access(false, 0x02, v, d) == tlm::TLM_ADDRESS_ERROR_RESPONSE);
    CHECK(access(false, SpattenTlm::STATUS, v, d, 2) == tlm::TLM_BURST_ERROR_RESPONSE);
    v = 7;
    CHECK(access(true, SpattenTlm::CTRL, v, d) == tlm::TLM_COMMAND_ERROR_RESPONSE);
    std::printf("tb_spatten_tlm: %llu cycles, %llu B read, annotated %s\n",
                (unsigned long long)ref->cycles, (unsigned long long)ref->c.dram_rd_bytes,
                sc_core::sc_time((double)(ref->cycles * clk_ps), sc_core::SC_PS).to_string().c_str());
  }
};

int sc_main(int argc, char **argv) {
  if (argc != 3) { std::cerr << "usage: tb_spatten_tlm HW.json TRACE.spt\n"; return 1; }
  // Reference: the same run through the library directly.
  sim_err err{};
  hw_cfg hw{};
  spt_trace *tr = nullptr;
  if (hw_cfg_load(argv[1], &hw, &err) || spt_read(argv[2], &tr, &err)) {
    std::cerr << "spatten: " << err.msg << "\n";
    return 2;
  }
  accel *a = accel_create(&hw, tr, nullptr, &err);
  if (!a || accel_run(a, &err)) { std::cerr << "spatten: " << err.msg << "\n"; return 4; }
  accel_result ref = *accel_result_get(a);

  // Bad input is an exception with the library's one-line message, not an exit.
  bool threw = false;
  try { SpattenTlm bad("bad", argv[1], "/nonexistent.spt"); } catch (const std::exception &e) {
    threw = std::strstr(e.what(), "/nonexistent.spt") != nullptr;
  }
  CHECK(threw);

  SpattenTlm dut("spatten", argv[1], argv[2]);
  Initiator init("init", &ref, hw.clk_ps);
  init.socket.bind(dut.socket);
  sc_core::sc_start();
  accel_destroy(a);
  spt_free(tr);
  hw_cfg_release(&hw);
  std::printf("tb_spatten_tlm: %s\n", failures ? "FAILED" : "all checks passed");
  return failures ? 1 : 0;
}

// 300_dram_config: the shipped DRAM configs load, carry the spec's reference timing set, and the
// address mapping puts each field at the bit position computed by hand (docs/dram.md).
#include "300_dram_harness.h"
#include <cstdlib>

namespace {
std::string hbm2_with(const std::string &from, const std::string &to) {
  char *txt; size_t len; sim_err e{};
  EXPECT_EQ(fio_read_all("configs/dram/hbm2.json", &txt, &len, &e), SIM_OK) << e.msg;
  std::string s(txt);
  free(txt);
  size_t p = s.find(from);
  EXPECT_NE(p, std::string::npos) << from;
  if (p != std::string::npos) s.replace(p, from.size(), to);
  return s;
}
std::string load_err(const std::string &json) {
  dram_cfg c; sim_err e{};
  EXPECT_EQ(cfg_load_string(&DRAM_CFG_TABLE, json.c_str(), "t.json", &c, &e), SIM_EINVAL);
  return e.msg;
}
}  // namespace

TEST(DramConfig, Hbm2CarriesTheSpecReferenceTimingSet) {
  DramH h("configs/dram/hbm2.json");
  const dram_timing &t = h.cfg.t;
  // spec/dram.md reference table
  EXPECT_EQ(t.CL, 14u); EXPECT_EQ(t.CWL, 4u); EXPECT_EQ(t.tRCDRD, 14u); EXPECT_EQ(t.tRCDWR, 14u);
  EXPECT_EQ(t.tRP, 14u); EXPECT_EQ(t.tRAS, 34u); EXPECT_EQ(t.tRFC, 260u); EXPECT_EQ(t.tREFI, 3900u);
  EXPECT_EQ(t.tRRD_S, 4u); EXPECT_EQ(t.tRRD_L, 6u); EXPECT_EQ(t.tFAW, 30u);
  EXPECT_EQ(t.tWTR_S, 6u); EXPECT_EQ(t.tWTR_L, 8u); EXPECT_EQ(t.tWR, 16u);
  EXPECT_EQ(t.tCCD_S, 1u); EXPECT_EQ(t.tCCD_L, 2u); EXPECT_EQ(t.tRTP_S, 4u); EXPECT_EQ(t.tRTP_L, 6u);
  EXPECT_EQ(t.tXP, 8u); EXPECT_EQ(t.tCKE, 8u); EXPECT_EQ(t.tXS, 268u);
  EXPECT_EQ(h.cfg.org.bank_groups, 4u); EXPECT_EQ(h.cfg.org.banks_per_group, 4u);
  // JESD235A legacy mode: 2 KB page per channel = 128 columns of 16 B; 4 Gb per channel
  EXPECT_EQ(h.cfg.org.rows, 16384u); EXPECT_EQ(h.cfg.org.columns, 128u);
  EXPECT_EQ(uint64_t(h.cfg.org.columns) * h.cfg.org.bus_bits / 8, 2048u);
  EXPECT_EQ(h.cfg.capacity_bytes / h.cfg.org.channels, uint64_t(4) << 30 >> 3);  // 512 MiB
  // 128 bit x BL4 = 64 B; 8 channels x 32 GB/s = 256 GB/s; 1 ns clock
  EXPECT_EQ(dram_cfg_request_bytes(&h.cfg), 64u);
  EXPECT_EQ(dram_cfg_channels(&h.cfg), 8u);
  EXPECT_EQ(dram_cfg_tck_ps(&h.cfg), 1000u);
  EXPECT_DOUBLE_EQ(dram_cfg_peak_gbps(&h.cfg), 256.0);
}

TEST(DramConfig, SpattenSettingIs16ChannelsOf32ByteRequestsAt512GBs) {
  DramH h("configs/dram/hbm2-spatten.json");
  EXPECT_EQ(dram_cfg_channels(&h.cfg), 16u);
  EXPECT_EQ(dram_cfg_request_bytes(&h.cfg), 32u);
  EXPECT_DOUBLE_EQ(dram_cfg_peak_gbps(&h.cfg), 512.0);
  EXPECT_EQ(h.cfg.t.CL, 14u);  // timing inherited from hbm2.json through "include"
  // pseudo-channel mode: 1 KB page per pseudo-channel (128 columns of 8 B), 16 banks each;
  // 2 x 256 MiB = 512 MiB per channel, as in legacy mode
  EXPECT_EQ(uint64_t(h.cfg.org.columns) * h.cfg.org.bus_bits / 8, 1024u);
  EXPECT_EQ(h.cfg.capacity_bytes / h.cfg.org.channels, uint64_t(512) << 20);
}

TEST(DramConfig, Ddr4ConfigLoadsAndHasItsOwnClock) {
  DramH h("configs/dram/ddr4-2400.json");
  EXPECT_EQ(dram_cfg_request_bytes(&h.cfg), 64u);
  EXPECT_EQ(dram_cfg_tck_ps(&h.cfg), 833u);
  // 64 B every 4 clocks of 0.833 ns = 19.2077 GB/s
  EXPECT_NEAR(dram_cfg_peak_gbps(&h.cfg), 64.0 / 4 / 0.833, 1e-9);
}

TEST(DramConfig, MappingPlacesFieldsMsbFirstAboveTheRequestOffset) {
  // hbm2 "ro-ba-bg-ra-co-ch", 64 B requests: offset bits 0-5, ch 6-8 (8 channels), co 9-13
  // (128 columns / BL4 = 32 bursts), ra none, bg 14-15, ba 16-17, ro 18-31 (16384 rows).
  DramH h("configs/dram/hbm2.json");
  EXPECT_EQ(h.cfg.map_shift[DRAM_F_CH], 6u);  EXPECT_EQ(h.cfg.map_bits[DRAM_F_CH], 3u);
  EXPECT_EQ(h.cfg.map_shift[DRAM_F_CO], 9u);  EXPECT_EQ(h.cfg.map_bits[DRAM_F_CO], 5u);
  EXPECT_EQ(h.cfg.map_bits[DRAM_F_RA], 0u);
  EXPECT_EQ(h.cfg.map_shift[DRAM_F_BG], 14u); EXPECT_EQ(h.cfg.map_bits[DRAM_F_BG], 2u);
  EXPECT_EQ(h.cfg.map_shift[DRAM_F_BA], 16u); EXPECT_EQ(h.cfg.map_bits[DRAM_F_BA], 2u);
  EXPECT_EQ(h.cfg.map_shift[DRAM_F_RO], 18u); EXPECT_EQ(h.cfg.map_bits[DRAM_F_RO], 14u);
  EXPECT_EQ(h.cfg.capacity_bytes, 1ull << 32);
  EXPECT_EQ(dram_channel_of(h.d, 0x1c0), 7u);      // bits 6-8 = 7
  EXPECT_EQ(dram_channel_of(h.d, 0x200), 0u);      // bit 9 is a column bit
  // hbm2-spatten "ro-ba-bg-ra-co-ch-pc", 32 B requests: pc bit 5, ch 6-9, co 10-14 (32
  // bursts), bg 15-16, ba 17-18, ro 19-32 (16384 rows): 8 GiB.
  DramH s("configs/dram/hbm2-spatten.json");
  EXPECT_EQ(s.cfg.map_shift[DRAM_F_PC], 5u);
  EXPECT_EQ(s.cfg.map_shift[DRAM_F_CH], 6u);  EXPECT_EQ(s.cfg.map_bits[DRAM_F_CH], 4u);
  EXPECT_EQ(s.cfg.map_shift[DRAM_F_CO], 10u); EXPECT_EQ(s.cfg.map_bits[DRAM_F_CO], 5u);
  EXPECT_EQ(s.cfg.map_shift[DRAM_F_RO], 19u); EXPECT_EQ(s.cfg.map_bits[DRAM_F_RO], 14u);
  EXPECT_EQ(s.cfg.capacity_bytes, 1ull << 33);
  EXPECT_EQ(dram_channel_of(s.d, 0x3e0), 15u);     // ch bits 6-9 all set, pc 1
}

TEST(DramConfig, CrossFieldErrorsAreOneLineNamingTheField) {
  EXPECT_EQ(load_err(hbm2_with("\"rows\": 16384", "\"rows\": 30000")),
            "t.json: field 'org.rows' = 30000 must be a power of two");
  EXPECT_EQ(load_err(hbm2_with("\"ro-ba-bg-ra-co-ch\"", "\"ro-ba-bg-co-ch\"")),
            "t.json: field 'mapping' = \"ro-ba-bg-co-ch\": 'ra' is missing");
  EXPECT_EQ(load_err(hbm2_with("\"ro-ba-bg-ra-co-ch\"", "\"ro-ba-bg-ra-co-ch-ch\"")),
            "t.json: field 'mapping' = \"ro-ba-bg-ra-co-ch-ch\": 'ch' appears twice");
  EXPECT_EQ(load_err(hbm2_with("\"ro-ba-bg-ra-co-ch\"", "\"ro-bk-bg-ra-co-ch\"")),
            "t.json: field 'mapping' = \"ro-bk-bg-ra-co-ch\": unknown field 'bk' (allowed: ro, bg, ba, ra, co, ch, pc)");
  EXPECT_EQ(load_err(hbm2_with("\"write_low\": 8", "\"write_low\": 24")),
            "t.json: field 'controller.write_low' = 24 must be < write_high = 24");
  EXPECT_EQ(load_err(hbm2_with("\"tRAS\": 34", "\"tRAS\": 10")),
            "t.json: field 'timing.tRAS' = 10 must be >= tRCDRD and tRCDWR");
  EXPECT_EQ(load_err(hbm2_with("\"tCCD_L\": 2", "\"tCCD_L\": 2, \"tCCDX\": 1")),
            "t.json: unknown field 'timing.tCCDX' in dram.timing config");
  EXPECT_EQ(load_err(hbm2_with("\"tREFI\": 3900", "\"tREFI\": 300")),
            "t.json: field 'timing.tREFI' = 300 must exceed tRFC + tRAS + tRP");
  // the mode can govern admission into the bank queues only where there are bank queues
  EXPECT_EQ(load_err(hbm2_with("\"bank_queue\": 8", "\"bank_queue\": 0, \"mode_scope\": \"admission\"")),
            "t.json: field 'controller.mode_scope' = \"admission\" needs controller.bank_queue > 0 "
            "(the mode then governs admission into the bank queues, and there are none)");
  dram_cfg c; sim_err e{};
  EXPECT_EQ(cfg_load_string(&DRAM_CFG_TABLE, hbm2_with("\"bank_queue\": 8", "\"bank_queue\": 1, \"mode_scope\": \"admission\"").c_str(),
                            "t.json", &c, &e), SIM_OK) << e.msg;
  EXPECT_EQ(c.ctrl.mode_scope, uint32_t(DRAM_SCOPE_ADMISSION));
}

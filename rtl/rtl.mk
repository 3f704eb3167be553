# rtl.mk - the top-k RTL (issue 6): `make rtl-test` (Verilator lockstep against the C model in
# libspatten.a) and `make rtl-synth` (Yosys, generic gates). Included by the top Makefile.
# Build outputs go under $(BUILD)/rtl/. See docs/rtl.md.

RTL_DIR      := rtl/topk
RTL_SRCS     := $(RTL_DIR)/topk.v $(RTL_DIR)/topk_pipe.v $(RTL_DIR)/topk_ze.v
RTL_HARNESS  := rtl/harness/lockstep.cpp
RTL_OUT      := $(BUILD)/rtl
VERILATOR    ?= verilator
YOSYS        ?= yosys
RTL_CASES    ?= 10000
RTL_SEED     ?= 1
RTL_VFLAGS   := --cc --exe --build -j 2 --x-assign fast --x-initial fast -Wall -Wno-WIDTH \
                -Wno-BLKSEQ -Wno-UNUSEDSIGNAL -Wno-fatal \
                -MAKEFLAGS "OPT_FAST=-O1 OPT_SLOW=-O0 OPT_GLOBAL=-O1"

# $(call rtl_build,name,W,MAX_N,P,L,FIFO,extra verilator flags[,pipe])
# With pipe = 1 the top module is topk_pipe (the pipelined engine) and the harness drives the
# C model's TOPK_PIPELINED variant; otherwise topk (the serial engine) and TOPK_SERIAL.
define rtl_build
$(RTL_OUT)/$(1)/lockstep: $(RTL_SRCS) $(RTL_HARNESS) $(LIB) rtl/rtl.mk | $(INC)/front/.stamp
	@mkdir -p $(RTL_OUT)/$(1)
	$(VERILATOR) $(RTL_VFLAGS) $(7) --top-module $(if $(8),topk_pipe,topk) --Mdir $(RTL_OUT)/$(1) -o lockstep \
	    -GW=$(2) -GMAX_N=$(3) -GP=$(4) -GL=$(5) -GFIFO_DEPTH=$(6) \
	    -CFLAGS "-std=c++17 -iquote $(CURDIR)/$(INC)/front -DH_W=$(2) -DH_MAX_N=$(3) -DH_P=$(4) -DH_L=$(5) -DH_FIFO=$(6)" \
	    -CFLAGS "-DH_PIPE=$(if $(8),1,0)" \
	    -LDFLAGS "$(abspath $(LIB)) -lcjson -lm" \
	    $(RTL_SRCS) $(CURDIR)/$(RTL_HARNESS) >$(RTL_OUT)/$(1)/build.log 2>&1 \
	    || { tail -30 $(RTL_OUT)/$(1)/build.log; exit 1; }
endef

# main: the default engine (16 comparators, 16 lanes, n up to 2048), with VCD support
$(eval $(call rtl_build,main,32,2048,16,16,4,--trace))
# small: odd lane count, FIFO depth 1 (back-pressure every other beat), 8-bit keys
$(eval $(call rtl_build,small,8,64,4,3,1,))
# broken: the deliberately wrong variant (TOPK_BROKEN); the harness must catch it
$(eval $(call rtl_build,broken,32,64,8,8,2,-DTOPK_BROKEN))
# broken_tie: ties resolved toward the higher index (8-bit keys, so ties are common)
$(eval $(call rtl_build,broken_tie,8,64,8,4,2,-DTOPK_BROKEN_TIE))

# The pipelined engine (rtl/topk/topk_pipe.v): the default machine's engine, three smaller
# configurations spanning what the RTL accepts (P 2..32, L 1..P, FIFO 1..4, keys 8..32 bits)
$(eval $(call rtl_build,pipe_main,32,2048,16,16,4,--trace,1))
$(eval $(call rtl_build,pipe_small,8,64,4,3,1,,1))
$(eval $(call rtl_build,pipe_p2,8,32,2,1,2,,1))
$(eval $(call rtl_build,pipe_p32,16,256,32,8,3,,1))
# ... and its deliberately wrong variants, each of which the harness must catch
$(eval $(call rtl_build,pipe_broken,32,64,8,8,2,-DTOPK_BROKEN,1))
$(eval $(call rtl_build,pipe_broken_tie,8,64,8,4,2,-DTOPK_BROKEN_TIE,1))
$(eval $(call rtl_build,pipe_banks2,16,64,4,4,2,-DTOPK_BROKEN_BANKS2,1))
$(eval $(call rtl_build,pipe_free,16,64,4,4,2,-DTOPK_BROKEN_FREE,1))
$(eval $(call rtl_build,pipe_embank,16,64,4,4,2,-DTOPK_BROKEN_EMBANK,1))

RTL_PIPE_BINS := $(foreach v,pipe_main pipe_small pipe_p2 pipe_p32 pipe_broken pipe_broken_tie \
                   pipe_banks2 pipe_free pipe_embank,$(RTL_OUT)/$(v)/lockstep)

.PHONY: rtl-test rtl-synth
rtl-test: $(RTL_OUT)/main/lockstep $(RTL_OUT)/small/lockstep $(RTL_OUT)/broken/lockstep \
          $(RTL_OUT)/broken_tie/lockstep $(RTL_PIPE_BINS)
	@bash rtl/run_rtl_test.sh $(RTL_OUT) $(RTL_CASES) $(RTL_SEED)

rtl-synth: $(RTL_SRCS) rtl/synth.sh
	@mkdir -p $(RTL_OUT)/synth
	@YOSYS=$(YOSYS) bash rtl/synth.sh $(RTL_OUT)/synth

TEST_STEPS += rtl-test

# SystemC/TLM-2.0 wrapper (systemc/): `make systemc-test` builds the testbench against
# libspatten and libsystemc (Debian libsystemc-dev) and runs it on a tiny trace.
SC_BIN := $(BUILD)/systemc/tb_spatten_tlm
SC_SRCS := systemc/spatten_tlm.cpp systemc/tb_spatten_tlm.cpp

.PHONY: systemc-test
$(SC_BIN): $(SC_SRCS) systemc/spatten_tlm.h $(LIB) | $(INC)/front/.stamp
	@mkdir -p $(@D)
	$(CXX) -std=c++17 -O1 -g -Wall -Wextra $(FRONT_INC) -Isystemc -o $@ $(SC_SRCS) $(LIB) \
	    -lsystemc $(LDLIBS)

systemc-test: $(SC_BIN) $(BIN)
	@mkdir -p $(BUILD)/systemc
	$(BIN) trace configs/workloads/tiny-gpt2.json -o $(BUILD)/systemc/tiny-gpt2.spt -q
	SC_COPYRIGHT_MESSAGE=DISABLE $(SC_BIN) configs/hw/spatten.json $(BUILD)/systemc/tiny-gpt2.spt

TEST_STEPS += systemc-test

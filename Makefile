# spatten-sim: one Makefile. `make` builds build/libspatten.a and build/spatten.
# The README's two commands are `make run` and `make test`; both install missing Debian
# packages first (tools/deps.sh). Other targets: bench, asan, rtl-test, rtl-synth, clean.
# Sources are discovered by wildcard: add a .c to a sim/ folder or models/ and it joins the library;
# add a tests/unit/*.cc and it joins the GoogleTest binary; add tests/e2e/*.sh and it joins
# the end-to-end suite; add bench/*.sh and it joins `make bench`.

CC      ?= cc
CXX     ?= c++
BUILD   ?= build
PYTHON  ?= /usr/bin/python3
OPT     ?= -O2
WARN    := -Wall -Wextra -Wshadow -Wconversion -Wstrict-prototypes -Wmissing-prototypes \
           -Wdouble-promotion -Wformat=2 -Wundef -Wno-sign-conversion
CFLAGS  += -std=c11 $(OPT) -g $(WARN) -ffp-contract=off -D_POSIX_C_SOURCE=200809L -MMD -MP \
           -DSPATTEN_CONFIG_DIR='"$(CURDIR)/configs"'
CXXFLAGS += -std=c++17 $(OPT) -g -Wall -Wextra -Wno-missing-field-initializers -ffp-contract=off -MMD -MP
LDLIBS  += -lcjson -lm -pthread

LIB_SRCS := $(sort $(wildcard sim/*/*.c models/*.c))
CLI_SRCS := $(sort $(wildcard tools/spatten/*.c))
UT_SRCS  := $(sort $(wildcard tests/unit/*.cc))
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)
CLI_OBJS := $(CLI_SRCS:%.c=$(BUILD)/%.o)
UT_OBJS  := $(UT_SRCS:%.cc=$(BUILD)/%.o)
LIB      := $(BUILD)/libspatten.a
BIN      := $(BUILD)/spatten
UT_BIN   := $(BUILD)/unit_tests

# Extra test steps (e.g. RTL lockstep) are added by fragments into TEST_STEPS.
TEST_STEPS :=

.PHONY: all run test test-build bench asan clean deps help quality-doc
all: $(BIN)

help:
	@echo "make run | test | bench | quality-doc | asan | rtl-test | rtl-synth | systemc-test | clean"

deps:
	@bash tools/deps.sh

run: deps
	@$(MAKE) --no-print-directory -j2 all
	$(BIN) run

test: deps
	@$(MAKE) --no-print-directory -j2 test-build
	@BUILD=$(BUILD) PYTHON=$(PYTHON) TEST_STEPS="$(TEST_STEPS)" bash tests/run_all.sh

test-build: $(BIN) $(UT_BIN)

# docs/results/quality.md and its plots: every policy on the trained workloads (a few minutes).
quality-doc: deps
	@$(MAKE) --no-print-directory -j2 all
	$(PYTHON) tools/quality_sweep.py

bench: deps
	@$(MAKE) --no-print-directory -j2 all
	@BUILD=$(BUILD) bash bench/run.sh

# ASan + UBSan build in its own tree; runs the unit and end-to-end tests there.
asan: deps
	@$(MAKE) --no-print-directory BUILD=build-asan OPT="-O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
	    LDFLAGS="-fsanitize=address,undefined" test-build
	@BUILD=build-asan PYTHON=$(PYTHON) TEST_STEPS="" bash tests/run_all.sh
	@$(MAKE) --no-print-directory -j2 all
	@bash tests/asan_identical.sh

$(LIB): $(LIB_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	ar rcs $@ $^

$(BIN): $(CLI_OBJS) $(LIB)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(CLI_OBJS) $(LIB) $(LDLIBS)

$(UT_BIN): $(UT_OBJS) $(LIB)
	$(CXX) $(CXXFLAGS) $(LDFLAGS) -o $@ $(UT_OBJS) $(LIB) -lgtest -lgtest_main -pthread $(LDLIBS)

# Layers: each object sees one include root, $(BUILD)/inc/<layer>/ (sim/layers.mk).
include sim/layers.mk
INC := $(BUILD)/inc
layer_of = $(if $(filter sim/%,$(1)),$(word 2,$(subst /, ,$(1))),$(if $(filter models/%,$(1)),models,front))
FRONT_INC := -iquote $(INC)/front

$(INC)/%/.stamp: sim/layers.mk
	@rm -rf $(INC)/$* && mkdir -p $(INC)/$*
	@$(foreach d,$(LAYER_$*),ln -s $(CURDIR)/$(DIR_$(d)) $(INC)/$*/$(d) &&) touch $@

.SECONDEXPANSION:
$(BUILD)/%.o: %.c | $(INC)/$$(call layer_of,$$*)/.stamp
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -iquote $(INC)/$(call layer_of,$*) -c -o $@ $<

$(BUILD)/%.o: %.cc | $(INC)/front/.stamp
	@mkdir -p $(@D)
	$(CXX) $(CXXFLAGS) $(FRONT_INC) -c -o $@ $<

# Proves the arrows: for every layer and every folder, a file including that folder's header
# compiles exactly when sim/layers.mk allows it.
.PHONY: check-layers
LAYER_FOLDERS := base trace dram cost accel report models
check-layers: $(foreach l,$(LAYER_NAMES),$(INC)/$(l)/.stamp)
	@n=0; bad=0; \
	$(foreach l,$(LAYER_NAMES),$(foreach f,$(LAYER_FOLDERS),\
	  want=$(if $(filter $(f),$(LAYER_$(l))),yes,no); got=no; n=$$((n+1)); \
	  echo '#include "$(f)/$(PROBE_$(f))"' | $(CC) -std=c11 -D_POSIX_C_SOURCE=200809L -fsyntax-only \
	    -iquote $(INC)/$(l) -x c - 2>/dev/null && got=yes; \
	  [ $$want = $$got ] || { bad=$$((bad+1)); echo "layer $(l) including $(f)/$(PROBE_$(f)): compiles $$got, allowed $$want"; };)) \
	echo "check-layers: $$((n-bad)) of $$n (layer, folder) pairs compile exactly as sim/layers.mk allows"; \
	[ $$bad -eq 0 ]

clean:
	rm -rf build build-asan

-include $(wildcard rtl/*.mk systemc/*.mk)
-include $(LIB_OBJS:.o=.d) $(CLI_OBJS:.o=.d) $(UT_OBJS:.o=.d)

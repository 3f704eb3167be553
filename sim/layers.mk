# layers.mk - what each folder may include (docs/architecture.md, "Layers"). Data for the
# Makefile: every object is compiled with one include root, $(BUILD)/inc/<layer>/, that holds
# links to the folders of LAYER_<layer> only, so an include of any other folder fails to
# compile. `make check-layers` proves it for every (layer, folder) pair.
# A layer lists every folder it may see, directly or through the headers it includes.

DIR_base   := sim/base
DIR_trace  := sim/trace
DIR_dram   := sim/dram
DIR_cost   := sim/cost
DIR_accel  := sim/accel
DIR_report := sim/report
DIR_models := models

LAYER_base   := base
LAYER_trace  := base trace
LAYER_dram   := base dram
LAYER_cost   := base cost
LAYER_accel  := base trace dram cost accel
LAYER_report := base trace dram cost accel report
LAYER_models := base trace models
# front ends (tools/spatten, systemc, the RTL harness, tests) see the public headers of all
LAYER_front  := base trace dram cost accel report models

LAYER_NAMES  := base trace dram cost accel report models front
# one header per folder, for check-layers
PROBE_base   := common.h
PROBE_trace  := trace.h
PROBE_dram   := dram.h
PROBE_cost   := energy.h
PROBE_accel  := accel.h
PROBE_report := report.h
PROBE_models := model.h

#!/usr/bin/env bash
# The build enforces the layer arrows (sim/layers.mk): for every layer and every folder, a file
# including that folder's header compiles exactly when the layer may include the folder; and no
# source reaches around the include roots with a relative path.
set -euo pipefail
cd "$(dirname "$0")/../.."
make --no-print-directory -s BUILD="${BUILD:-build}" check-layers
if grep -rnE '#include "\.\./' sim models tools systemc rtl/harness tests/unit; then
    echo "relative includes bypass the layer roots" >&2
    exit 1
fi

#!/usr/bin/env bash
# The main job on the bundled demo city. Builds what it needs on first use (about 15 minutes cold).
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
ensure_native_build_tools

out="${1:-$BRANCHNET_ROOT/out/demo-city}"
mkdir -p "$out"
cargo build --release --workspace --bins
"$CARGO_TARGET_DIR/release/branchnet" validate data/demo-city/scenario.toml --report "$out/validation.json"

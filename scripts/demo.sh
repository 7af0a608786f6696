#!/usr/bin/env bash
# The main job on the bundled demo city. Builds what it needs on first use (25–30 minutes cold on 2 cores).
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
ensure_native_build_tools

out="${1:-$BRANCHNET_ROOT/out/demo-city}"
mkdir -p "$out"
# --all-targets: the same features as `cargo test`, so demo and tests share one build of polars and HiGHS.
cargo build --release --workspace --all-targets
"$CARGO_TARGET_DIR/release/branchnet" validate data/demo-city/scenario.toml --report "$out/validation.json"
"$CARGO_TARGET_DIR/release/branchnet" score data/demo-city/scenario.toml --out "$out/scores"
"$CARGO_TARGET_DIR/release/branchnet" gaps data/demo-city/scenario.toml --out "$out/gaps.geojson"
# The plan: macro quotas, the relocation layout, micro sites; actions, KPIs, GeoJSON and the HTML report.
"$CARGO_TARGET_DIR/release/branchnet" plan data/demo-city/scenario.toml --out "$out/plan"

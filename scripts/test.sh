#!/usr/bin/env bash
# Every check and test: formatting, lints, Rust tests (unit, integration, doc), docs. (Python tests join
# here when the bindings exist.)
# Tests run in release so they share one build of polars with scripts/demo.sh.
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
ensure_native_build_tools

echo "== cargo fmt" >&2
cargo fmt --all -- --check
echo "== cargo clippy" >&2
cargo clippy --release --workspace --all-targets -- -D warnings
ensure_chromium
echo "== cargo test" >&2
cargo test --release --workspace
echo "== cargo doc" >&2
RUSTDOCFLAGS="-D warnings" cargo doc --release --workspace --no-deps
echo "== all tests passed" >&2

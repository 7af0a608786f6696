#!/usr/bin/env bash
# Every check and test: formatting, lints, Rust tests (unit, integration, doc), docs, then the Python package:
# its wheel built with maturin, installed into a venv of its own, and its pytest suite.
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
echo "== python: wheel (maturin), install, pytest" >&2
started=$SECONDS
install_python_package
echo "== python: wheel built and installed in $((SECONDS - started)) s" >&2
(cd crates/branchnet-py && "$BRANCHNET_PY_VENV/bin/python" -m pytest -q)
echo "== all tests passed" >&2

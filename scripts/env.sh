# Sourced by the other scripts: where builds go and the tools they need, installed on first use.
#
# Builds go to a target directory outside the clone, so that a fresh clone on the same machine (as CI makes)
# reuses earlier work; nothing depends on it being warm.
set -euo pipefail

BRANCHNET_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BRANCHNET_CACHE="${BRANCHNET_CACHE:-$HOME/.cache/branchnet}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$BRANCHNET_CACHE/target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

# Python tools the build needs (cmake and libclang for HiGHS, which builds from source) live in a venv
# outside the clone, created once.
BRANCHNET_VENV="$BRANCHNET_CACHE/venv"
ensure_venv() {
    if [ ! -x "$BRANCHNET_VENV/bin/python" ]; then
        echo "== creating $BRANCHNET_VENV" >&2
        python3 -m venv "$BRANCHNET_VENV"
        "$BRANCHNET_VENV/bin/python" -m pip install --quiet --upgrade pip
    fi
    export PATH="$BRANCHNET_VENV/bin:$PATH"
}

# cmake and libclang (bindgen) from PyPI: a fresh machine has neither and HiGHS needs both.
ensure_native_build_tools() {
    ensure_venv
    if ! "$BRANCHNET_VENV/bin/python" -c "import clang, cmake" 2>/dev/null; then
        echo "== installing cmake and libclang into $BRANCHNET_VENV" >&2
        "$BRANCHNET_VENV/bin/python" -m pip install --quiet "cmake>=3.28,<5" "libclang>=18,<19"
    fi
    LIBCLANG_PATH="$("$BRANCHNET_VENV/bin/python" -c 'import clang, os; print(os.path.join(os.path.dirname(clang.__file__), "native"))')"
    export LIBCLANG_PATH
}

# The Python package's build and test tools (maturin; pytest, numpy, polars; mypy for stubtest) in a venv of their
# own beside the build-tools venv, created once. The wheel is installed here, never into the user's Python.
BRANCHNET_PY_VENV="$BRANCHNET_CACHE/venv-py"
ensure_python_test_env() {
    if [ ! -x "$BRANCHNET_PY_VENV/bin/python" ]; then
        echo "== creating $BRANCHNET_PY_VENV" >&2
        python3 -m venv "$BRANCHNET_PY_VENV"
        "$BRANCHNET_PY_VENV/bin/python" -m pip install --quiet --upgrade pip
    fi
    # pandas, pyarrow, geopandas and tqdm: the scenario API accepts their frames and draws tqdm bars, and
    # the tests check both. spopt (with PuLP's bundled CBC): the locate tests solve spopt's own instances
    # with spopt too and compare objectives.
    if ! "$BRANCHNET_PY_VENV/bin/python" -c "import maturin, pytest, numpy, mypy, polars, pandas, pyarrow, geopandas, tqdm, spopt" 2>/dev/null; then
        echo "== installing maturin, pytest, numpy, mypy, polars, pandas, pyarrow, geopandas, tqdm, spopt into $BRANCHNET_PY_VENV" >&2
        "$BRANCHNET_PY_VENV/bin/python" -m pip install --quiet \
            "maturin>=1.9,<2" "pytest>=8" "numpy>=1.24" "mypy>=1.10" "polars>=1.28" "pandas>=2" "pyarrow>=15" \
            "geopandas>=1" "tqdm>=4.66" "spopt>=0.6"
    fi
}

# Builds the `branchnet` wheel (crates/branchnet-py) with maturin and installs it into $BRANCHNET_PY_VENV.
# maturin builds into $CARGO_TARGET_DIR like cargo does; the crates whose features differ from the workspace
# build's compile a second time (ARCHITECTURE.md: "The wheel is a second build"), later builds are warm.
install_python_package() {
    ensure_python_test_env
    local wheels="$CARGO_TARGET_DIR/wheels-branchnet"
    rm -rf "$wheels"
    "$BRANCHNET_PY_VENV/bin/maturin" build --release --quiet \
        --manifest-path "$BRANCHNET_ROOT/crates/branchnet-py/Cargo.toml" \
        --interpreter "$BRANCHNET_PY_VENV/bin/python" --out "$wheels"
    "$BRANCHNET_PY_VENV/bin/python" -m pip install --quiet --force-reinstall --no-deps "$wheels"/branchnet-*.whl
}

# Headless Chromium from Debian's packages, for the HTML report's browser test
# (crates/branchnet-plan/tests/report_browser.rs); installed once, as root or through sudo.
ensure_chromium() {
    if command -v chromium >/dev/null 2>&1; then
        return 0
    fi
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        if ! command -v sudo >/dev/null 2>&1; then
            echo "ensure_chromium: not root and no sudo; install it with: apt-get install -y chromium" >&2
            return 1
        fi
        sudo=(sudo)
    fi
    echo "== installing chromium (apt-get)" >&2
    "${sudo[@]}" apt-get update -qq >/dev/null
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
}

cd "$BRANCHNET_ROOT"

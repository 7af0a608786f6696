"""The README's Python example runs as written, so the docs cannot rot."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

README = Path(__file__).resolve().parents[4] / "README.md"


def test_the_readme_example_runs():
    section = README.read_text(encoding="utf-8").split("\n## Python\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)
    assert blocks, "the README's Python section has an example"
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(blocks[0], str(README), "exec"), {})
    first, second = out.getvalue().splitlines()
    assert first.startswith("optimal ")
    assert float(second.split()[0]) > 0

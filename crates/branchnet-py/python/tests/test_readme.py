"""The README's Python examples run as written, in order and in one namespace as in a notebook, so the docs
cannot rot."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[4]
README = ROOT / "README.md"


def test_the_readme_examples_run(tmp_path, monkeypatch):
    section = README.read_text(encoding="utf-8").split("\n## Python\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)
    assert len(blocks) == 3, "the README's Python section: a scenario, a scoring model, spopt's models"
    # The examples name paths from the repository root; their outputs go to a scratch folder.
    (tmp_path / "data").symlink_to(ROOT / "data")
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {}
    outputs = []
    for block in blocks:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(block, str(README), "exec"), namespace)
        outputs.append(out.getvalue())
    plan = namespace["plan"]
    assert plan.status == "optimal"  # type: ignore[attr-defined]
    assert (tmp_path / "out" / "plan" / "report.html").is_file()
    assert "footfall.index" in namespace["scores"].cells.columns  # type: ignore[attr-defined]
    first, second = outputs[2].splitlines()
    assert first.startswith("optimal ")
    assert float(second.split()[0]) > 0

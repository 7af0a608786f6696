"""The notebook-style example (examples/python/demo_city.py) runs on the demo city, and its plan keeps the
scenario's rules, checked from the tables it returns."""

from __future__ import annotations

import json
import runpy
from pathlib import Path

import polars as pl
import pytest

EXAMPLE = Path(__file__).resolve().parents[4] / "examples" / "python" / "demo_city.py"
SCENARIO = EXAMPLE.parents[2] / "data" / "demo-city" / "scenario.toml"


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    plan = runpy.run_path(str(EXAMPLE))["main"](out)
    return plan, out


def test_the_example_plans_the_demo_city_within_its_rules(run):
    plan, _ = run
    import tomllib

    rules = tomllib.loads(SCENARIO.read_text(encoding="utf-8"))["plan"]
    assert plan.status == "optimal"
    counts = plan.actions.group_by("action").len()
    count = dict(zip(counts["action"], counts["len"], strict=True))
    assert count.get("relocate", 0) <= rules["budget"]["max-relocations"]
    assert count.get("open", 0) <= rules["budget"]["max-openings"]
    capital = plan.actions["capital_cost"].sum()
    assert capital <= rules["budget"]["capital"]
    before, after = plan.kpis["before"], plan.kpis["after"]
    assert after["capital_cost"] == pytest.approx(capital)
    assert after["annual_cost"] <= before["annual_cost"] + 1e-6  # annual = "today"
    assert after["branches"] == before["branches"] == plan.branches.height
    assert after["coverage"] > before["coverage"]
    assert plan.regions["branches_after"].sum() == after["branches"]


def test_the_example_writes_the_exports_and_the_notebook_view(run):
    plan, out = run
    names = {p.name for p in out.iterdir()}
    assert {"actions.csv", "actions.parquet", "regions.csv", "branches.csv", "sites.csv", "plan.geojson",
            "kpis.json", "report.html", "notebook.html"} <= names
    assert json.loads((out / "kpis.json").read_text())["after"] == plan.kpis["after"]
    assert pl.read_csv(out / "branches.csv").height == plan.branches.height
    assert '<svg id="map"' in (out / "report.html").read_text()
    assert "&lt;svg id=&quot;map&quot;" in (out / "notebook.html").read_text()

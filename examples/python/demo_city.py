"""A notebook-style run of the demo city through the Python package: read the scenario, score it, look at its
gaps, plan it, read the KPIs and actions as DataFrames, and write the exports with the HTML report and map.

    python examples/python/demo_city.py [out-dir]

Each step is a notebook cell; in Jupyter, ending a cell with ``plan`` shows the KPI table and the map.
"""

from __future__ import annotations

import sys
from pathlib import Path

import polars as pl

import branchnet

ROOT = Path(__file__).resolve().parents[2]


def main(out: Path) -> branchnet.PlanResult:
    # Cell 1: the scenario, as the CLI reads it.
    scenario = branchnet.Scenario.from_toml(ROOT / "data" / "demo-city" / "scenario.toml")
    print(scenario)

    # Cell 2: every scoring model of the scenario; the tables are polars DataFrames.
    scores = scenario.score(progress=branchnet.progress.Lines())
    print(scores.cells.select("cell", "lon", "lat", "potential.now", "coverage.covered").head())

    # Cell 3: where the bank is missing (blank areas) and where its branches crowd (dense areas).
    gaps = scenario.gaps(scores)
    print(gaps.blank.select("rank", "population", "potential", "lon", "lat").head(5))
    print(gaps.dense.select("rank", "branches", "redundancy").head(5))

    # Cell 4: the plan, in the scenario's own parameters.
    plan = scenario.plan(scores, progress=branchnet.progress.Lines())
    print(plan)
    print(plan.kpi_table)
    moves = plan.actions.filter(pl.col("action") == "relocate")
    print(moves.select("from_id", "to_id", "region", "capital_cost", "reasons"))

    # Cell 5: the exports (tables, GeoJSON, kpis.json) and the report with its map; `plan` shows in a notebook.
    for file in plan.write(out):
        print("wrote", file)
    (out / "notebook.html").write_text(plan._repr_html_(), encoding="utf-8")
    return plan


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("out-demo-python"))

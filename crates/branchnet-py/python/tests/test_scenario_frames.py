"""The scenario API on a scenario small enough to plan by hand.

Two clusters of 10 cells of 100 people, 11 km apart (cluster A at 116.30° E, cluster C at 116.40° E, 39.9° N).
Both own branches stand in A; the only candidate site stands in C. With a 1 km service radius, today A's 1,000
people are served and C's are not: coverage 50%. Allowed one relocation, the plan moves one branch from A to C:
both clusters served, coverage 100%, the branch count unchanged.
"""

from __future__ import annotations

import io
import json

import numpy as np
import polars as pl
import pytest

import branchnet

LAT = 39.9
A, C = 116.30, 116.40
STEP = 0.001  # about 85 m of longitude at 39.9° N

PLAN = {
    "demand": "population",
    "blank_area_locations": False,
    "service": {"radius_m": 1000, "rural_radius_m": 1000},
    "budget": {"max_relocations": 1},
    "time_limit_s": 30,
}
# Today's residents are the demand (no projection, no elderly group); 500 people-equivalents make a blank area.
SCORES = [
    {"model": "potential", "horizon_years": 0, "terms": [{"column": "population", "weight": 1.0}]},
    {"model": "coverage", "groups": []},
    {"model": "gaps", "future": "potential.now", "min_potential": 500},
]


def cells() -> pl.DataFrame:
    lon = [A + STEP * k for k in range(10)] + [C + STEP * k for k in range(10)]
    return pl.DataFrame({"lon": lon, "lat": [LAT] * 20, "population": [100.0] * 20})


def branches() -> pl.DataFrame:
    return pl.DataFrame({"id": ["b1", "b2"], "lon": [A + 0.004, A + 0.005], "lat": [LAT, LAT], "counters": [3, 3]})


def candidates() -> pl.DataFrame:
    return pl.DataFrame({"id": ["c1"], "lon": [C + 0.0045], "lat": [LAT], "footfall": [5.0]})


def scenario(**overrides) -> branchnet.Scenario:
    args = {"branches": branches(), "candidates": candidates(), "name": "two clusters", "currency": "EUR",
            "cell_size_m": 100, "scores": SCORES, "plan": PLAN} | overrides
    return branchnet.Scenario.from_frames(args.pop("cells", cells()), **args)


def test_plan_moves_one_branch_from_the_dense_cluster_to_the_blank_one():
    plan = scenario().plan()
    assert plan.status == "optimal"
    moves = plan.actions.filter(pl.col("action") == "relocate")
    assert moves.height == 1
    assert moves["from_id"][0] in ("b1", "b2")
    assert moves["to_id"][0] == "c1"
    before, after = plan.kpis["before"], plan.kpis["after"]
    assert before["population_covered"] == pytest.approx(1000.0)
    assert after["population_covered"] == pytest.approx(2000.0)
    assert before["coverage"] == pytest.approx(0.5)
    assert after["coverage"] == pytest.approx(1.0)
    assert before["branches"] == after["branches"] == 2
    assert plan.branches.height == 2
    assert set(plan.branches["id"]) == {"c1", ({"b1", "b2"} - {moves["from_id"][0]}).pop()}
    table = plan.kpi_table
    assert table.filter(pl.col("kpi") == "coverage").row(0) == ("coverage", 0.5, 1.0)


def test_keyword_parameters_override_the_plan_table():
    plan = scenario().plan(budget={"max_relocations": 0, "max_openings": 0})
    assert plan.actions.filter(pl.col("action") == "relocate").height == 0
    assert plan.kpis["after"]["coverage"] == pytest.approx(0.5)
    with pytest.raises(ValueError, match="max-relocationz"):
        scenario().plan(budget={"max_relocationz": 0})


def test_scores_and_gaps_are_dataframes():
    sc = scenario()
    scores = sc.score()
    assert scores.cells.height == 20
    assert {"cell", "lon", "lat", "potential.now"} <= set(scores.cells.columns)
    assert scores.cells["potential.now"].sum() == pytest.approx(2000.0)
    assert scores.sites["id"].to_list() == ["b1", "b2", "c1"]
    assert scores.sites["kind"].to_list() == ["own", "own", "candidate"]
    assert list(scores.timings) == ["potential", "coverage", "gaps"]
    gaps = sc.gaps()
    # The blank area is cluster C, with its 1,000 people; the dense one is A's two branches.
    assert gaps.blank.height >= 1
    top = gaps.blank.row(0, named=True)
    assert top["population"] == pytest.approx(1000.0)
    assert C <= top["lon"] <= C + 10 * STEP
    assert gaps.dense["branches"].to_list() == ["b1;b2"]
    kinds = [f["properties"]["kind"] for f in gaps.geojson["features"]]
    assert kinds.count("blank") == gaps.blank.height and kinds.count("dense") == 1


def test_bad_values_are_named_by_dataframe_row_and_column():
    bad = cells().with_columns(pl.when(pl.int_range(pl.len()) == 2).then(-5.0).otherwise(pl.col("population"))
                               .alias("population"))
    with pytest.raises(ValueError) as error:
        scenario(cells=bad)
    message = str(error.value)
    assert "DataFrame 'cells'" in message and "row 3" in message and "population" in message, message
    with pytest.raises(ValueError, match="no positions"):
        scenario(branches=pl.DataFrame({"id": ["b1"], "east": [1.0]}))


def test_a_python_scoring_model_runs_among_the_built_in_ones():
    @branchnet.scoring_model("doubled")
    def doubled(inputs: branchnet.ScoreInputs):
        assert "potential.now" in inputs.cells.columns  # it sees the models before it
        return {"cells": {"demand": inputs.cells["population"] * 2},
                "sites": {"is_own": (inputs.sites["kind"] == "own").cast(pl.Float64)},
                "figures": {"total": float(inputs.cells["population"].sum() * 2)}}

    sc = scenario()
    scores = sc.score(models=[*SCORES, doubled])
    assert scores.cells["doubled.demand"].sum() == pytest.approx(4000.0)
    assert scores.sites["doubled.is_own"].to_list() == [1.0, 1.0, 0.0]
    assert scores.figures["doubled.total"] == pytest.approx(4000.0)
    plan = sc.plan(scores, demand="doubled.demand")
    assert plan.kpis["after"]["demand_covered"] == pytest.approx(4000.0)

    @branchnet.scoring_model("broken")
    def broken(inputs):
        raise RuntimeError("no data for this city")

    with pytest.raises(ValueError, match="broken.*no data for this city"):
        sc.score(models=[*SCORES, broken])

    @branchnet.scoring_model("short")
    def short(inputs):
        return {"x": np.ones(3)}

    with pytest.raises(ValueError, match="short.*3 values for 20 cells"):
        sc.score(models=[*SCORES, short])


def test_progress_reaches_a_callback_and_tqdm():
    events = []
    scenario().plan(progress=lambda event, stage, value: events.append((event, stage, value)))
    begun = [stage for event, stage, _ in events if event == "begin"]
    assert begun[0] == "scoring"
    assert "layout: relocation program (HiGHS)" in begun, begun
    assert events[1] == ("advance", "", 1)
    assert sum(1 for e in events if e[0] == "begin") == sum(1 for e in events if e[0] == "end")
    pytest.importorskip("tqdm")
    out = io.StringIO()
    scenario().score(progress=branchnet.progress.Tqdm(file=out))
    assert "scoring" in out.getvalue() and "3/3" in out.getvalue()


def test_a_failing_progress_callback_raises_after_the_work():
    def callback(event, stage, value):
        raise KeyError("callback broke")

    with pytest.raises(KeyError, match="callback broke"):
        scenario().score(progress=callback)


def test_pandas_and_geopandas_inputs_plan_the_same():
    gpd = pytest.importorskip("geopandas")
    pytest.importorskip("pyarrow")
    expected = scenario().plan().kpis
    from_pandas = scenario(cells=cells().to_pandas(), branches=branches().to_pandas()).plan().kpis
    assert from_pandas == expected
    frame = cells().to_pandas()
    # Points in Web Mercator: the scenario API reprojects them to WGS84.
    points = gpd.GeoDataFrame(frame[["population"]], geometry=gpd.points_from_xy(frame.lon, frame.lat),
                              crs="EPSG:4326").to_crs("EPSG:3857")
    from_geo = scenario(cells=points).plan().kpis
    assert from_geo["after"]["coverage"] == pytest.approx(expected["after"]["coverage"])
    assert from_geo["before"]["population_covered"] == pytest.approx(expected["before"]["population_covered"])


def test_save_gives_a_scenario_the_cli_reads(tmp_path):
    path = scenario().save(tmp_path / "saved")
    again = branchnet.Scenario.from_toml(path)
    assert again.counts == {"cells": 20, "own": 2, "competitor": 0, "candidate": 1, "regions": 0}
    assert again.plan().kpis["after"]["coverage"] == pytest.approx(1.0)


def test_exports_and_notebook_display(tmp_path):
    plan = scenario().plan()
    files = {p.name for p in plan.write(tmp_path)}
    assert {"actions.csv", "actions.parquet", "kpis.json", "plan.geojson", "report.html"} <= files
    written = json.loads((tmp_path / "kpis.json").read_text())
    assert written["after"] == plan.kpis["after"]
    assert pl.read_parquet(tmp_path / "actions.parquet").equals(plan.actions)
    shown = plan._repr_html_()
    assert shown.startswith("<iframe srcdoc=")
    assert "&lt;svg id=&quot;map&quot;" in shown
    roles = {f["properties"]["role"] for f in plan.geojson["features"]}
    assert "relocation" in roles
    assert "<svg" in plan.report_html()


def test_a_scenario_that_cannot_be_built_leaves_no_scratch_folder(tmp_path, monkeypatch):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    bad = cells().with_columns(pl.lit(-1.0).alias("population"))
    with pytest.raises(ValueError, match="DataFrame 'cells'"):
        scenario(cells=bad)
    assert list(tmp_path.iterdir()) == []
    kept = scenario()
    assert len(list(tmp_path.iterdir())) == 1, "a built scenario keeps its folder while it lives"
    del kept
    import gc

    gc.collect()
    assert list(tmp_path.iterdir()) == []

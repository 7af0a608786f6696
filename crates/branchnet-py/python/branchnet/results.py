"""What scoring, gap search and planning return: tables as polars DataFrames (read once, when first asked
for), documents as dicts, and the CLI's exports a call away."""

from __future__ import annotations

import html
import io
import json
from functools import cached_property
from pathlib import Path
from typing import Any

import polars as pl

from . import _native

_LON_LAT = {
    "actions": ("to_lon", "to_lat"),
    "branches": ("lon", "lat"),
    "sites": ("lon", "lat"),
    "cells": ("lon", "lat"),
    "blank": ("lon", "lat"),
    "dense": ("lon", "lat"),
}


def _frame(data: bytes) -> pl.DataFrame:
    return pl.read_parquet(io.BytesIO(data))


def to_geodataframe(table: pl.DataFrame, lon: str = "lon", lat: str = "lat") -> Any:
    """``table`` as a GeoPandas GeoDataFrame of points at ``lon``/``lat`` (WGS84); needs geopandas (and pyarrow
    for the pandas conversion)."""
    import geopandas

    frame = table.to_pandas()
    return geopandas.GeoDataFrame(frame, geometry=geopandas.points_from_xy(frame[lon], frame[lat]), crs="EPSG:4326")


class ScoreResult:
    """Every scoring model's columns: per cell, per site and per region, and scalar figures."""

    def __init__(self, native: _native.Scores) -> None:
        self._native = native

    @cached_property
    def cells(self) -> pl.DataFrame:
        """One row per cell: ``cell``, ``lon``, ``lat``, ``region_<level>``, then the models' columns."""
        return _frame(self._native.cells_parquet())

    @cached_property
    def sites(self) -> pl.DataFrame:
        """One row per site: ``id``, ``kind``, ``lon``, ``lat``, ``region_<level>``, then the models' columns."""
        return _frame(self._native.sites_parquet())

    @cached_property
    def regions(self) -> pl.DataFrame:
        """One row per region of every level: ``id``, ``name``, ``level``, then the models' columns."""
        return _frame(self._native.regions_parquet())

    @property
    def figures(self) -> dict[str, float]:
        """Scalar figures by name (``coverage.share_covered``, ...)."""
        return dict(self._native.figures())

    @property
    def timings(self) -> dict[str, float]:
        """Seconds per model, in run order."""
        return dict(self._native.timings())

    @property
    def columns(self) -> list[str]:
        """The cell columns the models produced."""
        return list(self._native.cell_columns())

    def __repr__(self) -> str:
        return f"ScoreResult({len(self.timings)} models, {len(self.columns)} cell columns)"


class GapsResult:
    """Blank areas (potential no branch reaches) and dense areas (branches serving the same people)."""

    def __init__(self, native: _native.Gaps) -> None:
        self._native = native

    @cached_property
    def blank(self) -> pl.DataFrame:
        """One row per blank area, by rank: potential, population, area, centroid, regions."""
        return _frame(self._native.blank_parquet())

    @cached_property
    def dense(self) -> pl.DataFrame:
        """One row per dense area, by rank: its branches, redundancy, overlap, centroid, regions."""
        return _frame(self._native.dense_parquet())

    @cached_property
    def geojson(self) -> dict[str, Any]:
        """Every area as a polygon with its figures (what ``branchnet gaps`` writes)."""
        collection: dict[str, Any] = json.loads(self._native.geojson())
        return collection

    def write(self, path: str | Path) -> Path:
        """Writes the areas as GeoJSON to ``path``."""
        target = Path(path)
        target.write_text(self._native.geojson(), encoding="utf-8")
        return target

    def __repr__(self) -> str:
        return f"GapsResult({self.blank.height} blank areas, {self.dense.height} dense areas)"


class PlanResult:
    """A relocation plan: actions, the regions' directions, the network after, the micro site rankings, KPIs
    before and after, the budgets' use, and the status of each stage."""

    def __init__(self, native: _native.Plan, *, currency: str = "") -> None:
        self._native = native
        self.currency = currency

    @cached_property
    def _tables(self) -> dict[str, pl.DataFrame]:
        return {name: _frame(data) for name, data in self._native.tables_parquet().items()}

    @property
    def actions(self) -> pl.DataFrame:
        """One row per action (keep, close, relocate, open, convert) with ids, positions, costs and reasons."""
        return self._tables["actions"]

    @property
    def regions(self) -> pl.DataFrame:
        """The macro directions: per region its figures, quota, branches after and reasons."""
        return self._tables["regions"]

    @property
    def branches(self) -> pl.DataFrame:
        """The network after the plan: position, format, counters, planned load, queueing."""
        return self._tables["branches"]

    @property
    def sites(self) -> pl.DataFrame:
        """The micro rankings: per opened location, each listed site within walking distance and its score."""
        return self._tables["sites"]

    @cached_property
    def _document(self) -> dict[str, Any]:
        document: dict[str, Any] = json.loads(self._native.kpis_json())
        return document

    @property
    def kpis(self) -> dict[str, Any]:
        """``{"before": {...}, "after": {...}}``: coverage, people and elderly covered, distances, market share,
        waiting, cost, branches per region."""
        return {"before": self._document["before"], "after": self._document["after"]}

    @property
    def kpi_table(self) -> pl.DataFrame:
        """The scalar KPIs as a table: ``kpi``, ``before``, ``after``."""
        before, after = self.kpis["before"], self.kpis["after"]
        names = [k for k, v in before.items() if isinstance(v, (int, float)) or v is None]
        return pl.DataFrame({
            "kpi": names,
            "before": [_number(before.get(k)) for k in names],
            "after": [_number(after.get(k)) for k in names],
        })

    @property
    def budget(self) -> dict[str, Any]:
        """The budgets and bounds, and how much of each the plan uses."""
        budget: dict[str, Any] = self._document["budget"]
        return budget

    @property
    def stages(self) -> list[dict[str, Any]]:
        """Each stage (macro, meso, micro) with its status, objective, bound, gap and seconds."""
        stages: list[dict[str, Any]] = self._document["stages"]
        return stages

    @property
    def status(self) -> str:
        """The meso layout's status: ``optimal``, ``feasible`` (a limit stopped the proof; see ``stages`` for the
        gap) or ``infeasible`` (the notes say which rules conflict)."""
        statuses = [str(s.get("status")) for s in self.stages]
        if "infeasible" in statuses:
            return "infeasible"
        meso = [str(s.get("status")) for s in self.stages if s.get("stage") == "meso"]
        return meso[0] if meso else statuses[-1] if statuses else "optimal"

    @property
    def notes(self) -> list[str]:
        """What a reader must know: conflicts, units left without service, locations without a listed site."""
        notes: list[str] = self._document["notes"]
        return notes

    @property
    def summary(self) -> str:
        """Counts of actions by kind, as one line."""
        return self._native.action_summary()

    @cached_property
    def geojson(self) -> dict[str, Any]:
        """Points for every branch before and after and a line per relocation."""
        collection: dict[str, Any] = json.loads(self._native.geojson())
        return collection

    def report_html(self) -> str:
        """The whole self-contained HTML report (what ``report.html`` holds)."""
        return self._native.report_html()

    def write(self, directory: str | Path) -> list[Path]:
        """Writes the CLI's exports into ``directory``: actions.csv/.parquet, regions.csv, branches.csv,
        sites.csv, plan.geojson, kpis.json and report.html; returns the files."""
        return [Path(p) for p in self._native.write(Path(directory))]

    def geodataframe(self, table: str = "branches") -> Any:
        """One of the tables (``actions``, ``branches``, ``sites``) as a GeoDataFrame of points (needs geopandas);
        actions are placed where they end (``to_lon``/``to_lat``, the branch's place for keep and close)."""
        frame = self._tables[table]
        lon, lat = _LON_LAT[table]
        if table == "actions":
            frame = frame.with_columns(pl.coalesce("to_lon", "from_lon").alias("to_lon"),
                                       pl.coalesce("to_lat", "from_lat").alias("to_lat"))
        return to_geodataframe(frame, lon, lat)

    def __repr__(self) -> str:
        return f"PlanResult({self.status}: {self.summary})"

    def _repr_html_(self) -> str:
        """The headline figures, stages, map and KPI table, in an iframe so the report's style stays inside."""
        document = html.escape(self._native.summary_html(), quote=True)
        return (f'<iframe srcdoc="{document}" style="width:100%;height:900px;border:1px solid #ddd" '
                f'title="branchnet plan"></iframe>')


def _number(value: Any) -> float | None:
    return None if value is None else float(value)

"""The scenario API: a scenario from its ``scenario.toml`` or from DataFrames, scored, searched for gaps and
planned, with results as polars DataFrames and dicts.

::

    import branchnet

    scenario = branchnet.Scenario.from_toml("data/demo-city/scenario.toml")
    plan = scenario.plan(progress=True)          # scores first when it has not been scored
    plan.kpis["after"]["coverage"], plan.actions  # a dict and a polars DataFrame
    plan.write("out/")                            # the CLI's exports: CSV, Parquet, GeoJSON, kpis.json, report
    plan                                          # in a notebook: the KPI table and the map
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import weakref
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import polars as pl

from . import _frames, _native
from ._params import kebab, merged
from .models import ScoringModel
from .progress import Callback, callback
from .results import GapsResult, PlanResult, ScoreResult

_SITE_ATTRIBUTES = {"id", "name", "brand", "format", "counters", "staff", "annual_cost", "observed_volume",
                    "protected", "open_cost", "rent"}


class Scenario:
    """A scenario: cells (population and other demand on a grid), sites (own branches, competitors,
    candidates) and regions, in one metric frame. Build it with :meth:`from_toml` or :meth:`from_frames`."""

    def __init__(self, native: _native.Scenario, *, frames: dict[str, str] | None = None) -> None:
        self._native = native
        self._scores: ScoreResult | None = None
        self._frames = frames or {}

    # -- building ---------------------------------------------------------------------------------------------

    @classmethod
    def from_toml(cls, path: str | Path) -> Scenario:
        """Reads a ``scenario.toml`` and every input it names (as ``branchnet plan`` does)."""
        return cls(_native.Scenario.open(Path(path)))

    @classmethod
    def from_frames(
        cls,
        cells: Any,
        *,
        branches: Any,
        competitors: Any = None,
        candidates: Any = None,
        transactions: Any = None,
        transactions_weight: str | None = None,
        regions: Mapping[str, Any] | None = None,
        name: str = "scenario",
        description: str | None = None,
        currency: str = "",
        demand_columns: Sequence[str] | None = None,
        signed_columns: Sequence[str] = (),
        cell_size_m: float | None = None,
        crs: str | None = None,
        brand: str | None = None,
        scores: Sequence[Mapping[str, Any]] | None = None,
        plan: Mapping[str, Any] | None = None,
        travel: str | None = None,
        directory: str | Path | None = None,
    ) -> Scenario:
        """A scenario from DataFrames (polars; pandas and GeoPandas points accepted) and keyword parameters.

        - ``cells``: one row per demand cell, with positions (``lon``/``lat``, ``x``/``y`` with ``crs``, or point
          geometries) and numeric columns (``population`` and any other); ``demand_columns`` picks them (all
          numeric columns by default), ``signed_columns`` those that may be negative (growth rates).
        - ``branches``, ``competitors``, ``candidates``: one row per site with an ``id`` and positions; columns named
          like the standard attributes (``name``, ``brand``, ``format``, ``counters``, ``staff``, ``annual_cost``,
          ``observed_volume``, ``protected``, ``open_cost``, ``rent``) are read as them, other numeric columns kept
          as attributes (a site score's factors).
        - ``transactions``: a coarser grid split over the cells by ``transactions_weight`` (a cell column).
        - ``regions``: level name → polygons (GeoDataFrame, GeoJSON mapping or file), coarsest first; a level's
          value may also be ``{"layer": ..., "id": "id", "name": "name", "parent": "district_id"}``.
        - ``scores``, ``plan``, ``travel``: the scenario file's ``[[scores]]``, ``[plan]`` and ``travel`` keys
          (snake_case keys accepted).

        The tables are written as Parquet and GeoJSON with a ``scenario.toml`` into ``directory`` (a temporary
        folder by default, removed with the scenario), so :meth:`save` gives a scenario the CLI runs as is.
        Errors name the DataFrame, its row and column, as they would name a file.
        """
        own_dir = directory is None
        folder = Path(tempfile.mkdtemp(prefix="branchnet-")) if own_dir else Path(directory).resolve()
        folder.mkdir(parents=True, exist_ok=True)
        written: dict[str, str] = {}

        def table(frame: Any, what: str) -> tuple[pl.DataFrame, str]:
            data = _frames.to_polars(frame, what)
            file = f"{what}.parquet"
            data.write_parquet(folder / file)
            written[str(folder / file)] = what
            return data, file

        try:
            cell_table, cell_file = table(cells, "cells")
            cell_xy = _frames.coordinates(cell_table, "cells", crs)
            demand: dict[str, Any] = {"path": cell_file, "coordinates": cell_xy}
            demand["columns"] = list(demand_columns or _frames.numeric_columns(cell_table, set(cell_xy.values())))
            if signed_columns:
                demand["signed-columns"] = list(signed_columns)
            if cell_size_m is not None:
                demand["cell-size-m"] = cell_size_m
            config: dict[str, Any] = {"name": name, "currency": currency, "demand": demand, "sites": []}
            if description:
                config["description"] = description
            if transactions is not None:
                grid, grid_file = table(transactions, "transactions")
                grid_xy = _frames.coordinates(grid, "transactions", crs)
                join: dict[str, Any] = {"path": grid_file, "coordinates": grid_xy,
                                        "columns": _frames.numeric_columns(grid, set(grid_xy.values()))}
                if transactions_weight:
                    join["weight-column"] = transactions_weight
                config["transactions"] = [join]
            for kind, frame, what in (("own", branches, "branches"), ("competitor", competitors, "competitors"),
                                      ("candidate", candidates, "candidates")):
                if frame is None:
                    continue
                sites, site_file = table(frame, what)
                xy = _frames.coordinates(sites, what, crs)
                layer: dict[str, Any] = {"kind": kind, "path": site_file, "coordinates": xy}
                extra = _frames.numeric_columns(sites, _SITE_ATTRIBUTES | set(xy.values()))
                if extra:
                    layer["extra-columns"] = extra
                if brand and kind == "own":
                    layer["brand"] = brand
                config["sites"].append(layer)
            if regions:
                config["regions"] = []
                for level, spec in regions.items():
                    keys = dict(spec) if isinstance(spec, Mapping) and "layer" in spec else {"layer": spec}
                    what = f"regions[{level}]"
                    path = _frames.write_regions(keys.pop("layer"), folder / f"regions_{level}.geojson", what)
                    written[str(path)] = what
                    entry: dict[str, Any] = {"level": level, "path": str(path) if path.parent != folder else path.name,
                                             "id-property": keys.pop("id", "id")}
                    entry |= {f"{k}-property": v for k, v in keys.items() if k in ("name", "parent")}
                    if "name-property" not in entry and _has_property(path, "name"):
                        entry["name-property"] = "name"
                    config["regions"].append(entry)
            if scores is not None:
                config["scores"] = kebab(list(scores))
            if plan is not None:
                config["plan"] = kebab(dict(plan))
            if travel is not None:
                config["travel"] = travel
            toml_path = folder / "scenario.toml"
            _native.Scenario.write_config(json.dumps(config), toml_path)
            try:
                native = _native.Scenario.open(toml_path)
            except ValueError as e:
                raise ValueError(_name_frames(str(e), written)) from None
        except BaseException:
            # A frame that cannot be used: the scratch folder goes with the error rather than stay behind.
            if own_dir:
                shutil.rmtree(folder, ignore_errors=True)
            raise
        scenario = cls(native, frames=written)
        if own_dir:
            weakref.finalize(scenario, shutil.rmtree, folder, True)
        return scenario

    def save(self, directory: str | Path) -> Path:
        """Copies the scenario file and the inputs it names into ``directory``; returns the new scenario.toml.

        Only for scenarios made by :meth:`from_frames` (a scenario read from a file already is one)."""
        if not self._frames:
            raise ValueError(f"{self.path} already is a scenario file; copy its folder instead")
        target = Path(directory)
        target.mkdir(parents=True, exist_ok=True)
        for file in self.path.parent.iterdir():
            if file.is_file():
                shutil.copy2(file, target / file.name)
        return target / "scenario.toml"

    # -- what it holds ----------------------------------------------------------------------------------------

    @property
    def name(self) -> str:
        """The scenario's name."""
        return self._native.name

    @property
    def path(self) -> Path:
        """Its scenario.toml."""
        return Path(self._native.path)

    @property
    def currency(self) -> str:
        """The currency its money is in."""
        return self._native.currency

    @property
    def counts(self) -> dict[str, int]:
        """Cells, own branches, competitors, candidates and regions."""
        return dict(self._native.counts())

    @property
    def findings(self) -> list[dict[str, Any]]:
        """What was suspicious but usable in the inputs: ``kind``, ``file``, ``rows`` (1-based), ``message``."""
        found: list[dict[str, Any]] = json.loads(self._native.findings_json())
        for f in found:
            if f.get("file") in self._frames:
                f["file"] = f"DataFrame {self._frames[f['file']]!r}"
        return found

    @property
    def score_entries(self) -> list[dict[str, Any]]:
        """The scoring models it runs by default (its ``[[scores]]``, or every built-in one)."""
        entries: list[dict[str, Any]] = json.loads(self._native.score_entries_json())
        return entries

    @property
    def plan_parameters(self) -> dict[str, Any]:
        """Its ``[plan]`` table (empty when it has none: every parameter at its default)."""
        table: dict[str, Any] | None = json.loads(self._native.plan_table_json())
        return table or {}

    # -- work -------------------------------------------------------------------------------------------------

    def score(
        self,
        models: Sequence[str | Mapping[str, Any] | ScoringModel] | None = None,
        *,
        progress: bool | Callback | None = None,
    ) -> ScoreResult:
        """Runs scoring models in order, each seeing the columns of those before: the scenario's own list by
        default; else built-in models by name (``"coverage"``) or table (``{"model": "huff", "decay": ...}``) and
        Python :class:`~branchnet.ScoringModel` objects. The result is kept for :meth:`gaps` and :meth:`plan`."""
        entries = None if models is None else [_entry(m) for m in models]
        native = self._native.score(entries, callback(progress))
        self._scores = ScoreResult(native)
        return self._scores

    def gaps(self, scores: ScoreResult | None = None, *, progress: bool | Callback | None = None) -> GapsResult:
        """Blank areas (potential no branch reaches) and dense areas (branches serving the same people), by the
        scenario's ``gaps`` rules, over ``scores`` (the last :meth:`score`, scoring first if there was none)."""
        scores = scores or self._scores or self.score(progress=progress)
        return GapsResult(self._native.gaps(scores._native))

    def plan(
        self,
        scores: ScoreResult | None = None,
        *,
        progress: bool | Callback | None = None,
        **parameters: Any,
    ) -> PlanResult:
        """Plans the network in three levels (macro directions, meso layout, micro sites) on ``scores`` (the last
        :meth:`score`, scoring first if there was none).

        Keyword parameters are laid over the scenario's ``[plan]`` table, snake_case for its kebab-case keys:
        ``plan(time_limit_s=30, budget={"max_relocations": 6})``. An infeasible scenario is a plan too: its
        ``status`` is ``"infeasible"`` and its notes say which rules conflict."""
        scores = scores or self._scores or self.score(progress=progress)
        table = merged(self.plan_parameters, kebab(parameters)) if parameters else self.plan_parameters
        native = self._native.plan(scores._native, json.dumps(table or None), callback(progress))
        return PlanResult(native, currency=self.currency)

    # -- display ----------------------------------------------------------------------------------------------

    def __repr__(self) -> str:
        counts = ", ".join(f"{k}={v}" for k, v in self.counts.items())
        return f"Scenario({self.name!r}, {counts})"

    def _repr_html_(self) -> str:
        import html

        rows = "".join(f"<tr><td>{html.escape(k)}</td><td style='text-align:right'>{v:,}</td></tr>"
                       for k, v in self.counts.items())
        findings = len(self.findings)
        return (f"<b>Scenario {html.escape(self.name)}</b> <small>{html.escape(str(self.path))}</small>"
                f"<table>{rows}</table><small>{findings} validation finding{'s' if findings != 1 else ''}</small>")


def _entry(model: str | Mapping[str, Any] | ScoringModel) -> str | ScoringModel:
    """A scoring entry for the native runner: JSON text of a built-in model's table, or the Python model."""
    if isinstance(model, ScoringModel):
        return model
    if isinstance(model, str):
        return json.dumps({"model": model})
    if isinstance(model, Mapping):
        if "model" not in model:
            raise ValueError(f"a scoring entry needs a 'model' key: {dict(model)!r}")
        return json.dumps(kebab(dict(model)))
    raise TypeError(f"a scoring entry is a model name, a table or a ScoringModel, not {type(model).__name__}")


def _name_frames(message: str, written: Mapping[str, str]) -> str:
    """``message`` with the files written for DataFrames named as the DataFrames."""
    for path, what in sorted(written.items(), key=lambda item: -len(item[0])):
        message = message.replace(path, f"DataFrame {what!r}")
    return re.sub(r"in \S+/branchnet-[^/\s]+/scenario\.toml", "in the scenario's parameters", message)


def _has_property(path: Path, name: str) -> bool:
    """Whether the first feature of a GeoJSON file has property ``name``."""
    try:
        features = json.loads(path.read_text(encoding="utf-8")).get("features") or []
    except (OSError, ValueError):
        return False
    return bool(features) and name in (features[0].get("properties") or {})

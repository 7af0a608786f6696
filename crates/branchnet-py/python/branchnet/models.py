"""Scoring models written in Python, run among the built-in ones.

A model is a function of the cells and sites (polars DataFrames) returning columns; wrap it with
:func:`scoring_model` (or :class:`ScoringModel`) and pass it in ``Scenario.score(models=[...])``::

    @branchnet.scoring_model("footfall")
    def footfall(inputs):
        near_transit = inputs.cells["transit_stops"] > 0
        return {"cells": {"index": inputs.cells["population"] * (1 + near_transit)}}

    scores = scenario.score(models=["potential", footfall, "coverage"])
    scores.cells["footfall.index"]

The function sees the cells (``x``, ``y`` in the scenario's metric frame, ``lon``, ``lat``, the grid's columns and
every column of the models before it, e.g. ``potential.now``) and the sites (``id``, ``kind``, positions, the
standard attributes, extra columns and earlier site columns). It returns a mapping with any of ``cells``,
``sites``, ``regions`` (each a mapping of column name to one number per row) and ``figures`` (name to number);
the names get the model's name as prefix, as built-in outputs do. A plain mapping of names to columns is taken
as cell columns.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl


@dataclass(frozen=True)
class ScoreInputs:
    """What a Python scoring model sees."""

    cells: pl.DataFrame
    """One row per cell, in scenario order."""
    sites: pl.DataFrame
    """One row per site (own branches, competitors, candidates), in scenario order."""


ModelFunction = Callable[[ScoreInputs], Mapping[str, Any]]

_TARGETS = ("cells", "sites", "regions")


class ScoringModel:
    """A named Python scoring model (see the module's documentation)."""

    def __init__(self, name: str, function: ModelFunction) -> None:
        if not name or "." in name:
            raise ValueError(f"a scoring model's name is the prefix of its columns; {name!r} is empty or has a dot")
        self.name = name
        self.function = function

    def __repr__(self) -> str:
        return f"ScoringModel({self.name!r}, {getattr(self.function, '__name__', self.function)!r})"

    def _evaluate(self, cells: dict[str, Any], sites: dict[str, Any]) -> dict[str, Any]:
        """Called by the native runner with the columns as numpy arrays; returns float64 arrays."""
        out = self.function(ScoreInputs(cells=pl.DataFrame(cells), sites=pl.DataFrame(sites)))
        if not isinstance(out, Mapping):
            raise TypeError(f"model {self.name!r} returned {type(out).__name__}; expected a mapping of columns")
        if not any(k in out for k in (*_TARGETS, "figures")):
            out = {"cells": out}
        unknown = set(out) - {*_TARGETS, "figures"}
        if unknown:
            raise ValueError(f"model {self.name!r} returned unknown keys {sorted(unknown)}; expected cells, sites, "
                             "regions, figures")
        result: dict[str, Any] = {}
        for target in _TARGETS:
            columns = out.get(target) or {}
            result[target] = {str(name): _floats(self.name, target, str(name), values)
                              for name, values in columns.items()}
        result["figures"] = {str(k): float(v) for k, v in (out.get("figures") or {}).items()}
        return result


def _floats(model: str, target: str, name: str, values: Any) -> np.ndarray:
    if isinstance(values, pl.Series):
        values = values.cast(pl.Float64).fill_null(float("nan")).to_numpy()
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1:
        raise ValueError(f"model {model!r}, {target} column {name!r}: expected one number per row, got shape "
                         f"{array.shape}")
    return np.ascontiguousarray(array)


def scoring_model(name: str) -> Callable[[ModelFunction], ScoringModel]:
    """Decorator: ``@scoring_model("name")`` turns a function into a :class:`ScoringModel`."""

    def wrap(function: ModelFunction) -> ScoringModel:
        return ScoringModel(name, function)

    return wrap

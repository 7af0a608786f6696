"""Stubs of the native module ``branchnet._native`` (crates/branchnet-py/src)."""

from collections.abc import Callable
from os import PathLike
from pathlib import Path
from typing import Any, final

import numpy as np
import numpy.typing as npt

__all__ = [
    "Costs",
    "Gaps",
    "Plan",
    "Scenario",
    "Scores",
    "Solution",
    "__version__",
    "solve_capacitated_p_median",
    "solve_lscp",
    "solve_lscp_backup",
    "solve_lscp_capacitated",
    "solve_mclp",
    "solve_p_center",
    "solve_p_dispersion",
    "solve_p_median",
]

__version__: str

@final
class Costs:
    """Costs from demand points (rows) to candidate sites (columns), sparse."""

    @staticmethod
    def from_dense(matrix: npt.NDArray[np.float64]) -> Costs: ...
    @staticmethod
    def from_triples(
        n_demand: int,
        n_sites: int,
        origin: npt.NDArray[np.int64],
        destination: npt.NDArray[np.int64],
        cost: npt.NDArray[np.float64],
    ) -> Costs: ...
    @staticmethod
    def from_points(
        demand: npt.NDArray[np.float64], sites: npt.NDArray[np.float64], max_cost: float | None = None
    ) -> Costs: ...
    @property
    def n_demand(self) -> int: ...
    @property
    def n_sites(self) -> int: ...
    def within(self, radius: float, sites: list[int]) -> list[list[int]]: ...

@final
class Solution:
    """How a solve ended and the plan it found."""

    @property
    def status(self) -> str: ...
    @property
    def reason(self) -> str | None: ...
    @property
    def objective(self) -> float: ...
    @property
    def bound(self) -> float: ...
    @property
    def gap(self) -> float: ...
    @property
    def sites(self) -> npt.NDArray[np.int64]: ...
    @property
    def assignment(self) -> npt.NDArray[np.int64]: ...

def solve_mclp(
    costs: Costs,
    weights: npt.NDArray[np.float64],
    radius: float,
    p: int,
    *,
    time_limit: float | None = None,
    gap: float | None = None,
    threads: int | None = None,
    required: list[int] = ...,
    forbidden: list[int] = ...,
) -> Solution: ...
def solve_p_median(
    costs: Costs,
    weights: npt.NDArray[np.float64],
    p: int,
    *,
    time_limit: float | None = None,
    gap: float | None = None,
    threads: int | None = None,
    required: list[int] = ...,
    forbidden: list[int] = ...,
) -> Solution: ...
def solve_lscp(
    costs: Costs,
    radius: float,
    *,
    time_limit: float | None = None,
    gap: float | None = None,
    threads: int | None = None,
    required: list[int] = ...,
    forbidden: list[int] = ...,
) -> Solution: ...
def solve_p_center(
    costs: Costs,
    p: int,
    *,
    time_limit: float | None = None,
    gap: float | None = None,
    threads: int | None = None,
    required: list[int] = ...,
    forbidden: list[int] = ...,
) -> Solution: ...
def solve_lscp_backup(
    costs: Costs,
    weights: npt.NDArray[np.float64],
    radius: float,
    *,
    time_limit: float | None = None,
    gap: float | None = None,
    threads: int | None = None,
    required: list[int] = ...,
    forbidden: list[int] = ...,
) -> tuple[Solution, npt.NDArray[np.int64]]: ...
def solve_p_dispersion(
    distances: npt.NDArray[np.float64],
    p: int,
    *,
    time_limit: float | None = None,
    gap: float | None = None,
    threads: int | None = None,
    required: list[int] = ...,
    forbidden: list[int] = ...,
) -> Solution: ...
def solve_capacitated_p_median(
    costs: Costs,
    weights: npt.NDArray[np.float64],
    capacities: npt.NDArray[np.float64],
    p: int,
    *,
    single_sourcing: bool = True,
    time_limit: float | None = None,
    gap: float | None = None,
    threads: int | None = None,
    required: list[int] = ...,
    forbidden: list[int] = ...,
) -> Solution: ...
def solve_lscp_capacitated(
    costs: Costs,
    radius: float,
    demand: npt.NDArray[np.float64],
    capacity: npt.NDArray[np.float64],
    *,
    time_limit: float | None = None,
    gap: float | None = None,
    threads: int | None = None,
    required: list[int] = ...,
    forbidden: list[int] = ...,
) -> Solution: ...

_Progress = Callable[[str, str, Any], None]

@final
class Scenario:
    """A scenario read from its scenario.toml and every input it names."""

    @staticmethod
    def open(path: str | PathLike[str]) -> Scenario: ...
    @staticmethod
    def write_config(config_json: str, path: str | PathLike[str]) -> None: ...
    @property
    def name(self) -> str: ...
    @property
    def path(self) -> Path: ...
    @property
    def currency(self) -> str: ...
    @property
    def read_seconds(self) -> float: ...
    def counts(self) -> dict[str, int]: ...
    def findings_json(self) -> str: ...
    def score_entries_json(self) -> str: ...
    def plan_table_json(self) -> str: ...
    def score(self, entries: list[Any] | None = None, progress: _Progress | None = None) -> Scores: ...
    def gaps(self, scores: Scores) -> Gaps: ...
    def plan(self, scores: Scores, plan_json: str, progress: _Progress | None = None) -> Plan: ...

@final
class Scores:
    """The columns and figures every scoring model produced."""

    def cells_parquet(self) -> bytes: ...
    def sites_parquet(self) -> bytes: ...
    def regions_parquet(self) -> bytes: ...
    def figures(self) -> dict[str, float]: ...
    def timings(self) -> dict[str, float]: ...
    def cell_columns(self) -> list[str]: ...

@final
class Gaps:
    """Blank areas and dense areas."""

    def blank_parquet(self) -> bytes: ...
    def dense_parquet(self) -> bytes: ...
    def geojson(self) -> str: ...

@final
class Plan:
    """A relocation plan with its KPIs and exports."""

    def tables_parquet(self) -> dict[str, bytes]: ...
    def kpis_json(self) -> str: ...
    def geojson(self) -> str: ...
    def report_html(self) -> str: ...
    def summary_html(self) -> str: ...
    def action_summary(self) -> str: ...
    def write(self, dir: str | PathLike[str]) -> list[Path]: ...

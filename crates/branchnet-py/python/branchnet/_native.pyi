"""Stubs of the native module ``branchnet._native`` (crates/branchnet-py/src)."""

from typing import final

import numpy as np
import numpy.typing as npt

__all__ = [
    "Costs",
    "Solution",
    "__version__",
    "solve_lscp",
    "solve_mclp",
    "solve_p_center",
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

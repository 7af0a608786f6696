"""Location models shaped like PySAL spopt's ``spopt.locate``, solved by branchnet's Rust engine on HiGHS.

The classes keep spopt's names, constructors and result attributes so that switching is one line::

    from branchnet.locate import MCLP, PMedian, LSCP, LSCPB, PCenter, PDispersion   # was: from spopt.locate

    mclp = MCLP.from_cost_matrix(cost_matrix, weights, service_radius=5000, p_facilities=4)
    mclp = mclp.solve()          # spopt's solver argument is accepted and ignored: HiGHS solves
    mclp.n_cli_uncov, mclp.perc_cov, mclp.fac2cli, mclp.cli2fac

On top of spopt's attributes every solved model has ``objective``, ``bound``, ``gap`` and ``status``
(``"optimal"`` or ``"feasible"`` when ``time_limit`` stopped the proof), ``sites`` (the open facility
indices) and ``fac_open`` (one flag per facility, what spopt users read from ``fac_vars``).

Besides dense matrices, every model takes GeoDataFrames (``from_geodataframe``, spopt's signature: Euclidean
distances between the geometries, both frames in one CRS; covering models keep only the pairs within their
radius, found by an R-tree, so no dense matrix is built) and a long origin/destination table
(``from_od_table``): a polars or pandas DataFrame, or a tuple of (origin, destination, cost) arrays. Pairs that
are not listed cannot be served, so a network table never has to become a dense matrix.

As in spopt, ``fac2cli[j]`` lists, for an open facility ``j``, the clients it covers (covering models: every
client within the service radius) or serves (median and centre models); it is empty for a closed facility.
``cli2fac`` is the inverse. Indices are positions in the cost matrix, or in ``demand_ids`` and ``site_ids``
for an OD table.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from . import _geo, _native

__all__ = ["LSCP", "LSCPB", "MCLP", "PCenter", "PDispersion", "PMedian", "InfeasibleError"]


class InfeasibleError(RuntimeError):
    """The model has no solution; the message says which constraint makes it so.

    A ``RuntimeError``, as spopt raises when a model is not solved, so existing ``except`` clauses still
    catch it.
    """


_Model = TypeVar("_Model", bound="_LocateModel")


class _LocateModel:
    """What every model shares: its costs, ids, fixed facilities and the results of the last solve."""

    #: Whether a plan must serve every client (median and centre models) rather than cover some.
    _serves_everyone = False

    def __init__(
        self,
        name: str,
        costs: _native.Costs,
        *,
        demand_ids: npt.NDArray[Any] | None = None,
        site_ids: npt.NDArray[Any] | None = None,
        required: Sequence[int] = (),
    ) -> None:
        self.name = name
        self.costs = costs
        #: Client ids by index when built from an OD table (else None: indices are matrix rows).
        self.demand_ids = demand_ids
        #: Facility ids by index when built from an OD table (else None: indices are matrix columns).
        self.site_ids = site_ids
        self.required = list(required)
        self.status = "unsolved"
        self.objective = float("nan")
        self.bound = float("nan")
        self.gap = float("nan")
        self.solution: _native.Solution | None = None
        self.sites: npt.NDArray[np.int64] = np.empty(0, dtype=np.int64)
        self.fac_open: npt.NDArray[np.bool_] = np.zeros(self._n_sites(), dtype=bool)
        self.fac2cli: list[list[int]] = []
        self.cli2fac: list[list[int]] = []

    def _n_sites(self) -> int:
        return int(self.costs.n_sites)

    def _run(self, options: dict[str, Any]) -> _native.Solution:
        raise NotImplementedError

    def _record(self, solution: _native.Solution) -> None:
        raise NotImplementedError

    def solve(
        self: _Model,
        solver: Any = None,
        results: bool = True,
        *,
        time_limit: float | None = None,
        gap: float | None = None,
        threads: int | None = None,
    ) -> _Model:
        """Solve the model and return it, with the results set.

        Parameters
        ----------
        solver
            Ignored: accepted so that spopt's ``model.solve(pulp.PULP_CBC_CMD(msg=False))`` keeps working.
            branchnet always solves with HiGHS.
        results
            Whether to fill ``fac2cli``, ``cli2fac`` and the model's coverage or distance figures (spopt's
            flag of the same name); ``objective``, ``bound``, ``gap``, ``status`` and ``sites`` are always set.
        time_limit
            Seconds after which the best plan found is returned, with ``status == "feasible"`` and its gap.
        gap
            Relative MIP gap at which the solver may stop (default 0: prove optimality).
        threads
            Solver threads (default 2). HiGHS keeps one thread pool per process, sized by the first solve;
            later solves use that size, and asking for another is a ``ValueError``.

        Raises
        ------
        InfeasibleError
            When no plan satisfies the constraints (e.g. a client no facility can reach, in LSCP).
        ValueError
            For bad input (weights that do not line up, negative costs, ...), with the engine's message.
        """
        del solver  # HiGHS solves every model; see the docstring.
        options = {"time_limit": time_limit, "gap": gap, "threads": threads, "required": self.required}
        # The GIL is released inside: other Python threads (a progress bar, a notebook) keep running.
        solution = self._run(options)
        self.solution = solution
        self.status = solution.status
        if solution.status == "infeasible":
            raise InfeasibleError(f"Model is not solved: infeasible. {solution.reason}")
        unserved = int(np.count_nonzero(solution.assignment < 0))
        if self._serves_everyone and unserved:
            # The engine's sparse p-median can return such a plan marked optimal (objective inf) when its
            # greedy start leaves clients without a listed pair to an open site. Never hand that out as a result.
            raise RuntimeError(
                f"the engine returned a plan ({solution.status}, objective {solution.objective}) that leaves "
                f"{unserved} clients without a listed pair to an open facility; a plan serving everyone may exist "
                "(a known defect of the sparse p-median in branchnet-optimize)"
            )
        self.objective = solution.objective
        self.bound = solution.bound
        self.gap = solution.gap
        self.sites = solution.sites
        self.fac_open = np.zeros(self._n_sites(), dtype=bool)
        self.fac_open[self.sites] = True
        if results:
            self._record(solution)
        return self

    def _assigned_lists(self, solution: _native.Solution) -> None:
        """fac2cli and cli2fac from the serving site of each client (median and centre models)."""
        assignment = solution.assignment
        self.fac2cli = [[] for _ in range(self.costs.n_sites)]
        for i, j in enumerate(assignment.tolist()):
            if j >= 0:
                self.fac2cli[j].append(i)
        self.cli2fac = [[j] if j >= 0 else [] for j in assignment.tolist()]

    def _covered_lists(self, radius: float) -> None:
        """fac2cli and cli2fac by coverage: every client within the radius of an open facility."""
        sites = self.sites.tolist()
        self.fac2cli = [[] for _ in range(self.costs.n_sites)]
        for j, clients in zip(sites, self.costs.within(radius, sites)):
            self.fac2cli[j] = clients
        self.cli2fac = [[] for _ in range(self.costs.n_demand)]
        for j in sites:
            for i in self.fac2cli[j]:
                self.cli2fac[i].append(j)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(name={self.name!r}, clients={self.costs.n_demand}, "
            f"facilities={self.costs.n_sites}, status={self.status!r}, objective={self.objective})"
        )


class MCLP(_LocateModel):
    """Maximal covering: the ``p_facilities`` facilities covering the most weight within ``service_radius``.

    After ``solve()``: ``n_cli_uncov`` (clients no open facility covers), ``perc_cov`` (the percentage of
    clients covered, 0–100, as spopt counts it: clients, not weight), ``fac2cli``, ``cli2fac``, and
    ``objective`` (the covered weight).
    """

    def __init__(
        self,
        name: str,
        costs: _native.Costs,
        weights: npt.NDArray[np.float64],
        service_radius: float,
        p_facilities: int,
        **kwargs: Any,
    ) -> None:
        super().__init__(name, costs, **kwargs)
        self.weights = weights
        self.service_radius = float(service_radius)
        self.p_facilities = int(p_facilities)
        self.n_cli_uncov: int | None = None
        self.perc_cov: float | None = None

    @classmethod
    def from_cost_matrix(
        cls,
        cost_matrix: npt.ArrayLike,
        weights: npt.ArrayLike,
        service_radius: float,
        p_facilities: int,
        predefined_facilities_arr: npt.ArrayLike | None = None,
        name: str = "mclp",
    ) -> MCLP:
        """From a dense cost matrix, clients by facilities (spopt's signature); inf or nan cannot be served."""
        costs = _dense(cost_matrix)
        return cls(
            name,
            costs,
            _vector(weights, "weights"),
            service_radius,
            p_facilities,
            required=_predefined(predefined_facilities_arr, costs.n_sites),
        )

    @classmethod
    def from_od_table(
        cls,
        od: Any,
        weights: npt.ArrayLike | Mapping[Any, float],
        service_radius: float,
        p_facilities: int,
        *,
        origin: str = "origin",
        destination: str = "destination",
        cost: str = "cost",
        demand_ids: npt.ArrayLike | None = None,
        site_ids: npt.ArrayLike | None = None,
        predefined_facilities_arr: npt.ArrayLike | None = None,
        name: str = "mclp",
    ) -> MCLP:
        """From a long OD table (see :func:`od_costs`); ``weights`` in ``demand_ids`` order or by id."""
        costs, demand, sites = od_costs(
            od, origin=origin, destination=destination, cost=cost, demand_ids=demand_ids, site_ids=site_ids
        )
        return cls(
            name,
            costs,
            _weights_by_id(weights, demand),
            service_radius,
            p_facilities,
            demand_ids=demand,
            site_ids=sites,
            required=_predefined(predefined_facilities_arr, costs.n_sites),
        )

    @classmethod
    def from_geodataframe(
        cls,
        gdf_demand: Any,
        gdf_fac: Any,
        demand_col: str,
        facility_col: str,
        weights_cols: str,
        service_radius: float,
        p_facilities: int,
        predefined_facility_col: str | None = None,
        distance_metric: str = "euclidean",
        name: str = "mclp",
    ) -> MCLP:
        """From GeoDataFrames of clients and facilities (spopt's signature): distances between their geometries
        (centroids when not points), both frames in one CRS; only the pairs within ``service_radius`` are kept."""
        costs = _geo.geo_costs(gdf_demand, gdf_fac, demand_col, facility_col, distance_metric, service_radius)
        return cls(
            name,
            costs,
            _vector(_geo.frame_column(gdf_demand, weights_cols, "gdf_demand"), "weights"),
            service_radius,
            p_facilities,
            required=_predefined_column(gdf_fac, predefined_facility_col),
        )

    def _run(self, options: dict[str, Any]) -> _native.Solution:
        return _native.solve_mclp(self.costs, self.weights, self.service_radius, self.p_facilities, **options)

    def _record(self, solution: _native.Solution) -> None:
        self._covered_lists(self.service_radius)
        self.n_cli_uncov = int(np.count_nonzero(solution.assignment < 0))
        n = self.costs.n_demand
        self.perc_cov = (1.0 - self.n_cli_uncov / n) * 100.0 if n else 100.0


class PMedian(_LocateModel):
    """p-median: the ``p_facilities`` facilities minimising the weighted cost to each client's nearest one; with
    ``facility_capacities``, spopt's capacitated p-median (each client served by one open facility, whose
    capacity its weight draws on).

    After ``solve()``: ``mean_dist`` (the weighted mean cost, spopt's figure), ``fac2cli``, ``cli2fac`` and
    ``objective`` (the weighted total cost).
    """

    _serves_everyone = True

    def __init__(
        self,
        name: str,
        costs: _native.Costs,
        weights: npt.NDArray[np.float64],
        p_facilities: int,
        facility_capacities: npt.NDArray[np.float64] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(name, costs, **kwargs)
        self.weights = weights
        self.p_facilities = int(p_facilities)
        self.facility_capacities = facility_capacities
        self.mean_dist: float | None = None

    @classmethod
    def from_cost_matrix(
        cls,
        cost_matrix: npt.ArrayLike,
        weights: npt.ArrayLike,
        p_facilities: int,
        predefined_facilities_arr: npt.ArrayLike | None = None,
        facility_capacities: npt.ArrayLike | None = None,
        fulfill_predefined_fac: bool = False,
        name: str = "p-median",
    ) -> PMedian:
        """From a dense cost matrix, clients by facilities (spopt's signature); inf or nan cannot be served."""
        _geo.unsupported("PMedian", fulfill_predefined_fac=fulfill_predefined_fac)
        costs = _dense(cost_matrix)
        return cls(
            name,
            costs,
            _vector(weights, "weights"),
            p_facilities,
            _capacities(facility_capacities, costs.n_sites),
            required=_predefined(predefined_facilities_arr, costs.n_sites),
        )

    @classmethod
    def from_od_table(
        cls,
        od: Any,
        weights: npt.ArrayLike | Mapping[Any, float],
        p_facilities: int,
        *,
        origin: str = "origin",
        destination: str = "destination",
        cost: str = "cost",
        demand_ids: npt.ArrayLike | None = None,
        site_ids: npt.ArrayLike | None = None,
        predefined_facilities_arr: npt.ArrayLike | None = None,
        facility_capacities: npt.ArrayLike | None = None,
        name: str = "p-median",
    ) -> PMedian:
        """From a long OD table (see :func:`od_costs`); ``weights`` in ``demand_ids`` order or by id,
        ``facility_capacities`` in ``site_ids`` order."""
        costs, demand, sites = od_costs(
            od, origin=origin, destination=destination, cost=cost, demand_ids=demand_ids, site_ids=site_ids
        )
        return cls(
            name,
            costs,
            _weights_by_id(weights, demand),
            p_facilities,
            _capacities(facility_capacities, costs.n_sites),
            demand_ids=demand,
            site_ids=sites,
            required=_predefined(predefined_facilities_arr, costs.n_sites),
        )

    @classmethod
    def from_geodataframe(
        cls,
        gdf_demand: Any,
        gdf_fac: Any,
        demand_col: str,
        facility_col: str,
        weights_cols: str,
        p_facilities: int,
        facility_capacity_col: str | None = None,
        predefined_facility_col: str | None = None,
        fulfill_predefined_fac: bool = False,
        distance_metric: str = "euclidean",
        name: str = "p-median",
    ) -> PMedian:
        """From GeoDataFrames of clients and facilities (spopt's signature): distances between their geometries
        (centroids when not points), both frames in one CRS; ``facility_capacity_col`` makes it capacitated."""
        _geo.unsupported("PMedian", fulfill_predefined_fac=fulfill_predefined_fac)
        costs = _geo.geo_costs(gdf_demand, gdf_fac, demand_col, facility_col, distance_metric, None)
        capacities = None
        if facility_capacity_col is not None:
            capacities = _capacities(_geo.frame_column(gdf_fac, facility_capacity_col, "gdf_fac"), costs.n_sites)
        return cls(
            "capacitated-" + name if capacities is not None else name,
            costs,
            _vector(_geo.frame_column(gdf_demand, weights_cols, "gdf_demand"), "weights"),
            p_facilities,
            capacities,
            required=_predefined_column(gdf_fac, predefined_facility_col),
        )

    def _run(self, options: dict[str, Any]) -> _native.Solution:
        if self.facility_capacities is not None:
            return _native.solve_capacitated_p_median(
                self.costs, self.weights, self.facility_capacities, self.p_facilities, **options
            )
        return _native.solve_p_median(self.costs, self.weights, self.p_facilities, **options)

    def _record(self, solution: _native.Solution) -> None:
        self._assigned_lists(solution)
        total = float(self.weights.sum())
        self.mean_dist = solution.objective / total if total > 0 else float("nan")


class LSCP(_LocateModel):
    """Location set covering: the fewest facilities covering every client within ``service_radius``; with
    ``facility_capacity_arr``, spopt's capacitated LSCP (each client's ``demand_quantity_arr``, 1 by default,
    served by open facilities within the radius, split if need be, none over its capacity).

    After ``solve()``: ``fac2cli``, ``cli2fac`` and ``objective`` (the number of facilities).
    """

    def __init__(
        self,
        name: str,
        costs: _native.Costs,
        service_radius: float,
        demand: npt.NDArray[np.float64] | None = None,
        capacities: npt.NDArray[np.float64] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(name, costs, **kwargs)
        self.service_radius = float(service_radius)
        if capacities is not None and demand is None:
            demand = np.ones(costs.n_demand)
        self.demand_quantity = demand
        self.facility_capacity = capacities

    @classmethod
    def from_cost_matrix(
        cls,
        cost_matrix: npt.ArrayLike,
        service_radius: float,
        predefined_facilities_arr: npt.ArrayLike | None = None,
        demand_quantity_arr: npt.ArrayLike | None = None,
        facility_capacity_arr: npt.ArrayLike | None = None,
        name: str = "lscp",
    ) -> LSCP:
        """From a dense cost matrix, clients by facilities (spopt's signature); inf or nan cannot be served."""
        costs = _dense(cost_matrix)
        demand, capacities = _cover_amounts(demand_quantity_arr, facility_capacity_arr, costs)
        return cls(
            name,
            costs,
            service_radius,
            demand,
            capacities,
            required=_predefined(predefined_facilities_arr, costs.n_sites),
        )

    @classmethod
    def from_od_table(
        cls,
        od: Any,
        service_radius: float,
        *,
        origin: str = "origin",
        destination: str = "destination",
        cost: str = "cost",
        demand_ids: npt.ArrayLike | None = None,
        site_ids: npt.ArrayLike | None = None,
        predefined_facilities_arr: npt.ArrayLike | None = None,
        name: str = "lscp",
    ) -> LSCP:
        """From a long OD table (see :func:`od_costs`)."""
        costs, demand, sites = od_costs(
            od, origin=origin, destination=destination, cost=cost, demand_ids=demand_ids, site_ids=site_ids
        )
        return cls(
            name,
            costs,
            service_radius,
            demand_ids=demand,
            site_ids=sites,
            required=_predefined(predefined_facilities_arr, costs.n_sites),
        )

    @classmethod
    def from_geodataframe(
        cls,
        gdf_demand: Any,
        gdf_fac: Any,
        demand_col: str,
        facility_col: str,
        service_radius: float,
        predefined_facility_col: str | None = None,
        demand_quantity_col: str | None = None,
        facility_capacity_col: str | None = None,
        distance_metric: str = "euclidean",
        name: str = "lscp",
    ) -> LSCP:
        """From GeoDataFrames of clients and facilities (spopt's signature): distances between their geometries
        (centroids when not points), both frames in one CRS; only the pairs within ``service_radius`` are kept.
        ``facility_capacity_col`` (and ``demand_quantity_col``) make it capacitated."""
        costs = _geo.geo_costs(gdf_demand, gdf_fac, demand_col, facility_col, distance_metric, service_radius)
        demand, capacities = _cover_amounts(
            None if demand_quantity_col is None else _geo.frame_column(gdf_demand, demand_quantity_col, "gdf_demand"),
            None if facility_capacity_col is None else _geo.frame_column(gdf_fac, facility_capacity_col, "gdf_fac"),
            costs,
        )
        return cls(
            name,
            costs,
            service_radius,
            demand,
            capacities,
            required=_predefined_column(gdf_fac, predefined_facility_col),
        )

    def _run(self, options: dict[str, Any]) -> _native.Solution:
        if self.facility_capacity is not None:
            assert self.demand_quantity is not None  # set with the capacities in __init__
            return _native.solve_lscp_capacitated(
                self.costs, self.service_radius, self.demand_quantity, self.facility_capacity, **options
            )
        return _native.solve_lscp(self.costs, self.service_radius, **options)

    def _record(self, solution: _native.Solution) -> None:
        self._covered_lists(self.service_radius)


class PCenter(_LocateModel):
    """p-center: the ``p_facilities`` facilities minimising the largest cost to a client's nearest one.

    After ``solve()``: ``fac2cli``, ``cli2fac`` and ``objective`` (that largest cost).
    """

    _serves_everyone = True

    def __init__(self, name: str, costs: _native.Costs, p_facilities: int, **kwargs: Any) -> None:
        super().__init__(name, costs, **kwargs)
        self.p_facilities = int(p_facilities)

    @classmethod
    def from_cost_matrix(
        cls,
        cost_matrix: npt.ArrayLike,
        p_facilities: int,
        predefined_facilities_arr: npt.ArrayLike | None = None,
        name: str = "p-center",
    ) -> PCenter:
        """From a dense cost matrix, clients by facilities (spopt's signature); inf or nan cannot be served."""
        costs = _dense(cost_matrix)
        return cls(name, costs, p_facilities, required=_predefined(predefined_facilities_arr, costs.n_sites))

    @classmethod
    def from_od_table(
        cls,
        od: Any,
        p_facilities: int,
        *,
        origin: str = "origin",
        destination: str = "destination",
        cost: str = "cost",
        demand_ids: npt.ArrayLike | None = None,
        site_ids: npt.ArrayLike | None = None,
        predefined_facilities_arr: npt.ArrayLike | None = None,
        name: str = "p-center",
    ) -> PCenter:
        """From a long OD table (see :func:`od_costs`)."""
        costs, demand, sites = od_costs(
            od, origin=origin, destination=destination, cost=cost, demand_ids=demand_ids, site_ids=site_ids
        )
        return cls(
            name,
            costs,
            p_facilities,
            demand_ids=demand,
            site_ids=sites,
            required=_predefined(predefined_facilities_arr, costs.n_sites),
        )

    @classmethod
    def from_geodataframe(
        cls,
        gdf_demand: Any,
        gdf_fac: Any,
        demand_col: str,
        facility_col: str,
        p_facilities: int,
        predefined_facility_col: str | None = None,
        distance_metric: str = "euclidean",
        name: str = "p-center",
    ) -> PCenter:
        """From GeoDataFrames of clients and facilities (spopt's signature): distances between their geometries
        (centroids when not points), both frames in one CRS."""
        costs = _geo.geo_costs(gdf_demand, gdf_fac, demand_col, facility_col, distance_metric, None)
        return cls(name, costs, p_facilities, required=_predefined_column(gdf_fac, predefined_facility_col))

    def _run(self, options: dict[str, Any]) -> _native.Solution:
        return _native.solve_p_center(self.costs, self.p_facilities, **options)

    def _record(self, solution: _native.Solution) -> None:
        self._assigned_lists(solution)


class LSCPB(_LocateModel):
    """Backup coverage: as few facilities as the LSCP needs, then, among such plans covering every client, the
    one covering the most clients twice within ``service_radius``.

    After ``solve()``: ``backup_perc`` (the percentage of clients two open facilities cover), ``backed_up``
    (those clients), ``fac2cli``, ``cli2fac`` and ``objective`` (the number of clients backed up).

    spopt leaves the backup variable free for a client that only one facility can reach, so its
    ``backup_perc`` also counts every such client (on its San Francisco case 167 of 205 tracts where two
    stores really cover 145); branchnet counts only clients two open facilities cover.
    """

    def __init__(self, name: str, costs: _native.Costs, service_radius: float, **kwargs: Any) -> None:
        super().__init__(name, costs, **kwargs)
        self.service_radius = float(service_radius)
        self.backup_perc: float | None = None
        self.backed_up: npt.NDArray[np.int64] = np.empty(0, dtype=np.int64)

    @classmethod
    def from_cost_matrix(
        cls,
        cost_matrix: npt.ArrayLike,
        service_radius: float,
        solver: Any = None,
        predefined_facilities_arr: npt.ArrayLike | None = None,
        name: str = "lscp-b",
    ) -> LSCPB:
        """From a dense cost matrix, clients by facilities (spopt's signature; its solver is ignored)."""
        del solver  # HiGHS solves every model.
        costs = _dense(cost_matrix)
        return cls(name, costs, service_radius, required=_predefined(predefined_facilities_arr, costs.n_sites))

    @classmethod
    def from_geodataframe(
        cls,
        gdf_demand: Any,
        gdf_fac: Any,
        demand_col: str,
        facility_col: str,
        service_radius: float,
        solver: Any = None,
        predefined_facility_col: str | None = None,
        distance_metric: str = "euclidean",
        name: str = "lscp-b",
    ) -> LSCPB:
        """From GeoDataFrames of clients and facilities (spopt's signature; its solver is ignored)."""
        del solver
        costs = _geo.geo_costs(gdf_demand, gdf_fac, demand_col, facility_col, distance_metric, service_radius)
        return cls(name, costs, service_radius, required=_predefined_column(gdf_fac, predefined_facility_col))

    @classmethod
    def from_od_table(
        cls,
        od: Any,
        service_radius: float,
        *,
        origin: str = "origin",
        destination: str = "destination",
        cost: str = "cost",
        demand_ids: npt.ArrayLike | None = None,
        site_ids: npt.ArrayLike | None = None,
        predefined_facilities_arr: npt.ArrayLike | None = None,
        name: str = "lscp-b",
    ) -> LSCPB:
        """From a long OD table (see :func:`od_costs`)."""
        costs, demand, sites = od_costs(
            od, origin=origin, destination=destination, cost=cost, demand_ids=demand_ids, site_ids=site_ids
        )
        return cls(
            name,
            costs,
            service_radius,
            demand_ids=demand,
            site_ids=sites,
            required=_predefined(predefined_facilities_arr, costs.n_sites),
        )

    def solve(  # type: ignore[override]
        self,
        results: bool = True,
        *,
        time_limit: float | None = None,
        gap: float | None = None,
        threads: int | None = None,
    ) -> LSCPB:
        """As :meth:`_LocateModel.solve`; spopt's ``LSCPB.solve`` takes ``results`` first (its solver was given
        to ``from_cost_matrix``)."""
        return super().solve(None, results, time_limit=time_limit, gap=gap, threads=threads)

    def _run(self, options: dict[str, Any]) -> _native.Solution:
        ones = np.ones(self.costs.n_demand, dtype=np.float64)
        solution, self.backed_up = _native.solve_lscp_backup(self.costs, ones, self.service_radius, **options)
        return solution

    def _record(self, solution: _native.Solution) -> None:
        self._covered_lists(self.service_radius)
        n = self.costs.n_demand
        self.backup_perc = len(self.backed_up) / n * 100.0 if n else 100.0


class PDispersion(_LocateModel):
    """p-dispersion: the ``p_facilities`` facilities whose closest pair is as far apart as possible.

    The input is facilities by facilities (spopt's); there are no clients, so, as in spopt, the model has no
    ``fac2cli`` or ``cli2fac``. After ``solve()``: ``objective`` (the smallest distance between two chosen
    facilities), ``sites`` and ``fac_open``.
    """

    def __init__(self, name: str, distances: npt.NDArray[np.float64], p_facilities: int, **kwargs: Any) -> None:
        self.distances = distances
        super().__init__(name, None, **kwargs)  # type: ignore[arg-type]
        self.p_facilities = int(p_facilities)
        del self.fac2cli, self.cli2fac  # spopt's PDispersion has neither: reading them is an AttributeError

    def _n_sites(self) -> int:
        return int(self.distances.shape[0])

    @classmethod
    def from_cost_matrix(
        cls,
        cost_matrix: npt.ArrayLike,
        p_facilities: int,
        predefined_facilities_arr: npt.ArrayLike | None = None,
        name: str = "p-dispersion",
    ) -> PDispersion:
        """From a square matrix of distances between facilities (spopt's signature)."""
        matrix = np.ascontiguousarray(cost_matrix, dtype=np.float64)
        if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
            raise ValueError(f"cost_matrix: expected a square facilities-by-facilities array, found {matrix.shape}")
        return cls(name, matrix, p_facilities, required=_predefined(predefined_facilities_arr, matrix.shape[0]))

    @classmethod
    def from_geodataframe(
        cls,
        gdf_fac: Any,
        facility_col: str,
        p_facilities: int,
        predefined_facility_col: str | None = None,
        distance_metric: str = "euclidean",
        name: str = "p-dispersion",
    ) -> PDispersion:
        """From a GeoDataFrame of facilities (spopt's signature): distances between their geometries."""
        matrix = _geo.geo_distances(gdf_fac, facility_col, distance_metric)
        return cls(name, matrix, p_facilities, required=_predefined_column(gdf_fac, predefined_facility_col))

    def _run(self, options: dict[str, Any]) -> _native.Solution:
        return _native.solve_p_dispersion(self.distances, self.p_facilities, **options)

    def _record(self, solution: _native.Solution) -> None:
        pass

    def __repr__(self) -> str:
        return (
            f"PDispersion(name={self.name!r}, facilities={self._n_sites()}, status={self.status!r}, "
            f"objective={self.objective})"
        )


def od_costs(
    od: Any,
    *,
    origin: str = "origin",
    destination: str = "destination",
    cost: str = "cost",
    demand_ids: npt.ArrayLike | None = None,
    site_ids: npt.ArrayLike | None = None,
) -> tuple[_native.Costs, npt.NDArray[Any], npt.NDArray[Any]]:
    """Sparse costs from a long origin/destination table, with the ids behind the indices.

    ``od`` is a DataFrame (polars or pandas: anything whose ``od[column]`` converts to a numpy array) with
    the columns named by ``origin``, ``destination`` and ``cost``, or a tuple ``(origin, destination,
    cost)`` of arrays. Client index ``i`` is ``demand_ids[i]`` and facility index ``j`` is
    ``site_ids[j]``; when not given they are the distinct origins and destinations, sorted. Pairs that are
    not listed cannot be served; a pair listed twice keeps its last cost.

    Raises ``ValueError`` for an id not in ``demand_ids``/``site_ids``, a repeated id there, or a cost that
    is negative or not finite (the engine's message).
    """
    if isinstance(od, tuple | list):
        if len(od) != 3:
            raise ValueError(f"od table: expected (origin, destination, cost) arrays, found {len(od)} items")
        origins, destinations, values = (np.asarray(column) for column in od)
    else:
        origins, destinations, values = (_column(od, name) for name in (origin, destination, cost))
    demand = _ids(origins, demand_ids, "demand_ids")
    sites = _ids(destinations, site_ids, "site_ids")
    i = _positions(origins, demand, f"column `{origin}`", "demand_ids")
    j = _positions(destinations, sites, f"column `{destination}`", "site_ids")
    costs = _native.Costs.from_triples(len(demand), len(sites), i, j, _vector(values, "od table costs"))
    return costs, demand, sites


def _column(frame: Any, name: str) -> npt.NDArray[Any]:
    try:
        column = frame[name]
    except (KeyError, IndexError, TypeError, ValueError) as error:
        raise ValueError(f"od table: no column `{name}` ({error})") from None
    # polars and pandas Series both convert; to_numpy() keeps strings as objects rather than failing.
    to_numpy = getattr(column, "to_numpy", None)
    return np.asarray(to_numpy() if callable(to_numpy) else column)


def _ids(values: npt.NDArray[Any], ids: npt.ArrayLike | None, what: str) -> npt.NDArray[Any]:
    if ids is None:
        return np.unique(values)
    ids = np.asarray(ids)
    if ids.ndim != 1:
        raise ValueError(f"{what}: expected a one-dimensional array of ids, found shape {ids.shape}")
    distinct, counts = np.unique(ids, return_counts=True)
    if distinct.size != ids.size:
        raise ValueError(f"{what}: id {_shown(distinct[counts > 1][0])} appears more than once")
    return ids


def _positions(
    values: npt.NDArray[Any], ids: npt.NDArray[Any], column: str, what: str
) -> npt.NDArray[np.int64]:
    """The index in ``ids`` of every value, vectorised (a dict lookup per row is slow on millions of pairs)."""
    if ids.size == 0:
        if values.size:
            raise ValueError(f"od table, row 1, {column}: unknown id {_shown(values[0])} (not in {what})")
        return np.empty(0, dtype=np.int64)
    order = np.argsort(ids, kind="stable")
    sorted_ids = ids[order]
    at = np.minimum(np.searchsorted(sorted_ids, values), ids.size - 1)
    known = sorted_ids[at] == values
    if not np.all(known):
        row = int(np.flatnonzero(~known)[0])
        # Rows count from 1, as the CLI names rows of a table.
        raise ValueError(f"od table, row {row + 1}, {column}: unknown id {_shown(values[row])} (not in {what})")
    return order[at].astype(np.int64)


def _shown(value: Any) -> str:
    """An id as the user wrote it: 'a' or 7, not numpy's np.str_('a')."""
    return repr(value.item() if isinstance(value, np.generic) else value)


def _dense(cost_matrix: npt.ArrayLike) -> _native.Costs:
    matrix = np.ascontiguousarray(cost_matrix, dtype=np.float64)
    if matrix.ndim != 2:
        raise ValueError(f"cost_matrix: expected a 2-D array (clients by facilities), found shape {matrix.shape}")
    return _native.Costs.from_dense(matrix)


def _vector(values: npt.ArrayLike, what: str) -> npt.NDArray[np.float64]:
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{what}: expected numbers ({error})") from None
    # spopt reshapes weights to a column; a (n, 1) or (1, n) array means the same n numbers.
    if array.ndim > 1 and max(array.shape) != array.size:
        raise ValueError(f"{what}: expected a one-dimensional array, found shape {array.shape}")
    return np.ascontiguousarray(array.reshape(-1))


def _weights_by_id(
    weights: npt.ArrayLike | Mapping[Any, float], demand_ids: npt.NDArray[Any]
) -> npt.NDArray[np.float64]:
    if isinstance(weights, Mapping):
        missing = [i for i in demand_ids.tolist() if i not in weights]
        if missing:
            raise ValueError(f"weights: no weight for demand id {missing[0]!r} ({len(missing)} ids without one)")
        return np.array([weights[i] for i in demand_ids.tolist()], dtype=np.float64)
    return _vector(weights, "weights")


def _predefined(predefined: npt.ArrayLike | None, n_sites: int) -> list[int]:
    """Facility indices that must open, from spopt's array: one flag per facility, or (shorter, as spopt also
    reads it) the indices themselves."""
    if predefined is None:
        return []
    values = np.asarray(predefined)
    if values.ndim == 2 and 1 in values.shape:
        values = values.reshape(-1)
    if values.ndim != 1:
        raise ValueError(f"predefined_facilities_arr: expected a 1-D array, found shape {values.shape}")
    if values.size == n_sites:
        return [int(j) for j in np.flatnonzero(values)]
    if values.size > n_sites:
        raise ValueError(
            f"predefined_facilities_arr: {values.size} entries for {n_sites} facilities; expected one flag per "
            "facility or fewer facility indices"
        )
    if not np.issubdtype(values.dtype, np.integer) or ((values < 0) | (values >= n_sites)).any():
        raise ValueError(
            f"predefined_facilities_arr: {values.size} entries for {n_sites} facilities are read as indices; "
            f"expected integers in 0..{n_sites - 1}, found {values.tolist()}"
        )
    return sorted({int(j) for j in values})


def _predefined_column(gdf_fac: Any, column: str | None) -> list[int]:
    """Facility indices that must open, from a flag column of the facilities' GeoDataFrame."""
    if column is None:
        return []
    return _predefined(_geo.frame_column(gdf_fac, column, "gdf_fac"), len(gdf_fac))


def _capacities(capacities: npt.ArrayLike | None, n_sites: int) -> npt.NDArray[np.float64] | None:
    """One capacity per facility, or None (uncapacitated)."""
    if capacities is None:
        return None
    values = _vector(capacities, "facility_capacities")
    if values.size != n_sites:
        raise ValueError(f"facility_capacities: expected one capacity per facility ({n_sites}), found {values.size}")
    return values


def _cover_amounts(
    demand: npt.ArrayLike | None, capacities: npt.ArrayLike | None, costs: _native.Costs
) -> tuple[npt.NDArray[np.float64] | None, npt.NDArray[np.float64] | None]:
    """The capacitated LSCP's demand per client and capacity per facility, checked as spopt checks them."""
    if demand is not None and capacities is None:
        raise ValueError(
            "Demand quantities supplied with no facility capacities. Model cannot satisfy clients with different "
            "demands without facility capacities."
        )
    if capacities is None:
        return None, None
    caps = _vector(capacities, "facility_capacity_arr")
    if caps.size != costs.n_sites:
        raise ValueError(f"facility_capacity_arr: expected one capacity per facility ({costs.n_sites}), found {caps.size}")
    amounts = np.ones(costs.n_demand) if demand is None else _vector(demand, "demand_quantity_arr")
    if amounts.size != costs.n_demand:
        raise ValueError(f"demand_quantity_arr: expected one quantity per client ({costs.n_demand}), found {amounts.size}")
    return amounts, caps

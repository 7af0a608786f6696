"""GeoDataFrames into the costs the location models read, as spopt's ``from_geodataframe`` derives them.

spopt takes the demand and facility geometry columns (centroids when they are not points), checks that both
frames share one CRS, and hands scipy's ``cdist`` matrix to ``from_cost_matrix``. branchnet computes the same
Euclidean distances, but a covering model only needs the pairs within its service radius: those come from an
R-tree search in Rust, so a million clients never become a dense million-column matrix.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import numpy.typing as npt

from . import _native


def geo_costs(
    gdf_demand: Any,
    gdf_fac: Any,
    demand_col: str,
    facility_col: str,
    distance_metric: str,
    max_cost: float | None,
) -> _native.Costs:
    """Distances from each client to each facility; only the pairs within ``max_cost`` when it is given."""
    if gdf_demand.crs != gdf_fac.crs:
        raise ValueError(f"Geodataframes crs are different: gdf_demand-{gdf_demand.crs}, gdf_fac-{gdf_fac.crs}")
    _warn_if_geographic(gdf_demand.crs)
    demand = _coordinates(gdf_demand, demand_col, "gdf_demand", "Demand")
    facilities = _coordinates(gdf_fac, facility_col, "gdf_fac", "Facility")
    if distance_metric == "euclidean":
        return _native.Costs.from_points(demand, facilities, max_cost)
    matrix = _cdist(demand, facilities, distance_metric)
    if max_cost is not None:
        # Pairs beyond the radius cannot cover; leaving them out keeps the table as sparse as the euclidean one.
        matrix[matrix > max_cost] = np.inf
    return _native.Costs.from_dense(matrix)


def geo_distances(gdf_fac: Any, facility_col: str, distance_metric: str) -> npt.NDArray[np.float64]:
    """Distances between the facilities of one GeoDataFrame, as a square matrix (the p-dispersion's input)."""
    _warn_if_geographic(gdf_fac.crs)
    points = _coordinates(gdf_fac, facility_col, "gdf_fac", "Facility")
    if distance_metric == "euclidean":
        d = points[:, None, :] - points[None, :, :]
        return np.ascontiguousarray(np.sqrt((d**2).sum(axis=2)))
    return _cdist(points, points, distance_metric)


def frame_column(gdf: Any, column: str, frame: str) -> npt.NDArray[Any]:
    """A column of ``gdf`` as an array, or a ``ValueError`` naming the frame and the columns it has."""
    if column not in gdf.columns:
        raise ValueError(f"{frame}: no column {column!r} (columns: {', '.join(map(str, gdf.columns))})")
    return np.asarray(gdf[column].to_numpy())


def _warn_if_geographic(crs: Any) -> None:
    if crs is not None and crs.is_geographic:
        warnings.warn(
            f"the GeoDataFrames are in a geographic CRS ({crs}): distances (and a service radius) are in degrees, "
            "as spopt computes them. Project them (gdf.to_crs(...)) for metres.",
            UserWarning,
            stacklevel=4,
        )


def _cdist(a: npt.NDArray[np.float64], b: npt.NDArray[np.float64], metric: str) -> npt.NDArray[np.float64]:
    """scipy's ``cdist`` for the metrics other than Euclidean, as spopt computes them."""
    try:
        from scipy.spatial.distance import cdist
    except ImportError:
        raise ValueError(f"distance_metric={metric!r} needs scipy (pip install scipy); 'euclidean' does not") from None
    return np.ascontiguousarray(cdist(a, b, metric), dtype=np.float64)


def _coordinates(gdf: Any, column: str, frame: str, kind: str) -> npt.NDArray[np.float64]:
    """(x, y) of each row's geometry: the point itself, else the centroid (with spopt's warning)."""
    if column not in gdf.columns:
        raise ValueError(f"{frame}: no geometry column {column!r} (columns: {', '.join(map(str, gdf.columns))})")
    geometry = gdf[column]
    unusable = np.asarray(geometry.isna() | geometry.is_empty)
    if unusable.any():
        row = int(np.flatnonzero(unusable)[0])
        raise ValueError(
            f"{frame} row {row} (index {gdf.index[row]!r}), column {column!r}: missing or empty geometry "
            f"({int(unusable.sum())} rows like it); every client and facility needs a position"
        )
    if not (np.asarray(geometry.geom_type) == "Point").all():
        warnings.warn(
            f"{kind} geodataframe contains mixed type geometries or is not a point. Be sure deriving centroid from "
            "geometries doesn't affect the results.",
            UserWarning,
            stacklevel=4,
        )
        with warnings.catch_warnings():
            # GeoPandas warns that centroids in a geographic CRS are approximate; the CRS warning above covers it.
            warnings.simplefilter("ignore", UserWarning)
            geometry = geometry.centroid
    return np.ascontiguousarray(np.column_stack([geometry.x.to_numpy(), geometry.y.to_numpy()]), dtype=np.float64)


def unsupported(model: str, **arguments: Any) -> None:
    """Refuses spopt arguments branchnet.locate does not implement, rather than solve another model."""
    given = [name for name, value in arguments.items() if value not in (None, False)]
    if given:
        raise NotImplementedError(
            f"{model}: {', '.join(given)} is not in branchnet.locate yet (spopt's constraint that predefined "
            "facilities be filled to capacity); solve without it, or with spopt"
        )

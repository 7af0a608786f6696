"""Input tables from polars, pandas or GeoPandas, written as files a scenario can name.

Positions come from point geometries (GeoDataFrames, reprojected to WGS84), from ``lon``/``lat`` columns, or
from ``x``/``y`` columns in a ``crs`` the scenario names. Everything else a table holds is kept.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl

_LON = ("lon", "lng", "longitude", "long")
_LAT = ("lat", "latitude")


def is_geodataframe(frame: Any) -> bool:
    """Whether ``frame`` is a GeoPandas GeoDataFrame (without importing GeoPandas)."""
    return hasattr(frame, "geometry") and hasattr(frame, "crs") and hasattr(frame, "to_crs")


def to_polars(frame: Any, what: str) -> pl.DataFrame:
    """``frame`` (polars, pandas, GeoPandas points or a mapping of columns) as a polars DataFrame; point
    geometries become ``lon``/``lat`` columns in WGS84."""
    if isinstance(frame, pl.LazyFrame):
        frame = frame.collect()
    if isinstance(frame, pl.DataFrame):
        return frame
    if is_geodataframe(frame):
        return _points(frame, what)
    if hasattr(frame, "to_dict") and hasattr(frame, "columns") and hasattr(frame, "dtypes"):  # pandas
        return pl.from_pandas(frame.reset_index(drop=True))
    if isinstance(frame, dict):
        return pl.DataFrame(frame)
    raise TypeError(f"{what} is a {type(frame).__name__}; expected a polars, pandas or GeoPandas DataFrame")


def _points(gdf: Any, what: str) -> pl.DataFrame:
    if gdf.crs is not None and not gdf.crs.equals("EPSG:4326"):
        gdf = gdf.to_crs("EPSG:4326")
    kinds = set(gdf.geometry.geom_type.dropna().unique())
    if kinds - {"Point"}:
        raise ValueError(f"{what}: expected point geometries, found {', '.join(sorted(kinds))}")
    rows = [i + 1 for i, missing in enumerate(gdf.geometry.isna()) if missing]
    if rows:
        raise ValueError(f"{what}: {len(rows)} rows have no geometry (rows {rows[:8]}{'…' if len(rows) > 8 else ''})")
    table = pl.from_pandas(gdf.drop(columns=gdf.geometry.name).reset_index(drop=True))
    return table.with_columns(pl.Series("lon", gdf.geometry.x.to_numpy()), pl.Series("lat", gdf.geometry.y.to_numpy()))


def coordinates(table: pl.DataFrame, what: str, crs: str | None) -> dict[str, str]:
    """The scenario's ``coordinates`` key for ``table``: lon/lat columns, or x/y with ``crs``."""
    names = {c.lower(): c for c in table.columns}
    lon = next((names[c] for c in _LON if c in names), None)
    lat = next((names[c] for c in _LAT if c in names), None)
    if lon and lat:
        return {"lon": lon, "lat": lat} | ({"crs": crs} if crs else {})
    if "x" in names and "y" in names:
        if not crs:
            raise ValueError(f"{what} has x/y columns; pass crs='EPSG:<code>' to say what they are")
        return {"x": names["x"], "y": names["y"], "crs": crs}
    raise ValueError(f"{what} has no positions: expected lon/lat columns, x/y columns with crs=, or point geometries; "
                     f"it has {', '.join(table.columns)}")


def numeric_columns(table: pl.DataFrame, exclude: set[str]) -> list[str]:
    """The numeric columns of ``table`` not in ``exclude``, in order."""
    return [c for c, t in table.schema.items() if c not in exclude and t.is_numeric()]


def write_regions(layer: Any, path: Path, what: str) -> Path:
    """A region layer (GeoDataFrame of polygons, GeoJSON mapping, or a path to a GeoJSON file) as a file."""
    if isinstance(layer, (str, Path)):
        return Path(layer).resolve()
    if is_geodataframe(layer):
        if layer.crs is not None and not layer.crs.equals("EPSG:4326"):
            layer = layer.to_crs("EPSG:4326")
        path.write_text(layer.to_json(), encoding="utf-8")
        return path
    if isinstance(layer, dict) and layer.get("type") == "FeatureCollection":
        path.write_text(json.dumps(layer), encoding="utf-8")
        return path
    raise TypeError(f"{what} is a {type(layer).__name__}; expected a GeoDataFrame, a GeoJSON FeatureCollection "
                    "mapping or a path to a GeoJSON file")

"""``from_geodataframe``: spopt's constructor on GeoDataFrames, checked by hand on a line of points, against the
same models built from a numpy distance matrix on spopt's San Francisco tracts and stores (projected to UTM
10N), and against spopt's own ``from_geodataframe`` where spopt is installed."""

from __future__ import annotations

import csv
import warnings

import numpy as np
import pytest

from branchnet.locate import LSCP, MCLP, PCenter, PMedian

geopandas = pytest.importorskip("geopandas")
shapely = pytest.importorskip("shapely")

from conftest import DATA  # noqa: E402  (after the skips: the fixtures' module needs nothing optional)

UTM_10N = "EPSG:32610"


def line() -> tuple[object, object]:
    """Clients at x = 0, 1, 2, 10, 11 (weights 1, 1, 1, 5, 5) and facilities at x = 1 and x = 10.5."""
    clients = geopandas.GeoDataFrame(
        {"weight": [1.0, 1.0, 1.0, 5.0, 5.0]},
        geometry=geopandas.points_from_xy([0, 1, 2, 10, 11], [0] * 5),
        crs=UTM_10N,
    )
    facilities = geopandas.GeoDataFrame(
        {"fixed": [True, False]}, geometry=geopandas.points_from_xy([1, 10.5], [0, 0]), crs=UTM_10N
    )
    return clients, facilities


def test_a_line_of_points_solves_as_computed_by_hand():
    clients, facilities = line()
    # One facility within 1.0: x = 1 covers 3 clients (weight 3), x = 10.5 covers 2 (weight 10).
    mclp = MCLP.from_geodataframe(clients, facilities, "geometry", "geometry", "weight", 1.0, 1).solve()
    assert mclp.sites.tolist() == [1] and mclp.objective == 10.0 and mclp.n_cli_uncov == 3
    assert mclp.fac2cli == [[], [3, 4]]
    # Forcing the first facility open (spopt's predefined flag column) with p = 1 leaves it alone.
    forced = MCLP.from_geodataframe(clients, facilities, "geometry", "geometry", "weight", 1.0, 1, "fixed").solve()
    assert forced.sites.tolist() == [0] and forced.objective == 3.0
    # p-median, p = 1: x = 10.5 costs 10.5 + 9.5 + 8.5 + 5·0.5 + 5·0.5 = 33.5; x = 1 costs 1 + 0 + 1 + 45 + 50.
    pmedian = PMedian.from_geodataframe(clients, facilities, "geometry", "geometry", "weight", 1).solve()
    assert pmedian.sites.tolist() == [1] and pmedian.objective == pytest.approx(33.5)
    assert pmedian.mean_dist == pytest.approx(33.5 / 13)
    # Within 1.0, x = 1 covers clients 0–2 and x = 10.5 clients 3–4: covering everyone takes both.
    lscp = LSCP.from_geodataframe(clients, facilities, "geometry", "geometry", 1.0).solve()
    assert lscp.sites.tolist() == [0, 1] and lscp.objective == 2.0
    # p-center, p = 1: x = 10.5 is 10.5 from client 0; x = 1 is 10 from client 4, so x = 1 wins.
    pcenter = PCenter.from_geodataframe(clients, facilities, "geometry", "geometry", 1).solve()
    assert pcenter.sites.tolist() == [0] and pcenter.objective == pytest.approx(10.0)
    # Other metrics go through scipy's cdist, as in spopt; on a line cityblock is the same distance.
    pytest.importorskip("scipy")
    cityblock = PMedian.from_geodataframe(clients, facilities, "geometry", "geometry", "weight", 1,
                                          distance_metric="cityblock").solve()
    assert cityblock.objective == pytest.approx(33.5)


def test_polygons_are_served_from_their_centroids_with_spopts_warning():
    clients, facilities = line()
    squares = clients.copy()
    squares["geometry"] = clients.buffer(0.25, cap_style="square")
    with pytest.warns(UserWarning, match="Demand geodataframe contains mixed type geometries or is not a point"):
        mclp = MCLP.from_geodataframe(squares, facilities, "geometry", "geometry", "weight", 1.0, 1).solve()
    assert mclp.objective == 10.0


def test_bad_geodataframes_are_errors_that_say_what_is_wrong():
    clients, facilities = line()
    with pytest.raises(ValueError, match="Geodataframes crs are different"):
        MCLP.from_geodataframe(clients, facilities.to_crs("EPSG:4326"), "geometry", "geometry", "weight", 1.0, 1)
    with pytest.raises(ValueError, match="gdf_demand: no column 'people'"):
        MCLP.from_geodataframe(clients, facilities, "geometry", "geometry", "people", 1.0, 1)
    holed = clients.copy()
    holed.loc[2, "geometry"] = None
    with pytest.raises(ValueError, match=r"gdf_demand row 2 \(index 2\), column 'geometry': missing or empty"):
        PMedian.from_geodataframe(holed, facilities, "geometry", "geometry", "weight", 1)
    with pytest.raises(ValueError, match="Demand quantities supplied with no facility capacities"):
        LSCP.from_geodataframe(clients, facilities, "geometry", "geometry", 1.0, demand_quantity_col="weight")
    with pytest.raises(ValueError, match="gdf_fac: no column 'places'"):
        PMedian.from_geodataframe(clients, facilities, "geometry", "geometry", "weight", 1, facility_capacity_col="places")
    with pytest.warns(UserWarning, match="geographic CRS"):
        LSCP.from_geodataframe(clients.to_crs("EPSG:4326"), facilities.to_crs("EPSG:4326"), "geometry", "geometry",
                               1.0)


def san_francisco():
    """spopt's SF tracts (POP2000) and stores as points, projected to UTM 10N metres."""
    def points(name, fields):
        with open(DATA / name, newline="") as f:
            rows = list(csv.DictReader(f))
        frame = geopandas.GeoDataFrame(
            {k: [float(r[k]) for r in rows] for k in fields},
            geometry=geopandas.points_from_xy([float(r["long"]) for r in rows], [float(r["lat"]) for r in rows]),
            crs="EPSG:4326",
        )
        return frame.to_crs(UTM_10N)

    return (points("SF_demand_205_centroid_uniform_weight.csv", ["POP2000"]),
            points("SF_store_site_16_longlat.csv", []))


def euclidean(tracts, stores) -> np.ndarray:
    d = np.stack([tracts.geometry.x, tracts.geometry.y], 1)[:, None] - np.stack([stores.geometry.x, stores.geometry.y],
                                                                               1)[None]
    return np.sqrt((d ** 2).sum(axis=2))


def test_san_francisco_from_geodataframes_equals_the_matrix_models():
    tracts, stores = san_francisco()
    matrix, weights = euclidean(tracts, stores), tracts["POP2000"].to_numpy()
    for geo, dense in [
        (MCLP.from_geodataframe(tracts, stores, "geometry", "geometry", "POP2000", 5000, 4),
         MCLP.from_cost_matrix(matrix, weights, 5000, 4)),
        (PMedian.from_geodataframe(tracts, stores, "geometry", "geometry", "POP2000", 4),
         PMedian.from_cost_matrix(matrix, weights, 4)),
        (LSCP.from_geodataframe(tracts, stores, "geometry", "geometry", 5000),
         LSCP.from_cost_matrix(matrix, 5000)),
        (PCenter.from_geodataframe(tracts, stores, "geometry", "geometry", 4),
         PCenter.from_cost_matrix(matrix, 4)),
    ]:
        geo.solve(), dense.solve()
        assert geo.status == dense.status == "optimal", type(geo).__name__
        assert geo.objective == pytest.approx(dense.objective, rel=1e-12), type(geo).__name__
        assert geo.fac2cli == dense.fac2cli, type(geo).__name__


def test_san_francisco_from_geodataframes_matches_spopt():
    try:
        import pulp
        import spopt.locate
    except ImportError:
        pytest.skip("spopt is not installed: the comparison with spopt is skipped (the matrix models are checked)")
    tracts, stores = san_francisco()
    solver = pulp.PULP_CBC_CMD(msg=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = spopt.locate.PMedian.from_geodataframe(tracts, stores, "geometry", "geometry", "POP2000", 4)
        theirs.solve(solver)
        their_mclp = spopt.locate.MCLP.from_geodataframe(tracts, stores, "geometry", "geometry", "POP2000", 5000, 4)
        their_mclp.solve(solver)
    ours = PMedian.from_geodataframe(tracts, stores, "geometry", "geometry", "POP2000", 4).solve()
    assert ours.mean_dist == pytest.approx(theirs.mean_dist, rel=1e-9)
    our_mclp = MCLP.from_geodataframe(tracts, stores, "geometry", "geometry", "POP2000", 5000, 4).solve()
    assert our_mclp.n_cli_uncov == their_mclp.n_cli_uncov
    assert our_mclp.perc_cov == pytest.approx(their_mclp.perc_cov)

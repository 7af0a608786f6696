"""LSCPB and PDispersion through ``branchnet.locate`` on spopt's San Francisco case, against the values of
spopt's own tests (test_lscpb.py, test_p_dispersion.py) and, where spopt is installed, against spopt itself."""

from __future__ import annotations

import csv
import itertools

import numpy as np
import pytest

from branchnet.locate import LSCPB, InfeasibleError, PDispersion

from conftest import DATA


def test_lscpb_at_5000_m_backs_up_145_tracts_where_spopt_reports_167(sf):
    lscpb = LSCPB.from_cost_matrix(sf.cost_matrix, 5000.0, None).solve()
    assert lscpb.status == "optimal"
    assert len(lscpb.sites) == 8, "the LSCP needs 8 stores at 5000 m"
    within = sf.cost_matrix <= 5000.0
    counts = within[:, lscpb.sites].sum(axis=1)
    assert (counts >= 1).all(), "every tract still covered"
    assert lscpb.backed_up.tolist() == np.flatnonzero(counts >= 2).tolist()
    assert lscpb.objective == 145.0
    assert lscpb.backup_perc == pytest.approx(145 / 205 * 100)
    # spopt's test value, 81.46341463414633 % = 167 / 205, also counts the 22 tracts only one store can reach
    # (spopt leaves their backup variable free).
    single = int((within.sum(axis=1) == 1).sum())
    assert (145 + single) / 205 * 100 == pytest.approx(81.46341463414633, rel=1e-14)
    # No plan of 8 stores that covers every tract backs up more (all C(16, 8) = 12,870 plans).
    best = max(
        int((within[:, list(plan)].sum(axis=1) >= 2).sum())
        for plan in itertools.combinations(range(16), 8)
        if within[:, list(plan)].any(axis=1).all()
    )
    assert best == 145
    assert [len(c) for c in lscpb.cli2fac] == counts.tolist()


def test_lscpb_matches_spopt(sf):
    try:
        import pulp
        import spopt.locate
    except ImportError:
        pytest.skip("spopt is not installed: the comparison with spopt is skipped (branchnet's values are checked)")
    theirs = spopt.locate.LSCPB.from_cost_matrix(sf.cost_matrix, 5000.0, pulp.PULP_CBC_CMD(msg=False)).solve()
    ours = LSCPB.from_cost_matrix(sf.cost_matrix, 5000.0, None).solve()
    assert theirs.backup_perc == pytest.approx(81.46341463414633)
    assert int(theirs.fac_vars.__len__()) == 16
    assert sum(v.value() > 0.5 for v in theirs.fac_vars) == len(ours.sites) == 8
    single = int(((sf.cost_matrix <= 5000.0).sum(axis=1) == 1).sum())
    assert theirs.backup_perc == pytest.approx((ours.objective + single) / 205 * 100)


def stores_by_name():
    """The 16 stores sorted by NAME, at their raw (long, lat), as spopt's p-dispersion test places them."""
    geopandas = pytest.importorskip("geopandas")
    with open(DATA / "SF_store_site_16_longlat.csv", newline="") as f:
        rows = sorted(csv.DictReader(f), key=lambda r: r["NAME"])
    return geopandas.GeoDataFrame(
        {"NAME": [r["NAME"] for r in rows]},
        geometry=geopandas.points_from_xy([float(r["long"]) for r in rows], [float(r["lat"]) for r in rows]),
    )


def test_pdispersion_p4_picks_spopts_stores_and_the_enumerated_optimum():
    stores = stores_by_name()
    pdispersion = PDispersion.from_geodataframe(stores, "geometry", 4).solve()
    assert pdispersion.status == "optimal"
    assert pdispersion.sites.tolist() == [0, 2, 8, 14]  # spopt's known_solution_set y_0, y_2, y_8, y_14
    xy = np.column_stack([stores.geometry.x, stores.geometry.y])
    d = np.sqrt(((xy[:, None] - xy[None]) ** 2).sum(axis=2))
    best = max(min(d[a, b] for a, b in itertools.combinations(plan, 2))
               for plan in itertools.combinations(range(16), 4))
    assert pdispersion.objective == pytest.approx(best, rel=1e-12)
    with pytest.raises(AttributeError):
        pdispersion.fac2cli  # noqa: B018  (spopt's PDispersion has no clients either)
    forced = PDispersion.from_cost_matrix(d, 4, predefined_facilities_arr=np.isin(np.arange(16), [1, 3])).solve()
    assert {1, 3} <= set(forced.sites.tolist()) and forced.objective <= best
    with pytest.raises(InfeasibleError):
        PDispersion.from_cost_matrix(d, 17).solve()
    with pytest.raises(ValueError, match="square"):
        PDispersion.from_cost_matrix(d[:, :5], 2)


def test_pdispersion_matches_spopt():
    try:
        import pulp
        import spopt.locate
    except ImportError:
        pytest.skip("spopt is not installed: the comparison with spopt is skipped (the enumeration is checked)")
    stores = stores_by_name()
    theirs = spopt.locate.PDispersion.from_geodataframe(stores, "geometry", 4).solve(pulp.PULP_CBC_CMD(msg=False))
    ours = PDispersion.from_geodataframe(stores, "geometry", 4).solve()
    # CBC reports the objective to 8 significant digits (0.08760037 for 0.0876003698...).
    assert ours.objective == pytest.approx(theirs.problem.objective.value(), rel=1e-7)
    assert [j for j, v in enumerate(theirs.fac_vars) if v.value() > 0.5] == ours.sites.tolist()

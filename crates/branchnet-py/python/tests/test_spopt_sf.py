"""spopt's own San Francisco values reproduced through branchnet.locate, and, where spopt is installed, the
same instances solved by spopt in the same test with equal objectives.

The expected values are the ones spopt's test suite asserts (spopt/tests/test_locate): MCLP p=4 at 5000 m
leaves 21 tracts uncovered, p-median p=4 has mean distance 2982.1268579890657, LSCP at 5000 m needs 8 stores.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from branchnet.locate import LSCP, MCLP, PCenter, PMedian


def spopt_or_none():
    """spopt.locate and a quiet CBC solver when spopt (and pulp) are installed, else None."""
    try:
        import pulp
        import spopt.locate
    except ImportError:
        return None
    return spopt.locate, pulp.PULP_CBC_CMD(msg=False)


def check_lists(model, n_cli: int, n_fac: int) -> None:
    """fac2cli and cli2fac have spopt's shapes and are each other's inverse."""
    assert len(model.fac2cli) == n_fac and len(model.cli2fac) == n_cli
    pairs = {(i, j) for j, clients in enumerate(model.fac2cli) for i in clients}
    assert pairs == {(i, j) for i, facs in enumerate(model.cli2fac) for j in facs}
    assert all(not model.fac2cli[j] for j in range(n_fac) if j not in set(model.sites.tolist()))
    assert model.fac_open.sum() == len(model.sites)


def test_mclp_p4_radius_5000_leaves_21_tracts_uncovered(sf):
    mclp = MCLP.from_cost_matrix(sf.cost_matrix, sf.weights, service_radius=5000, p_facilities=4).solve()
    assert mclp.status == "optimal"
    assert len(mclp.sites) == 4
    assert mclp.n_cli_uncov == 21
    assert mclp.perc_cov == pytest.approx((1 - 21 / 205) * 100)
    assert mclp.objective == 875_247.0
    assert mclp.bound == pytest.approx(875_247.0, rel=1e-9)
    assert mclp.gap == 0.0
    check_lists(mclp, 205, 16)
    covered = {i for clients in mclp.fac2cli for i in clients}
    assert len(covered) == 205 - 21
    assert sf.weights[sorted(covered)].sum() == mclp.objective
    # Every listed client really is within the radius of its facility.
    assert all(sf.cost_matrix[i, j] <= 5000 for j, cs in enumerate(mclp.fac2cli) for i in cs)


def test_mclp_matches_spopt(sf):
    ours = MCLP.from_cost_matrix(sf.cost_matrix, sf.weights, service_radius=5000, p_facilities=4).solve()
    spopt = spopt_or_none()
    if spopt is None:
        pytest.skip("spopt is not installed: the comparison with spopt is skipped (branchnet's values are checked)")
    locate, solver = spopt
    theirs = locate.MCLP.from_cost_matrix(sf.cost_matrix, sf.weights, service_radius=5000, p_facilities=4)
    theirs = theirs.solve(solver)
    assert ours.objective == pytest.approx(theirs.problem.objective.value(), rel=1e-12)
    assert ours.n_cli_uncov == theirs.n_cli_uncov == 21
    assert ours.perc_cov == pytest.approx(theirs.perc_cov)


def test_p_median_p4_mean_distance_is_spopts(sf):
    pmedian = PMedian.from_cost_matrix(sf.cost_matrix, sf.weights, p_facilities=4).solve()
    assert pmedian.status == "optimal"
    assert pmedian.mean_dist == pytest.approx(2982.1268579890657, rel=1e-12)
    check_lists(pmedian, 205, 16)
    # Each tract is served by its nearest open store, and the objective is the weighted sum of those costs.
    nearest = sf.cost_matrix[:, pmedian.sites].min(axis=1)
    served = np.array([sf.cost_matrix[i, facs[0]] for i, facs in enumerate(pmedian.cli2fac)])
    np.testing.assert_allclose(served, nearest)
    assert pmedian.objective == pytest.approx((sf.weights * nearest).sum(), rel=1e-12)


def test_p_median_matches_spopt(sf):
    ours = PMedian.from_cost_matrix(sf.cost_matrix, sf.weights, p_facilities=4).solve()
    spopt = spopt_or_none()
    if spopt is None:
        pytest.skip("spopt is not installed: the comparison with spopt is skipped (branchnet's values are checked)")
    locate, solver = spopt
    theirs = locate.PMedian.from_cost_matrix(sf.cost_matrix, sf.weights, p_facilities=4).solve(solver)
    assert ours.objective == pytest.approx(theirs.problem.objective.value(), rel=1e-9)
    assert ours.mean_dist == pytest.approx(theirs.mean_dist, rel=1e-9)


def test_lscp_radius_5000_needs_8_sites(sf):
    lscp = LSCP.from_cost_matrix(sf.cost_matrix, service_radius=5000).solve()
    assert lscp.status == "optimal"
    assert len(lscp.sites) == 8 and lscp.objective == 8
    assert all(len(facs) >= 1 for facs in lscp.cli2fac)
    check_lists(lscp, 205, 16)


def test_lscp_matches_spopt(sf):
    ours = LSCP.from_cost_matrix(sf.cost_matrix, service_radius=5000).solve()
    spopt = spopt_or_none()
    if spopt is None:
        pytest.skip("spopt is not installed: the comparison with spopt is skipped (branchnet's values are checked)")
    locate, solver = spopt
    theirs = locate.LSCP.from_cost_matrix(sf.cost_matrix, service_radius=5000).solve(solver)
    assert ours.objective == pytest.approx(theirs.problem.objective.value())


def test_p_center_p4_is_the_brute_force_optimum(sf):
    # spopt's p-center test asserts optimality only; 1,820 store quadruples are few enough to check all.
    pcenter = PCenter.from_cost_matrix(sf.cost_matrix, p_facilities=4).solve()
    best = min(
        sf.cost_matrix[:, list(four)].min(axis=1).max() for four in itertools.combinations(range(16), 4)
    )
    assert pcenter.status == "optimal"
    assert pcenter.objective == pytest.approx(best, rel=1e-12)
    assert sf.cost_matrix[:, pcenter.sites].min(axis=1).max() == pytest.approx(best, rel=1e-12)
    check_lists(pcenter, 205, 16)


def test_p_center_matches_spopt(sf):
    ours = PCenter.from_cost_matrix(sf.cost_matrix, p_facilities=4).solve()
    spopt = spopt_or_none()
    if spopt is None:
        pytest.skip("spopt is not installed: the comparison with spopt is skipped (branchnet's values are checked)")
    locate, solver = spopt
    theirs = locate.PCenter.from_cost_matrix(sf.cost_matrix, p_facilities=4).solve(solver)
    # CBC writes its objective with 8 significant digits (7403.0638 for 7403.063810849859, the brute-force
    # optimum above): equal to a millimetre.
    assert ours.objective == pytest.approx(theirs.problem.objective.value(), abs=1e-3)


def test_the_od_table_gives_the_cost_matrix_results(sf):
    od = (sf.origin, sf.destination, sf.distance)
    mclp = MCLP.from_od_table(od, dict(zip(sf.tracts, sf.weights)), 5000, 4).solve()
    assert mclp.n_cli_uncov == 21 and mclp.objective == 875_247.0
    # Default ids are the distinct origins and destinations, sorted: the cost matrix's order here.
    np.testing.assert_array_equal(mclp.demand_ids, sf.tracts)
    np.testing.assert_array_equal(mclp.site_ids, sf.stores)
    # Weights as an array follow demand_ids, whatever order the caller chooses.
    order = np.arange(205)[::-1]
    pmedian = PMedian.from_od_table(od, sf.weights[order], 4, demand_ids=sf.tracts[order]).solve()
    assert pmedian.mean_dist == pytest.approx(2982.1268579890657, rel=1e-12)
    assert pmedian.demand_ids[0] == sf.tracts[-1]
    lscp = LSCP.from_od_table(od, 5000, site_ids=sf.stores[::-1]).solve()
    assert lscp.objective == 8
    # Indices are positions in site_ids: mapped back to stores, the chosen eight cover every tract.
    chosen = [int(np.flatnonzero(sf.stores == store)[0]) for store in lscp.site_ids[lscp.sites]]
    assert (sf.cost_matrix[:, chosen] <= 5000).any(axis=1).all()
    pcenter = PCenter.from_od_table(od, 4).solve()
    assert pcenter.objective == PCenter.from_cost_matrix(sf.cost_matrix, 4).solve().objective


def test_a_polars_dataframe_is_an_od_table(sf):
    pl = pytest.importorskip("polars")
    od = pl.DataFrame({"tract": sf.origin, "store": sf.destination, "metres": sf.distance})
    weights = dict(zip(sf.tracts, sf.weights))
    mclp = MCLP.from_od_table(od, weights, 5000, 4, origin="tract", destination="store", cost="metres")
    assert mclp.solve().n_cli_uncov == 21


def test_a_pandas_dataframe_is_an_od_table(sf):
    pd = pytest.importorskip("pandas")
    od = pd.DataFrame({"origin": sf.origin, "destination": sf.destination, "cost": sf.distance})
    pmedian = PMedian.from_od_table(od, dict(zip(sf.tracts, sf.weights)), 4).solve()
    assert pmedian.mean_dist == pytest.approx(2982.1268579890657, rel=1e-12)

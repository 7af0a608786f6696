"""The capacitated models of ``branchnet.locate``: spopt's capacitated p-median by hand and on spopt's own
schools case (data/reference/spopt-schools) against spopt where it is installed; the capacitated LSCP by hand
and against spopt."""

from __future__ import annotations

import numpy as np
import pytest

from branchnet.locate import LSCP, InfeasibleError, PMedian

from conftest import DATA

SCHOOLS = DATA.parent / "spopt-schools"


def test_two_clients_three_facilities_by_hand():
    # Client 0 (weight 4) and client 1 (weight 10); capacities 5, 7, 10. Only facility 2 holds client 1; then
    # client 0 goes to facility 0 (4 · 1) rather than 1 (4 · 2), or 2 (full): {0, 2}, 4 · 1 + 10 · 2 = 24.
    # Uncapacitated, facility 0 would serve both for 14.
    cost = np.array([[1.0, 2.0, 3.0], [1.0, 5.0, 2.0]])
    weights = np.array([4.0, 10.0])
    plain = PMedian.from_cost_matrix(cost, weights, 2).solve()
    assert plain.objective == 14.0
    capacitated = PMedian.from_cost_matrix(cost, weights, 2, facility_capacities=np.array([5, 7, 10])).solve()
    assert capacitated.status == "optimal"
    assert capacitated.sites.tolist() == [0, 2]
    assert capacitated.objective == 24.0
    assert capacitated.mean_dist == pytest.approx(24.0 / 14.0)
    assert capacitated.cli2fac == [[0], [2]] and capacitated.fac2cli == [[0], [], [1]]
    # spopt's predefined facilities as indices: forcing facility 1 open leaves {1, 2}: 4 · 2 + 10 · 2 = 28.
    forced = PMedian.from_cost_matrix(cost, weights, 2, np.array([1]), facility_capacities=[5, 7, 10]).solve()
    assert forced.sites.tolist() == [1, 2] and forced.objective == 28.0
    with pytest.raises(InfeasibleError):
        PMedian.from_cost_matrix(cost, weights, 2, facility_capacities=[5, 7, 9]).solve()
    with pytest.raises(ValueError, match="one capacity per facility"):
        PMedian.from_cost_matrix(cost, weights, 2, facility_capacities=[5, 7])
    with pytest.raises(NotImplementedError, match="fulfill_predefined_fac"):
        PMedian.from_cost_matrix(cost, weights, 2, [1], facility_capacities=[5, 7, 10], fulfill_predefined_fac=True)


def schools():
    """spopt's test_c_p_median.py TestRealWorldLocate set-up: journey times pivoted as spopt pivots them."""
    pd = pytest.importorskip("pandas")
    journeys = pd.read_csv(SCHOOLS / "example_subject_student_school_journeys.csv")
    matrix = (
        journeys.pivot_table(columns="school", fill_value=10000, index="student", sort=False, values="time")
        .astype(int)
        .values
    )
    students = pd.read_csv(SCHOOLS / "example_subject_students.csv", index_col=0)
    facilities = pd.read_csv(SCHOOLS / "example_subject_schools.csv", index_col=0)
    priority_1 = np.array(facilities[facilities["priority"] == 1].index.tolist())
    return matrix, np.ones(len(students)), facilities["Count"].to_numpy(), priority_1


def test_the_schools_case_serves_every_student_within_the_places():
    matrix, demand, places, priority_1 = schools()
    ours = PMedian.from_cost_matrix(matrix, demand, 10, priority_1, facility_capacities=places).solve()
    assert ours.status == "optimal"
    assert len(ours.sites) == 10 and set(priority_1.tolist()) <= set(ours.sites.tolist())
    served = np.array([c[0] for c in ours.cli2fac])
    assert (np.bincount(served, minlength=len(places)) <= places).all()
    assert ours.objective == matrix[np.arange(len(served)), served].sum()
    # Each student at a nearest open school is a lower bound; the places may only raise the total.
    assert ours.objective >= matrix[:, ours.sites].min(axis=1).sum()


def test_the_schools_case_matches_spopt():
    try:
        import pulp
        import spopt.locate
    except ImportError:
        pytest.skip("spopt is not installed: the comparison with spopt is skipped (the plan is checked)")
    matrix, demand, places, priority_1 = schools()
    theirs = spopt.locate.PMedian.from_cost_matrix(
        matrix, demand, 10, predefined_facilities_arr=priority_1, facility_capacities=places
    ).solve(pulp.PULP_CBC_CMD(msg=False))
    assert pulp.LpStatus[theirs.problem.status] == "Optimal"
    ours = PMedian.from_cost_matrix(matrix, demand, 10, priority_1, facility_capacities=places).solve()
    assert ours.objective == pytest.approx(pulp.value(theirs.problem.objective))
    assert ours.mean_dist == pytest.approx(theirs.mean_dist)


def test_capacitated_lscp_by_hand():
    # Clients at 0, 1, 2 on a line (demands 3, 3, 3), facilities at 0.5 (capacity 5) and 1.5 (capacity 5) and
    # 1.0 (capacity 4), radius 1.0: every facility reaches client 1, the outer ones two clients each. One
    # facility cannot hold 9; two outer ones (capacity 10) serve all 9, splitting client 1: 2 sites.
    cost = np.abs(np.array([0.0, 1.0, 2.0])[:, None] - np.array([0.5, 1.5, 1.0])[None, :])
    plain = LSCP.from_cost_matrix(cost, 1.0).solve()
    assert plain.objective == 1.0 and plain.sites.tolist() == [2]
    capacitated = LSCP.from_cost_matrix(cost, 1.0, demand_quantity_arr=[3, 3, 3], facility_capacity_arr=[5, 5, 4])
    capacitated.solve()
    assert capacitated.status == "optimal"
    assert capacitated.objective == 2.0 and capacitated.sites.tolist() == [0, 1]
    # spopt's fac2cli for the LSCP: every client an open facility covers.
    assert capacitated.fac2cli == [[0, 1], [1, 2], []]
    with pytest.raises(InfeasibleError):
        LSCP.from_cost_matrix(cost, 1.0, demand_quantity_arr=[3, 3, 3], facility_capacity_arr=[2, 2, 2]).solve()
    with pytest.raises(ValueError, match="one capacity per facility"):
        LSCP.from_cost_matrix(cost, 1.0, facility_capacity_arr=[5, 5])


def test_capacitated_lscp_matches_spopt(sf):
    try:
        import pulp
        import spopt.locate
    except ImportError:
        pytest.skip("spopt is not installed: the comparison with spopt is skipped (the hand case is checked)")
    # San Francisco at 5000 m: 8 stores cover every tract; with 100,000 people a store (955,113 in all), at least 10 are needed.
    capacity = np.full(16, 100_000.0)
    theirs = spopt.locate.LSCP.from_cost_matrix(
        sf.cost_matrix, 5000.0, demand_quantity_arr=sf.weights, facility_capacity_arr=capacity
    ).solve(pulp.PULP_CBC_CMD(msg=False))
    ours = LSCP.from_cost_matrix(sf.cost_matrix, 5000.0, demand_quantity_arr=sf.weights,
                                 facility_capacity_arr=capacity).solve()
    assert pulp.LpStatus[theirs.problem.status] == "Optimal"
    assert ours.status == "optimal"
    assert ours.objective == pulp.value(theirs.problem.objective)
    assert ours.objective >= 10

"""branchnet.locate on small hand-made instances: input errors carry the engine's messages, infeasibility is
an exception as in spopt, fixed facilities, unreachable pairs, solver options, and the GIL released."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from branchnet import _native
from branchnet.locate import LSCP, MCLP, InfeasibleError, PCenter, PMedian

MATRIX = np.array([[1.0, 9.0, 4.0], [9.0, 1.0, 4.0], [1.0, 2.0, 9.0]])


def test_weights_that_do_not_line_up_are_a_value_error_with_the_engines_message():
    with pytest.raises(ValueError, match=r"^weights: expected 3 entries, found 2$"):
        MCLP.from_cost_matrix(MATRIX, [1.0, 2.0], 2, 1).solve()
    with pytest.raises(ValueError, match=r"weights: entry 1 is -1; expected a finite number ≥ 0"):
        PMedian.from_cost_matrix(MATRIX, [1.0, -1.0, 1.0], 1).solve()


def test_bad_costs_and_shapes_are_value_errors():
    with pytest.raises(ValueError, match="costs: entry 1 is -2; expected a finite number ≥ 0"):
        LSCP.from_cost_matrix(np.array([[1.0, -2.0]]), 3)
    with pytest.raises(ValueError, match="expected a 2-D array"):
        LSCP.from_cost_matrix(np.array([1.0, 2.0]), 3)
    n_sites = MATRIX.shape[1]
    with pytest.raises(ValueError, match="one flag per facility or fewer facility indices"):
        MCLP.from_cost_matrix(MATRIX, [1, 1, 1], 2, 1, predefined_facilities_arr=[1] * (n_sites + 1))
    # Fewer entries than facilities are indices, as spopt reads them; they must name facilities.
    with pytest.raises(ValueError, match="read as indices"):
        MCLP.from_cost_matrix(MATRIX, [1, 1, 1], 2, 1, predefined_facilities_arr=[n_sites])
    assert MCLP.from_cost_matrix(MATRIX, [1, 1, 1], 2, 1, predefined_facilities_arr=[1]).required == [1]


def test_unknown_and_repeated_ids_in_an_od_table_name_the_row():
    od = (["a", "b", "c"], ["s", "t", "s"], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"od table, row 3, column `origin`: unknown id 'c' \(not in demand_ids\)"):
        LSCP.from_od_table(od, 5, demand_ids=["a", "b"])
    with pytest.raises(ValueError, match="demand_ids: id 'a' appears more than once"):
        LSCP.from_od_table(od, 5, demand_ids=["a", "b", "c", "a"])
    with pytest.raises(ValueError, match="weights: no weight for demand id 'c'"):
        MCLP.from_od_table(od, {"a": 1.0, "b": 1.0}, 5, 1)
    with pytest.raises(ValueError, match="od table: no column `cost`"):
        LSCP.from_od_table({"origin": ["a"], "destination": ["s"]}, 5)
    with pytest.raises(ValueError, match="costs: entry 1 is inf"):
        LSCP.from_od_table((["a", "b"], ["s", "s"], [1.0, np.inf]), 5)


def test_infeasibility_raises_like_spopt_with_the_reason():
    # Client 2 is 9 away from the only facility allowed to cover within 5.
    lscp = LSCP.from_cost_matrix(np.array([[1.0], [2.0], [9.0]]), 5)
    with pytest.raises(InfeasibleError, match="covered by no allowed site") as raised:
        lscp.solve()
    assert isinstance(raised.value, RuntimeError), "spopt raises RuntimeError; except clauses keep working"
    assert lscp.status == "infeasible"
    with pytest.raises(InfeasibleError, match="p = 4 sites must open"):
        PCenter.from_cost_matrix(MATRIX, 4).solve()


def test_predefined_facilities_open_and_the_solver_argument_is_accepted():
    free = PMedian.from_cost_matrix(MATRIX, [1, 1, 1], 1).solve()
    assert free.sites.tolist() == [0]
    fixed = PMedian.from_cost_matrix(MATRIX, [1, 1, 1], 1, predefined_facilities_arr=[0, 0, 1])
    # spopt users pass a pulp solver positionally; it is ignored and solve still returns the model.
    assert fixed.solve(object()) is fixed
    assert fixed.sites.tolist() == [2] and fixed.fac_open.tolist() == [False, False, True]
    assert fixed.objective == 4 + 4 + 9
    assert fixed.fac2cli == [[], [], [0, 1, 2]] and fixed.cli2fac == [[2], [2], [2]]


def test_non_finite_entries_cannot_be_served():
    matrix = np.array([[np.inf, 3.0], [1.0, np.nan]])
    pcenter = PCenter.from_cost_matrix(matrix, 1)
    with pytest.raises(InfeasibleError):
        pcenter.solve()
    pmedian = PMedian.from_cost_matrix(matrix, [1, 1], 2).solve()
    assert pmedian.cli2fac == [[1], [0]] and pmedian.objective == 4.0


SPARSE = np.array([[1.0, np.inf, np.inf], [np.inf, 1.0, np.inf], [5.0, 5.0, 0.0]])


def test_p_center_serves_everyone_when_pairs_are_sparse():
    pcenter = PCenter.from_cost_matrix(SPARSE, 2).solve()
    assert pcenter.sites.tolist() == [0, 1] and pcenter.objective == 5.0


def test_p_median_serves_everyone_when_pairs_are_sparse():
    # Greedy opens site 2 and leaves client 0 or 1 unserved; only {0, 1} serves everyone: 1 + 1 + 10 x 5.
    pmedian = PMedian.from_cost_matrix(SPARSE, [1, 1, 10], 2).solve()
    assert pmedian.sites.tolist() == [0, 1] and pmedian.objective == 52.0


def test_results_false_leaves_the_lists_empty_but_sets_the_figures():
    mclp = MCLP.from_cost_matrix(MATRIX, [1, 2, 3], 2, 1).solve(results=False)
    assert mclp.objective == 5.0 and mclp.sites.tolist() == [1]
    assert mclp.fac2cli == [] and mclp.n_cli_uncov is None


def test_solver_options_are_checked():
    model = MCLP.from_cost_matrix(MATRIX, [1, 2, 3], 2, 1)
    with pytest.raises(ValueError, match="time_limit is -1; expected a number of seconds > 0"):
        model.solve(time_limit=-1)
    with pytest.raises(ValueError, match=r"gap is 1.5; expected a relative gap in \[0, 1\)"):
        model.solve(gap=1.5)
    with pytest.raises(ValueError, match="threads is 0"):
        model.solve(threads=0)
    assert model.solve(time_limit=10, gap=0.01).status == "optimal"


def test_a_second_thread_count_in_one_process_is_explained():
    # HiGHS sizes one thread pool per process at the first solve (the tests before this one used the default).
    model = MCLP.from_cost_matrix(MATRIX, [1, 2, 3], 2, 1)
    model.solve()  # sizes the pool by the default if no test before did
    pool = 2
    with pytest.raises(ValueError, match=f"HiGHS runs one thread pool per process and this one started with {pool}"):
        model.solve(threads=pool + 1)
    assert model.solve(threads=pool).status == "optimal"
    assert model.solve().status == "optimal"


def test_the_gil_is_released_while_solving():
    # A p-median big enough to take a while; while it runs, the main thread must keep getting turns.
    rng = np.random.default_rng(7)
    clients, sites = rng.uniform(0, 10_000, (3_000, 2)), rng.uniform(0, 10_000, (300, 2))
    costs = np.hypot(*(clients[:, None, :] - sites[None, :, :]).transpose(2, 0, 1))
    model = PMedian.from_cost_matrix(costs, rng.uniform(1, 10, 3_000), 30)
    worker = threading.Thread(target=lambda: model.solve(time_limit=2.0))
    started = time.perf_counter()
    worker.start()
    turns = 0
    while worker.is_alive():
        turns += 1
        time.sleep(0.001)
    elapsed = time.perf_counter() - started
    assert model.status in ("optimal", "feasible")
    if elapsed < 0.2:
        pytest.skip(f"the solve took {elapsed:.3f} s, too short to tell")
    # Holding the GIL, the loop would get one turn at most; released, about one per millisecond.
    assert turns > elapsed * 1000 / 10, (turns, elapsed)


def test_the_native_costs_report_their_shape():
    costs = _native.Costs.from_triples(
        2, 3, np.array([0, 1]), np.array([2, 0]), np.array([1.5, 2.5])
    )
    assert (costs.n_demand, costs.n_sites) == (2, 3)
    assert costs.within(2.0, [2, 0, 1]) == [[0], [], []]
    with pytest.raises(ValueError, match="origin index of row 0 is -1"):
        _native.Costs.from_triples(1, 1, np.array([-1]), np.array([0]), np.array([1.0]))
    with pytest.raises(ValueError, match=r"costs \(demand index\): expected 2 entries, found 3"):
        _native.Costs.from_triples(2, 1, np.array([2]), np.array([0]), np.array([1.0]))

//! The relocation program on small cases whose optimum is worked out by hand.

use branchnet_optimize::relocation::{
    Budget, Candidate, Existing, ExistingDecision, Floor, Inclusion, Range, Relocation, Rule, Variant, Zone,
    ZoneCapture, solve_relocation,
};
use branchnet_optimize::{SolveOptions, Status};

fn variant(capital: f64, annual: f64, capacity: f64) -> Variant {
    Variant {
        format: 0,
        capital,
        annual,
        capacity,
    }
}

fn branch(annual: f64) -> Existing {
    Existing {
        region: Some(0),
        protected: false,
        keep: variant(0.0, annual, f64::INFINITY),
        conversions: Vec::new(),
        close_capital: 100.0,
        move_capital: 300.0,
    }
}

fn candidate(fit_out: f64, annual: f64) -> Candidate {
    Candidate {
        region: Some(0),
        variants: vec![variant(fit_out, annual, f64::INFINITY)],
        new_capital: 1_000.0,
    }
}

fn zone(sites: &[u32], value: f64) -> Zone {
    Zone {
        levels: vec![(sites.to_vec(), value)],
        load: value,
        capture: None,
    }
}

/// Two branches in one old core (sites 0 and 1, both reaching the core zone worth 10) and a candidate in a
/// blank district (site 2, the only one reaching its zone worth 8).
fn core_and_blank() -> Relocation {
    Relocation {
        existing: vec![branch(50.0), branch(50.0)],
        candidates: vec![candidate(200.0, 50.0)],
        zones: vec![zone(&[0, 1], 10.0), zone(&[2], 8.0)],
        quotas: vec![Range::default()],
        budget: Budget {
            capital: Some(1_000.0),
            max_openings: Some(0),
            ..Budget::default()
        },
        change_penalty: 0.01,
        ..Relocation::default()
    }
}

fn options() -> SolveOptions {
    SolveOptions::default()
}

#[test]
fn a_branch_moves_from_the_cluster_to_the_blank_area() {
    let plan = solve_relocation(&core_and_blank(), &options()).expect("solves");
    assert_eq!(plan.status, Status::Optimal);
    // One of the two core branches moves (either serves the core alone); the candidate opens as its target.
    let moved: Vec<_> = plan
        .existing
        .iter()
        .filter(|d| **d == ExistingDecision::Relocate)
        .collect();
    assert_eq!(moved.len(), 1);
    let opening = plan.candidates[0].expect("the blank-area candidate opens");
    assert!(
        opening.relocation,
        "a relocation target, not a new branch (max-openings = 0)"
    );
    assert_eq!(plan.value, 18.0);
    // Capital: the move (300) and the fit-out (200); no licence for a relocation target.
    assert_eq!(plan.capital, 500.0);
    assert_eq!(plan.annual, 100.0);
    // Objective: 18 served minus one change (the move, its target's opening included) at 0.01.
    assert!((plan.objective - 17.99).abs() < 1e-9, "{}", plan.objective);
}

#[test]
fn a_move_is_preferred_to_a_closure_and_a_new_branch_of_equal_value() {
    // With openings allowed, closing a core branch and opening the candidate as a new branch serves the same
    // 18 as moving it; the move is one change where the other is two, so it wins (and saves the licence).
    let mut problem = core_and_blank();
    problem.budget.max_openings = None;
    let plan = solve_relocation(&problem, &options()).expect("solves");
    assert_eq!(plan.status, Status::Optimal);
    let moved = plan
        .existing
        .iter()
        .filter(|d| **d == ExistingDecision::Relocate)
        .count();
    let closed = plan
        .existing
        .iter()
        .filter(|d| **d == ExistingDecision::Close)
        .count();
    assert_eq!((moved, closed), (1, 0), "{:?}", plan.existing);
    assert!(plan.candidates[0].expect("opens").relocation);
    assert!((plan.objective - 17.99).abs() < 1e-9, "{}", plan.objective);
}

#[test]
fn without_the_money_to_move_nothing_changes() {
    let mut problem = core_and_blank();
    problem.budget.capital = Some(499.0);
    let plan = solve_relocation(&problem, &options()).expect("solves");
    assert_eq!(plan.status, Status::Optimal);
    assert!(plan.existing.iter().all(|d| *d == ExistingDecision::Keep));
    assert_eq!(plan.candidates, vec![None]);
    assert_eq!(plan.value, 10.0);
    assert_eq!(plan.capital, 0.0);
}

#[test]
fn a_new_licence_costs_extra() {
    // Openings allowed and money for them: a new branch (200 fit-out + 1,000 licence) beats moving only if
    // keeping both core branches is worth more than the saving — it is not (they overlap), so the plan
    // still relocates; with a budget of 1,200 but a protected cluster, it opens a new branch instead.
    let mut problem = core_and_blank();
    problem.budget.max_openings = None;
    problem.budget.capital = Some(1_200.0);
    problem.existing[0].protected = true;
    problem.existing[1].protected = true;
    let plan = solve_relocation(&problem, &options()).expect("solves");
    assert_eq!(plan.status, Status::Optimal);
    assert!(plan.existing.iter().all(|d| *d == ExistingDecision::Keep));
    let opening = plan.candidates[0].expect("opens");
    assert!(!opening.relocation);
    assert_eq!(plan.capital, 1_200.0);
    assert_eq!(plan.value, 18.0);
}

#[test]
fn a_quota_forces_a_closure_in_an_overbranched_region() {
    let mut problem = core_and_blank();
    problem.candidates.clear();
    problem.zones = vec![zone(&[0, 1], 10.0)];
    problem.quotas = vec![Range {
        min: Some(1.0),
        max: Some(1.0),
    }];
    let plan = solve_relocation(&problem, &options()).expect("solves");
    assert_eq!(plan.status, Status::Optimal);
    let closed = plan
        .existing
        .iter()
        .filter(|d| **d == ExistingDecision::Close)
        .count();
    assert_eq!(closed, 1);
    assert_eq!(plan.value, 10.0);
    assert_eq!(plan.annual, 50.0);
}

#[test]
fn an_inclusion_rule_the_budget_cannot_pay_for_is_explained() {
    // The blank district's township must keep a service point; only the candidate serves it, and opening it
    // costs at least 500 (a move and a fit-out) against a budget of 400.
    let mut problem = core_and_blank();
    problem.budget.capital = Some(400.0);
    problem.inclusion = vec![Inclusion {
        name: "township T2".into(),
        sites: vec![2],
    }];
    let plan = solve_relocation(&problem, &options()).expect("solves");
    let Status::Infeasible { reason } = &plan.status else {
        panic!("expected infeasible, found {:?}", plan.status);
    };
    let conflict = plan.conflict.as_ref().expect("a conflict");
    assert_eq!(conflict.rules, vec![Rule::Inclusion, Rule::Capital]);
    assert!(conflict.minimal);
    assert!(
        reason.contains("inclusion") && reason.contains("capital"),
        "{reason}"
    );
    assert!(reason.contains("at least 500"), "{reason}");
}

#[test]
fn an_inclusion_unit_nothing_can_serve_is_named() {
    let mut problem = core_and_blank();
    problem.inclusion = vec![Inclusion {
        name: "township T9".into(),
        sites: Vec::new(),
    }];
    let plan = solve_relocation(&problem, &options()).expect("solves");
    let Status::Infeasible { reason } = &plan.status else {
        panic!("expected infeasible");
    };
    assert!(reason.contains("township T9"), "{reason}");
}

#[test]
fn capacity_limits_what_a_branch_serves_until_cuts_route_it() {
    // One branch of capacity 12 reaches two zones of load 10 each; a candidate (capacity 12, opening allowed)
    // reaches the second zone. Without the candidate 12 of 20 is served; with it everything is.
    let mut problem = Relocation {
        existing: vec![Existing {
            keep: variant(0.0, 0.0, 12.0),
            protected: true,
            ..branch(0.0)
        }],
        candidates: vec![Candidate {
            variants: vec![variant(100.0, 0.0, 12.0)],
            ..candidate(100.0, 0.0)
        }],
        zones: vec![zone(&[0], 10.0), zone(&[0, 1], 10.0)],
        quotas: vec![Range::default()],
        budget: Budget {
            max_openings: Some(0),
            ..Budget::default()
        },
        ..Relocation::default()
    };
    let plan = solve_relocation(&problem, &options()).expect("solves");
    assert_eq!(plan.status, Status::Optimal);
    assert!((plan.value - 12.0).abs() < 1e-6, "{}", plan.value);
    assert!(plan.cuts >= 1, "the first plan serves 20 on a capacity of 12");
    let routed: f64 = plan.flows.iter().map(|f| f.2).sum();
    assert!((routed - 12.0).abs() < 1e-6);

    problem.budget.max_openings = None;
    let plan = solve_relocation(&problem, &options()).expect("solves");
    assert_eq!(plan.status, Status::Optimal);
    assert!(plan.candidates[0].is_some());
    assert!((plan.value - 20.0).abs() < 1e-6, "{}", plan.value);
    for site in [0, 1] {
        let load: f64 = plan.flows.iter().filter(|f| f.1 == site).map(|f| f.2).sum();
        assert!(load <= 12.0 + 1e-6, "site {site} carries {load}");
    }
}

#[test]
fn decay_levels_pay_for_nearness_and_floors_hold() {
    // One zone: site 0 gives weight 0.5, site 1 (a candidate) weight 1 — levels ({0, 1}, 5) and ({1}, 5).
    // Moving the branch there earns the full 10; a floor on the second zone (reached only by site 0) keeps
    // it in place.
    let mut problem = Relocation {
        existing: vec![branch(0.0)],
        candidates: vec![candidate(0.0, 0.0)],
        zones: vec![
            Zone {
                levels: vec![(vec![0, 1], 5.0), (vec![1], 5.0)],
                load: 1.0,
                capture: None,
            },
            zone(&[0], 0.0),
        ],
        quotas: vec![Range::default()],
        budget: Budget {
            max_openings: Some(0),
            ..Budget::default()
        },
        ..Relocation::default()
    };
    let plan = solve_relocation(&problem, &options()).expect("solves");
    assert_eq!(plan.existing, vec![ExistingDecision::Relocate]);
    assert_eq!(plan.value, 10.0);

    problem.floors = vec![Floor {
        name: "elderly served".into(),
        weights: vec![0.0, 3.0],
        min: 3.0,
    }];
    let plan = solve_relocation(&problem, &options()).expect("solves");
    assert_eq!(plan.existing, vec![ExistingDecision::Keep]);
    assert_eq!(plan.value, 5.0);
}

#[test]
fn spacing_keeps_new_branches_apart() {
    // Two candidates side by side, each alone reaching a zone worth 5, both reaching one worth 1: with
    // spacing only one may open.
    let mut problem = Relocation {
        candidates: vec![candidate(0.0, 0.0), candidate(0.0, 0.0)],
        zones: vec![zone(&[0], 5.0), zone(&[1], 4.0), zone(&[0, 1], 1.0)],
        quotas: vec![Range::default()],
        ..Relocation::default()
    };
    let plan = solve_relocation(&problem, &options()).expect("solves");
    assert_eq!(plan.value, 10.0);
    problem.spacing = vec![[0, 1]];
    let plan = solve_relocation(&problem, &options()).expect("solves");
    assert_eq!(plan.value, 6.0);
    assert!(plan.candidates[0].is_some() && plan.candidates[1].is_none());
}

#[test]
fn huff_capture_rewards_the_stronger_site_by_its_share() {
    // One zone worth 10 against competitors of attraction 1. Today's branch (site 0) has attraction 1:
    // share 1/2, value 5. The candidate (site 1) has attraction 3: moving there gives 3/4 (7.5); keeping
    // both (a new branch) gives 4/5 (8).
    let capture_zone = Zone {
        levels: vec![(vec![0, 1], 10.0)],
        load: 0.0,
        capture: Some(ZoneCapture {
            attraction: vec![1.0, 3.0],
            competitors: 1.0,
        }),
    };
    let mut problem = Relocation {
        existing: vec![branch(0.0)],
        candidates: vec![candidate(0.0, 0.0)],
        zones: vec![capture_zone],
        quotas: vec![Range::default()],
        budget: Budget {
            max_openings: Some(0),
            ..Budget::default()
        },
        ..Relocation::default()
    };
    let plan = solve_relocation(&problem, &options()).expect("solves");
    assert_eq!(plan.status, Status::Optimal);
    assert_eq!(plan.existing, vec![ExistingDecision::Relocate]);
    assert!((plan.value - 7.5).abs() < 1e-9, "{}", plan.value);
    assert!(
        (plan.bound - 7.5).abs() < 1e-6,
        "the tangents close the bound: {}",
        plan.bound
    );

    problem.budget.max_openings = None;
    let plan = solve_relocation(&problem, &options()).expect("solves");
    assert_eq!(plan.status, Status::Optimal);
    assert_eq!(plan.existing, vec![ExistingDecision::Keep]);
    assert!(plan.candidates[0].is_some());
    assert!((plan.value - 8.0).abs() < 1e-9, "{}", plan.value);
}

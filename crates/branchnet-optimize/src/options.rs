/// How a model is solved: limits, gap, threads, and sites fixed open or closed.
#[derive(Debug, Clone, PartialEq)]
pub struct SolveOptions {
    /// Wall-clock limit in seconds; the best plan found by then is returned with its gap.
    pub time_limit_s: Option<f64>,
    /// Relative MIP gap at which the solver may stop (HiGHS's default is 1e-4; 0 proves optimality).
    pub mip_rel_gap: f64,
    /// Solver threads.
    pub threads: u32,
    /// Sites that must be open (existing branches that stay).
    pub required: Vec<usize>,
    /// Sites that must stay closed.
    pub forbidden: Vec<usize>,
}

impl Default for SolveOptions {
    fn default() -> Self {
        Self {
            time_limit_s: None,
            mip_rel_gap: 0.0,
            threads: 2,
            required: Vec::new(),
            forbidden: Vec::new(),
        }
    }
}

impl SolveOptions {
    /// Why exactly `p` sites cannot open among `n_sites` under these options, if they cannot.
    pub(crate) fn p_conflict(&self, p: usize, n_sites: usize) -> Option<String> {
        let open_able = n_sites.saturating_sub(self.forbidden.len());
        (self.required.len() > p || p > open_able).then(|| {
            format!(
                "p = {p} sites must open, but {} are required and {open_able} may open",
                self.required.len()
            )
        })
    }
}

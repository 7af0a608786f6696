//! Progress of long runs, reported through a trait so that libraries never draw: the CLI turns it into
//! progress bars, Python into a callback, tests into nothing.

/// Receives the progress of a run: stages in order, each with optional steps.
pub trait Reporter: Send + Sync {
    /// A stage begins; `steps` is how many [`Reporter::advance`] calls it will make, when known.
    fn begin(&self, stage: &str, steps: Option<u64>);
    /// `n` more steps of the current stage are done.
    fn advance(&self, n: u64);
    /// The current stage ends, with a one-line summary.
    fn end(&self, summary: &str);
}

/// A [`Reporter`] that ignores everything.
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

impl Reporter for Silent {
    fn begin(&self, _stage: &str, _steps: Option<u64>) {}
    fn advance(&self, _n: u64) {}
    fn end(&self, _summary: &str) {}
}

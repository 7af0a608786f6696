use thiserror::Error;

/// Why a plan cannot be made (an infeasible scenario is not an error: it is a plan whose meso stage says
/// which rules conflict).
#[derive(Debug, Error)]
pub enum PlanError {
    /// A `[plan]` key with an unusable value.
    #[error("scenario.toml, [plan] key `{key}`: {message}")]
    Config {
        /// Dotted key under `[plan]`.
        key: String,
        /// What is wrong and what was expected.
        message: String,
    },
    /// A column or region level the plan needs is missing.
    #[error("{0}")]
    Missing(String),
    /// The layout model could not be built or solved.
    #[error("layout: {0}")]
    Optimize(branchnet_optimize::OptimizeError),
    /// Writing an export failed.
    #[error("writing {path}: {message}")]
    Write {
        /// The file.
        path: String,
        /// What failed.
        message: String,
    },
}

// Not `#[from]`: that would make the error its source too, and error chains would print its message twice.
impl From<branchnet_optimize::OptimizeError> for PlanError {
    fn from(e: branchnet_optimize::OptimizeError) -> Self {
        PlanError::Optimize(e)
    }
}

//! What can go wrong between a scenario file and its plan: each step's own error, unchanged.

use branchnet_io::InputError;
use branchnet_plan::PlanError;
use branchnet_score::ScoreError;

/// An error of one step, with that step's message.
#[derive(Debug, thiserror::Error)]
pub enum WorkflowError {
    /// The scenario file or one of its inputs cannot be used.
    #[error(transparent)]
    Input(#[from] InputError),
    /// A scoring model cannot be run.
    #[error("{0}")]
    Score(#[from] ScoreError),
    /// The scenario's scoring entries cannot be built into models.
    #[error("in {scenario}: {source}")]
    Models {
        /// The scenario file.
        scenario: String,
        /// What the registry said.
        source: ScoreError,
    },
    /// The plan cannot be made (bad `[plan]` table, missing scores, a solver failure).
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// A scoring entry of the scenario is malformed.
    #[error("{scenario}, [[scores]] entry {index} ({model}): {message}")]
    ScoreEntry {
        /// The scenario file.
        scenario: String,
        /// The entry's position in `[[scores]]`, from 0.
        index: usize,
        /// Its `model`.
        model: String,
        /// What is wrong.
        message: String,
    },
    /// A table could not be encoded.
    #[error("encoding the {table} table: {message}")]
    Encode {
        /// Which table.
        table: String,
        /// polars' message.
        message: String,
    },
}

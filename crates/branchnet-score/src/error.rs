use thiserror::Error;

/// Why a scoring model could not score.
#[derive(Debug, Error, PartialEq)]
pub enum ScoreError {
    /// A model asked for a column that neither the grid, the sites nor an earlier model provides.
    #[error("model `{model}`: no {target} column `{column}` (available: {available})")]
    MissingColumn {
        /// The model that asked.
        model: String,
        /// `cell`, `site` or `region`.
        target: &'static str,
        /// The column asked for.
        column: String,
        /// The columns there are, comma-separated.
        available: String,
    },
    /// A parameter is out of its domain.
    #[error("model `{model}`: parameter `{parameter}` {message}")]
    BadParameter {
        /// The model.
        model: String,
        /// The parameter, as spelled in the scenario.
        parameter: String,
        /// What was expected and what was found.
        message: String,
    },
    /// The scenario's `[[scores]]` entry names a model nobody registered, or its table does not parse.
    #[error("scores[{index}]: {message}")]
    Config {
        /// Position of the entry in `[[scores]]`.
        index: usize,
        /// What is wrong.
        message: String,
    },
    /// Input values a model cannot use (e.g. negative demand, NaN), with where they are.
    #[error("model `{model}`: {message}")]
    BadInput {
        /// The model.
        model: String,
        /// What is wrong and where (column, row).
        message: String,
    },
}

//! From a scenario's `[[scores]]` tables to models: a [`Registry`] maps each `model = "<kind>"` to a factory
//! that reads the rest of the table. The built-in kinds are registered by [`Registry::builtin`]; a research
//! model joins with [`Registry::register_model`] (any `ScoringModel` that deserialises from its table) or
//! [`Registry::register`] (any closure), without touching the config code.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;

use crate::access::Access;
use crate::competition::Huff;
use crate::coverage::Coverage;
use crate::gaps::Gaps;
use crate::potential::Potential;
use crate::queue::QueueModel;
use crate::site_score::SiteScoreModel;
use crate::{ScoreError, ScoringModel};

/// Builds a model from its `[[scores]]` table (without the `model` key); errors are messages.
pub type Factory = Box<dyn Fn(toml::Table) -> Result<Box<dyn ScoringModel>, String> + Send + Sync>;

/// The model kinds a scenario may name.
pub struct Registry {
    factories: BTreeMap<String, Factory>,
}

impl Registry {
    /// No kinds at all.
    pub fn empty() -> Self {
        Self {
            factories: BTreeMap::new(),
        }
    }

    /// The built-in kinds.
    pub fn builtin() -> Self {
        let mut registry = Self::empty();
        registry.register_model::<Potential>("potential");
        registry.register_model::<Coverage>("coverage");
        registry.register_model::<Gaps>("gaps");
        registry.register_model::<Access>("access");
        registry.register_model::<Huff>("huff");
        registry.register_model::<QueueModel>("queue");
        registry.register_model::<SiteScoreModel>("site-score");
        registry
    }

    /// Registers `kind` with a factory (replacing an earlier one of that kind).
    pub fn register(
        &mut self,
        kind: impl Into<String>,
        factory: impl Fn(toml::Table) -> Result<Box<dyn ScoringModel>, String> + Send + Sync + 'static,
    ) {
        self.factories.insert(kind.into(), Box::new(factory));
    }

    /// Registers `kind` as a model type that is its own configuration.
    pub fn register_model<M>(&mut self, kind: impl Into<String>)
    where
        M: ScoringModel + DeserializeOwned + 'static,
    {
        self.register(kind, |table| {
            M::deserialize(toml::Value::Table(table))
                .map(|m| Box::new(m) as Box<dyn ScoringModel>)
                .map_err(|e| e.message().to_owned())
        });
    }

    /// The registered kinds, sorted.
    pub fn kinds(&self) -> Vec<&str> {
        self.factories.keys().map(String::as_str).collect()
    }

    /// Builds the models of `[[scores]]` in order.
    ///
    /// # Errors
    /// [`ScoreError::Config`] naming the entry: no `model` key, an unknown kind (listing the known ones), a
    /// table its factory rejects, or two models of one name (their columns would collide).
    pub fn build(&self, tables: &[toml::Table]) -> Result<Vec<Box<dyn ScoringModel>>, ScoreError> {
        let mut models: Vec<Box<dyn ScoringModel>> = Vec::with_capacity(tables.len());
        for (index, table) in tables.iter().enumerate() {
            let config = |message: String| ScoreError::Config { index, message };
            let mut table = table.clone();
            let kind = match table.remove("model") {
                Some(toml::Value::String(kind)) => kind,
                Some(other) => return Err(config(format!("`model` must be a string, found {other}"))),
                None => {
                    return Err(config(format!(
                        "no `model` key; expected one of: {}",
                        self.kinds().join(", ")
                    )));
                }
            };
            let factory = self.factories.get(&kind).ok_or_else(|| {
                config(format!(
                    "unknown model `{kind}`; expected one of: {}",
                    self.kinds().join(", ")
                ))
            })?;
            let model = factory(table).map_err(|e| config(format!("model `{kind}`: {e}")))?;
            if let Some(first) = models.iter().position(|m| m.name() == model.name()) {
                return Err(config(format!(
                    "a model named `{}` is already scores[{first}]; give one of them another `name`",
                    model.name()
                )));
            }
            models.push(model);
        }
        Ok(models)
    }
}

/// The kinds a scenario without `[[scores]]` runs, in dependency order: every built-in model with its
/// defaults (the potential first, since the others read `potential.now`; Huff before the queues, which read
/// `huff.captured`).
pub const DEFAULT_KINDS: [&str; 7] = [
    "potential",
    "coverage",
    "gaps",
    "access",
    "huff",
    "queue",
    "site-score",
];

/// The scenario's `[[scores]]`, or, when it lists none, one table per [`DEFAULT_KINDS`].
pub fn default_scores(configured: &[toml::Table]) -> Vec<toml::Table> {
    if !configured.is_empty() {
        return configured.to_vec();
    }
    DEFAULT_KINDS
        .iter()
        .map(|kind| toml::Table::from_iter([("model".to_owned(), toml::Value::String((*kind).to_owned()))]))
        .collect()
}

impl Default for Registry {
    fn default() -> Self {
        Self::builtin()
    }
}

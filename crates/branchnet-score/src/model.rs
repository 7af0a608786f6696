//! The seam every scoring model plugs into: [`ScoringModel`], what it sees ([`ScoreContext`]) and what it
//! returns ([`Scores`]).

use branchnet_core::{Scenario, SiteKind};
use branchnet_spatial::TravelCost;

use crate::ScoreError;

/// A model that scores cells, sites or regions of a scenario.
///
/// Models run in the order the scenario lists them; each sees the columns of the models before it (through
/// [`ScoreContext`]), so a queue model can read the demand a Huff model captured. A model returns bare field
/// names (`now`, `captured`); the runner prefixes them with the model's name (`potential.now`).
pub trait ScoringModel: Send + Sync {
    /// The model's name in the scenario: the prefix of its output columns.
    fn name(&self) -> &str;

    /// Scores the scenario.
    ///
    /// # Errors
    /// When a column it needs is missing, a parameter is out of range or the inputs cannot be used.
    fn score(&self, ctx: &ScoreContext<'_>) -> Result<Scores, ScoreError>;
}

/// One named column of values: per cell, per site (all sites of the scenario, in order) or per region (all
/// regions of every level, in order). `NaN` means "does not apply" (e.g. a queue figure of a competitor) and
/// is written as null.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// Column name.
    pub name: String,
    /// One value per row.
    pub values: Vec<f64>,
}

impl Column {
    /// A named column.
    pub fn new(name: impl Into<String>, values: Vec<f64>) -> Self {
        Self {
            name: name.into(),
            values,
        }
    }
}

/// One named scalar figure (e.g. `gini_access`, `share_elderly_beyond_2km`).
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    /// Figure name.
    pub name: String,
    /// Its value.
    pub value: f64,
}

/// What scoring produced: columns per cell, per site and per region, and scalar figures.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Scores {
    /// One value per cell.
    pub cells: Vec<Column>,
    /// One value per site (all kinds, scenario order).
    pub sites: Vec<Column>,
    /// One value per region (all levels, scenario order).
    pub regions: Vec<Column>,
    /// Scalar figures.
    pub figures: Vec<Figure>,
}

impl Scores {
    /// The cell column called `name`.
    pub fn cell(&self, name: &str) -> Option<&[f64]> {
        find(&self.cells, name)
    }

    /// The site column called `name`.
    pub fn site(&self, name: &str) -> Option<&[f64]> {
        find(&self.sites, name)
    }

    /// The region column called `name`.
    pub fn region(&self, name: &str) -> Option<&[f64]> {
        find(&self.regions, name)
    }

    /// The figure called `name`.
    pub fn figure(&self, name: &str) -> Option<f64> {
        self.figures.iter().find(|f| f.name == name).map(|f| f.value)
    }

    /// Appends `other`'s columns and figures with every name prefixed by `prefix.`.
    pub fn absorb(&mut self, prefix: &str, other: Scores) {
        let named = |name: String| format!("{prefix}.{name}");
        let columns = |cs: Vec<Column>| cs.into_iter().map(move |c| Column::new(named(c.name), c.values));
        self.cells.extend(columns(other.cells));
        self.sites.extend(columns(other.sites));
        self.regions.extend(columns(other.regions));
        self.figures.extend(other.figures.into_iter().map(|f| Figure {
            name: named(f.name),
            value: f.value,
        }));
    }
}

fn find<'a>(columns: &'a [Column], name: &str) -> Option<&'a [f64]> {
    columns
        .iter()
        .find(|c| c.name == name)
        .map(|c| c.values.as_slice())
}

/// What a model sees: the scenario, the travel cost from every cell to every site, and the columns earlier
/// models produced.
pub struct ScoreContext<'a> {
    /// The scenario (cells, sites, regions in one metric frame).
    pub scenario: &'a Scenario,
    /// Cost from each cell (origin `i` = cell `i`) to each site (destination `j` = `scenario.sites.all()[j]`).
    pub travel: &'a dyn TravelCost,
    /// Columns of the models that ran before, with prefixed names.
    pub computed: &'a Scores,
}

impl<'a> ScoreContext<'a> {
    /// A cell column by name: an earlier model's output (`potential.now`) or a grid column (`population`).
    ///
    /// # Errors
    /// [`ScoreError::MissingColumn`] naming `model` and the columns there are.
    pub fn cell_column(&self, model: &str, name: &str) -> Result<&'a [f64], ScoreError> {
        if let Some(values) = self.computed.cell(name) {
            return Ok(values);
        }
        if let Some(column) = self.scenario.cells.columns().iter().find(|c| c.name == name) {
            return Ok(&column.values);
        }
        let available = self
            .computed
            .cells
            .iter()
            .map(|c| c.name.as_str())
            .chain(self.scenario.cells.columns().iter().map(|c| c.name.as_str()))
            .collect::<Vec<_>>()
            .join(", ");
        Err(ScoreError::MissingColumn {
            model: model.into(),
            target: "cell",
            column: name.into(),
            available,
        })
    }

    /// A site value per site: an earlier model's output, a standard field (`counters`, `staff`,
    /// `annual_cost`, `observed_volume`, `open_cost`, `rent`) or an attribute; `NaN` where a site lacks it.
    ///
    /// # Errors
    /// [`ScoreError::MissingColumn`] when no site has a value of that name.
    pub fn site_column(&self, model: &str, name: &str) -> Result<Vec<f64>, ScoreError> {
        if let Some(values) = self.computed.site(name) {
            return Ok(values.to_vec());
        }
        let sites = self.scenario.sites.all();
        let values: Vec<f64> = sites
            .iter()
            .map(|s| {
                let field = match name {
                    "counters" => s.counters.map(f64::from),
                    "staff" => s.staff.map(f64::from),
                    "annual_cost" => s.annual_cost,
                    "observed_volume" => s.observed_volume,
                    "open_cost" => s.open_cost,
                    "rent" => s.rent,
                    _ => s.attributes.get(name).copied(),
                };
                field.unwrap_or(f64::NAN)
            })
            .collect();
        let standard = matches!(
            name,
            "counters" | "staff" | "annual_cost" | "observed_volume" | "open_cost" | "rent"
        );
        if standard || values.iter().any(|v| !v.is_nan()) {
            return Ok(values);
        }
        let mut available: Vec<String> = self.computed.sites.iter().map(|c| c.name.clone()).collect();
        available.extend(
            [
                "counters",
                "staff",
                "annual_cost",
                "observed_volume",
                "open_cost",
                "rent",
            ]
            .map(String::from),
        );
        let mut attributes: Vec<&String> = sites.iter().flat_map(|s| s.attributes.keys()).collect();
        attributes.sort();
        attributes.dedup();
        available.extend(attributes.into_iter().cloned());
        Err(ScoreError::MissingColumn {
            model: model.into(),
            target: "site",
            column: name.into(),
            available: available.join(", "),
        })
    }

    /// One flag per site: whether it is of `kind` (a destination mask for [`TravelCost`] queries).
    pub fn sites_of_kind(&self, kind: SiteKind) -> Vec<bool> {
        self.scenario.sites.all().iter().map(|s| s.kind == kind).collect()
    }

    /// Cell centres as `[x, y]` metres.
    pub fn cell_points(&self) -> Vec<[f64; 2]> {
        let cells = &self.scenario.cells;
        cells.x().iter().zip(cells.y()).map(|(&x, &y)| [x, y]).collect()
    }

    /// Site positions as `[x, y]` metres.
    pub fn site_points(&self) -> Vec<[f64; 2]> {
        self.scenario.sites.all().iter().map(|s| [s.x, s.y]).collect()
    }
}

//! The registry and the runner with a research model defined here, outside the crate: it registers by name,
//! reads its own parameters from a `[[scores]]` table and sees the columns of the model before it.

use branchnet_core::{Cells, FrameDef, Regions, Scenario, Site, SiteKind, Sites, SourceRef};
use branchnet_score::{Column, Registry, ScoreContext, ScoreError, Scores, ScoringModel, run_models};
use branchnet_spatial::travel::Euclidean;
use serde::Deserialize;

/// Multiplies a cell column by a factor.
#[derive(Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct Scale {
    name: String,
    column: String,
    factor: f64,
}

impl ScoringModel for Scale {
    fn name(&self) -> &str {
        &self.name
    }

    fn score(&self, ctx: &ScoreContext<'_>) -> Result<Scores, ScoreError> {
        let values = ctx.cell_column(&self.name, &self.column)?;
        Ok(Scores {
            cells: vec![Column::new(
                "scaled",
                values.iter().map(|v| v * self.factor).collect(),
            )],
            ..Scores::default()
        })
    }
}

fn scenario() -> Scenario {
    let mut cells = Cells::new(vec![0.0, 100.0, 200.0], vec![0.0; 3]).expect("equal lengths");
    cells
        .add_column("population", vec![10.0, 20.0, 30.0])
        .expect("new column");
    let mut site = Site::new("B1", SiteKind::Own, 0.0, 0.0, SourceRef { layer: 0, row: 0 });
    site.x = 50.0;
    Scenario {
        name: "toy".into(),
        currency: "CNY".into(),
        frame: FrameDef {
            central_meridian_deg: 114.0,
            origin_lat_deg: 30.0,
        },
        cells,
        sites: Sites::new(vec![site]),
        regions: Regions::new(Vec::new(), Vec::new()),
    }
}

fn tables(text: &str) -> Vec<toml::Table> {
    #[derive(Deserialize)]
    struct Doc {
        scores: Vec<toml::Table>,
    }
    toml::from_str::<Doc>(text).expect("valid TOML").scores
}

fn registry() -> Registry {
    let mut registry = Registry::empty();
    registry.register_model::<Scale>("scale");
    registry
}

#[test]
fn later_models_read_earlier_columns() {
    let models = registry()
        .build(&tables(
            r#"
            [[scores]]
            model = "scale"
            name = "double"
            column = "population"
            factor = 2.0
            [[scores]]
            model = "scale"
            name = "triple"
            column = "double.scaled"
            factor = 3.0
            "#,
        ))
        .expect("both models build");
    let scenario = scenario();
    let travel = Euclidean::new(vec![[0.0, 0.0], [100.0, 0.0], [200.0, 0.0]], vec![[50.0, 0.0]]);
    let run = run_models(&models, &scenario, &travel).expect("runs");
    assert_eq!(run.scores.cell("double.scaled"), Some(&[20.0, 40.0, 60.0][..]));
    assert_eq!(run.scores.cell("triple.scaled"), Some(&[60.0, 120.0, 180.0][..]));
    assert_eq!(run.timings.len(), 2);
}

#[test]
fn config_errors_name_the_entry_and_what_was_expected() {
    let registry = registry();
    let error = |text: &str| match registry.build(&tables(text)) {
        Err(e) => e.to_string(),
        Ok(_) => panic!("expected an error for {text}"),
    };
    assert_eq!(
        error("[[scores]]\nmodel = \"nope\""),
        "scores[0]: unknown model `nope`; expected one of: scale"
    );
    assert_eq!(
        error("[[scores]]\nfactor = 1.0"),
        "scores[0]: no `model` key; expected one of: scale"
    );
    assert!(
        error(
            "[[scores]]\nmodel = \"scale\"\nname = \"a\"\ncolumn = \"population\"\nfactor = 1.0\ncolour = 3"
        )
        .starts_with("scores[0]: model `scale`: unknown field `colour`"),
    );
    let twice = "[[scores]]\nmodel = \"scale\"\nname = \"a\"\ncolumn = \"x\"\nfactor = 1.0\n".repeat(2);
    assert_eq!(
        error(&twice),
        "scores[1]: a model named `a` is already scores[0]; give one of them another `name`"
    );
}

#[test]
fn a_missing_column_lists_the_columns_there_are() {
    let models = registry()
        .build(&tables(
            "[[scores]]\nmodel = \"scale\"\nname = \"a\"\ncolumn = \"elderly\"\nfactor = 1.0",
        ))
        .expect("builds");
    let travel = Euclidean::new(vec![[0.0, 0.0], [100.0, 0.0], [200.0, 0.0]], vec![[50.0, 0.0]]);
    let error = run_models(&models, &scenario(), &travel)
        .err()
        .map(|e| e.to_string());
    assert_eq!(
        error.as_deref(),
        Some("model `a`: no cell column `elderly` (available: population)")
    );
}

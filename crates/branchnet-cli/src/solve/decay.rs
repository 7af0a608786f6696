//! The decays `branchnet solve` takes on the command line: coverage that fades with distance (partial MCLP)
//! and the utility decay of customer choice (max-capture).
//!
//! A coverage decay is `--decay KIND` with its parameters as `--decay-param KEY=VALUE`, the keys of a
//! `[decay]` table in scenario.toml (`beta`, `min-distance`, `bandwidth`, `cutoff`, ...). They are parsed by
//! the same serde definition of [`Decay`] the scoring config uses, so the two cannot drift apart; `--radius`
//! gives the radius of the step and linear forms.

use anyhow::{Context, bail};
use branchnet_core::Decay;
use branchnet_optimize::UtilityDecay;

/// The forms of [`Decay`], by the names of its `kind` key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DecayKind {
    /// Full coverage within --radius, none beyond (plain MCLP).
    Step,
    /// From 1 at `full-radius` (default 0) down to 0 at --radius.
    Linear,
    /// `(max(d, min-distance) / min-distance)^−beta`; optional `cutoff`.
    Power,
    /// `exp(−d / scale)`; optional `cutoff`.
    Exponential,
    /// `exp(−beta · d)`; optional `cutoff`.
    ExponentialRate,
    /// `exp(−½ (d / bandwidth)²)`; optional `cutoff`.
    Gaussian,
}

impl DecayKind {
    /// The `kind` key of the serde form.
    fn key(self) -> &'static str {
        match self {
            Self::Step => "step",
            Self::Linear => "linear",
            Self::Power => "power",
            Self::Exponential => "exponential",
            Self::ExponentialRate => "exponential-rate",
            Self::Gaussian => "gaussian",
        }
    }

    /// What the form takes, for messages.
    fn takes(self) -> &'static str {
        match self {
            Self::Step => "--radius",
            Self::Linear => "--radius and optionally --decay-param full-radius=D",
            Self::Power => "--decay-param beta=B,min-distance=D and optionally cutoff=C",
            Self::Exponential => "--decay-param scale=S and optionally cutoff=C",
            Self::ExponentialRate => "--decay-param beta=B and optionally cutoff=C",
            Self::Gaussian => "--decay-param bandwidth=H and optionally cutoff=C",
        }
    }

    /// Whether the form's radius is --radius.
    fn has_radius(self) -> bool {
        matches!(self, Self::Step | Self::Linear)
    }
}

/// The decay `--decay kind --decay-param k=v,...` describes (with `--radius` for the step and linear forms).
pub fn coverage_decay(kind: DecayKind, params: &[String], radius: Option<f64>) -> anyhow::Result<Decay> {
    let mut table = toml::Table::new();
    table.insert("kind".into(), kind.key().into());
    for param in params {
        let Some((key, value)) = param.split_once('=') else {
            bail!("--decay-param takes KEY=NUMBER (e.g. bandwidth=800), not `{param}`");
        };
        let key = key.trim();
        let number: f64 = value
            .trim()
            .parse()
            .with_context(|| format!("--decay-param {key}: expected a number, found `{}`", value.trim()))?;
        if key == "radius" {
            bail!("the radius of a decay is --radius, not --decay-param radius");
        }
        if table.insert(key.into(), number.into()).is_some() {
            bail!("--decay-param {key} is given twice");
        }
    }
    if kind.has_radius() {
        let Some(r) = radius else {
            bail!("--decay {} needs --radius", kind.key());
        };
        table.insert("radius".into(), r.into());
    }
    let decay: Decay = toml::Value::Table(table)
        .try_into()
        .map_err(|e: toml::de::Error| {
            anyhow::anyhow!(
                "--decay {}: {}; it takes {}",
                kind.key(),
                e.to_string().trim(),
                kind.takes()
            )
        })?;
    if let Err((name, value)) = decay.check() {
        let (name, must) = match name {
            "radius" => ("--radius".to_string(), "a finite number > 0"),
            "full-radius" => (format!("--decay-param {name}"), "≥ 0 and below --radius"),
            _ => (format!("--decay-param {name}"), "a finite number > 0"),
        };
        bail!("--decay {}: {name} must be {must}, not {value}", kind.key());
    }
    Ok(decay)
}

/// How utility falls with the cost of reaching a branch (max-capture).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum UtilityKind {
    /// Huff's gravity form: `attractiveness · max(cost, --min-cost)^(−beta)`.
    Power,
    /// Multinomial logit: `attractiveness · exp(−beta · cost)`.
    Exponential,
}

/// The library's [`UtilityDecay`] from `--utility-decay`, `--beta` and `--min-cost`.
pub fn utility_decay(
    kind: UtilityKind,
    beta: Option<f64>,
    min_cost: Option<f64>,
) -> anyhow::Result<UtilityDecay> {
    let Some(beta) = beta else {
        bail!(
            "max-capture needs --beta, the distance-decay exponent (power) or rate per unit of cost (exponential)"
        );
    };
    if !(beta.is_finite() && beta >= 0.0) {
        bail!("--beta must be a finite number ≥ 0, not {beta}");
    }
    Ok(match kind {
        UtilityKind::Exponential => {
            if min_cost.is_some() {
                bail!("--min-cost applies to --utility-decay power only");
            }
            UtilityDecay::Exponential { beta }
        }
        UtilityKind::Power => {
            let Some(min_cost) = min_cost else {
                bail!(
                    "--utility-decay power needs --min-cost, the cost below which a branch counts as that near \
                     (> 0; e.g. half the spacing of the demand points)"
                );
            };
            if !(min_cost.is_finite() && min_cost > 0.0) {
                bail!("--min-cost must be a finite number > 0, not {min_cost}");
            }
            UtilityDecay::Power {
                exponent: beta,
                min_cost,
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(p: &[&str]) -> Vec<String> {
        p.iter().map(|s| (*s).to_string()).collect()
    }

    #[test]
    fn flags_give_the_decays_of_the_scoring_config() {
        let d = coverage_decay(
            DecayKind::Gaussian,
            &params(&["bandwidth=800", "cutoff=3000"]),
            None,
        )
        .expect("valid");
        let toml: Decay =
            toml::from_str("kind = \"gaussian\"\nbandwidth = 800.0\ncutoff = 3000.0").expect("toml");
        assert_eq!(d, toml);
        let l =
            coverage_decay(DecayKind::Linear, &params(&["full-radius=200"]), Some(1000.0)).expect("valid");
        assert_eq!(
            l,
            Decay::Linear {
                radius: 1000.0,
                full_radius: 200.0
            }
        );
        assert_eq!(
            coverage_decay(DecayKind::Step, &[], Some(5.0)).expect("valid"),
            Decay::Step { radius: 5.0 }
        );
    }

    #[test]
    fn bad_decay_flags_say_what_the_form_takes() {
        let e = coverage_decay(DecayKind::Power, &params(&["beta=2"]), None).expect_err("no min-distance");
        assert!(e.to_string().contains("min-distance"), "{e}");
        let e = coverage_decay(DecayKind::Gaussian, &params(&["width=2"]), None).expect_err("unknown key");
        assert!(
            e.to_string().contains("width") && e.to_string().contains("bandwidth"),
            "{e}"
        );
        let e = coverage_decay(DecayKind::Gaussian, &params(&["bandwidth=-1"]), None).expect_err("negative");
        assert!(e.to_string().contains("bandwidth must be"), "{e}");
        let e = coverage_decay(DecayKind::Linear, &[], None).expect_err("no radius");
        assert!(e.to_string().contains("needs --radius"), "{e}");
        let e = coverage_decay(DecayKind::Exponential, &params(&["scale"]), None).expect_err("no value");
        assert!(e.to_string().contains("KEY=NUMBER"), "{e}");
        assert!(utility_decay(UtilityKind::Power, Some(2.0), None).is_err());
        assert_eq!(
            utility_decay(UtilityKind::Exponential, Some(0.5), None).expect("valid"),
            UtilityDecay::Exponential { beta: 0.5 }
        );
    }
}

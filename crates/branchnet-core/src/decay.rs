//! Distance decay: how much a site serves a demand point at a given cost (distance or travel time).
//!
//! A [`Decay`] maps a cost `d ≥ 0` to a weight in `[0, 1]`: 1 is full service, 0 none. The covering models use
//! it for partial coverage (the best weight among open sites); the scoring models use it for accessibility.
//! Parameters are in the unit of the costs they are applied to (metres or minutes).
//!
//! ```
//! use branchnet_core::Decay;
//! let decay: Decay = toml::from_str(r#"
//!     kind = "linear"
//!     radius = 1000.0
//!     full-radius = 200.0
//! "#).unwrap();
//! assert_eq!(decay.weight(600.0), 0.5); // (1000 − 600) / (1000 − 200)
//! ```

use serde::{Deserialize, Serialize};

/// A distance-decay function with weights in `[0, 1]`.
///
/// Every form is bounded by 1 and non-increasing in the cost. A negative cost is treated as 0; a NaN cost
/// gets weight 0. `cutoff`, where present, sets the weight to 0 for costs strictly above it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Decay {
    /// Full coverage within the radius, none beyond: `w(d) = 1 if d ≤ radius, else 0` (classic covering).
    Step {
        /// Coverage radius.
        radius: f64,
    },
    /// Linear fall from 1 to 0: `w(d) = 1` for `d ≤ full_radius`, `(radius − d) / (radius − full_radius)`
    /// between, `0` for `d ≥ radius`. With `full_radius > 0` this is Berman and Krass's gradual covering.
    #[serde(rename_all = "kebab-case")]
    Linear {
        /// Cost at which the weight reaches 0.
        radius: f64,
        /// Cost up to which coverage is full (0 by default).
        #[serde(default)]
        full_radius: f64,
    },
    /// Power (gravity) decay normalised at a minimum distance: `w(d) = (max(d, min_distance) / min_distance)^−β`,
    /// i.e. `d^−β` scaled so that points closer than `min_distance` get weight 1.
    #[serde(rename_all = "kebab-case")]
    Power {
        /// Exponent β > 0.
        beta: f64,
        /// Distance below which the weight is 1 (keeps `d^−β` bounded).
        min_distance: f64,
        /// Optional cost beyond which the weight is 0.
        #[serde(default)]
        cutoff: Option<f64>,
    },
    /// Exponential decay by a length scale: `w(d) = exp(−d / scale)`.
    #[serde(rename_all = "kebab-case")]
    Exponential {
        /// Cost at which the weight has fallen to 1/e.
        scale: f64,
        /// Optional cost beyond which the weight is 0.
        #[serde(default)]
        cutoff: Option<f64>,
    },
    /// Exponential decay by a rate: `w(d) = exp(−β d)` (the same family as [`Decay::Exponential`] with
    /// `scale = 1/β`, in the form gravity models usually state it).
    #[serde(rename_all = "kebab-case")]
    ExponentialRate {
        /// Rate β > 0, per unit of cost.
        beta: f64,
        /// Optional cost beyond which the weight is 0.
        #[serde(default)]
        cutoff: Option<f64>,
    },
    /// Gaussian decay: `w(d) = exp(−½ (d / bandwidth)²)`.
    #[serde(rename_all = "kebab-case")]
    Gaussian {
        /// Bandwidth h > 0 (the cost at which the weight is e^−½ ≈ 0.607).
        bandwidth: f64,
        /// Optional cost beyond which the weight is 0.
        #[serde(default)]
        cutoff: Option<f64>,
    },
}

impl Decay {
    /// The weight, in `[0, 1]`, of service at cost `d`.
    pub fn weight(&self, d: f64) -> f64 {
        if d.is_nan() || d > self.reach() {
            return 0.0;
        }
        let d = d.max(0.0);
        match *self {
            Self::Step { radius } => {
                if d <= radius {
                    1.0
                } else {
                    0.0
                }
            }
            Self::Linear { radius, full_radius } => {
                if d <= full_radius {
                    1.0
                } else if d >= radius {
                    0.0
                } else {
                    (radius - d) / (radius - full_radius)
                }
            }
            Self::Power {
                beta, min_distance, ..
            } => (d.max(min_distance) / min_distance).powf(-beta),
            Self::Exponential { scale, .. } => (-d / scale).exp(),
            Self::ExponentialRate { beta, .. } => (-beta * d).exp(),
            Self::Gaussian { bandwidth, .. } => (-0.5 * (d / bandwidth).powi(2)).exp(),
        }
    }

    /// The largest cost that can get a positive weight (infinite for the unbounded forms without a cutoff).
    /// Pairs farther apart can be dropped before a model is built.
    pub fn reach(&self) -> f64 {
        match *self {
            Self::Step { radius } | Self::Linear { radius, .. } => radius,
            Self::Power { cutoff, .. }
            | Self::Exponential { cutoff, .. }
            | Self::ExponentialRate { cutoff, .. }
            | Self::Gaussian { cutoff, .. } => cutoff.unwrap_or(f64::INFINITY),
        }
    }

    /// Checks the parameters: radii, scales, rates and cutoffs finite and > 0, `0 ≤ full_radius < radius`.
    ///
    /// # Errors
    /// The first unusable parameter: its name and value.
    pub fn check(&self) -> Result<(), (&'static str, f64)> {
        let positive = |name: &'static str, v: f64| {
            if v.is_finite() && v > 0.0 {
                Ok(())
            } else {
                Err((name, v))
            }
        };
        let cutoff = |c: Option<f64>| c.map_or(Ok(()), |c| positive("cutoff", c));
        match *self {
            Self::Step { radius } => positive("radius", radius),
            Self::Linear { radius, full_radius } => {
                positive("radius", radius)?;
                if full_radius.is_finite() && (0.0..radius).contains(&full_radius) {
                    Ok(())
                } else {
                    Err(("full-radius", full_radius))
                }
            }
            Self::Power {
                beta,
                min_distance,
                cutoff: c,
            } => {
                positive("beta", beta)?;
                positive("min-distance", min_distance)?;
                cutoff(c)
            }
            Self::Exponential { scale, cutoff: c } => {
                positive("scale", scale)?;
                cutoff(c)
            }
            Self::ExponentialRate { beta, cutoff: c } => {
                positive("beta", beta)?;
                cutoff(c)
            }
            Self::Gaussian { bandwidth, cutoff: c } => {
                positive("bandwidth", bandwidth)?;
                cutoff(c)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EPS: f64 = 1e-12;

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() < EPS, "{a} != {b}");
    }

    #[test]
    fn step_covers_up_to_and_including_the_radius() {
        let s = Decay::Step { radius: 500.0 };
        assert_eq!(s.weight(0.0), 1.0);
        assert_eq!(s.weight(500.0), 1.0);
        assert_eq!(s.weight(500.000_001), 0.0);
        assert_eq!(s.weight(-3.0), 1.0);
        assert_eq!(s.weight(f64::NAN), 0.0);
        assert_eq!(s.reach(), 500.0);
    }

    #[test]
    fn linear_with_and_without_a_full_coverage_radius() {
        let l = Decay::Linear {
            radius: 1000.0,
            full_radius: 0.0,
        };
        close(l.weight(0.0), 1.0);
        close(l.weight(250.0), 0.75); // 1 − 250/1000
        close(l.weight(1000.0), 0.0);
        close(l.weight(2000.0), 0.0);
        let g = Decay::Linear {
            radius: 1000.0,
            full_radius: 200.0,
        };
        close(g.weight(200.0), 1.0);
        close(g.weight(400.0), 0.75); // (1000 − 400) / 800 = 600/800
        close(g.weight(900.0), 0.125); // 100/800
    }

    #[test]
    fn power_is_one_inside_the_minimum_distance_then_falls_as_d_to_the_minus_beta() {
        let p = Decay::Power {
            beta: 2.0,
            min_distance: 100.0,
            cutoff: Some(1000.0),
        };
        close(p.weight(50.0), 1.0);
        close(p.weight(200.0), 0.25); // (200/100)^−2
        close(p.weight(1000.0), 0.01); // (1000/100)^−2
        assert_eq!(p.weight(1000.1), 0.0);
    }

    #[test]
    fn exponential_by_scale_and_by_rate_agree() {
        let s = Decay::Exponential {
            scale: 500.0,
            cutoff: None,
        };
        let r = Decay::ExponentialRate {
            beta: 0.002,
            cutoff: None,
        };
        close(s.weight(500.0), (-1.0f64).exp()); // e^−1 = 0.36787944117144233
        close(s.weight(500.0), 0.367_879_441_171_442_33);
        close(r.weight(1000.0), (-2.0f64).exp()); // 0.002 × 1000 = 2
        close(s.weight(1234.0), r.weight(1234.0));
        assert_eq!(s.reach(), f64::INFINITY);
    }

    #[test]
    fn gaussian_at_one_and_two_bandwidths() {
        let g = Decay::Gaussian {
            bandwidth: 300.0,
            cutoff: Some(900.0),
        };
        close(g.weight(300.0), 0.606_530_659_712_633_4); // e^−½
        close(g.weight(600.0), 0.135_335_283_236_612_7); // e^−2
        assert_eq!(g.weight(901.0), 0.0);
    }

    #[test]
    fn weights_stay_in_the_unit_interval_and_never_increase() {
        let all = [
            Decay::Step { radius: 10.0 },
            Decay::Linear {
                radius: 10.0,
                full_radius: 3.0,
            },
            Decay::Power {
                beta: 1.5,
                min_distance: 0.5,
                cutoff: None,
            },
            Decay::Exponential {
                scale: 4.0,
                cutoff: Some(12.0),
            },
            Decay::ExponentialRate {
                beta: 0.3,
                cutoff: None,
            },
            Decay::Gaussian {
                bandwidth: 5.0,
                cutoff: None,
            },
        ];
        for decay in all {
            let mut last = 1.0;
            for k in 0..200 {
                let w = decay.weight(f64::from(k) * 0.1);
                assert!((0.0..=1.0).contains(&w), "{decay:?} at {k}: {w}");
                assert!(w <= last, "{decay:?} increases at {k}");
                last = w;
            }
            assert_eq!(decay.check(), Ok(()));
        }
    }

    #[test]
    fn bad_parameters_are_named() {
        assert_eq!(Decay::Step { radius: 0.0 }.check(), Err(("radius", 0.0)));
        assert_eq!(
            Decay::Linear {
                radius: 10.0,
                full_radius: 10.0
            }
            .check(),
            Err(("full-radius", 10.0))
        );
        let bad = Decay::Gaussian {
            bandwidth: 1.0,
            cutoff: Some(f64::NAN),
        };
        assert!(matches!(bad.check(), Err(("cutoff", c)) if c.is_nan()));
    }

    #[test]
    fn kebab_case_round_trip_and_unknown_keys_refused() {
        let d: Decay = toml::from_str("kind = \"exponential-rate\"\nbeta = 0.001\ncutoff = 3000.0")
            .expect("valid decay");
        assert_eq!(
            d,
            Decay::ExponentialRate {
                beta: 0.001,
                cutoff: Some(3000.0)
            }
        );
        let p: Decay = serde_json::from_str(r#"{"kind":"power","beta":2,"min-distance":50}"#).expect("valid");
        assert_eq!(
            p,
            Decay::Power {
                beta: 2.0,
                min_distance: 50.0,
                cutoff: None
            }
        );
        let back: Decay =
            serde_json::from_str(&serde_json::to_string(&p).expect("serialises")).expect("parses");
        assert_eq!(back, p);
        assert!(toml::from_str::<Decay>("kind = \"step\"\nradius = 5.0\nradius-m = 5.0").is_err());
    }
}

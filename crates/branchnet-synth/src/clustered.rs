//! A clustered city for location-model benchmarks: demand points in Gaussian clusters of random sizes and
//! spreads over a uniform rural background, and candidate sites near the people.
//!
//! Coordinates are metres in a local metric frame (x east, y north, origin at the south-west corner of the
//! square extent) with no CRS: the files are meant for `branchnet solve`, which reads `x`/`y` columns as
//! metres directly. Weights are people per point (positive).

use std::path::{Path, PathBuf};

use anyhow::Context;
use polars::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;

use crate::common::{WeightedPicker, lognormal, round_to, write_lines, write_parquet};

/// What to generate. Also the command-line flags of `branchnet-synth clustered` (`--demand`, `--candidates`,
/// `--clusters`, `--extent-m`, `--rural-share`, `--seed`), so the sizes and their defaults are stated once.
#[derive(Debug, Clone, Copy, PartialEq, clap::Args)]
pub struct ClusteredSpec {
    /// Demand points (exactly this many rows).
    #[arg(long = "demand", default_value_t = 50_000)]
    pub n_demand: usize,
    /// Candidate sites (exactly this many rows).
    #[arg(long = "candidates", default_value_t = 1_000)]
    pub n_candidates: usize,
    /// Population clusters (towns and city districts).
    #[arg(long = "clusters", default_value_t = 12)]
    pub n_clusters: usize,
    /// Side of the square area, metres.
    #[arg(long = "extent-m", default_value_t = 40_000.0)]
    pub extent_m: f64,
    /// Share of demand points spread uniformly over the area (the countryside), from 0 to 1.
    #[arg(long = "rural-share", default_value_t = 0.15)]
    pub rural_share: f64,
    /// Seed of every random draw.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

impl Default for ClusteredSpec {
    /// The command-line defaults (read from the flags above, so they are stated once).
    fn default() -> Self {
        #[derive(clap::Parser)]
        struct Flags {
            #[command(flatten)]
            spec: ClusteredSpec,
        }
        <Flags as clap::Parser>::parse_from(["clustered"]).spec
    }
}

/// A generated instance, in metres of the local frame (rounded to 0.1 m, as written).
#[derive(Debug, Clone, PartialEq)]
pub struct ClusteredInstance {
    /// Demand point positions `[x, y]`.
    pub demand: Vec<[f64; 2]>,
    /// People per demand point (positive, rounded to 0.1).
    pub weights: Vec<f64>,
    /// Candidate site positions `[x, y]`.
    pub candidates: Vec<[f64; 2]>,
}

/// How [`ClusteredInstance::write`] writes its tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum TableFormat {
    /// `demand.csv` and `candidates.csv`.
    #[default]
    Csv,
    /// `demand.parquet` and `candidates.parquet`.
    Parquet,
}

/// Largest spread of a cluster relative to the extent: keeps clusters recognisable as towns.
const MAX_SPREAD_SHARE: f64 = 0.08;
/// Candidates are placed this far (standard deviation per axis, metres) from the person they were drawn at:
/// a shop front near the people, not on top of a house.
const CANDIDATE_JITTER_M: f64 = 120.0;

/// Generates an instance.
///
/// Clusters get uniform centres in the inner 80% of the area, a spread drawn log-normally around 2.5% of
/// the extent and a Pareto-like share of the urban points (a few big towns, many small ones). Points that
/// fall outside the area are drawn again. Urban points hold more people (median 40) than rural ones (median
/// 12). Candidates are demand points drawn by weight, moved by a Gaussian jitter.
///
/// # Errors
/// A spec with no demand point, a non-positive extent, a rural share outside [0, 1], or urban points but no
/// cluster.
pub fn generate_clustered(spec: &ClusteredSpec) -> anyhow::Result<ClusteredInstance> {
    anyhow::ensure!(
        spec.n_demand > 0,
        "a clustered city needs at least one demand point"
    );
    anyhow::ensure!(
        spec.extent_m.is_finite() && spec.extent_m > 0.0,
        "the extent must be a positive number of metres, not {}",
        spec.extent_m
    );
    anyhow::ensure!(
        (0.0..=1.0).contains(&spec.rural_share),
        "the rural share must be between 0 and 1, not {}",
        spec.rural_share
    );
    let rural = (spec.n_demand as f64 * spec.rural_share).round() as usize;
    let urban = spec.n_demand - rural;
    anyhow::ensure!(
        urban == 0 || spec.n_clusters > 0,
        "{urban} urban points need at least one cluster"
    );
    let e = spec.extent_m;
    let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
    let clusters: Vec<([f64; 2], f64, f64)> = (0..spec.n_clusters)
        .map(|_| {
            let centre = [
                rng.random_range(0.1 * e..0.9 * e),
                rng.random_range(0.1 * e..0.9 * e),
            ];
            let spread = (0.025 * e * lognormal(&mut rng, 0.5)).min(MAX_SPREAD_SHARE * e);
            let size = 1.0 / rng.random_range(0.05f64..1.0);
            (centre, spread, size)
        })
        .collect();
    let inside = |p: [f64; 2]| (0.0..=e).contains(&p[0]) && (0.0..=e).contains(&p[1]);
    let clamp = |v: f64| round_to(v.clamp(0.0, e), 1);

    let mut demand = Vec::with_capacity(spec.n_demand);
    let mut weights = Vec::with_capacity(spec.n_demand);
    if let Some(picker) = WeightedPicker::new(clusters.iter().map(|c| c.2)) {
        for _ in 0..urban {
            let (c, s, _) = clusters[picker.pick(&mut rng)];
            // Redraw points outside the area (a cluster near the edge); after a few tries clamp, which
            // only happens for spreads comparable to the distance from the edge.
            let mut p = c;
            for _ in 0..16 {
                let zx: f64 = rng.sample(StandardNormal);
                let zy: f64 = rng.sample(StandardNormal);
                p = [c[0] + s * zx, c[1] + s * zy];
                if inside(p) {
                    break;
                }
            }
            demand.push([clamp(p[0]), clamp(p[1])]);
            weights.push(round_to(40.0 * lognormal(&mut rng, 0.6), 1).max(0.1));
        }
    }
    for _ in 0..rural {
        demand.push([clamp(rng.random_range(0.0..e)), clamp(rng.random_range(0.0..e))]);
        weights.push(round_to(12.0 * lognormal(&mut rng, 0.6), 1).max(0.1));
    }

    let people = WeightedPicker::new(weights.iter().copied()).context("no demand point has people")?;
    let candidates = (0..spec.n_candidates)
        .map(|_| {
            let p = demand[people.pick(&mut rng)];
            let zx: f64 = rng.sample(StandardNormal);
            let zy: f64 = rng.sample(StandardNormal);
            [
                clamp(p[0] + CANDIDATE_JITTER_M * zx),
                clamp(p[1] + CANDIDATE_JITTER_M * zy),
            ]
        })
        .collect();
    Ok(ClusteredInstance {
        demand,
        weights,
        candidates,
    })
}

impl ClusteredInstance {
    /// Demand point ids as written: `D` and the 1-based row number, zero-padded to one width.
    pub fn demand_ids(&self) -> Vec<String> {
        ids('D', self.demand.len())
    }

    /// Candidate ids as written: `C` and the 1-based row number, zero-padded to one width.
    pub fn candidate_ids(&self) -> Vec<String> {
        ids('C', self.candidates.len())
    }

    /// Writes `demand.{csv,parquet}` (`id,x,y,weight`) and `candidates.{csv,parquet}` (`id,x,y`) into `dir`
    /// (created if needed) and returns their paths. `x`/`y` are metres of the local frame, not a CRS.
    ///
    /// # Errors
    /// When a file cannot be written.
    pub fn write(&self, dir: &Path, format: TableFormat) -> anyhow::Result<[PathBuf; 2]> {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let ext = match format {
            TableFormat::Csv => "csv",
            TableFormat::Parquet => "parquet",
        };
        let demand_path = dir.join(format!("demand.{ext}"));
        let candidates_path = dir.join(format!("candidates.{ext}"));
        let (demand_ids, candidate_ids) = (self.demand_ids(), self.candidate_ids());
        match format {
            TableFormat::Csv => {
                let rows = demand_ids
                    .iter()
                    .zip(&self.demand)
                    .zip(&self.weights)
                    .map(|((id, p), w)| format!("{id},{:.1},{:.1},{w:.1}", p[0], p[1]));
                write_lines(&demand_path, "id,x,y,weight", rows)?;
                let rows = candidate_ids
                    .iter()
                    .zip(&self.candidates)
                    .map(|(id, p)| format!("{id},{:.1},{:.1}", p[0], p[1]));
                write_lines(&candidates_path, "id,x,y", rows)?;
            }
            TableFormat::Parquet => {
                let column = |name: &str, values: Vec<f64>| Column::new(name.into(), values);
                write_parquet(
                    &demand_path,
                    vec![
                        Column::new("id".into(), demand_ids),
                        column("x", self.demand.iter().map(|p| p[0]).collect()),
                        column("y", self.demand.iter().map(|p| p[1]).collect()),
                        column("weight", self.weights.clone()),
                    ],
                )?;
                write_parquet(
                    &candidates_path,
                    vec![
                        Column::new("id".into(), candidate_ids),
                        column("x", self.candidates.iter().map(|p| p[0]).collect()),
                        column("y", self.candidates.iter().map(|p| p[1]).collect()),
                    ],
                )?;
            }
        }
        Ok([demand_path, candidates_path])
    }
}

fn ids(prefix: char, n: usize) -> Vec<String> {
    let width = n.to_string().len();
    (1..=n).map(|k| format!("{prefix}{k:0width$}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("branchnet-clustered-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn files_are_byte_identical_for_a_seed_and_differ_for_another() {
        let spec = ClusteredSpec {
            n_demand: 5_000,
            n_candidates: 200,
            ..ClusteredSpec::default()
        };
        for format in [TableFormat::Csv, TableFormat::Parquet] {
            let (a, b, c) = (temp_dir("a"), temp_dir("b"), temp_dir("c"));
            let pa = generate_clustered(&spec)
                .expect("a")
                .write(&a, format)
                .expect("write a");
            let pb = generate_clustered(&spec)
                .expect("b")
                .write(&b, format)
                .expect("write b");
            let other = ClusteredSpec { seed: 2, ..spec };
            let pc = generate_clustered(&other)
                .expect("c")
                .write(&c, format)
                .expect("write c");
            for k in 0..2 {
                let bytes = |p: &Path| std::fs::read(p).expect("read");
                assert_eq!(bytes(&pa[k]), bytes(&pb[k]), "{}", pa[k].display());
                assert_ne!(bytes(&pa[k]), bytes(&pc[k]), "{}", pa[k].display());
            }
            for d in [a, b, c] {
                let _ = std::fs::remove_dir_all(d);
            }
        }
    }

    #[test]
    fn the_instance_has_the_asked_sizes_clusters_and_nearby_candidates() {
        let spec = ClusteredSpec {
            n_demand: 20_000,
            n_candidates: 300,
            n_clusters: 5,
            extent_m: 30_000.0,
            rural_share: 0.2,
            seed: 4,
        };
        let city = generate_clustered(&spec).expect("valid spec");
        assert_eq!(city.demand.len(), 20_000);
        assert_eq!(city.weights.len(), 20_000);
        assert_eq!(city.candidates.len(), 300);
        assert!(city.weights.iter().all(|&w| w > 0.0 && w.is_finite()));
        let inside = |p: &[f64; 2]| p.iter().all(|v| (0.0..=30_000.0).contains(v));
        assert!(city.demand.iter().all(inside) && city.candidates.iter().all(inside));
        // Clustered, not uniform: the 10% busiest 1 km cells of the 900 hold most points (uniform: ~10%).
        let mut counts = vec![0usize; 900];
        for p in &city.demand {
            let (i, j) = (
                ((p[0] / 1000.0) as usize).min(29),
                ((p[1] / 1000.0) as usize).min(29),
            );
            counts[j * 30 + i] += 1;
        }
        counts.sort_unstable_by(|a, b| b.cmp(a));
        let top: usize = counts[..90].iter().sum();
        assert!(top > 20_000 / 2, "top 10% of cells hold only {top} points");
        // Candidates near people: each within 1 km (8 jitter deviations) of some demand point.
        for c in &city.candidates {
            let d = city
                .demand
                .iter()
                .map(|p| ((p[0] - c[0]).powi(2) + (p[1] - c[1]).powi(2)).sqrt())
                .fold(f64::INFINITY, f64::min);
            assert!(d < 1000.0, "candidate {c:?} is {d} m from the nearest person");
        }
    }

    #[test]
    fn bad_specs_are_refused() {
        let bad = [
            ClusteredSpec {
                n_demand: 0,
                ..ClusteredSpec::default()
            },
            ClusteredSpec {
                rural_share: 1.5,
                ..ClusteredSpec::default()
            },
            ClusteredSpec {
                extent_m: -1.0,
                ..ClusteredSpec::default()
            },
            ClusteredSpec {
                n_clusters: 0,
                ..ClusteredSpec::default()
            },
        ];
        for spec in bad {
            assert!(generate_clustered(&spec).is_err(), "{spec:?}");
        }
        let all_rural = ClusteredSpec {
            n_clusters: 0,
            rural_share: 1.0,
            ..ClusteredSpec::default()
        };
        assert!(generate_clustered(&all_rural).is_ok());
    }
}

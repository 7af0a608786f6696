//! Seeded generators of synthetic branchnet inputs.
//!
//! * [`generate_demo_city`] / [`write_demo_city`]: *Jiangcheng*, a fictional Chinese prefecture-level city
//!   (~5 million people, 81 own branches, 3 competitor banks, 1,500 candidate sites, districts and townships)
//!   — the data behind `data/demo-city`;
//! * [`write_province`]: a large, plainer province (a million cells, thousands of sites and regions) for
//!   ingestion benchmarks;
//! * [`write_plan_province`]: a province for planner benchmarks (a million 200 m cells, 2,000 own branches,
//!   5,000 candidate sites, 150 counties of townships and a `[plan]` table), the demo city's story at
//!   province scale;
//! * [`generate_clustered`]: a clustered city of demand points and candidate sites in metres, for
//!   location-model benchmarks and `branchnet solve`.
//!
//! Everything is deterministic: the same seed gives byte-identical files. Generators work in a local metric
//! plane ([`LocalFrame`]) and write WGS84 longitude/latitude (the clustered city keeps its metres). Region
//! layers are built from one jittered quad mesh ([`mesh::QuadMesh`]), so they tile their area exactly and
//! finer levels nest in coarser ones.
//!
//! ```no_run
//! let dir = std::env::temp_dir().join("province");
//! let spec = branchnet_synth::ProvinceSpec { cells: 10_000, sites: 100, regions: 30, seed: 7 };
//! let scenario = branchnet_synth::write_province(&dir, &spec)?;
//! # Ok::<(), anyhow::Error>(())
//! ```
#![deny(missing_docs)]

pub mod city;
mod clustered;
mod common;
pub mod mesh;
pub mod plan_province;
mod province;
mod site_layers;

pub use city::{DemoCity, DemoCitySummary, DistrictFigures, generate_demo_city, write_demo_city};
pub use clustered::{ClusteredInstance, ClusteredSpec, TableFormat, generate_clustered};
pub use common::{LocalFrame, WeightedPicker, round_to};
pub use plan_province::{
    PlanProvince, PlanProvinceSpec, PlanProvinceSummary, generate_plan_province, write_plan_province,
};
pub use province::{ProvinceSpec, write_province};

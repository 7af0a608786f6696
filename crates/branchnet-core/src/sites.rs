use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::RegionIdx;

/// What a site is to the planning bank.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SiteKind {
    /// A branch of the bank being planned.
    Own,
    /// A branch of another bank.
    Competitor,
    /// A place where the bank could open a branch.
    Candidate,
}

impl SiteKind {
    /// Every kind, in display order.
    pub const ALL: [SiteKind; 3] = [SiteKind::Own, SiteKind::Competitor, SiteKind::Candidate];

    /// The lower-case name used in files and messages.
    pub fn as_str(self) -> &'static str {
        match self {
            SiteKind::Own => "own",
            SiteKind::Competitor => "competitor",
            SiteKind::Candidate => "candidate",
        }
    }
}

impl fmt::Display for SiteKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The service format of a branch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BranchFormat {
    /// Full-service branch with teller counters, advisers and back office.
    Full,
    /// Light branch (轻型网点): few counters, advice and smart machines.
    Light,
    /// Smart branch: mostly machines with a few staff.
    Smart,
    /// Community branch serving a residential neighbourhood.
    Community,
    /// Unstaffed self-service point (ATMs, smart teller machines).
    SelfService,
}

impl BranchFormat {
    /// Every format, as spelled in files.
    pub const ALL: [BranchFormat; 5] = [
        BranchFormat::Full,
        BranchFormat::Light,
        BranchFormat::Smart,
        BranchFormat::Community,
        BranchFormat::SelfService,
    ];

    /// The spelling used in files and messages.
    pub fn as_str(self) -> &'static str {
        match self {
            BranchFormat::Full => "full",
            BranchFormat::Light => "light",
            BranchFormat::Smart => "smart",
            BranchFormat::Community => "community",
            BranchFormat::SelfService => "self-service",
        }
    }
}

impl fmt::Display for BranchFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for BranchFormat {
    type Err = String;

    /// Parses a format name, ignoring case and accepting `_` or a space for `-`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm = s.trim().to_ascii_lowercase().replace(['_', ' '], "-");
        Self::ALL.into_iter().find(|f| f.as_str() == norm).ok_or_else(|| {
            let names: Vec<_> = Self::ALL.iter().map(|f| f.as_str()).collect();
            format!("one of {}", names.join(", "))
        })
    }
}

/// Where a site came from: the input layer (index into the scenario's site inputs) and its 1-based data row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceRef {
    /// Index of the input layer in the scenario's `[[sites]]` list.
    pub layer: usize,
    /// 1-based data row (or feature number) in that file.
    pub row: usize,
}

/// A branch, competitor branch or candidate site with its attributes.
///
/// Money is in the scenario's currency (`currency` in `scenario.toml`).
#[derive(Debug, Clone, PartialEq)]
pub struct Site {
    /// Identifier, unique within the scenario.
    pub id: String,
    /// Own, competitor or candidate.
    pub kind: SiteKind,
    /// Display name.
    pub name: Option<String>,
    /// Bank (for competitors) or brand.
    pub brand: Option<String>,
    /// Longitude, degrees (WGS84).
    pub lon: f64,
    /// Latitude, degrees (WGS84).
    pub lat: f64,
    /// Easting in the scenario frame, metres.
    pub x: f64,
    /// Northing in the scenario frame, metres.
    pub y: f64,
    /// Service format.
    pub format: Option<BranchFormat>,
    /// Teller counters.
    pub counters: Option<u32>,
    /// Staff headcount.
    pub staff: Option<u32>,
    /// Annual operating cost.
    pub annual_cost: Option<f64>,
    /// Observed yearly volume (visits or transactions), used to calibrate demand models.
    pub observed_volume: Option<f64>,
    /// A protected branch may not be closed or moved.
    pub protected: bool,
    /// One-off cost of opening a branch here.
    pub open_cost: Option<f64>,
    /// Annual rent at this site.
    pub rent: Option<f64>,
    /// Further numeric attributes by column name (footfall, visibility, ...).
    pub attributes: BTreeMap<String, f64>,
    /// Region per level, coarse to fine ([`crate::NO_REGION`] where outside every region of the level).
    pub regions: Vec<RegionIdx>,
    /// Where the site was read from.
    pub source: SourceRef,
}

impl Site {
    /// A site with only identity, kind and position set.
    pub fn new(id: impl Into<String>, kind: SiteKind, lon: f64, lat: f64, source: SourceRef) -> Self {
        Self {
            id: id.into(),
            kind,
            name: None,
            brand: None,
            lon,
            lat,
            x: f64::NAN,
            y: f64::NAN,
            format: None,
            counters: None,
            staff: None,
            annual_cost: None,
            observed_volume: None,
            protected: false,
            open_cost: None,
            rent: None,
            attributes: BTreeMap::new(),
            regions: Vec::new(),
            source,
        }
    }
}

/// All sites of a scenario.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sites {
    sites: Vec<Site>,
}

impl Sites {
    /// Wraps a list of sites.
    pub fn new(sites: Vec<Site>) -> Self {
        Self { sites }
    }

    /// Every site.
    pub fn all(&self) -> &[Site] {
        &self.sites
    }

    /// Every site, mutable (for the loader to set frame coordinates and regions).
    pub fn all_mut(&mut self) -> &mut [Site] {
        &mut self.sites
    }

    /// Number of sites.
    pub fn len(&self) -> usize {
        self.sites.len()
    }

    /// Whether there is no site.
    pub fn is_empty(&self) -> bool {
        self.sites.is_empty()
    }

    /// The sites of one kind.
    pub fn of_kind(&self, kind: SiteKind) -> impl Iterator<Item = &Site> {
        self.sites.iter().filter(move |s| s.kind == kind)
    }

    /// Number of sites of one kind.
    pub fn count(&self, kind: SiteKind) -> usize {
        self.of_kind(kind).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_in_messages_match_names_in_files() {
        for f in BranchFormat::ALL {
            let serde_name = serde_json::to_value(f).expect("serialises");
            assert_eq!(serde_name, f.as_str());
        }
        for k in SiteKind::ALL {
            assert_eq!(serde_json::to_value(k).expect("serialises"), k.as_str());
        }
    }

    #[test]
    fn formats_parse_loosely_and_explain_failures() {
        assert_eq!("Self_Service".parse(), Ok(BranchFormat::SelfService));
        assert_eq!(" light ".parse(), Ok(BranchFormat::Light));
        let err = "kiosk".parse::<BranchFormat>().expect_err("not a format");
        assert!(err.contains("self-service"), "{err}");
    }
}

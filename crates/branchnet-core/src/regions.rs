use geo_types::MultiPolygon;

/// Index of a region in [`Regions::all`].
pub type RegionIdx = u32;

/// Marks a cell or site that lies in no region of a level.
pub const NO_REGION: RegionIdx = RegionIdx::MAX;

/// One administrative level (city, district/county, township ...).
#[derive(Debug, Clone, PartialEq)]
pub struct RegionLevel {
    /// Level name as given in the scenario (e.g. `district`).
    pub name: String,
}

/// An administrative region with its boundary in the scenario frame.
#[derive(Debug, Clone, PartialEq)]
pub struct Region {
    /// Identifier, unique within its level.
    pub id: String,
    /// Display name.
    pub name: Option<String>,
    /// Level index (0 is the coarsest).
    pub level: usize,
    /// Enclosing region one level up, if any.
    pub parent: Option<RegionIdx>,
    /// Boundary in metres (scenario frame).
    pub boundary: MultiPolygon<f64>,
}

/// The region hierarchy of a scenario: levels from coarse to fine, and every region of every level.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Regions {
    levels: Vec<RegionLevel>,
    regions: Vec<Region>,
}

impl Regions {
    /// Builds the hierarchy. Regions refer to levels by index and to parents by [`RegionIdx`].
    pub fn new(levels: Vec<RegionLevel>, regions: Vec<Region>) -> Self {
        Self { levels, regions }
    }

    /// The levels, coarse to fine.
    pub fn levels(&self) -> &[RegionLevel] {
        &self.levels
    }

    /// Every region.
    pub fn all(&self) -> &[Region] {
        &self.regions
    }

    /// The region at `idx`.
    pub fn get(&self, idx: RegionIdx) -> Option<&Region> {
        self.regions.get(idx as usize)
    }

    /// Number of regions on every level.
    pub fn len(&self) -> usize {
        self.regions.len()
    }

    /// Whether there is no region.
    pub fn is_empty(&self) -> bool {
        self.regions.is_empty()
    }

    /// The regions of one level with their indexes.
    pub fn of_level(&self, level: usize) -> impl Iterator<Item = (RegionIdx, &Region)> {
        self.regions
            .iter()
            .enumerate()
            .filter(move |(_, r)| r.level == level)
            .map(|(i, r)| (i as RegionIdx, r))
    }
}

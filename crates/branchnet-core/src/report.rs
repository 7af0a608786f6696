use std::fmt;

use serde::Serialize;

/// What kind of suspicious-but-usable input a [`Finding`] records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FindingKind {
    /// Two or more sites of one kind stand at the same place (e.g. two branches at one address).
    SharedLocation,
    /// Cells that lie in no region of a level.
    CellOutsideRegions,
    /// Sites that lie in no region of a level.
    SiteOutsideRegions,
    /// Transaction cells with no population cell in their footprint; their volume went to the nearest cell.
    TransactionsWithoutPopulation,
    /// The data reach far enough from the frame's central meridian that distances stretch more than accepted.
    FrameScaleError,
    /// Regions whose parent one level up could not be found.
    RegionWithoutParent,
    /// Rows of the demand grid whose values are all zero; kept, they just carry no demand.
    EmptyCells,
    /// Two or more demand cells at the same centre.
    DuplicateCells,
}

impl FindingKind {
    /// The kebab-case name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::SharedLocation => "shared-location",
            FindingKind::CellOutsideRegions => "cell-outside-regions",
            FindingKind::SiteOutsideRegions => "site-outside-regions",
            FindingKind::TransactionsWithoutPopulation => "transactions-without-population",
            FindingKind::FrameScaleError => "frame-scale-error",
            FindingKind::RegionWithoutParent => "region-without-parent",
            FindingKind::EmptyCells => "empty-cells",
            FindingKind::DuplicateCells => "duplicate-cells",
        }
    }
}

impl fmt::Display for FindingKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One suspicious-but-usable fact about the inputs, with every row it concerns.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// What was found.
    pub kind: FindingKind,
    /// The input file concerned, if one.
    pub file: Option<String>,
    /// Every 1-based data row concerned (all of them, not a sample).
    pub rows: Vec<usize>,
    /// A sentence for people.
    pub message: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}] ", self.kind)?;
        if let Some(file) = &self.file {
            write!(f, "{file}: ")?;
        }
        f.write_str(&self.message)?;
        if !self.rows.is_empty() {
            const SHOWN: usize = 8;
            let shown: Vec<String> = self.rows.iter().take(SHOWN).map(usize::to_string).collect();
            let more = self.rows.len().saturating_sub(SHOWN);
            write!(f, " (rows {}", shown.join(", "))?;
            if more > 0 {
                write!(f, " and {more} more")?;
            }
            f.write_str(")")?;
        }
        Ok(())
    }
}

/// Everything suspicious but usable found while reading a scenario. Nothing in it was dropped.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ValidationReport {
    /// The findings, in the order they were made.
    pub findings: Vec<Finding>,
}

impl ValidationReport {
    /// Records a finding.
    pub fn push(
        &mut self,
        kind: FindingKind,
        file: Option<String>,
        rows: Vec<usize>,
        message: impl Into<String>,
    ) {
        self.findings.push(Finding {
            kind,
            file,
            rows,
            message: message.into(),
        });
    }

    /// Whether nothing was found.
    pub fn is_empty(&self) -> bool {
        self.findings.is_empty()
    }

    /// Number of findings.
    pub fn len(&self) -> usize {
        self.findings.len()
    }

    /// The findings of one kind.
    pub fn of_kind(&self, kind: FindingKind) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(move |f| f.kind == kind)
    }

    /// Appends the findings of another report.
    pub fn extend(&mut self, other: ValidationReport) {
        self.findings.extend(other.findings);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_names_match_their_serialised_form() {
        let kinds = [
            FindingKind::SharedLocation,
            FindingKind::CellOutsideRegions,
            FindingKind::SiteOutsideRegions,
            FindingKind::TransactionsWithoutPopulation,
            FindingKind::FrameScaleError,
            FindingKind::RegionWithoutParent,
            FindingKind::EmptyCells,
            FindingKind::DuplicateCells,
        ];
        for k in kinds {
            assert_eq!(serde_json::to_value(k).expect("serialises"), k.as_str());
        }
    }
}

use crate::{CoreError, RegionIdx};

/// One named value column of the demand grid (population, elderly, growth, transactions, ...).
#[derive(Debug, Clone, PartialEq)]
pub struct ValueColumn {
    /// Column name as given in the input (or in the scenario).
    pub name: String,
    /// One value per cell.
    pub values: Vec<f64>,
}

/// The demand grid: one row per populated cell, stored column by column.
///
/// Coordinates are cell centres in the scenario's metric frame (metres). A province of several million cells
/// with a handful of value columns and two region levels takes a few hundred megabytes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Cells {
    x: Vec<f64>,
    y: Vec<f64>,
    columns: Vec<ValueColumn>,
    /// Region index per cell, one vector per region level (coarse to fine).
    regions: Vec<Vec<RegionIdx>>,
    cell_size_m: Option<f64>,
}

impl Cells {
    /// Builds a grid from cell centres in metres.
    ///
    /// # Errors
    /// When `x` and `y` differ in length.
    pub fn new(x: Vec<f64>, y: Vec<f64>) -> Result<Self, CoreError> {
        if x.len() != y.len() {
            return Err(CoreError::ColumnLength {
                name: "y".into(),
                expected: x.len(),
                found: y.len(),
            });
        }
        Ok(Self {
            x,
            y,
            ..Self::default()
        })
    }

    /// Number of cells.
    pub fn len(&self) -> usize {
        self.x.len()
    }

    /// Whether the grid has no cell.
    pub fn is_empty(&self) -> bool {
        self.x.is_empty()
    }

    /// Easting of every cell centre, metres.
    pub fn x(&self) -> &[f64] {
        &self.x
    }

    /// Northing of every cell centre, metres.
    pub fn y(&self) -> &[f64] {
        &self.y
    }

    /// Side of a cell in metres, when the grid is regular and known.
    pub fn cell_size_m(&self) -> Option<f64> {
        self.cell_size_m
    }

    /// Records the side of a cell in metres.
    pub fn set_cell_size_m(&mut self, size: Option<f64>) {
        self.cell_size_m = size;
    }

    /// Adds a value column.
    ///
    /// # Errors
    /// When the column does not hold one value per cell or its name is taken.
    pub fn add_column(&mut self, name: impl Into<String>, values: Vec<f64>) -> Result<(), CoreError> {
        let name = name.into();
        if values.len() != self.len() {
            return Err(CoreError::ColumnLength {
                name,
                expected: self.len(),
                found: values.len(),
            });
        }
        if self.column(&name).is_some() {
            return Err(CoreError::DuplicateColumn(name));
        }
        self.columns.push(ValueColumn { name, values });
        Ok(())
    }

    /// All value columns, in input order.
    pub fn columns(&self) -> &[ValueColumn] {
        &self.columns
    }

    /// The values of the column called `name`.
    pub fn column(&self, name: &str) -> Option<&[f64]> {
        self.columns
            .iter()
            .find(|c| c.name == name)
            .map(|c| c.values.as_slice())
    }

    /// Sum of a column, or `None` when there is no such column.
    pub fn column_total(&self, name: &str) -> Option<f64> {
        self.column(name).map(|v| v.iter().sum())
    }

    /// Sets the region of every cell at one level (levels are numbered coarse to fine, from 0).
    ///
    /// # Errors
    /// When `regions` does not hold one entry per cell.
    pub fn set_regions(&mut self, level: usize, regions: Vec<RegionIdx>) -> Result<(), CoreError> {
        if regions.len() != self.len() {
            return Err(CoreError::ColumnLength {
                name: format!("region level {level}"),
                expected: self.len(),
                found: regions.len(),
            });
        }
        if self.regions.len() <= level {
            self.regions.resize_with(level + 1, Vec::new);
        }
        self.regions[level] = regions;
        Ok(())
    }

    /// The region of every cell at `level` ([`crate::NO_REGION`] where the cell lies in none).
    pub fn regions(&self, level: usize) -> Option<&[RegionIdx]> {
        self.regions
            .get(level)
            .filter(|r| !r.is_empty())
            .map(Vec::as_slice)
    }

    /// Number of region levels the cells were assigned to.
    pub fn region_levels(&self) -> usize {
        self.regions.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_must_match_the_grid() {
        let mut cells = Cells::new(vec![0.0, 1.0], vec![0.0, 1.0]).expect("same length");
        cells.add_column("population", vec![3.0, 4.0]).expect("fits");
        assert_eq!(cells.column_total("population"), Some(7.0));
        assert!(matches!(
            cells.add_column("elderly", vec![1.0]),
            Err(CoreError::ColumnLength {
                expected: 2,
                found: 1,
                ..
            })
        ));
        assert_eq!(
            cells.add_column("population", vec![1.0, 1.0]),
            Err(CoreError::DuplicateColumn("population".into()))
        );
        assert!(Cells::new(vec![0.0], vec![]).is_err());
    }
}

//! Demand zones of the layout: the cells of one square block (and one radius class) merged, each at its
//! demand-weighted centre.
//!
//! The layout decides which sites are open; what it needs from the demand is which sites reach it and how
//! much value and load it carries. Cells 100 m apart differ little in either, so cells are merged into
//! `zone-m` blocks, rural and urban cells apart (they have different radii). Reach is measured from the
//! zone's centre, so a cell can differ from its zone by up to half a block diagonal; the KPIs are computed
//! again cell by cell from the plan, so reported figures carry no such error.

use std::collections::HashMap;

use crate::inputs::Inputs;

/// The zones and the cell → zone map.
pub struct Zones {
    /// Centre, metres.
    pub x: Vec<f64>,
    /// Centre, metres.
    pub y: Vec<f64>,
    /// Planning demand.
    pub demand: Vec<f64>,
    /// Counter demand (the capacity load), when a service level is set.
    pub load: Vec<f64>,
    /// Elderly residents.
    pub elderly: Vec<f64>,
    /// Whether the zone takes the rural radius.
    pub rural: Vec<bool>,
    /// Zone of each cell.
    pub of_cell: Vec<u32>,
}

impl Zones {
    /// Number of zones.
    pub fn len(&self) -> usize {
        self.x.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.x.is_empty()
    }
}

/// Merges the cells into blocks of `zone_m` metres; `load` is the counter demand per cell, if any.
pub fn build(inputs: &Inputs<'_>, load: Option<&[f64]>, zone_m: f64) -> Zones {
    let cells = &inputs.scenario.cells;
    let (cx, cy) = (cells.x(), cells.y());
    let mut index: HashMap<(i64, i64, bool), u32> = HashMap::new();
    let mut zones = Zones {
        x: Vec::new(),
        y: Vec::new(),
        demand: Vec::new(),
        load: Vec::new(),
        elderly: Vec::new(),
        rural: Vec::new(),
        of_cell: Vec::with_capacity(cells.len()),
    };
    // Sums of weight·position and of weight per zone; the weight is the demand, or 1 for zones without.
    let mut wx: Vec<f64> = Vec::new();
    let mut wy: Vec<f64> = Vec::new();
    let mut w: Vec<f64> = Vec::new();
    let mut count: Vec<f64> = Vec::new();
    for i in 0..cells.len() {
        let key = (
            (cx[i] / zone_m).floor() as i64,
            (cy[i] / zone_m).floor() as i64,
            inputs.rural[i],
        );
        let z = *index.entry(key).or_insert_with(|| {
            zones.x.push(0.0);
            zones.y.push(0.0);
            zones.demand.push(0.0);
            zones.load.push(0.0);
            zones.elderly.push(0.0);
            zones.rural.push(key.2);
            wx.push(0.0);
            wy.push(0.0);
            w.push(0.0);
            count.push(0.0);
            (zones.x.len() - 1) as u32
        }) as usize;
        zones.of_cell.push(z as u32);
        let d = inputs.demand[i];
        zones.demand[z] += d;
        zones.load[z] += load.map_or(0.0, |l| l[i]);
        zones.elderly[z] += inputs.elderly.map_or(0.0, |e| e[i]);
        wx[z] += d * cx[i];
        wy[z] += d * cy[i];
        w[z] += d;
        // Plain sums too, for zones whose demand is zero.
        zones.x[z] += cx[i];
        zones.y[z] += cy[i];
        count[z] += 1.0;
    }
    for z in 0..zones.len() {
        if w[z] > 0.0 {
            zones.x[z] = wx[z] / w[z];
            zones.y[z] = wy[z] / w[z];
        } else {
            zones.x[z] /= count[z];
            zones.y[z] /= count[z];
        }
    }
    zones
}

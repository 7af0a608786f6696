//! Site layers (own branches, competitors, candidates) from CSV, Parquet or GeoJSON points.

use std::path::Path;

use branchnet_core::config::{AttributeColumns, SiteInput};
use branchnet_core::{BranchFormat, Site, SourceRef};

use crate::error::{InputError, Location};
use crate::format::{FileFormat, file_format};
use crate::positions::read_positions;
use crate::table::{Expect, Table};

/// Reads one `[[sites]]` layer. `layer` is its index in the scenario, `scenario` the scenario file (for
/// configuration errors). Frame coordinates and regions are filled in later by the loader.
///
/// # Errors
/// Missing or mistyped columns, bad coordinates, empty ids, unknown formats, negative counts or money.
pub fn read_site_layer(layer: usize, input: &SiteInput, scenario: &Path) -> Result<Vec<Site>, InputError> {
    let key = format!("sites[{layer}].coordinates");
    if input.coordinates.is_some() && file_format(&input.path, &[FileFormat::GeoJson]).is_ok() {
        return Err(InputError::Config {
            at: Location::column(scenario, key),
            message: format!(
                "does not apply to GeoJSON ({}): positions come from the point geometries",
                input.path.display()
            ),
        });
    }
    let table = Table::read(&input.path)?;
    let positions = read_positions(&table, input.coordinates.as_ref(), scenario, &key)?;
    let ids = table.texts(&input.id_column, "a site id (set `id-column` to name it)")?;
    let path = table.path();
    let columns = Resolved::new(&table, &input.attributes)?;

    let mut sites = Vec::with_capacity(table.height());
    for (i, id) in ids.into_iter().enumerate() {
        let row = i + 1;
        let id = id.ok_or_else(|| {
            InputError::bad_value(
                path,
                row,
                &input.id_column,
                "a non-empty site id",
                "an empty value",
            )
        })?;
        let source = SourceRef { layer, row };
        let mut site = Site::new(id, input.kind, positions.lon[i], positions.lat[i], source);
        site.brand = input.brand.clone();
        sites.push(site);
    }

    if let Some(c) = &columns.name {
        set_each(&mut sites, table.texts(c, "a name")?, |s, v| s.name = v);
    }
    if let Some(c) = &columns.brand {
        set_each(&mut sites, table.texts(c, "a bank or brand name")?, |s, v| {
            s.brand = v.or(s.brand.take());
        });
    }
    if let Some(c) = &columns.format {
        let expected = format!(
            "a branch format: {}",
            BranchFormat::ALL.map(|f| f.as_str()).join(", ")
        );
        for (i, text) in table.texts(c, &expected)?.into_iter().enumerate() {
            sites[i].format = text
                .map(|t| {
                    t.parse::<BranchFormat>().map_err(|_| {
                        InputError::bad_value(path, i + 1, c, expected.as_str(), format!("`{t}`"))
                    })
                })
                .transpose()?;
        }
    }
    if let Some(c) = &columns.counters {
        set_each(
            &mut sites,
            whole_numbers(&table, c, "a number of counters")?,
            |s, v| s.counters = v,
        );
    }
    if let Some(c) = &columns.staff {
        set_each(
            &mut sites,
            whole_numbers(&table, c, "a staff headcount")?,
            |s, v| s.staff = v,
        );
    }
    let money = |c: &str, what| table.optional_numbers(c, Expect::non_negative(what));
    if let Some(c) = &columns.annual_cost {
        set_each(&mut sites, money(c, "an annual cost")?, |s, v| s.annual_cost = v);
    }
    if let Some(c) = &columns.observed_volume {
        set_each(&mut sites, money(c, "an observed volume")?, |s, v| {
            s.observed_volume = v
        });
    }
    if let Some(c) = &columns.open_cost {
        set_each(&mut sites, money(c, "an opening cost")?, |s, v| s.open_cost = v);
    }
    if let Some(c) = &columns.rent {
        set_each(&mut sites, money(c, "a rent")?, |s, v| s.rent = v);
    }
    if let Some(c) = &columns.protected {
        set_each(&mut sites, table.flags(c)?, |s, v| {
            s.protected = v.unwrap_or(false)
        });
    }
    for c in &input.extra_columns {
        let values = table.optional_numbers(c, Expect::number("a numeric attribute"))?;
        for (site, v) in sites.iter_mut().zip(values) {
            if let Some(v) = v {
                site.attributes.insert(c.clone(), v);
            }
        }
    }
    Ok(sites)
}

fn set_each<T>(sites: &mut [Site], values: Vec<T>, mut set: impl FnMut(&mut Site, T)) {
    for (site, v) in sites.iter_mut().zip(values) {
        set(site, v);
    }
}

fn whole_numbers(table: &Table, column: &str, what: &'static str) -> Result<Vec<Option<u32>>, InputError> {
    let expect = Expect::range(what, 0.0, f64::from(u32::MAX));
    table
        .optional_numbers(column, expect)?
        .into_iter()
        .enumerate()
        .map(|(i, v)| match v {
            Some(v) if v.fract() != 0.0 => Err(InputError::bad_value(
                table.path(),
                i + 1,
                column,
                format!("{what} (a whole number)"),
                v.to_string(),
            )),
            // In range and whole, checked above: the cast is exact.
            Some(v) => Ok(Some(v as u32)),
            None => Ok(None),
        })
        .collect()
}

/// The column each standard attribute is read from: the configured one (which must exist), else the
/// default-named one when the file has it.
struct Resolved {
    name: Option<String>,
    brand: Option<String>,
    format: Option<String>,
    counters: Option<String>,
    staff: Option<String>,
    annual_cost: Option<String>,
    observed_volume: Option<String>,
    protected: Option<String>,
    open_cost: Option<String>,
    rent: Option<String>,
}

impl Resolved {
    fn new(table: &Table, a: &AttributeColumns) -> Result<Self, InputError> {
        let pick = |configured: &Option<String>, default: &str| -> Result<Option<String>, InputError> {
            match configured {
                Some(c) if !table.has_column(c) => Err(InputError::MissingColumn {
                    at: Location::column(table.path(), c.as_str()),
                    expected: format!("the `{default}` attribute named in the scenario"),
                    available: table.column_names().join(", "),
                }),
                Some(c) => Ok(Some(c.clone())),
                None => Ok(table.has_column(default).then(|| default.to_string())),
            }
        };
        Ok(Self {
            name: pick(&a.name, "name")?,
            brand: pick(&a.brand, "brand")?,
            format: pick(&a.format, "format")?,
            counters: pick(&a.counters, "counters")?,
            staff: pick(&a.staff, "staff")?,
            annual_cost: pick(&a.annual_cost, "annual_cost")?,
            observed_volume: pick(&a.observed_volume, "observed_volume")?,
            protected: pick(&a.protected, "protected")?,
            open_cost: pick(&a.open_cost, "open_cost")?,
            rent: pick(&a.rent, "rent")?,
        })
    }
}

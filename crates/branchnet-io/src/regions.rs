//! Region layers from GeoJSON polygons and multipolygons.

use std::collections::HashMap;
use std::path::Path;

use branchnet_core::config::RegionInput;
use geo_types::{Coord, LineString, MultiPolygon, Polygon};
use geojson::{PolygonType, Value};

use crate::error::{InputError, Location};
use crate::geojson_points::{property_text, read_features};

/// One region as read, boundary in WGS84 degrees.
#[derive(Debug, Clone, PartialEq)]
pub struct RegionFeature {
    /// Region id.
    pub id: String,
    /// Display name.
    pub name: Option<String>,
    /// Id of the parent region, when the layer names it.
    pub parent_id: Option<String>,
    /// Boundary, longitude/latitude.
    pub boundary: MultiPolygon<f64>,
    /// 1-based feature number in the file.
    pub row: usize,
}

/// Reads one `[[regions]]` layer.
///
/// # Errors
/// Bad GeoJSON, features that are not polygons, missing or duplicate ids, coordinates out of range.
pub fn read_region_layer(input: &RegionInput) -> Result<Vec<RegionFeature>, InputError> {
    let path = input.path.as_path();
    let features = read_features(path)?;
    // A misspelt property name would otherwise read as "absent" on every feature.
    for (key, property) in [
        ("name-property", &input.name_property),
        ("parent-property", &input.parent_property),
    ] {
        if let Some(property) = property
            && !features.iter().any(|f| f.contains_property(property))
        {
            return Err(InputError::MissingColumn {
                at: Location::column(path, property.as_str()),
                expected: format!("the property named by `{key}`"),
                available: property_names(&features),
            });
        }
    }
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut regions = Vec::with_capacity(features.len());
    for (i, feature) in features.iter().enumerate() {
        let row = i + 1;
        let text = |key: &str| {
            feature
                .property(key)
                .and_then(property_text)
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty())
        };
        let id = text(&input.id_property).ok_or_else(|| {
            InputError::bad_value(
                path,
                row,
                &input.id_property,
                "a region id (set `id-property` to name the property)",
                "no such property or an empty value",
            )
        })?;
        if let Some(&first) = seen.get(&id) {
            return Err(InputError::DuplicateId {
                at: Location::cell(path, row, input.id_property.as_str()),
                id,
                first: Box::new(Location::cell(path, first, input.id_property.as_str())),
            });
        }
        seen.insert(id.clone(), row);
        let boundary = match feature.geometry.as_ref().map(|g| &g.value) {
            Some(Value::Polygon(p)) => MultiPolygon::new(vec![polygon(path, row, p)?]),
            Some(Value::MultiPolygon(ps)) => MultiPolygon::new(
                ps.iter()
                    .map(|p| polygon(path, row, p))
                    .collect::<Result<_, _>>()?,
            ),
            other => {
                let found = other.map_or("no geometry".to_string(), |v| {
                    format!("a {} geometry", v.type_name())
                });
                return Err(InputError::bad_value(
                    path,
                    row,
                    "geometry",
                    "a Polygon or MultiPolygon geometry",
                    found,
                ));
            }
        };
        regions.push(RegionFeature {
            id,
            name: input.name_property.as_deref().and_then(text),
            parent_id: input.parent_property.as_deref().and_then(text),
            boundary,
            row,
        });
    }
    Ok(regions)
}

fn polygon(path: &Path, row: usize, rings: &PolygonType) -> Result<Polygon<f64>, InputError> {
    let mut rings = rings.iter().map(|ring| {
        let coords = ring
            .iter()
            .map(|p| match p.as_slice() {
                [lon, lat, ..] if (-180.0..=180.0).contains(lon) && (-90.0..=90.0).contains(lat) => {
                    Ok(Coord { x: *lon, y: *lat })
                }
                other => Err(InputError::bad_value(
                    path,
                    row,
                    "geometry",
                    "longitude/latitude positions (RFC 7946: WGS84 degrees)",
                    format!("{other:?}"),
                )),
            })
            .collect::<Result<Vec<_>, _>>()?;
        if coords.len() < 4 {
            return Err(InputError::bad_value(
                path,
                row,
                "geometry",
                "polygon rings of at least 4 positions",
                format!("a ring of {} positions", coords.len()),
            ));
        }
        Ok(LineString::new(coords))
    });
    let exterior = rings.next().ok_or_else(|| {
        InputError::bad_value(
            path,
            row,
            "geometry",
            "a polygon with an exterior ring",
            "no ring",
        )
    })??;
    let interiors = rings.collect::<Result<Vec<_>, _>>()?;
    Ok(Polygon::new(exterior, interiors))
}

/// The property names used by any feature, sorted, for messages.
fn property_names(features: &[geojson::Feature]) -> String {
    let names: std::collections::BTreeSet<&str> = features
        .iter()
        .flat_map(|f| f.properties.iter().flatten().map(|(k, _)| k.as_str()))
        .collect();
    names.into_iter().collect::<Vec<_>>().join(", ")
}

//! GeoJSON point features as a table: `lon`, `lat` and one column per property.

use std::collections::BTreeMap;
use std::path::Path;

use geojson::{Feature, GeoJson, JsonValue, Value};
use polars::prelude::*;

use crate::error::{InputError, Location};

/// Reads a GeoJSON file as a list of features (a FeatureCollection, a single Feature, or a bare geometry).
pub(crate) fn read_features(path: &Path) -> Result<Vec<Feature>, InputError> {
    let text = std::fs::read_to_string(path).map_err(|e| InputError::io(path, e))?;
    if text.trim().is_empty() {
        return Err(InputError::Empty {
            file: path.to_path_buf(),
            expected: "a GeoJSON FeatureCollection with at least one feature".into(),
        });
    }
    let geojson: GeoJson = text.parse().map_err(|e| InputError::Malformed {
        at: Location::file(path),
        message: format!("not valid GeoJSON: {e}"),
    })?;
    let features = match geojson {
        GeoJson::FeatureCollection(fc) => fc.features,
        GeoJson::Feature(f) => vec![f],
        GeoJson::Geometry(g) => vec![Feature {
            geometry: Some(g),
            ..Feature::default()
        }],
    };
    if features.is_empty() {
        return Err(InputError::Empty {
            file: path.to_path_buf(),
            expected: "at least one feature".into(),
        });
    }
    Ok(features)
}

/// The text form of a property value; `None` for null.
pub(crate) fn property_text(value: &JsonValue) -> Option<String> {
    match value {
        JsonValue::Null => None,
        JsonValue::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// GeoJSON point features as a frame. Properties become text columns (numbers are parsed when read), the
/// feature-level `id` becomes an `id` column when no property is called so.
pub(crate) fn read_geojson_points(path: &Path) -> Result<DataFrame, InputError> {
    let features = read_features(path)?;
    let n = features.len();
    let mut lon = Vec::with_capacity(n);
    let mut lat = Vec::with_capacity(n);
    let mut props: BTreeMap<String, Vec<Option<String>>> = BTreeMap::new();
    let mut feature_ids: Vec<Option<String>> = Vec::with_capacity(n);
    for (i, feature) in features.iter().enumerate() {
        let row = i + 1;
        let point = match feature.geometry.as_ref().map(|g| &g.value) {
            Some(Value::Point(p)) if p.len() >= 2 => p,
            other => {
                let found = match other {
                    None => "no geometry".to_string(),
                    Some(v) => format!("a {} geometry", v.type_name()),
                };
                return Err(InputError::bad_value(
                    path,
                    row,
                    "geometry",
                    "a Point geometry",
                    found,
                ));
            }
        };
        lon.push(point[0]);
        lat.push(point[1]);
        feature_ids.push(feature.id.as_ref().map(|id| match id {
            geojson::feature::Id::String(s) => s.clone(),
            geojson::feature::Id::Number(n) => n.to_string(),
        }));
        for (key, value) in feature.properties.iter().flatten() {
            let column = props.entry(key.clone()).or_insert_with(|| vec![None; n]);
            column[i] = property_text(value);
        }
    }
    let mut columns = vec![Column::new("lon".into(), lon), Column::new("lat".into(), lat)];
    if !props.contains_key("id") && feature_ids.iter().any(Option::is_some) {
        columns.push(Column::new("id".into(), feature_ids));
    }
    for (key, values) in props {
        if key == "lon" || key == "lat" {
            continue; // the geometry is the position; same-named properties would only conflict
        }
        columns.push(Column::new(key.as_str().into(), values));
    }
    DataFrame::new(n, columns).map_err(|e| InputError::Malformed {
        at: Location::file(path),
        message: e.to_string(),
    })
}

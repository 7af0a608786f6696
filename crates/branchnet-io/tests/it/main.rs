//! Integration tests of branchnet-io: real inputs load with the right figures; broken copies of them fail with
//! messages that name the file, row, column and what was expected.

mod broken_inputs;
mod demo_city;
mod fixtures;
mod raster;
mod regions_and_joins;
mod singapore;

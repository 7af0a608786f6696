//! The `branchnet` binary end to end on the bundled data.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn data(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data")
        .join(path)
}

fn branchnet(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_branchnet"))
        .args(args)
        .output()
        .expect("the binary runs")
}

#[test]
fn validate_summarises_singapore() {
    let scenario = data("singapore/scenario.toml");
    let out = branchnet(&["validate", scenario.to_str().expect("utf-8 path")]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for expected in [
        "Cells: 19,598",
        "population       total     5,399,000",
        "own 36",
        "shared-location",
        "Valid",
    ] {
        assert!(stdout.contains(expected), "missing {expected:?} in:\n{stdout}");
    }
}

#[test]
fn validate_writes_the_full_report_and_strict_fails_on_findings() {
    let dir = tempfile::tempdir().expect("temp dir");
    let report = dir.path().join("report.json");
    let scenario = data("singapore/scenario.toml");
    let out = branchnet(&[
        "validate",
        scenario.to_str().expect("utf-8 path"),
        "--report",
        report.to_str().expect("utf-8 path"),
        "--strict",
    ]);
    assert_eq!(out.status.code(), Some(2), "findings make --strict fail");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).expect("report written")).expect("JSON");
    assert_eq!(json["summary"]["cells"], 19_598);
    let findings = json["findings"].as_array().expect("findings");
    assert!(findings.iter().any(|f| f["kind"] == "shared-location"));
}

#[test]
fn validate_fails_with_the_reason_on_bad_input() {
    let dir = tempfile::tempdir().expect("temp dir");
    let scenario = dir.path().join("bad.toml");
    std::fs::write(&scenario, "name = \"bad\"\n[demand]\npath = \"missing.csv\"\n").expect("write");
    let out = branchnet(&["validate", scenario.to_str().expect("utf-8 path")]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("missing.csv") && stderr.contains("cannot read"),
        "{stderr}"
    );
}

#[test]
fn validate_reads_the_demo_city() {
    let scenario = data("demo-city/scenario.toml");
    let out = branchnet(&["validate", scenario.to_str().expect("utf-8 path")]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("own 81"), "{stdout}");
}

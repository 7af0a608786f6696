//! What the `branchnet solve` tests share: running the binary.
// Each test binary uses its own part of these helpers.
#![allow(dead_code)]

use std::process::{Command, Output};

/// Runs the `branchnet` binary with `args`.
pub fn branchnet(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_branchnet"))
        .args(args)
        .output()
        .expect("the binary runs")
}

/// Runs a command that must succeed and print JSON.
pub fn json(args: &[&str]) -> serde_json::Value {
    let out = branchnet(args);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{args:?}\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(&stdout).expect("JSON summary")
}

//! Copies of the real inputs in a temporary folder, to break one thing at a time.

use std::fs;
use std::path::{Path, PathBuf};

use branchnet_io::{InputError, LoadedScenario, load_scenario};
use tempfile::TempDir;

/// The repository's data folder.
pub fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data")
}

/// A temporary copy of data/singapore.
pub struct Copy {
    pub dir: TempDir,
}

impl Copy {
    pub fn singapore() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        for entry in fs::read_dir(data_dir().join("singapore")).expect("data/singapore") {
            let entry = entry.expect("entry");
            fs::copy(entry.path(), dir.path().join(entry.file_name())).expect("copy");
        }
        Self { dir }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn read(&self, name: &str) -> String {
        fs::read_to_string(self.path(name)).expect("read")
    }

    pub fn write(&self, name: &str, text: &str) {
        fs::write(self.path(name), text).expect("write");
    }

    /// Replaces line `line` (1-based, the header is line 1) of a text file.
    pub fn replace_line(&self, name: &str, line: usize, with: &str) {
        let text = self.read(name);
        let mut lines: Vec<&str> = text.lines().collect();
        lines[line - 1] = with;
        self.write(name, &(lines.join("\n") + "\n"));
    }

    /// A scenario of the population CSV (as a table) and the OCBC branches, plus `extra` TOML.
    pub fn csv_scenario(&self, extra: &str) -> PathBuf {
        let toml = format!(
            "name = \"sg\"\n\
             [demand]\npath = \"population_100m.csv\"\n\
             [[sites]]\nkind = \"own\"\npath = \"ocbc_branches.csv\"\nid-column = \"branch_id\"\n{extra}"
        );
        self.write("test.toml", &toml);
        self.path("test.toml")
    }

    pub fn load(&self, scenario: &Path) -> Result<LoadedScenario, InputError> {
        load_scenario(scenario)
    }
}

/// Loads and expects an error; returns its message.
pub fn error_of(result: Result<LoadedScenario, InputError>) -> String {
    match result {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.to_string(),
    }
}

/// Asserts the message contains every fragment.
pub fn assert_mentions(message: &str, fragments: &[&str]) {
    for f in fragments {
        assert!(message.contains(f), "message lacks {f:?}:\n{message}");
    }
}

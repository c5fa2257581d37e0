//! A temporary directory holding a config and a data directory.

use std::path::PathBuf;

/// A directory with `nines.yaml` and a data directory; removed on drop.
pub struct Workspace {
    pub dir: tempfile::TempDir,
}

impl Workspace {
    pub fn new(config: &str) -> Workspace {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("nines.yaml"), config).unwrap();
        Workspace { dir }
    }
    pub fn config(&self) -> PathBuf {
        self.dir.path().join("nines.yaml")
    }
    pub fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }
    pub fn write_config(&self, config: &str) {
        std::fs::write(self.config(), config).unwrap();
    }
}

//! External programs a test needs (promtool, prometheus, dnsmasq, …).

use std::process::{Command, Stdio};

/// Whether `program` is on PATH. Missing, it fails the test when `CI` is
/// set (CI must have every tool) and otherwise prints `SKIPPED` with how to
/// get it; the caller returns early on `false`.
pub fn require(program: &str, package: &str) -> bool {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "{program} is required in CI (apt-get install {package})"
        );
        eprintln!("SKIPPED: {program} not on PATH (apt-get install {package})");
    }
    found
}

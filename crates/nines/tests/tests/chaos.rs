//! `nines chaos proxy` driven by toxiproxy's own client library
//! (toxiproxy-python, from PyPI), to prove the control API is
//! wire-compatible: create, toxics, errors, down, reset, populate. Issue 19.

use std::process::Command;
use std::time::Duration;

use nines_testkit::{Spawned, require};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::util::nines;

/// Whether toxiproxy-python imports; like `require`, missing fails under
/// CI and skips otherwise.
fn toxiproxy_python() -> bool {
    if !require("python3", "python3") {
        return false;
    }
    let ok = Command::new("python3")
        .args(["-c", "import toxiproxy"])
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "toxiproxy-python is required in CI (pip install toxiproxy-python)"
        );
        eprintln!("SKIPPED: python3 cannot import toxiproxy (pip install toxiproxy-python)");
    }
    ok
}

async fn echo() -> std::net::SocketAddr {
    let (l, addr) = nines_testkit::listener().await;
    tokio::spawn(async move {
        while let Ok((mut s, _)) = l.accept().await {
            tokio::spawn(async move {
                let mut buf = vec![0u8; 4096];
                while let Ok(n) = s.read(&mut buf).await {
                    if n == 0 || s.write_all(&buf[..n]).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    addr
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn toxiproxys_python_client_drives_nines_chaos() {
    if !toxiproxy_python() {
        return;
    }
    let upstream = echo().await.to_string();
    let chaos = Spawned::spawn(nines().args([
        "chaos",
        "proxy",
        "--api",
        "127.0.0.1:0",
        "--name",
        "echo",
        "--upstream",
        &upstream,
    ]));
    let api = chaos.wait_for_line(Duration::from_secs(20), "the control API's address", |l| {
        l.strip_prefix("control API on http://")
            .and_then(|r| r.split(' ').next())
            .map(str::to_string)
    });
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/tests/chaos_client.py");
    let out = tokio::task::spawn_blocking(move || {
        Command::new("python3")
            .args([script, &api, &upstream])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success() && said.contains("OK"), "{said}");
}

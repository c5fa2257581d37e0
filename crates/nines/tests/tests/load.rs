//! `nines load` from the command line: thresholds become the exit code
//! CI reads (0 hold, 2 one failed with a line saying which, 1 usage), and
//! `-o json` carries the figures. Issue 18.

use nines_testkit::Receiver;

use crate::util::nines;

fn load(url: &str, slo: &str) -> std::process::Output {
    nines()
        .args([
            "load", "-c", "2", "-n", "40", "--slo", slo, "-o", "json", url,
        ])
        .output()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thresholds_set_the_exit_code() {
    let r = Receiver::start().await;
    let url = r.url("/load");
    let ok = tokio::task::spawn_blocking({
        let url = url.clone();
        move || load(&url, "p99<30s,errors<1%")
    })
    .await
    .unwrap();
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&ok.stdout).unwrap();
    assert_eq!(v["summary"]["requests"], 40);
    assert_eq!(v["pass"], true);
    assert_eq!(r.requests_to("/load").len(), 40);

    let fail = tokio::task::spawn_blocking({
        let url = url.clone();
        move || {
            nines()
                .args(["load", "-c", "2", "-n", "20", "--slo", "p99<1us", &url])
                .output()
                .unwrap()
        }
    })
    .await
    .unwrap();
    assert_eq!(fail.status.code(), Some(2));
    let out = String::from_utf8_lossy(&fail.stdout);
    assert!(out.contains("FAIL p99 = "), "{out}");
    assert!(out.contains("over the limit (< 1µs)"), "{out}");

    let usage = tokio::task::spawn_blocking(move || load(&url, "p99<fast"))
        .await
        .unwrap();
    assert_eq!(usage.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&usage.stderr).contains("is not a duration"));
}

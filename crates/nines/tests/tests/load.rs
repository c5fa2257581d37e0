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

/// `--slo-from` reads the SLO's objective as the error budget and its
/// latency threshold at the objective's percentile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slo_from_a_config_sets_the_thresholds() {
    let r = Receiver::start().await;
    let url = r.url("/load");
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("nines.yaml");
    std::fs::write(
        &config,
        r#"services:
  shop:
    probes:
      - { name: health, interval: 1m, timeout: 10s, http: "http://127.0.0.1:9/", conditions: ["[STATUS] == 200"] }
    slos:
      - { name: fast, objective: 99.5, window: 1h, sli: { probe: health, latency_below: 5s } }
      - name: instant
        objective: 99.9
        window: 1h
        sli: { prometheus: { good: 'http_request_duration_seconds_bucket{le="0.000001"}', total: 'http_request_duration_seconds_count' } }
"#,
    )
    .unwrap();
    let run = |slo: &str| {
        let (url, from) = (url.clone(), format!("{}:shop/{slo}", config.display()));
        tokio::task::spawn_blocking(move || {
            nines()
                .args([
                    "load",
                    "-c",
                    "2",
                    "-n",
                    "40",
                    "--slo-from",
                    &from,
                    "-o",
                    "json",
                    &url,
                ])
                .output()
                .unwrap()
        })
    };
    let ok = run("fast").await.unwrap();
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&ok.stdout).unwrap();
    let texts: Vec<&str> = v["thresholds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["threshold"]["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["p99.5<5s", "errors<=0.5%"]);

    // A 1 µs bucket: no response is that fast, so the percentile fails.
    let fail = run("instant").await.unwrap();
    assert_eq!(
        fail.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&fail.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&fail.stdout).unwrap();
    assert_eq!(v["thresholds"][0]["threshold"]["text"], "p99.9<1us");
    assert_eq!(v["thresholds"][0]["pass"], false);
    assert_eq!(v["thresholds"][1]["pass"], true);

    let missing = run("nope").await.unwrap();
    assert_eq!(missing.status.code(), Some(1));
    let err = String::from_utf8_lossy(&missing.stderr);
    assert!(
        err.contains("has no SLO shop/nope; it has: shop/fast, shop/instant"),
        "{err}"
    );
}

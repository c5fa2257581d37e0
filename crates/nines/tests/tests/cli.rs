//! The real `nines` binary against an in-process daemon on a manual
//! clock (issue 14): the commands that cover the API (silences, incident
//! actions, gate overrides), their tables and JSON, and `-o json` on every
//! command that lists or shows.

use jiff::Timestamp;
use nines::clock::Clock;
use serde_json::{Value, json};

use crate::util::*;

fn config() -> String {
    oncall_yaml().replace(
        "auth:\n  tokens:\n",
        &format!(
            "auth:\n  tokens:\n    - {{ name: ana, role: responder, hash: \"{}\" }}\n",
            nines_config::hash_token(RESPONDER)
        ),
    )
}

struct Ran {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// `nines ARGS` against `server` with `token`, off the runtime's threads.
async fn cli(server: &str, token: &str, args: &[&str]) -> Ran {
    let server = server.to_string();
    let token = token.to_string();
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        let out = nines()
            .args(&args)
            .env("NINES_SERVER", server)
            .env("NINES_TOKEN", token)
            .output()
            .unwrap();
        Ran {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    })
    .await
    .unwrap()
}

/// Like `cli`, and it must exit 0.
async fn ok(server: &str, token: &str, args: &[&str]) -> String {
    let r = cli(server, token, args).await;
    assert_eq!(r.code, Some(0), "{args:?}:\n{}{}", r.stdout, r.stderr);
    r.stdout
}

async fn json_of(server: &str, token: &str, args: &[&str]) -> Value {
    let out = ok(server, token, args).await;
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: not JSON ({e}):\n{out}"))
}

async fn start() -> (Workspace, Daemon) {
    let ws = Workspace::new(&config());
    let t0: Timestamp = "2026-11-24T12:30:00Z".parse().unwrap();
    let d = Daemon::start(&ws, Clock::manual(t0)).await;
    (ws, d)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silences_from_the_cli() {
    let (_ws, d) = start().await;
    let u = d.url.as_str();
    let added = ok(
        u,
        RESPONDER,
        &[
            "silence",
            "add",
            "DiskFull",
            "instance=~\"db-.*\"",
            "--duration",
            "2h",
            "--comment",
            "disk swap",
        ],
    )
    .await;
    let second = json_of(
        u,
        RESPONDER,
        &[
            "silence",
            "add",
            "service=shop",
            "--start",
            "2026-11-24T13:00:00Z",
            "--end",
            "2026-11-24T14:00:00Z",
            "--comment",
            "maintenance",
            "-o",
            "json",
        ],
    )
    .await;
    let list = ok(u, READER, &["silence", "list"]).await;
    insta::assert_snapshot!("silence_add_and_list", format!("{added}\n{list}"));
    insta::assert_json_snapshot!("silence_add_json", second);
    insta::assert_json_snapshot!(
        "silence_list_json",
        json_of(u, READER, &["silence", "list", "-o", "json"]).await
    );

    // A comment is required; a bad matcher is refused with the column.
    let r = cli(u, RESPONDER, &["silence", "add", "x", "--duration", "1h"]).await;
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(r.stderr.contains("--comment"), "{}", r.stderr);
    let r = cli(
        u,
        RESPONDER,
        &["silence", "add", "a=~(", "--duration", "1h", "-c", "x"],
    )
    .await;
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert!(r.stderr.contains("422"), "{}", r.stderr);
    // Readers cannot silence.
    let r = cli(u, READER, &["silence", "expire", "1"]).await;
    assert_eq!(r.code, Some(1), "{}", r.stderr);

    let expired = ok(u, RESPONDER, &["silence", "expire", "1", "2"]).await;
    assert_eq!(expired, "expired silence 1\nexpired silence 2\n");
    assert_eq!(
        ok(u, READER, &["silence", "list"]).await,
        "no active or pending silences (--expired shows ended ones)\n"
    );
    let all = ok(u, READER, &["silence", "list", "--expired"]).await;
    assert_eq!(all.lines().count(), 3, "{all}");
    d.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn incident_actions_and_gate_overrides_from_the_cli() {
    let (_ws, d) = start().await;
    let u = d.url.as_str();
    open_incident(&d, json!({"service": "shop", "title": "checkout fails"})).await;
    let mut said = String::new();
    for args in [
        &["incident", "mitigate", "INC-1"][..],
        &["incident", "severity", "INC-1", "SEV1"],
        &["incident", "assign", "INC-1", "ana"],
        &["incident", "assign", "INC-1", "--commander", "bo"],
        &["incident", "resolve", "INC-1"],
        &["incident", "reopen", "INC-1"],
    ] {
        said.push_str(&format!("$ nines {}\n", args.join(" ")));
        said.push_str(&ok(u, RESPONDER, args).await);
    }
    said.push_str("$ nines incident list --status all\n");
    said.push_str(&ok(u, READER, &["incident", "list", "--status", "all"]).await);
    insta::assert_snapshot!("incident_actions", said);
    insta::assert_json_snapshot!(
        "incident_severity_json",
        json_of(
            u,
            RESPONDER,
            &["incident", "severity", "INC-1", "SEV2", "-o", "json"]
        )
        .await
    );
    // `open` is every status but resolved; readers cannot act.
    let open = json_of(
        u,
        READER,
        &["incident", "list", "--status", "open", "-o", "json"],
    )
    .await;
    assert_eq!(open.as_array().unwrap().len(), 1, "{open}");
    let r = cli(u, READER, &["incident", "mitigate", "INC-1"]).await;
    assert_eq!(r.code, Some(1));
    assert!(r.stderr.contains("403"), "{}", r.stderr);
    // No escalation policy: the daemon's reason, not a silent success.
    let r = cli(u, RESPONDER, &["incident", "escalate", "INC-1"]).await;
    assert_eq!(r.code, Some(1), "{}", r.stdout);
    assert!(r.stderr.starts_with("error: 4"), "{}", r.stderr);

    // Gate overrides: admin only, with a reason.
    let over = ok(
        u,
        ADMIN,
        &[
            "gate",
            "override",
            "shop",
            "--duration",
            "2h",
            "--reason",
            "security fix",
        ],
    )
    .await;
    let over_json = json_of(
        u,
        ADMIN,
        &[
            "gate",
            "override",
            "shop",
            "--until",
            "2026-11-25",
            "--reason",
            "launch",
            "-o",
            "json",
        ],
    )
    .await;
    insta::assert_snapshot!("gate_override", over);
    insta::assert_json_snapshot!("gate_override_json", over_json);
    let r = cli(
        u,
        RESPONDER,
        &[
            "gate",
            "override",
            "shop",
            "--duration",
            "2h",
            "--reason",
            "x",
        ],
    )
    .await;
    assert_eq!(r.code, Some(1));
    assert!(r.stderr.contains("403"), "{}", r.stderr);
    // Both overrides are listed, newest first; a reader may list them.
    let listed = json_of(u, READER, &["gate", "overrides", "shop", "-o", "json"]).await;
    let reasons: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["reason"].as_str().unwrap())
        .collect();
    assert_eq!(reasons, ["launch", "security fix"]);
    let table = ok(u, READER, &["gate", "overrides", "shop"]).await;
    assert_eq!(table.lines().count(), 2, "{table}");
    assert!(table.contains("security fix) [active]"), "{table}");
    // The gate itself still answers with a service as its argument.
    assert_eq!(
        ok(u, READER, &["gate", "shop"]).await.lines().last(),
        Some("go: deploy of shop")
    );
    d.stop().await;
}

/// Issue 14: every command that lists or shows takes `-o json` and prints
/// JSON; `--server` without a scheme is http.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_list_and_show_command_prints_json() {
    let (ws, d) = start().await;
    let u = d.url.as_str();
    open_incident(&d, json!({"service": "shop", "title": "checkout fails"})).await;
    let commands: &[&[&str]] = &[
        &["status"],
        &["status", "--service", "shop"],
        &["alerts"],
        &["incident", "list"],
        &["incident", "list", "--status", "all"],
        &["incident", "show", "INC-1"],
        &["oncall", "now"],
        &["oncall", "now", "--at", "2026-11-24"],
        &[
            "oncall",
            "shifts",
            "primary",
            "--from",
            "2026-11-24",
            "--to",
            "2026-12-01",
        ],
        &["oncall", "report", "--from", "2026-11-01", "--to", "now"],
        &["probe", "list"],
        &["silence", "list"],
        &["gate", "shop"],
        &["report", "--from", "2026-11-01", "--to", "2026-11-24"],
    ];
    for args in commands {
        let mut with = args.to_vec();
        with.extend(["-o", "json"]);
        json_of(u, ADMIN, &with).await;
    }
    let token = json_of(u, ADMIN, &["token", "new", "-o", "json"]).await;
    assert!(token["token"].as_str().unwrap().starts_with("nines_"));
    // `report -o json` is the JSON report, not Markdown.
    let report = json_of(
        u,
        READER,
        &["report", "--from", "-30d", "--to", "now", "-o", "json"],
    )
    .await;
    assert!(report.is_object(), "{report}");

    let config = ws.config().display().to_string();
    let check = json_of(u, READER, &["check", "--config", &config, "-o", "json"]).await;
    assert_eq!(check["valid"], true, "{check}");
    assert_eq!(check["schedules"], 1, "{check}");

    // Empty states say so instead of printing a bare header.
    assert_eq!(
        ok(u, READER, &["probe", "list"]).await,
        "no probes configured (add them under a service's `probes:` in the config)\n"
    );
    assert_eq!(
        ok(u, READER, &["silence", "list", "--expired"]).await,
        "no silences\n"
    );

    let bare = u.trim_start_matches("http://");
    let out = ok(bare, READER, &["incident", "list"]).await;
    assert!(out.contains("INC-1"), "{out}");
    d.stop().await;
}

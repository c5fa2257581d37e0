//! The control API against a sequence of calls as toxiproxy's clients
//! make them, with the status codes and bodies toxiproxy answers (from its
//! documented API and `api.go`: 201 on proxy create and populate, 200 on
//! toxic create, 204 on deletes and reset, 409 duplicates, 404 `proxy not
//! found`, 400 `invalid toxic type`).

use serde_json::{Value, json};

use crate::util::{Chaos, echo};

#[tokio::test]
async fn answers_a_toxiproxy_client_session_as_toxiproxy_does() {
    let chaos = Chaos::start().await;
    let up = echo().await.to_string();
    let steps: Vec<(&str, String, Option<Value>, u16, Value)> = vec![
        ("GET", "/proxies".into(), None, 200, json!({})),
        (
            "POST",
            "/proxies".into(),
            Some(json!({"name": "redis", "listen": "127.0.0.1:0", "upstream": up})),
            201,
            json!({"name": "redis", "upstream": up, "enabled": true, "toxics": []}),
        ),
        (
            "POST",
            "/proxies".into(),
            Some(json!({"name": "redis", "listen": "127.0.0.1:0", "upstream": up})),
            409,
            json!({"error": "proxy already exists", "status": 409}),
        ),
        (
            "POST",
            "/proxies".into(),
            Some(json!({"listen": "127.0.0.1:0", "upstream": up})),
            400,
            json!({"error": "missing required field: name", "status": 400}),
        ),
        (
            "GET",
            "/proxies/nope".into(),
            None,
            404,
            json!({"error": "proxy not found", "status": 404}),
        ),
        (
            "POST",
            "/proxies/redis/toxics".into(),
            Some(json!({"type": "latency", "attributes": {"latency": 1000, "jitter": 10}})),
            200,
            json!({"name": "latency_downstream", "type": "latency", "stream": "downstream",
                   "toxicity": 1, "attributes": {"latency": 1000, "jitter": 10}}),
        ),
        (
            "POST",
            "/proxies/redis/toxics".into(),
            Some(json!({"type": "latency", "attributes": {"latency": 5}})),
            409,
            json!({"error": "toxic already exists", "status": 409}),
        ),
        (
            "POST",
            "/proxies/redis/toxics".into(),
            Some(json!({"type": "explode"})),
            400,
            json!({"error": "invalid toxic type", "status": 400}),
        ),
        (
            "POST",
            "/proxies/redis/toxics".into(),
            Some(json!({"type": "latency", "stream": "sideways"})),
            400,
            json!({"error": "stream was invalid, can be either upstream or downstream", "status": 400}),
        ),
        (
            "POST",
            "/proxies/nope/toxics".into(),
            Some(json!({"type": "latency"})),
            404,
            json!({"error": "proxy not found", "status": 404}),
        ),
        (
            "POST",
            "/proxies/redis/toxics".into(),
            Some(
                json!({"name": "cut", "type": "limit_data", "stream": "upstream",
                        "toxicity": 0.5, "attributes": {"bytes": 10}}),
            ),
            200,
            json!({"name": "cut", "type": "limit_data", "stream": "upstream",
                   "toxicity": 0.5, "attributes": {"bytes": 10}}),
        ),
        (
            "PATCH",
            "/proxies/redis/toxics/latency_downstream".into(),
            Some(json!({"attributes": {"latency": 50}})),
            200,
            json!({"name": "latency_downstream", "type": "latency", "stream": "downstream",
                   "toxicity": 1, "attributes": {"latency": 50, "jitter": 10}}),
        ),
        (
            "GET",
            "/proxies/redis/toxics".into(),
            None,
            200,
            // Upstream toxics first, as toxiproxy lists them.
            json!([
                {"name": "cut", "type": "limit_data", "stream": "upstream",
                 "toxicity": 0.5, "attributes": {"bytes": 10}},
                {"name": "latency_downstream", "type": "latency", "stream": "downstream",
                 "toxicity": 1, "attributes": {"latency": 50, "jitter": 10}},
            ]),
        ),
        (
            "GET",
            "/proxies/redis/toxics/missing".into(),
            None,
            404,
            json!({"error": "toxic not found", "status": 404}),
        ),
        (
            "DELETE",
            "/proxies/redis/toxics/cut".into(),
            None,
            204,
            Value::Null,
        ),
        (
            "DELETE",
            "/proxies/redis/toxics/cut".into(),
            None,
            404,
            json!({"error": "toxic not found", "status": 404}),
        ),
        (
            "PATCH",
            "/proxies/redis".into(),
            Some(json!({"enabled": false})),
            200,
            json!({"name": "redis", "upstream": up, "enabled": false,
                   "toxics": [{"name": "latency_downstream", "type": "latency", "stream": "downstream",
                               "toxicity": 1, "attributes": {"latency": 50, "jitter": 10}}]}),
        ),
        ("POST", "/reset".into(), None, 204, Value::Null),
        (
            "GET",
            "/proxies/redis".into(),
            None,
            200,
            json!({"name": "redis", "upstream": up, "enabled": true, "toxics": []}),
        ),
        (
            "POST",
            "/populate".into(),
            Some(
                json!([{"name": "redis", "listen": "127.0.0.1:0", "upstream": up},
                        {"name": "web", "listen": "127.0.0.1:0", "upstream": up}]),
            ),
            201,
            json!({"proxies": [
                {"name": "redis", "upstream": up, "enabled": true, "toxics": []},
                {"name": "web", "upstream": up, "enabled": true, "toxics": []},
            ]}),
        ),
        (
            "POST",
            "/populate".into(),
            Some(json!([{"name": "x", "upstream": up}, {"name": "y"}])),
            400,
            json!({"error": "missing required field: upstream at proxy 2", "status": 400, "proxies": []}),
        ),
        ("DELETE", "/proxies/web".into(), None, 204, Value::Null),
        (
            "DELETE",
            "/proxies/web".into(),
            None,
            404,
            json!({"error": "proxy not found", "status": 404}),
        ),
    ];
    for (i, (method, path, body, status, want)) in steps.into_iter().enumerate() {
        let (got_status, mut got) = chaos.call(method, &path, body).await;
        // The port is the one bound: a real one, not the 0 asked for.
        strip_listen(&mut got);
        assert_eq!(
            (got_status, &got),
            (status, &want),
            "step {i}: {method} {path}"
        );
    }
}

/// Checks every `listen` is a real loopback port and removes it (it
/// differs run to run).
fn strip_listen(v: &mut Value) {
    match v {
        Value::Object(o) => {
            if let Some(Value::String(l)) = o.remove("listen") {
                let addr: std::net::SocketAddr = l.parse().unwrap();
                assert!(addr.ip().is_loopback() && addr.port() != 0, "{l}");
            }
            o.values_mut().for_each(strip_listen);
        }
        Value::Array(a) => a.iter_mut().for_each(strip_listen),
        _ => {}
    }
}

#[tokio::test]
async fn version_and_browsers() {
    let chaos = Chaos::start().await;
    let (status, v) = chaos.call("GET", "/version", None).await;
    assert_eq!(status, 200);
    assert!(v["version"].as_str().unwrap().starts_with("2."), "{v}");
    let browser = chaos
        .http
        .get(format!("{}/proxies", chaos.api))
        .header("user-agent", "Mozilla/5.0")
        .send()
        .await
        .unwrap();
    assert_eq!(browser.status(), 403);
}

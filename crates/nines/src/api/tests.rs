//! The OpenAPI document and the router agree: every route the API serves
//! is in `openapi.json` with its methods, and every path there is routed
//! (issue 13). Read from the router's source, so adding a route without
//! documenting it fails here.

use std::collections::{BTreeMap, BTreeSet};

/// Path -> methods, as `router()` in api.rs declares them.
fn routed() -> BTreeMap<String, BTreeSet<String>> {
    let source = include_str!("../api.rs");
    let start = source.find("pub fn router(").expect("api.rs has router()");
    let end = source[start..]
        .find(".method_not_allowed_fallback")
        .map_or(source.len(), |i| start + i);
    let mut out = BTreeMap::new();
    for chunk in source[start..end].split(".route(").skip(1) {
        let path = chunk.split('"').nth(1).expect("a route's path").to_string();
        let mut methods = BTreeSet::new();
        for m in ["get", "post", "put", "patch", "delete"] {
            let calls = chunk.match_indices(&format!("{m}(")).any(|(i, _)| {
                // `get(` itself, not `target(` or `budget(`.
                !chunk[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_')
            });
            if calls {
                methods.insert(m.to_string());
            }
        }
        // axum captures whole segments: `{file}` is `{schedule}.ics`,
        // which the handler takes apart and the document names.
        let path = match path.as_str() {
            "/api/v1/oncall/{file}" => "/api/v1/oncall/{schedule}.ics".to_string(),
            _ => path,
        };
        out.insert(path, methods);
    }
    out
}

fn documented() -> BTreeMap<String, BTreeSet<String>> {
    let doc: serde_json::Value = serde_json::from_str(include_str!("../openapi.json")).unwrap();
    doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(path, ops)| {
            let methods = ops
                .as_object()
                .unwrap()
                .keys()
                .filter(|k| ["get", "post", "put", "patch", "delete"].contains(&k.as_str()))
                .cloned()
                .collect();
            (path.clone(), methods)
        })
        .collect()
}

#[test]
fn every_route_is_documented_and_every_documented_path_is_routed() {
    let routed = routed();
    let documented = documented();
    assert!(routed.len() > 30, "the router was not read: {routed:?}");
    let undocumented: Vec<_> = routed
        .keys()
        .filter(|p| !documented.contains_key(*p))
        .collect();
    assert!(
        undocumented.is_empty(),
        "routes missing from src/openapi.json: {undocumented:?}"
    );
    let unrouted: Vec<_> = documented
        .keys()
        .filter(|p| !routed.contains_key(*p))
        .collect();
    assert!(
        unrouted.is_empty(),
        "paths in src/openapi.json that api.rs does not route: {unrouted:?}"
    );
    for (path, methods) in &routed {
        assert_eq!(
            methods, &documented[path],
            "{path}: methods routed vs documented in src/openapi.json"
        );
    }
}

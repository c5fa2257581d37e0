//! Probe endpoints: current state of every probe, one probe's history, and
//! heartbeat beats.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use jiff::{SignedDuration, Timestamp};
use nines_config::Role;
use nines_store::Resolution;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api::{ApiError, authorize, instant};
use crate::app::App;
use crate::probes::service::HeartbeatError;
use crate::state::probes::{ProbeState, outcome_json, probe_status};

fn ms_time(ms: i64) -> Option<String> {
    Timestamp::from_millisecond(ms).ok().map(|t| t.to_string())
}

/// A probe's configuration and current state.
pub fn state_json(s: &ProbeState) -> Value {
    let status = probe_status(s);
    let mut v = json!({
        "service": s.service,
        "probe": s.probe.name,
        "kind": s.probe.check.kind(),
        "target": crate::text::url::redact(&s.probe.check.target()),
        "interval_seconds": s.probe.interval.as_secs_f64(),
        "status": status,
        "streak": s.streak,
    });
    if let Some((at, outcome)) = &s.last {
        v["last_run_at"] = json!(at.to_string());
        v["last"] = outcome_json(outcome);
    }
    if s.heartbeat().is_some() {
        v["last_beat_at"] = json!(s.last_beat_ms.and_then(ms_time));
        v["next_beat_due"] = json!(s.deadline_ms.and_then(ms_time));
    }
    v
}

/// `GET /api/v1/probes[?service=]`.
pub async fn list(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Query(q): Query<ListQuery>,
) -> Result<axum::Json<Vec<Value>>, ApiError> {
    authorize(&app, &headers, Role::Reader)?;
    Ok(axum::Json(app.read_probes(|p| {
        p.by_key
            .values()
            .filter(|s| q.service.as_ref().is_none_or(|f| *f == s.service))
            .map(state_json)
            .collect()
    })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    service: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HistoryQuery {
    /// `minute`, `hour` or `day` (default).
    resolution: Option<String>,
    from: Option<String>,
    to: Option<String>,
    /// Raw results, newest first; default 100, at most 1000.
    limit: Option<u32>,
}

/// `GET /api/v1/probes/{service}/{probe}`: state, the newest raw results
/// and rollups (default: daily for the last 90 days) with their uptime.
pub async fn detail(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path((service, probe)): Path<(String, String)>,
    Query(q): Query<HistoryQuery>,
) -> Result<axum::Json<Value>, ApiError> {
    authorize(&app, &headers, Role::Reader)?;
    let key = (service.clone(), probe.clone());
    let state = app
        .read_probes(|p| p.by_key.get(&key).map(state_json))
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                format!("unknown probe `{service}/{probe}`"),
            )
        })?;
    let resolution = match q.resolution.as_deref() {
        None => Resolution::Day,
        Some(r) => Resolution::from_name(r).ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                format!("resolution `{r}` is not one of minute, hour, day"),
            )
        })?,
    };
    let now = app.clock.now();
    let to = instant(q.to.as_deref(), "to", now)?;
    let default_from = to
        .checked_sub(SignedDuration::from_hours(90 * 24))
        .unwrap_or(to);
    let from = instant(q.from.as_deref(), "from", default_from)?;
    if to <= from {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "`to` must be after `from`",
        ));
    }
    let limit = q
        .limit
        .unwrap_or(100)
        .min(nines_store::RAW_RESULTS_KEPT as u32);
    let (a, s2, p2) = (app.clone(), service.clone(), probe.clone());
    let (results, rollups) = tokio::task::spawn_blocking(move || {
        crate::probes::service::probe_history(
            &a,
            &s2,
            &p2,
            limit,
            resolution,
            from.as_second(),
            to.as_second(),
        )
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(ApiError::unavailable)?;
    let (up, down) = rollups
        .iter()
        .fold((0, 0), |(u, d), r| (u + r.up, d + r.down));
    let bounds: Vec<Value> = nines_store::LATENCY_BOUNDS_MS
        .iter()
        .map(|b| json!(b))
        .chain([json!("+Inf")])
        .collect();
    Ok(axum::Json(json!({
        "probe": state,
        "results": results.iter().map(|r| {
            let mut v: Value = serde_json::from_str(&r.detail).unwrap_or(Value::Null);
            v["at"] = json!(ms_time(r.at_ms));
            v
        }).collect::<Vec<_>>(),
        "rollups": {
            "resolution": resolution.name(),
            "from": from.to_string(),
            "to": to.to_string(),
            "latency_bucket_bounds_ms": bounds,
            "uptime_ratio": if up + down > 0 { json!(up as f64 / (up + down) as f64) } else { Value::Null },
            "periods": rollups.iter().map(|r| json!({
                "start": Timestamp::from_second(r.start).map(|t| t.to_string()).unwrap_or_default(),
                "up": r.up,
                "down": r.down,
                "uptime_ratio": if r.up + r.down > 0 { json!(r.up as f64 / (r.up + r.down) as f64) } else { Value::Null },
                "mean_latency_ms": if r.up + r.down > 0 { json!(r.latency_sum_ms / (r.up + r.down) as f64) } else { Value::Null },
                "latency_buckets": r.buckets,
            })).collect::<Vec<_>>(),
        },
    })))
}

/// `POST /api/v1/heartbeats/{service}/{name}`: a job says it ran.
pub async fn beat(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path((service, name)): Path<(String, String)>,
) -> Result<axum::Json<Value>, ApiError> {
    authorize(&app, &headers, Role::Writer)?;
    let (a, s, n) = (app.clone(), service.clone(), name.clone());
    tokio::task::spawn_blocking(move || crate::probes::service::heartbeat(&a, &s, &n))
        .await
        .map_err(ApiError::internal)?
        .map_err(|e| match e {
            HeartbeatError::NotFound(m) => ApiError::new(StatusCode::NOT_FOUND, m),
            HeartbeatError::Store(e) => {
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, e.to_string())
            }
        })?;
    let key = (service, name);
    let next = app.read_probes(|p| p.by_key.get(&key).and_then(|s| s.deadline_ms));
    Ok(axum::Json(json!({
        "recorded": true,
        "next_beat_due": next.and_then(ms_time),
    })))
}

/// `GET /api/v1/sources`: scrape targets and PromQL-sourced SLOs, with
/// their last pull.
pub async fn sources(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
) -> Result<axum::Json<Value>, ApiError> {
    authorize(&app, &headers, Role::Reader)?;
    let time = |t: Option<Timestamp>| t.map(|t| t.to_string());
    Ok(axum::Json(app.read_collectors(|c| {
        json!({
            "scrapes": c.scrapes.iter().map(|(name, s)| json!({
                "target": name,
                "url": s.url,
                "up": s.up,
                "last_scrape_at": time(s.last_at),
                "duration_seconds": s.duration.as_secs_f64(),
                "samples": s.samples,
                "error": s.error,
            })).collect::<Vec<_>>(),
            "queries": c.queries.iter().map(|((service, slo), q)| json!({
                "service": service,
                "slo": slo,
                "url": q.url,
                "ok": q.ok,
                "last_query_at": time(q.last_at),
                "read_through": q.through.and_then(|t| Timestamp::from_second(t).ok()).map(|t| t.to_string()),
                "error": q.error,
            })).collect::<Vec<_>>(),
        })
    })))
}

//! The control API, wire-compatible with toxiproxy's (paths, JSON shapes,
//! status codes, `{"error": "...", "status": N}` errors), so its client
//! libraries and Chaos Toolkit's toxiproxy extension work pointed at nines.
//! Like toxiproxy it refuses browsers (a `Mozilla/` user agent gets 403):
//! a page must not be able to drive it with forged requests.

use std::future::Future;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use crate::error::ChaosError;
use crate::proxies::{Proxies, ProxyInput, ProxyUpdate};

/// The toxiproxy API version whose behaviour this follows; reported by
/// `GET /version` with nines' own.
pub const TOXIPROXY_API: &str = "2.12.0";

/// The router of the control API over `proxies`.
pub fn router(proxies: Proxies) -> Router {
    Router::new()
        .route("/reset", post(reset))
        .route("/proxies", get(list).post(create))
        .route("/populate", post(populate))
        .route(
            "/proxies/{proxy}",
            get(show).post(update).patch(update).delete(delete),
        )
        .route("/proxies/{proxy}/toxics", get(toxics).post(add_toxic))
        .route(
            "/proxies/{proxy}/toxics/{toxic}",
            get(toxic)
                .post(update_toxic)
                .patch(update_toxic)
                .delete(remove_toxic),
        )
        .route("/version", get(version))
        .layer(middleware::from_fn(no_browsers))
        .with_state(proxies)
}

/// Serves the API on `listener` until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    proxies: Proxies,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(proxies))
        .with_graceful_shutdown(shutdown)
        .await
}

async fn no_browsers(req: Request, next: Next) -> Response {
    let browser = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ua| ua.starts_with("Mozilla/"));
    if browser {
        return (StatusCode::FORBIDDEN, "User agent not allowed\n").into_response();
    }
    next.run(req).await
}

/// A [`ChaosError`] as toxiproxy answers it.
struct ApiError(ChaosError);

impl From<ChaosError> for ApiError {
    fn from(e: ChaosError) -> Self {
        ApiError(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.0.status();
        error_body(
            status,
            json!({"error": self.0.to_string(), "status": status}),
        )
    }
}

fn error_body(status: u16, body: Value) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (code, axum::Json(body)).into_response()
}

type Answer = Result<Response, ApiError>;

fn ok(v: Value) -> Answer {
    Ok(axum::Json(v).into_response())
}

fn body<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, ChaosError> {
    serde_json::from_slice(bytes).map_err(|e| ChaosError::BadBody(e.to_string()))
}

async fn list(State(p): State<Proxies>) -> Answer {
    ok(p.list())
}

async fn create(State(p): State<Proxies>, b: Bytes) -> Answer {
    let input: ProxyInput = body(&b)?;
    Ok((StatusCode::CREATED, axum::Json(p.create(input)?)).into_response())
}

async fn populate(State(p): State<Proxies>, b: Bytes) -> Answer {
    // A JSON array of proxies, as in a `-config` file.
    let inputs: Vec<ProxyInput> = body(&b)?;
    match p.populate(inputs) {
        Ok(done) => Ok((StatusCode::CREATED, axum::Json(json!({"proxies": done}))).into_response()),
        Err((e, done)) => {
            let status = e.status();
            Ok(error_body(
                status,
                json!({"error": e.to_string(), "status": status, "proxies": done}),
            ))
        }
    }
}

async fn show(State(p): State<Proxies>, Path(name): Path<String>) -> Answer {
    ok(p.get(&name)?)
}

async fn update(State(p): State<Proxies>, Path(name): Path<String>, b: Bytes) -> Answer {
    // toxiproxy looks the proxy up before reading the body.
    p.get(&name)?;
    let u: ProxyUpdate = body(&b)?;
    ok(p.update(&name, u)?)
}

async fn delete(State(p): State<Proxies>, Path(name): Path<String>) -> Answer {
    p.delete(&name)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn toxics(State(p): State<Proxies>, Path(name): Path<String>) -> Answer {
    ok(p.toxics(&name)?)
}

async fn add_toxic(State(p): State<Proxies>, Path(name): Path<String>, b: Bytes) -> Answer {
    p.get(&name)?;
    // 200, not 201: toxiproxy answers a created toxic with 200.
    ok(p.add_toxic(&name, &b)?)
}

async fn toxic(State(p): State<Proxies>, Path((name, toxic)): Path<(String, String)>) -> Answer {
    ok(p.toxic(&name, &toxic)?)
}

async fn update_toxic(
    State(p): State<Proxies>,
    Path((name, toxic)): Path<(String, String)>,
    b: Bytes,
) -> Answer {
    ok(p.update_toxic(&name, &toxic, &b)?)
}

async fn remove_toxic(
    State(p): State<Proxies>,
    Path((name, toxic)): Path<(String, String)>,
) -> Answer {
    p.remove_toxic(&name, &toxic)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn reset(State(p): State<Proxies>) -> Answer {
    p.reset()?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn version() -> Answer {
    ok(json!({
        "version": TOXIPROXY_API,
        "nines": env!("CARGO_PKG_VERSION"),
    }))
}

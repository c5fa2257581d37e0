//! The demo's notification sink: stands in for the on-call people's phones
//! and the team's channel. nines delivers to it through its real outbox and
//! webhook sender, and the sink prints what arrived, so a newcomer sees the
//! page reach a person.

use axum::Router;
use axum::extract::{Path, State};
use axum::routing::post;
use serde_json::Value;
use tokio::sync::watch;

/// One notification the sink received.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// `person:alice` or `channel:shop-feed`.
    pub to: String,
    /// `incident.paged`, `incident.triggered`, …
    pub event: String,
    /// The incident it is about (`INC-2`).
    pub incident: String,
    pub title: String,
}

#[derive(Clone)]
pub struct Sink {
    pages: watch::Sender<Option<Delivery>>,
}

impl Sink {
    pub fn new() -> Sink {
        Sink {
            pages: watch::channel(None).0,
        }
    }

    /// The latest page delivered to a person, as it happens.
    pub fn pages(&self) -> watch::Receiver<Option<Delivery>> {
        self.pages.subscribe()
    }

    fn take(&self, to: String, body: &Value) {
        let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
        let d = Delivery {
            to,
            event: text(&body["event"]),
            incident: text(&body["incident"]["id"]),
            title: text(&body["title"]),
        };
        let link = body["links"]["incident"].as_str().unwrap_or_default();
        if d.event == "incident.paged" {
            println!(
                "nines demo: PAGE delivered to {}: {} {} {link}",
                d.to, d.incident, d.title
            );
            self.pages.send_replace(Some(d));
        } else {
            println!(
                "nines demo: {} heard {} of {}: {}",
                d.to, d.event, d.incident, d.title
            );
        }
    }

    /// `POST /person/{name}` and `POST /channel/{name}`, in nines' generic
    /// webhook format.
    pub fn router(&self) -> Router {
        Router::new()
            .route(
                "/person/{name}",
                post(
                    |State(s): State<Sink>, Path(name): Path<String>, body: axum::Json<Value>| async move {
                        s.take(name, &body);
                    },
                ),
            )
            .route(
                "/channel/{name}",
                post(
                    |State(s): State<Sink>, Path(name): Path<String>, body: axum::Json<Value>| async move {
                        s.take(format!("#{name}"), &body);
                    },
                ),
            )
            .with_state(self.clone())
    }
}

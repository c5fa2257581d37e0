//! The overview (`/`): every service with its SLOs (SLI, objective, budget
//! left, burn rate now and over the last day, firing alerts), its open
//! incidents and who is on call; worst first, with search, a filter and
//! pages, so it stays fast with thousands of SLOs (only the shown page's
//! rows are built).

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;

use super::html::{Chrome, E, Nav, layout, pager, pct, rate};
use super::svg::{budget_bar, budget_class, sparkline};
use super::{UiState, Viewer, html_response, reader};
use crate::app::App;
use crate::state::slo::engine::{Engine, SloState};
use crate::state::slo::view::SloView;

/// One SLO row: the API's view plus its hourly burn rates over the last
/// 24 hours (oldest first).
#[derive(Debug, Clone, PartialEq)]
pub struct SloRow {
    pub view: SloView,
    pub burn: Vec<Option<f64>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ServiceRow {
    pub service: String,
    pub owner: Option<String>,
    pub slos: Vec<SloRow>,
    /// Open (triggered or acknowledged) incidents.
    pub incidents: usize,
    pub oncall: Vec<String>,
}

impl ServiceRow {
    pub fn firing(&self) -> usize {
        self.slos
            .iter()
            .flat_map(|s| &s.view.alerts)
            .filter(|a| a.state == "firing")
            .count()
    }
}

/// The order of services, by `?sort=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    /// `worst` (default): firing page alerts, then open incidents, then
    /// firing ticket alerts, then the least budget left.
    #[default]
    Worst,
    /// `budget`: the least error budget left of its SLOs first; services
    /// without data last.
    Budget,
    /// `burn`: the highest 1-hour burn rate of its SLOs first.
    Burn,
    /// `incidents`: the most open incidents first, then worst first.
    Incidents,
    /// `name`: A to Z.
    Name,
}

impl Sort {
    pub const ALL: [Sort; 5] = [
        Sort::Worst,
        Sort::Budget,
        Sort::Burn,
        Sort::Incidents,
        Sort::Name,
    ];

    /// Unknown values are the default.
    pub fn parse(s: Option<&str>) -> Sort {
        Sort::ALL
            .into_iter()
            .find(|o| Some(o.key()) == s)
            .unwrap_or_default()
    }

    pub fn key(self) -> &'static str {
        match self {
            Sort::Worst => "worst",
            Sort::Budget => "budget",
            Sort::Burn => "burn",
            Sort::Incidents => "incidents",
            Sort::Name => "name",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Sort::Worst => "Worst first",
            Sort::Budget => "Least budget left",
            Sort::Burn => "Highest burn rate",
            Sort::Incidents => "Most open incidents",
            Sort::Name => "Name",
        }
    }
}

/// `?q=&sort=worst|budget|burn|incidents|name&only=firing&page=&per=`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct OverviewQuery {
    pub q: Option<String>,
    pub sort: Option<String>,
    pub only: Option<String>,
    pub page: Option<usize>,
    pub per: Option<usize>,
}

/// What the page shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Overview {
    pub rows: Vec<ServiceRow>,
    /// Services and SLOs matching the search, over every page.
    pub services: usize,
    pub slos: usize,
    pub firing: usize,
    pub incidents: usize,
    pub page: usize,
    pub pages: usize,
    pub per: usize,
    pub q: String,
    pub sort: Sort,
    pub only_firing: bool,
}

pub const DEFAULT_PER_PAGE: usize = 50;
pub const MAX_PER_PAGE: usize = 500;

/// Hourly burn rates of the last 24 hours, oldest first (event-budgeted
/// SLOs; timeslice SLOs have none).
pub fn burn_history(s: &SloState) -> Vec<Option<f64>> {
    let nines_slo::SloSeries::Events(series) = &s.series else {
        return Vec::new();
    };
    let budget = s.config.spec.budget();
    let end = series.head() + 1;
    (0..24)
        .rev()
        .map(|h| {
            let b = end - h * 60;
            nines_slo::WindowStats::from_counts(series.range_sum(b - 60, b), budget).burn_rate
        })
        .collect()
}

/// Sort key, worst first: page alerts, open incidents, ticket alerts, then
/// the least budget left (no data: infinite); names break ties.
fn badness(slos: &[&SloState], incidents: usize) -> (bool, bool, bool, f64) {
    let firing = |sev: &str| {
        slos.iter().any(|s| {
            s.alerts
                .iter()
                .zip(&s.config.spec.tiers)
                .any(|(a, t)| a.firing && t.severity.as_str() == sev)
        })
    };
    let least = slos
        .iter()
        .filter_map(|s| s.report.as_ref()?.budget.remaining)
        .fold(f64::INFINITY, f64::min);
    (!firing("page"), incidents == 0, !firing("ticket"), least)
}

/// The highest 1-hour burn rate of `slos`; -1 without data, so those sort
/// last.
fn max_burn(slos: &[&SloState]) -> f64 {
    slos.iter()
        .filter_map(|s| {
            let r = s.report.as_ref()?;
            r.window(&s.config.spec, "1h")?.burn_rate
        })
        .fold(-1.0, f64::max)
}

/// Orders `matching` by `sort`; every key is computed once per service,
/// and names break ties, so pages are stable.
fn order<'a>(
    sort: Sort,
    matching: Vec<(&'a str, Vec<&'a SloState>)>,
    open: &HashMap<String, usize>,
) -> Vec<(&'a str, Vec<&'a SloState>)> {
    if sort == Sort::Name {
        return matching; // from a BTreeMap: already by name
    }
    let mut keyed: Vec<_> = matching
        .into_iter()
        .map(|(name, slos)| {
            let incidents = open.get(name).copied().unwrap_or(0);
            let (page, no_incident, ticket, least) = badness(&slos, incidents);
            // Smaller sorts first; `f64`s go through `total_cmp`.
            let (lead, number) = match sort {
                Sort::Budget => (0, least),
                Sort::Burn => (0, -max_burn(&slos)),
                Sort::Incidents => (usize::MAX - incidents, least),
                Sort::Worst | Sort::Name => (0, least),
            };
            let flags = match sort {
                Sort::Worst | Sort::Incidents => (page, no_incident, ticket),
                _ => (false, false, false),
            };
            ((lead, flags, number), name, slos)
        })
        .collect();
    keyed.sort_by(|(a, an, _), (b, bn, _)| {
        (a.0, a.1)
            .cmp(&(b.0, b.1))
            .then(a.2.total_cmp(&b.2))
            .then(an.cmp(bn))
    });
    keyed.into_iter().map(|(_, n, s)| (n, s)).collect()
}

/// Gathers the page from the engine and the config; `open` counts open
/// incidents by service.
pub fn gather(
    app: &App,
    engine: &Engine,
    open: &HashMap<String, usize>,
    q: &OverviewQuery,
) -> Overview {
    let config = app.config();
    let now = app.clock.now();
    let needle = q.q.as_deref().unwrap_or("").trim().to_lowercase();
    let sort = Sort::parse(q.sort.as_deref());
    let only_firing = q.only.as_deref() == Some("firing");
    let mut by_service: BTreeMap<&str, Vec<&SloState>> = config
        .services
        .keys()
        .map(|k| (k.as_str(), Vec::new()))
        .collect();
    for s in engine.slos() {
        by_service.entry(s.service.as_str()).or_default().push(s);
    }
    let matching: Vec<(&str, Vec<&SloState>)> = by_service
        .into_iter()
        .filter_map(|(name, slos)| {
            if needle.is_empty() {
                return Some((name, slos));
            }
            let owner = config.services.get(name).and_then(|s| s.owner.as_deref());
            let service_hit = name.to_lowercase().contains(&needle)
                || owner.is_some_and(|o| o.to_lowercase().contains(&needle));
            if service_hit {
                return Some((name, slos));
            }
            let hits: Vec<&SloState> = slos
                .into_iter()
                .filter(|s| s.config.name.to_lowercase().contains(&needle))
                .collect();
            (!hits.is_empty()).then_some((name, hits))
        })
        .filter(|(name, slos)| {
            !only_firing
                || open.get(*name).is_some_and(|n| *n > 0)
                || slos.iter().any(|s| s.alerts.iter().any(|a| a.firing))
        })
        .collect();
    let matching = order(sort, matching, open);
    let services = matching.len();
    let slos = matching.iter().map(|(_, s)| s.len()).sum();
    let firing = matching
        .iter()
        .flat_map(|(_, s)| s.iter())
        .map(|s| s.alerts.iter().filter(|a| a.firing).count())
        .sum();
    let incidents = matching
        .iter()
        .map(|(n, _)| open.get(*n).copied().unwrap_or(0))
        .sum();
    let per = q.per.unwrap_or(DEFAULT_PER_PAGE).clamp(1, MAX_PER_PAGE);
    let pages = services.div_ceil(per).max(1);
    let page = q.page.unwrap_or(1).clamp(1, pages);
    let rows = matching
        .into_iter()
        .skip((page - 1) * per)
        .take(per)
        .map(|(name, slos)| ServiceRow {
            service: name.to_string(),
            owner: config.services.get(name).and_then(|s| s.owner.clone()),
            slos: slos
                .iter()
                .map(|s| SloRow {
                    view: SloView::of(s),
                    burn: burn_history(s),
                })
                .collect(),
            incidents: open.get(name).copied().unwrap_or(0),
            oncall: super::oncall::for_service(&config, name, now),
        })
        .collect();
    Overview {
        rows,
        services,
        slos,
        firing,
        incidents,
        page,
        pages,
        per,
        q: q.q.clone().unwrap_or_default(),
        sort,
        only_firing,
    }
}

/// Firing alert tiers as chips.
pub fn alert_chips(view: &SloView) -> String {
    let mut out = String::new();
    for a in view.alerts.iter().filter(|a| a.state == "firing") {
        let _ = write!(
            out,
            "<span class=\"chip {}\">{}</span> ",
            if a.severity == "page" { "bad" } else { "warn" },
            E(&a.tier)
        );
    }
    if out.is_empty() {
        out.push_str("<span class=\"muted\">none</span>");
    }
    out
}

/// One SLO's table row (shared with the service page).
pub fn slo_row(out: &mut String, row: &SloRow, with_service: bool) {
    let v = &row.view;
    let sli = v.windows.get(&v.window).and_then(|w| w.sli);
    let burn_1h = v.windows.get("1h").and_then(|w| w.burn_rate);
    let remaining = v.budget.remaining;
    let href = format!(
        "/services/{}/slos/{}",
        crate::text::url::encode(&v.service),
        crate::text::url::encode(&v.slo)
    );
    let _ = write!(out, "<tr data-slo=\"{}/{}\">", E(&v.service), E(&v.slo));
    if with_service {
        let _ = write!(out, "<td></td>");
    }
    let _ = write!(
        out,
        "<td><a href=\"{href}\">{}</a> <small class=\"muted\">{}</small></td>\
         <td class=\"num\" data-label=\"SLI\" data-sli>{}</td><td class=\"num\" data-label=\"Objective\">{}%</td>\
         <td class=\"budget\" data-label=\"Budget left\"><span class=\"num {}\" data-budget>{}</span> {}</td>\
         <td class=\"num\" data-label=\"Burn 1h\" data-burn>{}</td><td data-label=\"Burn, 24 h\">{}</td><td data-label=\"Alerts\">{}</td></tr>",
        E(&v.slo),
        E(&v.window),
        pct(sli, 3),
        v.objective,
        budget_class(remaining),
        pct(remaining, 1),
        budget_bar(remaining),
        rate(burn_1h),
        sparkline(
            &row.burn,
            Some(1.0),
            &format!(
                "burn rate per hour over the last 24 hours, now {}",
                rate(burn_1h)
            )
        ),
        alert_chips(v),
    );
}

/// The page's address with `sort` and the current search and filter, from
/// the first page.
fn query(o: &Overview, sort: Sort) -> String {
    format!(
        "/?q={}&sort={}{}&per={}",
        crate::text::url::encode(&o.q),
        sort.key(),
        if o.only_firing { "&only=firing" } else { "" },
        o.per
    )
}

/// One link per order, the current one marked for screen readers too;
/// they work without JavaScript and keep the search.
fn sort_links(o: &Overview) -> String {
    let mut out = String::from(
        "<nav class=\"sorts\" aria-label=\"Sort services\"><span id=\"sort-by\">Sort by:</span> <ul aria-labelledby=\"sort-by\">",
    );
    for s in Sort::ALL {
        if s == o.sort {
            let _ = write!(
                out,
                "<li><a href=\"{}\" aria-current=\"true\"><strong>{}</strong></a></li>",
                E(&query(o, s)),
                s.label()
            );
        } else {
            let _ = write!(
                out,
                "<li><a href=\"{}\">{}</a></li>",
                E(&query(o, s)),
                s.label()
            );
        }
    }
    out.push_str("</ul></nav>");
    out
}

/// The overview page: pure, for snapshots.
pub fn render(o: &Overview, viewer: &Viewer) -> String {
    let mut b = String::with_capacity(4096 + o.rows.len() * 1500);
    b.push_str("<h1>Overview</h1>");
    let _ = write!(
        b,
        "<form class=\"filters\" method=\"get\" action=\"/\" role=\"search\">\
         <label for=\"q\">Search</label><input id=\"q\" name=\"q\" type=\"search\" value=\"{}\" placeholder=\"service, SLO or owner\">\
         <label for=\"sort\">Sort</label><select id=\"sort\" name=\"sort\">{}</select>\
         <label class=\"check\"><input type=\"checkbox\" name=\"only\" value=\"firing\"{}> Only with alerts or incidents</label>\
         <button type=\"submit\">Apply</button></form>",
        E(&o.q),
        Sort::ALL
            .iter()
            .map(|s| format!(
                "<option value=\"{}\"{}>{}</option>",
                s.key(),
                if *s == o.sort { " selected" } else { "" },
                s.label()
            ))
            .collect::<String>(),
        if o.only_firing { " checked" } else { "" },
    );
    b.push_str(&sort_links(o));
    b.push_str("<section id=\"overview\" data-live aria-label=\"Services and SLOs\">");
    let _ = write!(
        b,
        "<p class=\"summary\">{} service(s), {} SLO(s) · <span class=\"{}\">{} alert tier(s) firing</span> · <a href=\"/incidents?status=open\">{} open incident(s)</a></p>",
        o.services,
        o.slos,
        if o.firing > 0 { "bad" } else { "ok" },
        o.firing,
        o.incidents
    );
    if o.rows.is_empty() {
        b.push_str("<p>No service matches.</p>");
    } else {
        b.push_str(
            "<div class=\"scroll\" tabindex=\"0\" role=\"region\" aria-label=\"SLO table\"><table class=\"slos cards\">\
             <thead><tr><th scope=\"col\">Service</th><th scope=\"col\">SLO</th><th scope=\"col\">SLI</th>\
             <th scope=\"col\">Objective</th><th scope=\"col\">Budget left</th><th scope=\"col\">Burn 1h</th>\
             <th scope=\"col\">Burn, 24 h</th><th scope=\"col\">Alerts</th></tr></thead>",
        );
        for r in &o.rows {
            let _ = write!(
                b,
                "<tbody data-service=\"{s}\"><tr class=\"svc\"><th scope=\"row\"><a href=\"/services/{u}\">{s}</a></th>\
                 <td colspan=\"7\">",
                s = E(&r.service),
                u = crate::text::url::encode(&r.service)
            );
            let mut facts = Vec::new();
            if let Some(o) = &r.owner {
                facts.push(format!("owner {}", E(o)));
            }
            if !r.oncall.is_empty() {
                facts.push(format!("on call {}", E(&r.oncall.join(", "))));
            }
            let firing = r.firing();
            if firing > 0 {
                facts.push(format!("<span class=\"bad\">{firing} firing</span>"));
            }
            if r.incidents > 0 {
                facts.push(format!(
                    "<a class=\"bad\" href=\"/incidents?status=open&amp;service={}\">{} open incident(s)</a>",
                    crate::text::url::encode(&r.service),
                    r.incidents
                ));
            }
            if r.slos.is_empty() {
                facts.push("no SLOs".into());
            }
            b.push_str(&facts.join(" · "));
            b.push_str("</td></tr>");
            for s in &r.slos {
                slo_row(&mut b, s, true);
            }
            b.push_str("</tbody>");
        }
        b.push_str("</table></div>");
    }
    let base = format!("{}&", query(o, o.sort));
    b.push_str(&pager(&base, o.page, o.pages));
    b.push_str("</section>");
    layout(&Chrome::new("Overview", Nav::Overview, viewer).live(10), &b)
}

/// `GET /`.
pub async fn page(
    State(ui): State<UiState>,
    headers: HeaderMap,
    Query(q): Query<OverviewQuery>,
) -> Response {
    let viewer = match reader(&ui, &headers, "/") {
        Ok(v) => v,
        Err(r) => return r,
    };
    let app = ui.app.clone();
    let out = super::blocking(&app, move |app| {
        let open = crate::incidents::queries::open_by_service(app)?;
        Ok::<_, nines_store::StoreError>(app.read(|engine| gather(app, engine, &open, &q)))
    })
    .await;
    match out {
        Some(Ok(o)) => html_response(StatusCode::OK, render(&o, &viewer)),
        Some(Err(e)) => super::error_page(
            &viewer,
            StatusCode::SERVICE_UNAVAILABLE,
            "Store unavailable",
            &e.to_string(),
        ),
        None => super::error_page(
            &viewer,
            StatusCode::INTERNAL_SERVER_ERROR,
            "Error",
            "the page could not be built",
        ),
    }
}

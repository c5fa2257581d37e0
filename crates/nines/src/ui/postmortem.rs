//! The postmortem page (`/incidents/INC-n/postmortem`, issue 8): the
//! current revision rendered as a document, its status and revisions, a
//! link to the raw Markdown, and for responders an editor that saves the
//! Markdown as the next revision. Drafting and saving go through the same
//! [`App`](crate::app::App) methods as `POST /api/v1/incidents/{id}/postmortem`
//! ([`draft_postmortem`](crate::app::App::draft_postmortem),
//! [`save_postmortem_markdown`](crate::app::App::save_postmortem_markdown)),
//! so the Markdown is read and the status workflow checked in one place.
//!
//! Text from the postmortem is escaped everywhere; prose is shown as
//! paragraphs and `-` lists, nothing else of Markdown is interpreted.

use std::fmt::Write;

use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use nines_config::Role;
use nines_review::postmortem::{Postmortem, Status};
use nines_store::PostmortemRow;
use serde::Deserialize;

use super::html::{Chrome, E, Nav, csrf_field, layout, pct, time, time_s};
use super::{UiState, Viewer, actor, bad_id, error_page, html_response, no_incident, redirect};
use crate::review::postmortem::PostmortemError;
use crate::state::incidents::{incident_name, parse_incident_id};

/// One saved revision, without its body.
#[derive(Debug, Clone, PartialEq)]
pub struct Revision {
    pub revision: i64,
    /// `draft`, `in_review` or `published`.
    pub status: String,
    pub author: String,
    pub saved_at: i64,
}

impl From<&PostmortemRow> for Revision {
    fn from(r: &PostmortemRow) -> Revision {
        Revision {
            revision: r.revision,
            status: r.status.clone(),
            author: r.author.clone(),
            saved_at: r.created_at,
        }
    }
}

/// A stored status word for people: `in_review` is "in review".
pub fn status_text(status: &str) -> String {
    status.replace('_', " ")
}

/// A postmortem status as a chip.
pub fn status_chip(status: &str) -> String {
    let class = match status {
        "published" => "ok",
        "in_review" => "warn",
        _ => "",
    };
    format!(
        "<span class=\"chip {class}\" data-pm-status>{}</span>",
        E(&status_text(status))
    )
}

/// What the editor shows after a refused save: the text as typed, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Refused {
    pub markdown: String,
    /// The parse error's line, when the Markdown did not parse.
    pub line: Option<usize>,
    pub message: String,
}

/// The page's data.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub incident: i64,
    pub incident_title: String,
    /// The current revision and its postmortem; none before the draft.
    pub current: Option<(Revision, Postmortem)>,
    /// Every revision, oldest first.
    pub revisions: Vec<Revision>,
    pub refused: Option<Refused>,
}

/// Prose as escaped paragraphs (blocks between blank lines) and lists
/// (blocks whose lines all start with `- ` or `* `).
pub fn prose(text: &str) -> String {
    let mut out = String::new();
    let mut block: Vec<&str> = Vec::new();
    let flush = |out: &mut String, block: &mut Vec<&str>| {
        if block.is_empty() {
            return;
        }
        let list = block
            .iter()
            .all(|l| l.starts_with("- ") || l.starts_with("* "));
        if list {
            out.push_str("<ul>");
            for l in block.iter() {
                let _ = write!(out, "<li>{}</li>", E(l[2..].trim()));
            }
            out.push_str("</ul>");
        } else {
            out.push_str("<p>");
            for (i, l) in block.iter().enumerate() {
                if i > 0 {
                    out.push('\n');
                }
                let _ = write!(out, "{}", E(l));
            }
            out.push_str("</p>");
        }
        block.clear();
    };
    for line in text.lines() {
        let line = line.trim_end();
        if line.trim().is_empty() {
            flush(&mut out, &mut block);
        } else {
            block.push(line);
        }
    }
    flush(&mut out, &mut block);
    if out.is_empty() {
        out.push_str("<p class=\"muted\">Nothing written yet.</p>");
    }
    out
}

/// Inline text (a table cell, a fact): escaped, its line breaks kept
/// (the Markdown writes them as `<br>`).
fn inline(text: &str) -> String {
    E(text).to_string().replace('\n', "<br>")
}

/// A link when `text` is an http(s) URL, else the text; escaped either way.
fn link_or_text(text: &str) -> String {
    if text.starts_with("https://") || text.starts_with("http://") {
        format!("<a href=\"{}\">{}</a>", E(text), E(text))
    } else {
        E(text).to_string()
    }
}

fn span(d: Option<jiff::SignedDuration>) -> String {
    d.map(|d| format!("{d:#}"))
        .unwrap_or_else(|| "–".to_string())
}

/// A table in a labelled scroll region, as the other pages do.
fn table(b: &mut String, label: &str, header: &[&str], rows: &[Vec<String>], empty: &str) {
    if rows.is_empty() {
        let _ = write!(b, "<p class=\"muted\">{}</p>", E(empty));
        return;
    }
    let _ = write!(
        b,
        "<div class=\"scroll\" tabindex=\"0\" role=\"region\" aria-label=\"{}\"><table><thead><tr>",
        E(label)
    );
    for h in header {
        let _ = write!(b, "<th scope=\"col\">{}</th>", E(h));
    }
    b.push_str("</tr></thead><tbody>");
    for row in rows {
        b.push_str("<tr>");
        for cell in row {
            let _ = write!(b, "<td>{cell}</td>");
        }
        b.push_str("</tr>");
    }
    b.push_str("</tbody></table></div>");
}

/// The postmortem as a document (its sections in the template's order).
fn document(b: &mut String, pm: &Postmortem) {
    let section = |b: &mut String, id: &str, title: &str| {
        let _ = write!(b, "<h2 id=\"pm-{id}\">{title}</h2>");
    };
    section(b, "summary", "Summary");
    b.push_str(&prose(&pm.summary));

    section(b, "impact", "Impact");
    let _ = write!(
        b,
        "<dl class=\"facts\"><dt>Duration</dt><dd>{}</dd><dt>Users affected</dt><dd>{}</dd></dl>",
        span(pm.impact.duration),
        pm.impact
            .users_affected
            .as_deref()
            .map_or_else(|| "–".to_string(), inline)
    );
    let slos: Vec<Vec<String>> = pm
        .impact
        .slos
        .iter()
        .map(|s| vec![inline(&s.slo), pct(Some(s.budget_burned_ratio), 1)])
        .collect();
    table(
        b,
        "Error budget burned per SLO",
        &["SLO", "Error budget burned"],
        &slos,
        "No SLO burned error budget.",
    );

    section(b, "root-causes", "Root causes");
    b.push_str(&prose(&pm.root_causes));
    section(b, "trigger", "Trigger");
    b.push_str(&prose(&pm.trigger));
    section(b, "resolution", "Resolution");
    b.push_str(&prose(&pm.resolution));

    section(b, "detection", "Detection");
    let d = &pm.detection;
    let _ = write!(
        b,
        "<dl class=\"facts\"><dt>Time to detect</dt><dd>{}</dd><dt>Time to acknowledge</dt><dd>{}</dd>\
         <dt>Time to mitigate</dt><dd>{}</dd><dt>Time to resolve</dt><dd>{}</dd></dl>",
        span(d.detect),
        span(d.acknowledge),
        span(d.mitigate),
        span(d.resolve)
    );

    section(b, "actions", "Action items");
    let items: Vec<Vec<String>> = pm
        .action_items
        .iter()
        .map(|a| {
            vec![
                E(a.kind.as_str()).to_string(),
                inline(&a.description),
                inline(&a.owner),
                a.due.map(|d| d.to_string()).unwrap_or_default(),
                a.tracking.as_deref().map(link_or_text).unwrap_or_default(),
                if a.done { "done" } else { "open" }.to_string(),
            ]
        })
        .collect();
    table(
        b,
        "Action items",
        &["Type", "Action", "Owner", "Due", "Tracking", "Status"],
        &items,
        "No action items yet.",
    );

    section(b, "lessons", "Lessons learned");
    for (title, text) in [
        ("What went well", &pm.lessons.went_well),
        ("What went wrong", &pm.lessons.went_wrong),
        ("Where we got lucky", &pm.lessons.got_lucky),
    ] {
        let _ = write!(b, "<h3>{title}</h3>{}", prose(text));
    }

    section(b, "timeline", "Timeline");
    let timeline: Vec<Vec<String>> = pm
        .timeline
        .iter()
        .map(|t| vec![time(t.at), inline(&t.text)])
        .collect();
    table(
        b,
        "Postmortem timeline",
        &["Time", "Event"],
        &timeline,
        "No timeline entries.",
    );

    section(b, "supporting", "Supporting information");
    if pm.supporting.is_empty() {
        b.push_str("<p class=\"muted\">No links.</p>");
    } else {
        b.push_str("<ul>");
        for l in &pm.supporting {
            let _ = write!(b, "<li>{}</li>", link_or_text(l));
        }
        b.push_str("</ul>");
    }
}

/// The draft button (role responder), or what a reader lacks.
pub fn draft_form(b: &mut String, name: &str, viewer: &Viewer) {
    if viewer.may(Role::Responder) {
        let _ = write!(
            b,
            "<form method=\"post\" action=\"/incidents/{name}/postmortem\" class=\"inline\">{}\
             <button type=\"submit\">Draft the postmortem</button></form>\
             <p class=\"hint\">nines writes a first draft from the incident's timeline, the changes before it and the SLOs it burned.</p>",
            csrf_field(viewer)
        );
    } else {
        let _ = write!(
            b,
            "<p>Drafting a postmortem needs a token with role responder or higher. <a href=\"/login?next=/incidents/{name}/postmortem\">Sign in</a>.</p>"
        );
    }
}

/// The page: pure, for snapshots.
pub fn render(p: &Page, viewer: &Viewer) -> String {
    let name = incident_name(p.incident);
    let mut b = String::new();
    let _ = write!(
        b,
        "<p class=\"crumbs\"><a href=\"/incidents\">Incidents</a> / <a href=\"/incidents/{name}\">{name}</a> / Postmortem</p>"
    );
    let Some((rev, pm)) = &p.current else {
        let _ = write!(
            b,
            "<h1>Postmortem of {name}: {}</h1><p>{name} has no postmortem yet.</p>",
            E(&p.incident_title)
        );
        draft_form(&mut b, &name, viewer);
        return layout(
            &Chrome::new(&format!("{name} postmortem"), Nav::Incidents, viewer),
            &b,
        );
    };
    let _ = write!(
        b,
        "<h1>{}</h1><section id=\"postmortem-facts\" aria-label=\"Postmortem facts\"><dl class=\"facts\">\
         <dt>Incident</dt><dd><a href=\"/incidents/{name}\">{name}</a>: {}</dd>\
         <dt>Status</dt><dd>{}</dd>\
         <dt>Revision</dt><dd data-pm-revision=\"{}\">{} of {}, saved {} by {}</dd>\
         <dt>Date</dt><dd>{}</dd><dt>Authors</dt><dd>{}</dd></dl>\
         <p><a href=\"/incidents/{name}/postmortem.md\">The Markdown</a> \
         <small class=\"muted\">(as <code>nines postmortem export {name}</code> and \
         <code>GET /api/v1/incidents/{name}/postmortem?format=markdown</code> give it)</small></p></section>",
        if pm.title.is_empty() {
            format!("Postmortem of {name}")
        } else {
            E(&pm.title).to_string()
        },
        E(&p.incident_title),
        status_chip(&rev.status),
        rev.revision,
        rev.revision,
        p.revisions.len().max(1),
        time_s(rev.saved_at),
        E(&rev.author),
        pm.date,
        E(&pm.authors.join(", ")),
    );
    b.push_str("<article id=\"postmortem\" aria-label=\"Postmortem\">");
    document(&mut b, pm);
    b.push_str("</article>");

    // Revisions, newest first.
    b.push_str("<section aria-labelledby=\"pm-revisions\"><h2 id=\"pm-revisions\">Revisions</h2>");
    let rows: Vec<Vec<String>> = p
        .revisions
        .iter()
        .rev()
        .map(|r| {
            vec![
                r.revision.to_string(),
                E(&status_text(&r.status)).to_string(),
                E(&r.author).to_string(),
                time_s(r.saved_at),
            ]
        })
        .collect();
    table(
        &mut b,
        "Revisions",
        &["Revision", "Status", "Saved by", "Saved"],
        &rows,
        "No revisions.",
    );
    b.push_str("</section>");

    // The editor.
    b.push_str("<section aria-labelledby=\"pm-edit\"><h2 id=\"pm-edit\">Edit</h2>");
    if viewer.may(Role::Responder) {
        let (text, error) = match &p.refused {
            Some(r) => (r.markdown.clone(), Some(r)),
            None => (nines_review::postmortem::to_markdown(pm), None),
        };
        let mut described = String::from("pm-hint");
        if let Some(r) = error {
            described.push_str(" pm-error");
            let _ = write!(
                b,
                "<div class=\"flash bad\" id=\"pm-error\" role=\"alert\"><p>Not saved: {}{}</p>",
                r.line.map(|l| format!("line {l}: ")).unwrap_or_default(),
                E(&r.message)
            );
            if let Some(line) = r
                .line
                .and_then(|l| r.markdown.lines().nth(l.wrapping_sub(1)))
            {
                let _ = write!(
                    b,
                    "<p>Line {}: <code>{}</code></p>",
                    r.line.unwrap_or_default(),
                    E(line.trim_end())
                );
            }
            b.push_str("<p>Your text is kept below; correct it and save again.</p></div>");
        }
        let next = match pm.status {
            Status::Draft => "in review",
            Status::InReview => "published (or back to draft)",
            Status::Published => "draft, to correct it",
        };
        let _ = write!(
            b,
            "<form method=\"post\" action=\"/incidents/{name}/postmortem\" class=\"editor\">{}\
             <label for=\"markdown\">The postmortem as Markdown</label>\
             <textarea id=\"markdown\" name=\"markdown\" rows=\"24\" spellcheck=\"true\" aria-describedby=\"{described}\">\n{}</textarea>\
             <p class=\"hint\" id=\"pm-hint\">Saving keeps the earlier revisions. To change the status, edit the Status row: from {} it may go to {}.</p>\
             <button type=\"submit\">Save</button></form>",
            csrf_field(viewer),
            E(&text),
            pm.status,
            next
        );
    } else {
        let _ = write!(
            b,
            "<p>Editing needs a token with role responder or higher. <a href=\"/login?next=/incidents/{name}/postmortem\">Sign in</a>.</p>"
        );
    }
    b.push_str("</section>");
    layout(
        &Chrome::new(&format!("{name} postmortem"), Nav::Incidents, viewer),
        &b,
    )
}

/// Gathers the page's data; `None` when there is no such incident.
fn load(
    app: &crate::app::App,
    id: i64,
    refused: Option<Refused>,
) -> Result<Option<Page>, PostmortemError> {
    let Some(incident) = crate::incidents::queries::get(app, id)? else {
        return Ok(None);
    };
    // One read: the current revision is the last, as `current_postmortem`
    // would read it.
    let rows = crate::review::postmortem::revisions(app, id)?;
    let current = rows
        .last()
        .map(|row| crate::review::postmortem::decode(row).map(|pm| (Revision::from(row), pm)))
        .transpose()?;
    let revisions = rows.iter().map(Revision::from).collect();
    Ok(Some(Page {
        incident: id,
        incident_title: incident.title,
        current,
        revisions,
        refused,
    }))
}

async fn respond(
    ui: &UiState,
    viewer: &Viewer,
    id: i64,
    status: StatusCode,
    refused: Option<Refused>,
) -> Response {
    match super::blocking(&ui.app, move |app| load(app, id, refused)).await {
        Some(Ok(Some(p))) => html_response(status, render(&p, viewer)),
        Some(Ok(None)) => no_incident(viewer, id),
        _ => error_page(
            viewer,
            StatusCode::SERVICE_UNAVAILABLE,
            "Store unavailable",
            "the postmortem could not be read",
        ),
    }
}

/// `GET /incidents/{id}/postmortem`.
pub async fn page(
    State(ui): State<UiState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let (viewer, n) = match super::incident_reader(&ui, &headers, &id, "/postmortem") {
        Ok(v) => v,
        Err(r) => return r,
    };
    respond(&ui, &viewer, n, StatusCode::OK, None).await
}

/// `GET /incidents/{id}/postmortem.md`: the current revision's Markdown
/// (as `?format=markdown` of the API, which needs a bearer token), as
/// plain text so browsers show it.
pub async fn markdown(
    State(ui): State<UiState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let (viewer, n) = match super::incident_reader(&ui, &headers, &id, "/postmortem.md") {
        Ok(v) => v,
        Err(r) => return r,
    };
    match super::blocking(&ui.app, move |app| {
        crate::review::postmortem::current_postmortem(app, n)
    })
    .await
    {
        Some(Ok(Some((_, pm)))) => {
            let mut resp =
                html_response(StatusCode::OK, nines_review::postmortem::to_markdown(&pm));
            resp.headers_mut().insert(
                axum::http::header::CONTENT_TYPE,
                axum::http::HeaderValue::from_static("text/plain; charset=utf-8"),
            );
            resp
        }
        Some(Ok(None)) => error_page(
            &viewer,
            StatusCode::NOT_FOUND,
            "No postmortem",
            &format!("{} has no postmortem yet.", incident_name(n)),
        ),
        _ => error_page(
            &viewer,
            StatusCode::SERVICE_UNAVAILABLE,
            "Store unavailable",
            "the postmortem could not be read",
        ),
    }
}

/// The editor's and the draft button's fields.
#[derive(Debug, Deserialize)]
pub struct SaveForm {
    #[serde(default)]
    csrf: String,
    /// Absent: draft the postmortem (the button); present: save it.
    markdown: Option<String>,
}

/// `POST /incidents/{id}/postmortem` (role responder, as the API): without
/// `markdown`, drafts the postmortem unless it has one; with it, saves the
/// next revision, or shows the page again with the text and why not.
pub async fn save(
    State(ui): State<UiState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<SaveForm>,
) -> Response {
    let viewer = match actor(&ui, &headers, &f.csrf, Role::Responder) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let Some(n) = parse_incident_id(&id) else {
        return bad_id(&viewer);
    };
    let name = incident_name(n);
    let who = viewer.name.clone().unwrap_or_default();
    let typed = f.markdown.clone();
    let result = super::blocking(&ui.app, move |app| match typed {
        Some(md) => crate::review::postmortem::save_postmortem_markdown(app, n, &md, &who)
            .map(|(row, _)| (row, true)),
        None => crate::review::postmortem::draft_postmortem(app, n, &who)
            .map(|(row, _, new)| (row, new)),
    })
    .await;
    let drafting = f.markdown.is_none();
    let (status, refused) = match result {
        Some(Ok((row, new))) => {
            let text = match (drafting, new) {
                (true, true) => format!("Postmortem of {name} drafted (revision 1)."),
                (true, false) => format!(
                    "{name} already has a postmortem (revision {}).",
                    row.revision
                ),
                _ => format!(
                    "Saved as revision {} ({}).",
                    row.revision,
                    status_text(&row.status)
                ),
            };
            ui.sessions.flash(&headers, true, text);
            return redirect(&format!("/incidents/{name}/postmortem"));
        }
        Some(Err(PostmortemError::NotFound(_))) => return no_incident(&viewer, n),
        Some(Err(PostmortemError::Markdown(e))) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Refused {
                markdown: f.markdown.unwrap_or_default(),
                line: Some(e.line),
                message: e.message,
            },
        ),
        Some(Err(e @ PostmortemError::Invalid(_))) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Refused {
                markdown: f.markdown.unwrap_or_default(),
                line: None,
                message: e.to_string(),
            },
        ),
        Some(Err(e @ PostmortemError::Conflict(_))) => (
            StatusCode::CONFLICT,
            Refused {
                markdown: f.markdown.unwrap_or_default(),
                line: None,
                message: e.to_string(),
            },
        ),
        Some(Err(e)) => {
            return error_page(
                &viewer,
                StatusCode::SERVICE_UNAVAILABLE,
                "Not saved",
                &e.to_string(),
            );
        }
        None => {
            return error_page(
                &viewer,
                StatusCode::INTERNAL_SERVER_ERROR,
                "Not saved",
                "internal error",
            );
        }
    };
    respond(&ui, &viewer, n, status, Some(refused)).await
}

//! A small HTML builder: [`E`] escapes every interpolated value, and
//! [`layout`] wraps a page's body in the shared chrome (navigation, sign-in
//! state, skip link). Plain `write!` into a `String` does the rest: pages
//! are compile-time Rust, with nothing to parse at run time.

use std::fmt::Write;

use super::{Flash, Viewer};
pub use crate::text::html::E;

/// A time as `<time>`: UTC in the text and the `title`; the script shows
/// it in the viewer's zone and keeps UTC on hover.
pub fn time(t: jiff::Timestamp) -> String {
    let iso = t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
    let text = t.strftime("%Y-%m-%d %H:%M UTC").to_string();
    format!("<time datetime=\"{iso}\" title=\"{iso}\">{text}</time>")
}

/// [`time`] of unix seconds; empty for an impossible value.
pub fn time_s(unix: i64) -> String {
    jiff::Timestamp::from_second(unix)
        .map(time)
        .unwrap_or_default()
}

/// [`time`] of an RFC 3339 text as the API's views carry; the text itself
/// when it does not parse.
pub fn time_text(text: &str) -> String {
    match text.parse::<jiff::Timestamp>() {
        Ok(t) => time(t),
        Err(_) => E(text).to_string(),
    }
}

/// A ratio as a percentage with `digits` decimals; `–` for none.
pub fn pct(r: Option<f64>, digits: usize) -> String {
    match r {
        Some(r) if r.is_finite() => format!("{:.*}%", digits, r * 100.0),
        _ => "–".to_string(),
    }
}

/// A burn rate, `–` for none.
pub fn rate(r: Option<f64>) -> String {
    match r {
        Some(r) if r.is_finite() => format!("{r:.2}×"),
        _ => "–".to_string(),
    }
}

/// An elapsed time in words: `3 min`, `2 h 5 min`, `4 d 1 h`.
pub fn duration(seconds: i64) -> String {
    let s = seconds.max(0);
    let (d, h, m) = (s / 86400, s % 86400 / 3600, s % 3600 / 60);
    match (d, h) {
        (0, 0) => format!("{m} min"),
        (0, _) => format!("{h} h {m} min"),
        _ => format!("{d} d {h} h"),
    }
}

/// Which navigation entry is current.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    Overview,
    Incidents,
    OnCall,
    Alerts,
    Status,
    None,
}

/// What the layout needs besides the body.
pub struct Chrome<'a> {
    pub title: &'a str,
    pub nav: Nav,
    pub viewer: &'a Viewer,
    /// Seconds between live refreshes of `data-live` sections; none for
    /// pages that do not change by themselves.
    pub refresh: Option<u32>,
}

impl<'a> Chrome<'a> {
    pub fn new(title: &'a str, nav: Nav, viewer: &'a Viewer) -> Chrome<'a> {
        Chrome {
            title,
            nav,
            viewer,
            refresh: None,
        }
    }

    pub fn live(mut self, seconds: u32) -> Self {
        self.refresh = Some(seconds);
        self
    }
}

const NAV: [(Nav, &str, &str); 5] = [
    (Nav::Overview, "/", "Overview"),
    (Nav::Incidents, "/incidents", "Incidents"),
    (Nav::OnCall, "/oncall", "On call"),
    (Nav::Alerts, "/alerts", "Alerts"),
    (Nav::Status, "/status", "Status page"),
];

/// A hidden CSRF field for a form.
pub fn csrf_field(viewer: &Viewer) -> String {
    format!(
        "<input type=\"hidden\" name=\"csrf\" value=\"{}\">",
        E(&viewer.csrf)
    )
}

/// The whole document: head, navigation, sign-in state, flash, `body`.
pub fn layout(c: &Chrome<'_>, body: &str) -> String {
    let mut out = String::with_capacity(body.len() + 2048);
    let refresh = c
        .refresh
        .map(|s| format!(" data-refresh=\"{s}\""))
        .unwrap_or_default();
    let _ = write!(
        out,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"color-scheme\" content=\"light dark\"><link rel=\"icon\" href=\"data:,\">\
         <title>{} · nines</title>\
         <link rel=\"stylesheet\" href=\"/ui/nines.css\">\
         <script src=\"/ui/nines.js\" defer></script></head>\
         <body{refresh}><a class=\"skip\" href=\"#main\">Skip to content</a>\
         <header class=\"top\"><nav aria-label=\"Main\"><a class=\"brand\" href=\"/\">nines</a><ul>",
        E(c.title)
    );
    for (nav, href, label) in NAV {
        let current = if nav == c.nav {
            " aria-current=\"page\""
        } else {
            ""
        };
        let _ = write!(out, "<li><a href=\"{href}\"{current}>{label}</a></li>");
    }
    out.push_str("</ul></nav><div class=\"who\">");
    match (&c.viewer.name, c.viewer.role) {
        (Some(name), Some(role)) => {
            let _ = write!(
                out,
                "<span>{} <small>({})</small></span>\
                 <form method=\"post\" action=\"/logout\">{}<button type=\"submit\" class=\"link\">Sign out</button></form>",
                E(name),
                role.as_str(),
                csrf_field(c.viewer)
            );
        }
        _ => out.push_str("<a href=\"/login\">Sign in</a>"),
    }
    out.push_str("</div></header><main id=\"main\">");
    if let Some(Flash { ok, text }) = &c.viewer.flash {
        let _ = write!(
            out,
            "<p class=\"flash {}\" role=\"status\">{}</p>",
            if *ok { "ok" } else { "bad" },
            E(text)
        );
    }
    out.push_str(body);
    out.push_str(
        "</main><footer><p>nines · times in UTC; with JavaScript, in your time zone (UTC on hover)</p></footer></body></html>\n",
    );
    out
}

/// Links to pages 1..=pages keeping the other query parameters
/// (`base` ends with `?` or `&`).
pub fn pager(base: &str, page: usize, pages: usize) -> String {
    if pages <= 1 {
        return String::new();
    }
    let mut out = String::from("<nav class=\"pager\" aria-label=\"Pages\"><ul>");
    let mut shown = Vec::new();
    for p in 1..=pages {
        if p <= 2 || p + 1 >= pages || p.abs_diff(page) <= 2 {
            shown.push(p);
        }
    }
    let base = E(base);
    let mut last = 0;
    for p in shown {
        if p > last + 1 {
            out.push_str("<li>…</li>");
        }
        if p == page {
            let _ = write!(
                out,
                "<li><a aria-current=\"page\" href=\"{base}page={p}\">{p}</a></li>"
            );
        } else {
            let _ = write!(out, "<li><a href=\"{base}page={p}\">{p}</a></li>");
        }
        last = p;
    }
    out.push_str("</ul></nav>");
    out
}

//! Charts as inline SVG, drawn by nines: budget bars, sparklines, uptime
//! bars, line charts with markers, and status badges. Pure functions of
//! their data; colours come from CSS classes (so the dark theme applies),
//! except in badges, which are standalone images.

use std::fmt::Write;

use super::html::E;

/// The CSS class of a budget left: `ok` above 25%, `warn` above 0, `bad`.
pub fn budget_class(remaining: Option<f64>) -> &'static str {
    match remaining {
        None => "none",
        Some(r) if r > 0.25 => "ok",
        Some(r) if r > 0.0 => "warn",
        Some(_) => "bad",
    }
}

/// A horizontal bar of the budget left (an overspent budget fills red).
pub fn budget_bar(remaining: Option<f64>) -> String {
    let class = budget_class(remaining);
    let (width, label) = match remaining {
        None => (0.0, "no data".to_string()),
        Some(r) if r <= 0.0 => (100.0, format!("{:.1}% budget left", r * 100.0)),
        Some(r) => (
            (r.min(1.0) * 100.0 * 10.0).round() / 10.0,
            format!("{:.1}% budget left", r * 100.0),
        ),
    };
    format!(
        "<svg class=\"bar\" viewBox=\"0 0 100 8\" width=\"100\" height=\"8\" role=\"img\" aria-label=\"{label}\">\
         <rect class=\"track\" width=\"100\" height=\"8\" rx=\"2\"/>\
         <rect class=\"{class}\" width=\"{width}\" height=\"8\" rx=\"2\"/></svg>"
    )
}

fn f1(v: f64) -> String {
    let r = (v * 10.0).round() / 10.0;
    if r == r.trunc() {
        format!("{}", r as i64)
    } else {
        format!("{r:.1}")
    }
}

/// A small line of values (gaps where `None`), optionally with a dashed
/// threshold line; scaled to the larger of the data and the threshold.
pub fn sparkline(points: &[Option<f64>], threshold: Option<f64>, label: &str) -> String {
    let (w, h) = (100.0, 20.0);
    let max = points
        .iter()
        .flatten()
        .copied()
        .chain(threshold)
        .fold(0.0f64, f64::max)
        .max(1e-9);
    let n = points.len().max(2) as f64 - 1.0;
    let mut out = format!(
        "<svg class=\"spark\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" role=\"img\" aria-label=\"{}\">",
        E(label)
    );
    if let Some(t) = threshold {
        let y = f1(h - t / max * (h - 2.0) - 1.0);
        let _ = write!(
            out,
            "<line class=\"threshold\" x1=\"0\" x2=\"{w}\" y1=\"{y}\" y2=\"{y}\"/>"
        );
    }
    let mut path = String::new();
    let mut pen_down = false;
    for (i, p) in points.iter().enumerate() {
        match p {
            Some(v) => {
                let x = f1(i as f64 / n * w);
                let y = f1(h - v.min(max) / max * (h - 2.0) - 1.0);
                let _ = write!(path, "{}{x},{y} ", if pen_down { "L" } else { "M" });
                pen_down = true;
            }
            None => pen_down = false,
        }
    }
    if !path.is_empty() {
        let _ = write!(out, "<path class=\"line\" d=\"{}\"/>", path.trim_end());
    }
    out.push_str("</svg>");
    out
}

/// One day of an uptime bar.
#[derive(Debug, Clone, PartialEq)]
pub struct Day {
    /// `2026-11-24`.
    pub date: String,
    /// Up ratio of the day; `None` without data.
    pub ratio: Option<f64>,
    /// Incidents that were open during the day.
    pub incidents: usize,
}

/// The CSS class of a day's uptime.
pub fn day_class(d: &Day) -> &'static str {
    match d.ratio {
        None => "none",
        Some(r) if r >= 0.999 && d.incidents == 0 => "ok",
        Some(r) if r >= 0.99 => "warn",
        Some(_) => "bad",
    }
}

/// Daily uptime as bars, oldest left, each with a tooltip.
pub fn uptime_bars(days: &[Day], label: &str) -> String {
    let (bw, gap, h) = (6, 2, 28);
    let w = days.len() * (bw + gap);
    let mut out = format!(
        "<svg class=\"uptime\" viewBox=\"0 0 {w} {h}\" preserveAspectRatio=\"none\" role=\"img\" aria-label=\"{}\">",
        E(label)
    );
    for (i, d) in days.iter().enumerate() {
        let what = match d.ratio {
            None => "no data".to_string(),
            Some(r) => format!("{:.2}% up", r * 100.0),
        };
        let inc = match d.incidents {
            0 => String::new(),
            1 => ", 1 incident".to_string(),
            n => format!(", {n} incidents"),
        };
        let _ = write!(
            out,
            "<rect class=\"{}\" x=\"{}\" width=\"{bw}\" height=\"{h}\" rx=\"1\"><title>{}: {what}{inc}</title></rect>",
            day_class(d),
            i * (bw + gap),
            E(&d.date)
        );
    }
    out.push_str("</svg>");
    out
}

/// A marker on a chart's time axis (a deploy, an incident).
#[derive(Debug, Clone, PartialEq)]
pub struct Marker {
    pub at: i64,
    /// `change` or `incident`: the CSS class.
    pub kind: &'static str,
    pub label: String,
}

/// A line chart over time: `points` are (unix seconds, value); the y axis
/// spans `y_min..=y_max` with `ticks` labelled by `fmt`; an optional
/// dashed `reference` line; markers as vertical lines with tooltips.
pub struct LineChart<'a> {
    pub points: &'a [(i64, Option<f64>)],
    pub from: i64,
    pub to: i64,
    pub y_min: f64,
    pub y_max: f64,
    pub ticks: &'a [f64],
    pub fmt: fn(f64) -> String,
    pub reference: Option<f64>,
    pub markers: &'a [Marker],
    pub label: &'a str,
}

impl LineChart<'_> {
    pub fn render(&self) -> String {
        let (w, h, left, bottom, top) = (600.0, 180.0, 48.0, 20.0, 6.0);
        let span_x = (self.to - self.from).max(1) as f64;
        let span_y = (self.y_max - self.y_min).max(1e-12);
        let x = |t: i64| left + (t - self.from) as f64 / span_x * (w - left - 4.0);
        let y = |v: f64| {
            let v = v.clamp(self.y_min, self.y_max);
            top + (self.y_max - v) / span_y * (h - top - bottom)
        };
        let mut out = format!(
            "<svg class=\"chart\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"{}\">",
            E(self.label)
        );
        for &t in self.ticks {
            let ty = f1(y(t));
            let _ = write!(
                out,
                "<line class=\"grid\" x1=\"{left}\" x2=\"{w}\" y1=\"{ty}\" y2=\"{ty}\"/>\
                 <text class=\"tick\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
                left - 4.0,
                f1(y(t) + 4.0),
                E(&(self.fmt)(t))
            );
        }
        if let Some(r) = self.reference {
            let ry = f1(y(r));
            let _ = write!(
                out,
                "<line class=\"threshold\" x1=\"{left}\" x2=\"{w}\" y1=\"{ry}\" y2=\"{ry}\"/>"
            );
        }
        for m in self.markers {
            if m.at < self.from || m.at > self.to {
                continue;
            }
            let mx = f1(x(m.at));
            let _ = write!(
                out,
                "<line class=\"marker {}\" x1=\"{mx}\" x2=\"{mx}\" y1=\"{top}\" y2=\"{}\"><title>{}</title></line>",
                m.kind,
                h - bottom,
                E(&m.label)
            );
        }
        let mut path = String::new();
        let mut pen_down = false;
        for &(t, v) in self.points {
            match v {
                Some(v) => {
                    let _ = write!(
                        path,
                        "{}{},{} ",
                        if pen_down { "L" } else { "M" },
                        f1(x(t)),
                        f1(y(v))
                    );
                    pen_down = true;
                }
                None => pen_down = false,
            }
        }
        if !path.is_empty() {
            let _ = write!(out, "<path class=\"line\" d=\"{}\"/>", path.trim_end());
        }
        let _ = write!(
            out,
            "<line class=\"axis\" x1=\"{left}\" x2=\"{w}\" y1=\"{b}\" y2=\"{b}\"/></svg>",
            b = h - bottom
        );
        out
    }
}

/// The five states of a status-page component, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum State {
    Operational,
    Maintenance,
    Degraded,
    PartialOutage,
    MajorOutage,
}

impl State {
    /// Words for people.
    pub fn label(self) -> &'static str {
        match self {
            State::Operational => "Operational",
            State::Maintenance => "Under maintenance",
            State::Degraded => "Degraded performance",
            State::PartialOutage => "Partial outage",
            State::MajorOutage => "Major outage",
        }
    }

    /// The name in `/status.json` (Atlassian Statuspage's words, which
    /// status aggregators read).
    pub fn key(self) -> &'static str {
        match self {
            State::Operational => "operational",
            State::Maintenance => "under_maintenance",
            State::Degraded => "degraded_performance",
            State::PartialOutage => "partial_outage",
            State::MajorOutage => "major_outage",
        }
    }

    /// CSS class.
    pub fn class(self) -> &'static str {
        match self {
            State::Operational => "ok",
            State::Maintenance => "maint",
            State::Degraded => "warn",
            State::PartialOutage => "partial",
            State::MajorOutage => "bad",
        }
    }

    /// Badge colour (WCAG AA with white text).
    fn colour(self) -> &'static str {
        match self {
            State::Operational => "#1a7f37",
            State::Maintenance => "#0b5cad",
            State::Degraded => "#9a6700",
            State::PartialOutage => "#bc4c00",
            State::MajorOutage => "#cf222e",
        }
    }
}

/// Approximate width of `text` in 11px Verdana, as shields.io badges use.
fn text_width(text: &str) -> usize {
    text.chars()
        .map(|c| match c {
            'i' | 'l' | 'j' | '.' | ',' | ':' | '\'' | '|' | '!' => 4,
            'm' | 'w' | 'M' | 'W' => 10,
            c if c.is_ascii_uppercase() => 8,
            ' ' => 4,
            _ => 7,
        })
        .sum()
}

/// A status badge: `label | state` (a standalone SVG image).
pub fn badge(label: &str, state: State) -> String {
    let message = state.label().to_lowercase();
    let lw = text_width(label) + 12;
    let mw = text_width(&message) + 12;
    let w = lw + mw;
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"20\" role=\"img\" aria-label=\"{l}: {m}\">\
         <title>{l}: {m}</title>\
         <rect width=\"{lw}\" height=\"20\" fill=\"#444\"/>\
         <rect x=\"{lw}\" width=\"{mw}\" height=\"20\" fill=\"{c}\"/>\
         <g fill=\"#fff\" font-family=\"Verdana,DejaVu Sans,sans-serif\" font-size=\"11\" text-anchor=\"middle\">\
         <text x=\"{lx}\" y=\"14\">{l}</text><text x=\"{mx}\" y=\"14\">{m}</text></g></svg>",
        l = E(label),
        m = E(&message),
        c = state.colour(),
        lx = lw / 2,
        mx = lw + mw / 2,
    )
}

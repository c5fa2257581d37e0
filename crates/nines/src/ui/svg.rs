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

/// A horizontal bar of the budget left. A full budget is a solid bar; an
/// exhausted one (0) an empty track; an overspent one (below 0) an
/// outlined track hatched as far as the overspend goes (a whole budget
/// overspent hatches all of it), so it differs by shape, not colour only.
/// A word follows the bar when the budget is exhausted or overspent.
pub fn budget_bar(remaining: Option<f64>) -> String {
    let class = budget_class(remaining);
    let open = "<svg class=\"bar\" viewBox=\"0 0 100 8\" width=\"100\" height=\"8\" role=\"img\"";
    match remaining {
        None => format!(
            "{open} aria-label=\"no data\"><rect class=\"track\" width=\"100\" height=\"8\" rx=\"2\"/></svg>"
        ),
        Some(r) if r < 0.0 => {
            let over = (-r).min(1.0) * 100.0;
            let mut stripes = String::new();
            let mut x = 0.0;
            while x < over {
                let _ = write!(
                    stripes,
                    "M{},8L{},0L{},0L{},8Z",
                    f1(x),
                    f1((x + 4.0).min(over)),
                    f1((x + 6.0).min(over)),
                    f1((x + 2.0).min(over))
                );
                x += 5.0;
            }
            format!(
                "{open} aria-label=\"budget overspent by {p:.1}% of the budget\">\
                 <rect class=\"track over\" x=\"0.5\" y=\"0.5\" width=\"99\" height=\"7\" rx=\"2\"/>\
                 <path class=\"{class}\" d=\"{stripes}\"/></svg> <small class=\"bad\">overspent</small>",
                p = -r * 100.0
            )
        }
        Some(0.0) => format!(
            "{open} aria-label=\"budget exhausted\"><rect class=\"track over\" x=\"0.5\" y=\"0.5\" width=\"99\" height=\"7\" rx=\"2\"/></svg> <small class=\"bad\">exhausted</small>"
        ),
        Some(r) => format!(
            "{open} aria-label=\"{:.1}% budget left\"><rect class=\"track\" width=\"100\" height=\"8\" rx=\"2\"/>\
             <rect class=\"{class}\" width=\"{}\" height=\"8\" rx=\"2\"/></svg>",
            r * 100.0,
            (r.min(1.0) * 100.0 * 10.0).round() / 10.0,
        ),
    }
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
    /// When an incident ended (drawn as a band from `at`); `None` for a
    /// change or an open incident.
    pub until: Option<i64>,
    /// `change` or `incident`: the CSS class.
    pub kind: &'static str,
    /// The short name written on the chart: `INC-3`, `deploy v2`.
    pub name: String,
    /// The whole text, in the tooltip and the table.
    pub label: String,
}

/// A line chart over time: `points` are (unix seconds, value); the y axis
/// spans `y_min..=y_max` with `ticks` labelled by `fmt`, in the order of
/// preference (a tick that would overlap one before it is left out); a
/// time axis of UTC labels; an optional dashed `reference` line; markers
/// as vertical lines (incidents as bands) named along the top; each point
/// a hover target whose `<title>` gives its time and `what` it is.
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
    /// What a value is, for the tooltips: `budget left`, `SLI`.
    pub what: &'a str,
}

/// Estimated width in px of `text` in the charts' 11px sans-serif,
/// generous so that labels never touch.
fn label_width(text: &str) -> f64 {
    text.chars()
        .map(|c| match c {
            '.' | ',' | ':' | ' ' | '-' | 'i' | 'l' | '(' | ')' => 3.5,
            '%' | 'm' | 'w' | 'M' | 'W' => 10.0,
            c if c.is_ascii_uppercase() => 8.0,
            _ => 6.8,
        })
        .sum()
}

/// A UTC time as `strftime` gives it; empty for an impossible value.
fn utc(t: i64, format: &str) -> String {
    jiff::Timestamp::from_second(t)
        .map(|t| t.strftime(format).to_string())
        .unwrap_or_default()
}

/// The time axis: a round step giving at most `max` labels over
/// `from..=to`, and the label format for it.
pub fn time_ticks(from: i64, to: i64, max: i64) -> (Vec<i64>, &'static str) {
    const STEPS: [i64; 15] = [
        60, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 345600, 604800,
        1209600,
    ];
    let span = (to - from).max(1);
    let step = STEPS
        .iter()
        .copied()
        .find(|s| span / s < max)
        .unwrap_or(span / max.max(1) + 1);
    let format = if step >= 86400 {
        "%b %d"
    } else if span > 86400 {
        "%b %d %H:%M"
    } else {
        "%H:%M"
    };
    let first = from.div_euclid(step) * step + if from.rem_euclid(step) == 0 { 0 } else { step };
    let ticks = (0..)
        .map(|i| first + i * step)
        .take_while(|t| *t <= to)
        .collect();
    (ticks, format)
}

impl LineChart<'_> {
    pub fn render(&self) -> String {
        let (w, h, bottom, top) = (600.0, 200.0, 22.0, 18.0);
        let labels: Vec<(f64, String)> = self
            .ticks
            .iter()
            .filter(|t| (self.y_min..=self.y_max).contains(*t))
            .map(|&t| (t, (self.fmt)(t)))
            .collect();
        let left = labels
            .iter()
            .map(|(_, l)| label_width(l))
            .fold(24.0f64, f64::max)
            .ceil()
            + 10.0;
        let right = 8.0;
        let span_x = (self.to - self.from).max(1) as f64;
        let span_y = (self.y_max - self.y_min).max(1e-12);
        let x = |t: i64| left + (t - self.from) as f64 / span_x * (w - left - right);
        let y = |v: f64| {
            let v = v.clamp(self.y_min, self.y_max);
            top + (self.y_max - v) / span_y * (h - top - bottom)
        };
        let mut out = format!(
            "<svg class=\"chart\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"{}\" data-from=\"{}\" data-to=\"{}\">",
            E(self.label),
            self.from,
            self.to
        );
        // Incident bands under everything.
        for m in self.markers {
            if let Some(until) = m.until {
                if until < self.from || m.at > self.to {
                    continue;
                }
                let (a, b) = (x(m.at.max(self.from)), x(until.min(self.to)));
                let _ = write!(
                    out,
                    "<rect class=\"band {}\" x=\"{}\" y=\"{top}\" width=\"{}\" height=\"{}\"/>",
                    m.kind,
                    f1(a),
                    f1((b - a).max(1.0)),
                    h - top - bottom
                );
            }
        }
        // Y ticks, leaving out any that would overlap one kept before it.
        let mut kept: Vec<f64> = Vec::new();
        for (t, text) in &labels {
            let ty = y(*t);
            if kept.iter().any(|k| (k - ty).abs() < 13.0) {
                continue;
            }
            kept.push(ty);
            let _ = write!(
                out,
                "<line class=\"grid\" x1=\"{left}\" x2=\"{}\" y1=\"{y}\" y2=\"{y}\"/>\
                 <text class=\"tick\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
                w - right,
                left - 4.0,
                f1((ty + 4.0).clamp(top + 4.0, h - bottom)),
                E(text),
                y = f1(ty),
            );
        }
        // The time axis, labels kept inside the plot's width.
        let (times, format) = time_ticks(self.from, self.to, 6);
        for t in times {
            let tx = x(t);
            let text = utc(t, format);
            let half = label_width(&text) / 2.0;
            let _ = write!(
                out,
                "<line class=\"grid\" x1=\"{tx}\" x2=\"{tx}\" y1=\"{}\" y2=\"{}\"/>",
                h - bottom,
                h - bottom + 4.0,
                tx = f1(tx)
            );
            if tx - half < left - 2.0 || tx + half > w {
                continue;
            }
            let _ = write!(
                out,
                "<text class=\"tick time\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                f1(tx),
                h - 6.0,
                E(&text)
            );
        }
        if let Some(r) = self.reference {
            let ry = f1(y(r));
            let _ = write!(
                out,
                "<line class=\"threshold\" x1=\"{left}\" x2=\"{}\" y1=\"{ry}\" y2=\"{ry}\"/>",
                w - right
            );
        }
        // Markers, named along the top where a name fits.
        let mut taken: Vec<(f64, f64)> = Vec::new();
        for m in self.markers {
            if m.at < self.from || m.at > self.to {
                continue;
            }
            let mx = x(m.at);
            let _ = write!(
                out,
                "<line class=\"marker {}\" x1=\"{x}\" x2=\"{x}\" y1=\"{}\" y2=\"{}\"><title>{}</title></line>",
                m.kind,
                top - 4.0,
                h - bottom,
                E(&m.label),
                x = f1(mx),
            );
            let width = label_width(&m.name);
            let (a, anchor) = if mx + 3.0 + width <= w {
                (mx + 3.0, "start")
            } else {
                (mx - 3.0 - width, "end")
            };
            let b = a + width;
            if m.name.is_empty()
                || a < left
                || taken.iter().any(|(l, r)| a < r + 4.0 && b > l - 4.0)
            {
                continue;
            }
            taken.push((a, b));
            let _ = write!(
                out,
                "<text class=\"mark {}\" x=\"{}\" y=\"{}\" text-anchor=\"{anchor}\">{}<title>{}</title></text>",
                m.kind,
                f1(if anchor == "start" { a } else { b }),
                top - 6.0,
                E(&m.name),
                E(&m.label)
            );
        }
        let mut path = String::new();
        let mut pen_down = false;
        for (i, &(t, v)) in self.points.iter().enumerate() {
            match v {
                Some(v) => {
                    let lone = !pen_down && self.points.get(i + 1).is_none_or(|p| p.1.is_none());
                    if lone {
                        let _ = write!(
                            out,
                            "<circle class=\"dot\" cx=\"{}\" cy=\"{}\" r=\"2\"/>",
                            f1(x(t)),
                            f1(y(v))
                        );
                    }
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
        // Hover targets: a column around each point, with its value.
        for (i, &(t, v)) in self.points.iter().enumerate() {
            let Some(v) = v else { continue };
            let px = x(t);
            let prev = i
                .checked_sub(1)
                .map_or(left, |j| (x(self.points[j].0) + px) / 2.0);
            let next = self
                .points
                .get(i + 1)
                .map_or(w - right, |p| (x(p.0) + px) / 2.0);
            let _ = write!(
                out,
                "<g class=\"pt\"><rect class=\"hit\" x=\"{}\" y=\"{top}\" width=\"{}\" height=\"{}\"/>\
                 <circle cx=\"{}\" cy=\"{}\" r=\"3\"/><title>{}: {} {}</title></g>",
                f1(prev.max(left)),
                f1((next.min(w - right) - prev.max(left)).max(1.0)),
                h - top - bottom,
                f1(px),
                f1(y(v)),
                utc(t, "%Y-%m-%d %H:%M UTC"),
                E(self.what),
                E(&(self.fmt)(v))
            );
        }
        let _ = write!(
            out,
            "<line class=\"axis\" x1=\"{left}\" x2=\"{}\" y1=\"{b}\" y2=\"{b}\"/></svg>",
            w - right,
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

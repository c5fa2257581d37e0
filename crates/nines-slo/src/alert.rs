//! Multiwindow, multi-burn-rate alert tiers (Google SRE Workbook, "Alerting
//! on SLOs"), with the thresholds Sloth uses, and the firing/resolved state
//! machine nines' evaluator runs.

use jiff::Timestamp;

/// Who an alert is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    /// Wake someone up.
    Page,
    /// Someone should look during working hours.
    Ticket,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Page => "page",
            Severity::Ticket => "ticket",
        }
    }
}

/// How a tier's burn-rate threshold is given.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TierThreshold {
    /// Fire when this fraction of the whole period's budget would be spent
    /// within the long window: threshold = fraction × period ÷ long window.
    BudgetConsumed(f64),
    /// Fire above this burn rate, whatever the period.
    BurnRate(f64),
}

/// One alert tier: a long window that proves the burn is significant and a
/// short window that proves it is still happening.
#[derive(Debug, Clone, PartialEq)]
pub struct Tier {
    pub severity: Severity,
    /// Long window, minutes.
    pub long: u32,
    /// Short window, minutes.
    pub short: u32,
    pub threshold: TierThreshold,
}

impl Tier {
    /// The burn rate both windows must exceed, for an SLO period of
    /// `period_minutes`.
    pub fn burn_threshold(&self, period_minutes: i64) -> f64 {
        match self.threshold {
            TierThreshold::BurnRate(rate) => rate,
            TierThreshold::BudgetConsumed(fraction) => {
                fraction * period_minutes as f64 / f64::from(self.long)
            }
        }
    }

    /// `page-1h`, `ticket-3d`: the severity and the long window.
    pub fn name(&self) -> String {
        format!(
            "{}-{}",
            self.severity.as_str(),
            crate::format_minutes(self.long)
        )
    }
}

/// The SRE Workbook's four tiers as Sloth sets them: page on 2% of the budget
/// in 1h (5m short) or 5% in 6h (30m); ticket on 10% in 1d (2h) or 10% in 3d
/// (6h). For a 30-day period: 14.4, 6, 3 and 1.
pub fn default_tiers() -> Vec<Tier> {
    let tier = |severity, long, short, fraction| Tier {
        severity,
        long,
        short,
        threshold: TierThreshold::BudgetConsumed(fraction),
    };
    vec![
        tier(Severity::Page, 60, 5, 0.02),
        tier(Severity::Page, 360, 30, 0.05),
        tier(Severity::Ticket, 1440, 120, 0.10),
        tier(Severity::Ticket, 4320, 360, 0.10),
    ]
}

/// Whether a tier is firing, and since when it has been in that state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AlertState {
    pub firing: bool,
    /// When the alert last changed state; `None` if it never fired.
    pub since: Option<Timestamp>,
}

/// A tier's state after one evaluation, with the figures that decided it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AlertStatus {
    pub state: AlertState,
    /// True when this evaluation changed the state.
    pub changed: bool,
    pub threshold: f64,
    pub long_burn: Option<f64>,
    pub short_burn: Option<f64>,
}

/// One step of the state machine. An inactive tier fires when both windows
/// burn above the threshold and the long window holds at least `min_events`
/// events; a firing tier resolves when the short window's burn drops to or
/// below the threshold. A window without data decides nothing: no data is not
/// good data, and it is not an outage either.
pub(crate) fn step(
    prev: AlertState,
    threshold: f64,
    long: Option<f64>,
    long_events: u64,
    short: Option<f64>,
    min_events: u64,
    now: Timestamp,
) -> AlertStatus {
    let firing = if prev.firing {
        !matches!(short, Some(s) if s <= threshold)
    } else {
        long_events >= min_events
            && matches!(long, Some(l) if l > threshold)
            && matches!(short, Some(s) if s > threshold)
    };
    let changed = firing != prev.firing;
    let since = if changed { Some(now) } else { prev.since };
    AlertStatus {
        state: AlertState { firing, since },
        changed,
        threshold,
        long_burn: long,
        short_burn: short,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_match_the_workbook_for_30_and_28_days() {
        let t: Vec<f64> = default_tiers()
            .iter()
            .map(|t| t.burn_threshold(30 * 1440))
            .collect();
        assert_eq!(t, vec![14.4, 6.0, 3.0, 1.0]);
        let t: Vec<String> = default_tiers()
            .iter()
            .map(|t| format!("{:.3}", t.burn_threshold(28 * 1440)))
            .collect();
        assert_eq!(t, vec!["13.440", "5.600", "2.800", "0.933"]);
    }

    #[test]
    fn fires_on_both_windows_and_resolves_on_the_short_one() {
        let now = Timestamp::UNIX_EPOCH;
        let off = AlertState::default();
        // Long burning, short calm: nothing.
        assert!(
            !step(off, 14.4, Some(20.0), 100, Some(1.0), 10, now)
                .state
                .firing
        );
        // Both burning but too few events.
        assert!(
            !step(off, 14.4, Some(20.0), 9, Some(20.0), 10, now)
                .state
                .firing
        );
        let on = step(off, 14.4, Some(20.0), 10, Some(20.0), 10, now);
        assert!(on.state.firing && on.changed && on.state.since == Some(now));
        // Long window calm again but short still burning: keeps firing.
        assert!(
            step(on.state, 14.4, Some(2.0), 100, Some(15.0), 10, now)
                .state
                .firing
        );
        // No data in the short window decides nothing.
        assert!(
            step(on.state, 14.4, Some(2.0), 100, None, 10, now)
                .state
                .firing
        );
        let off2 = step(on.state, 14.4, Some(20.0), 100, Some(14.4), 10, now);
        assert!(!off2.state.firing && off2.changed);
    }

    #[test]
    fn tier_names() {
        let names: Vec<String> = default_tiers().iter().map(Tier::name).collect();
        assert_eq!(names, ["page-1h", "page-6h", "ticket-1d", "ticket-3d"]);
    }
}

//! Whether an alert may notify anyone: silences (made through the API),
//! maintenance windows and inhibit rules (from `incidents:` in the
//! config). A held alert is still recorded and still opens or joins its
//! incident; it only notifies nobody, and the timeline says why.

use nines_config::Config;
use nines_incident::{Labels, Silence};
use nines_store::{Backend, StoreError};

/// What the store says about holds at one instant: the silences in force
/// and, when inhibit rules exist, the labels of every firing alert. Read
/// once and asked about many alerts (the escalation engine asks about
/// every firing alert of every triggered incident each round).
pub struct Holds {
    silences: Vec<(Silence, String)>,
    firing: Vec<Labels>,
}

impl Holds {
    pub fn load(
        store: &dyn Backend,
        config: &Config,
        now: jiff::Timestamp,
    ) -> Result<Holds, StoreError> {
        let silences = store
            .silences(now.as_second())?
            .iter()
            .map(|row| {
                let why = format!("silence {} ({}): {}", row.id, row.created_by, row.comment);
                (crate::state::incidents::to_silence(row), why)
            })
            .collect();
        let firing = if config.incident_policy.inhibit.is_empty() {
            Vec::new()
        } else {
            store
                .firing_alert_labels()?
                .iter()
                .filter_map(|json| serde_json::from_str(json).ok())
                .collect()
        };
        Ok(Holds { silences, firing })
    }

    /// Counts an alert just stored as firing (or no longer firing) for
    /// inhibition, so that the next alert of the same request sees it as
    /// a reload would.
    pub fn saw(&mut self, config: &Config, labels: &Labels, firing: bool) {
        if config.incident_policy.inhibit.is_empty() {
            return;
        }
        // Equal labels are one alert (Alertmanager's fingerprint is
        // their hash), so a copy pushed twice is harmless and a resolve
        // removes every copy.
        if firing {
            self.firing.push(labels.clone());
        } else {
            self.firing.retain(|l| l != labels);
        }
    }

    /// What holds an alert's notifications, in words for the timeline
    /// ("silence 3 (ana): deploy"), or `None` when nothing does. Silences
    /// are checked first, then maintenance windows, then inhibition.
    pub fn of(
        &self,
        config: &Config,
        labels: &Labels,
        service: &str,
        now: jiff::Timestamp,
    ) -> Option<String> {
        if let Some((_, why)) = self
            .silences
            .iter()
            .find(|(s, _)| s.is_silenced(labels, now))
        {
            return Some(why.clone());
        }
        let policy = &config.incident_policy;
        if let Some(w) = policy
            .maintenance
            .iter()
            .find(|w| w.covers(labels, Some(service), now))
        {
            return Some(format!("maintenance window `{}`", w.name));
        }
        policy
            .inhibit
            .iter()
            .position(|rule| rule.inhibited(labels, &self.firing))
            .map(|i| format!("inhibit rule {} (incidents.inhibit[{i}])", i + 1))
    }
}

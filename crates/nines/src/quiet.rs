//! Whether an alert may notify anyone: silences (made through the API),
//! maintenance windows and inhibit rules (from `incidents:` in the
//! config). A held alert is still recorded and still opens or joins its
//! incident; it only notifies nobody, and the timeline says why.

use nines_incident::Labels;
use nines_store::{Store, StoreError};

/// What holds an alert's notifications, in words for the timeline
/// ("silence 3 (ana): deploy"), or `None` when nothing does. Silences are
/// checked first, then maintenance windows, then inhibition.
pub fn held(
    store: &Store,
    config: &nines_config::Config,
    labels: &Labels,
    service: &str,
    now: jiff::Timestamp,
) -> Result<Option<String>, StoreError> {
    if let Some(s) = store
        .silences(now.as_second())?
        .into_iter()
        .find(|row| crate::incidents::to_silence(row).is_silenced(labels, now))
    {
        return Ok(Some(format!(
            "silence {} ({}): {}",
            s.id, s.created_by, s.comment
        )));
    }
    let policy = &config.incident_policy;
    if let Some(w) = policy
        .maintenance
        .iter()
        .find(|w| w.covers(labels, Some(service), now))
    {
        return Ok(Some(format!("maintenance window `{}`", w.name)));
    }
    if policy.inhibit.is_empty() {
        return Ok(None);
    }
    let firing: Vec<Labels> = store
        .firing_alert_labels()?
        .iter()
        .filter_map(|json| serde_json::from_str(json).ok())
        .collect();
    Ok(policy
        .inhibit
        .iter()
        .position(|rule| rule.inhibited(labels, &firing))
        .map(|i| format!("inhibit rule {} (incidents.inhibit[{i}])", i + 1)))
}

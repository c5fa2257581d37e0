//! Inhibition, as Alertmanager's `inhibit_rules`: while a source alert
//! fires (say, "datacenter down"), target alerts it explains (every
//! service in that datacenter) stay quiet.

use crate::alert::Labels;
use crate::matcher::{Matcher, matches_all};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inhibit {
    /// What a firing alert must match to inhibit.
    pub source_matchers: Vec<Matcher>,
    /// What an alert must match to be inhibited.
    pub target_matchers: Vec<Matcher>,
    /// Labels that must have equal values on source and target (a label
    /// missing reads as empty, as in Alertmanager).
    pub equal: Vec<String>,
}

impl Inhibit {
    /// Whether an alert with `target` labels is inhibited by one of the
    /// `firing` alerts.
    ///
    /// As in Alertmanager, an alert matching both sides of the rule cannot
    /// be inhibited by another that also matches both sides: otherwise two
    /// such alerts would silence each other (and an alert itself).
    pub fn inhibited<'a>(
        &self,
        target: &Labels,
        firing: impl IntoIterator<Item = &'a Labels>,
    ) -> bool {
        if !matches_all(&self.target_matchers, target) {
            return false;
        }
        let two_sided = matches_all(&self.source_matchers, target);
        firing.into_iter().any(|source| {
            matches_all(&self.source_matchers, source)
                && self
                    .equal
                    .iter()
                    .all(|name| value(source, name) == value(target, name))
                && !(two_sided && matches_all(&self.target_matchers, source))
        })
    }
}

fn value<'a>(labels: &'a Labels, name: &str) -> &'a str {
    labels.get(name).map_or("", String::as_str)
}

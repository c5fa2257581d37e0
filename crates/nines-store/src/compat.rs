//! The store's methods as inherent methods of [`SqliteStore`], so code that
//! holds the concrete type (tests, tools) calls them without importing the
//! traits. Each forwards to its trait method, where the docs and the code
//! live. A `dyn Backend` needs none of this: a trait object's methods,
//! its supertraits' included, are callable without importing them.

use std::collections::HashMap;

use nines_incident::{AlertStatus, Status};

use crate::codec::EventRecord;
use crate::error::StoreError;
use crate::events::{Appended, EventLog, Restored};
use crate::incidents::{
    AlertLink, AlertTransition, EscalationRow, IncidentOp, IncidentRow, IncidentStats,
    IncidentStore, NamedCounts, SilenceRow, TimelineEntry,
};
use crate::oncall::{OncallStore, OverrideRow, PageRow};
use crate::outbox::{Delivery, OutboxRow, OutboxStore};
use crate::probes::{ProbeRow, ProbeStore, Resolution, Rollup};
use crate::review::{
    ActionItemRow, AlertFiring, ChangeRow, GateOverrideRow, PostmortemRow, ReviewStore,
};
use crate::sqlite::SqliteStore;

/// `forward!(Trait; fn name(&self, arg: Type, ...) -> Ret; ...)` defines
/// `pub fn name` calling `<Self as Trait>::name`.
macro_rules! forward {
    ($Trait:ident;) => {};
    ($Trait:ident; fn $name:ident(&self $(, $arg:ident: $ty:ty)*) -> $ret:ty; $($rest:tt)*) => {
        #[doc = concat!("See [`", stringify!($Trait), "::", stringify!($name), "`].")]
        pub fn $name(&self $(, $arg: $ty)*) -> $ret {
            <Self as $Trait>::$name(self $(, $arg)*)
        }
        forward!($Trait; $($rest)*);
    };
    ($Trait:ident; fn $name:ident(&mut self $(, $arg:ident: $ty:ty)*) -> $ret:ty; $($rest:tt)*) => {
        #[doc = concat!("See [`", stringify!($Trait), "::", stringify!($name), "`].")]
        pub fn $name(&mut self $(, $arg: $ty)*) -> $ret {
            <Self as $Trait>::$name(self $(, $arg)*)
        }
        forward!($Trait; $($rest)*);
    };
}

/// The forwarding methods, in the impl block `$header` opens.
macro_rules! inherent {
    ($($header:tt)*) => {
        $($header)* {
    forward!(EventLog;
        fn slo_ids(&mut self, keys: &[(String, String)]) -> Result<HashMap<(String, String), i64>, StoreError>;
        fn append_batch(&mut self, events: &[EventRecord], received_at: i64, key: Option<&str>) -> Result<i64, StoreError>;
        fn append_batch_once(&mut self, events: &[EventRecord], received_at: i64, key: Option<&str>) -> Result<Appended, StoreError>;
        fn batch_for_key(&self, key: &str) -> Result<Option<(i64, usize)>, StoreError>;
        fn snapshot(&self, slo_id: i64) -> Result<Option<Vec<u8>>, StoreError>;
        fn checkpoint(&mut self, through: i64, snapshots: &[(i64, Vec<u8>)], at: i64) -> Result<(), StoreError>;
        fn append_pulled(&mut self, events: &[EventRecord], cursors: &[(i64, i64)], received_at: i64) -> Result<Option<i64>, StoreError>;
        fn source_cursors(&self) -> Result<HashMap<i64, i64>, StoreError>;
        fn pending_batches(&self) -> Result<i64, StoreError>;
        fn restore(&self) -> Result<Restored, StoreError>;
    );

    forward!(IncidentStore;
        fn apply_incident_ops(&mut self, ops: &[IncidentOp]) -> Result<Option<i64>, StoreError>;
        fn incident(&self, id: i64) -> Result<Option<IncidentRow>, StoreError>;
        fn open_incident_in_group(&self, group_key: &str) -> Result<Option<IncidentRow>, StoreError>;
        fn latest_incident_in_group(&self, group_key: &str) -> Result<Option<IncidentRow>, StoreError>;
        fn incident_of_alert(&self, source: &str, key: &str) -> Result<Option<(IncidentRow, AlertStatus)>, StoreError>;
        fn incidents(&self, status: Option<Status>, service: Option<&str>, limit: u32) -> Result<Vec<IncidentRow>, StoreError>;
        fn incident_alerts(&self, id: i64) -> Result<Vec<AlertLink>, StoreError>;
        fn incident_alert(&self, id: i64, source: &str, key: &str) -> Result<Option<AlertLink>, StoreError>;
        fn incident_fires_besides(&self, id: i64, source: &str, key: &str) -> Result<bool, StoreError>;
        fn escalation(&self, incident: i64) -> Result<Option<EscalationRow>, StoreError>;
        fn firing_alert_labels(&self) -> Result<Vec<String>, StoreError>;
        fn incident_timeline(&self, id: i64) -> Result<Vec<TimelineEntry>, StoreError>;
        fn incident_stats(&self, from: i64, to: i64) -> Result<Vec<IncidentStats>, StoreError>;
        fn incident_counts(&self) -> Result<(NamedCounts, NamedCounts), StoreError>;
        fn add_silence(&mut self, s: &SilenceRow) -> Result<i64, StoreError>;
        fn expire_silence(&mut self, id: i64, at: i64) -> Result<bool, StoreError>;
        fn silences(&self, after: i64) -> Result<Vec<SilenceRow>, StoreError>;
        fn record_alerts(&mut self, transitions: &[AlertTransition]) -> Result<(), StoreError>;
        fn alert_history(&self, slo_id: i64, limit: u32) -> Result<Vec<AlertTransition>, StoreError>;
    );

    forward!(OutboxStore;
        fn due_notifications(&self, now_ms: i64, limit: u32) -> Result<Vec<OutboxRow>, StoreError>;
        fn next_notification_at(&self) -> Result<Option<i64>, StoreError>;
        fn record_deliveries(&mut self, done: &[(OutboxRow, Delivery)]) -> Result<(), StoreError>;
        fn incident_outbox(&self, id: i64) -> Result<Vec<OutboxRow>, StoreError>;
    );

    forward!(OncallStore;
        fn add_override(&mut self, o: &OverrideRow) -> Result<i64, StoreError>;
        fn overrides(&self, after: i64) -> Result<Vec<OverrideRow>, StoreError>;
        fn delete_override(&mut self, schedule: &str, id: i64, at: i64) -> Result<bool, StoreError>;
        fn pages(&self, from_ms: i64, to_ms: i64) -> Result<Vec<PageRow>, StoreError>;
        fn acknowledgements(&self, from: i64, to: i64) -> Result<Vec<(String, i64, i64)>, StoreError>;
    );

    forward!(ReviewStore;
        fn add_change(&mut self, c: &ChangeRow) -> Result<i64, StoreError>;
        fn changes(&self, service: Option<&str>, from: i64, to: i64, limit: u32) -> Result<Vec<ChangeRow>, StoreError>;
        fn add_gate_override(&mut self, o: &GateOverrideRow) -> Result<i64, StoreError>;
        fn gate_overrides(&self, service: &str, limit: u32) -> Result<Vec<GateOverrideRow>, StoreError>;
        fn open_incidents_of(&self, service: &str) -> Result<Vec<(IncidentRow, Vec<AlertLink>)>, StoreError>;
        fn incidents_started(&self, service: Option<&str>, from: i64, to: i64) -> Result<Vec<IncidentRow>, StoreError>;
        fn alert_firings(&self, from: i64, to: i64) -> Result<Vec<AlertFiring>, StoreError>;
        fn linked_alert_keys(&self, since: i64) -> Result<Vec<String>, StoreError>;
        fn save_postmortem(&mut self, incident_id: i64, status: &str, body: &str, author: &str, at: i64, items: &[ActionItemRow]) -> Result<i64, StoreError>;
        fn postmortem(&self, incident_id: i64) -> Result<Option<PostmortemRow>, StoreError>;
        fn postmortem_revisions(&self, incident_id: i64) -> Result<Vec<PostmortemRow>, StoreError>;
        fn action_items(&self, owner: Option<&str>, open_only: bool) -> Result<Vec<ActionItemRow>, StoreError>;
    );

    forward!(ProbeStore;
        fn record_probe_results(&mut self, events: &[EventRecord], rows: &[ProbeRow], beats: &[(String, String, i64)], received_at: i64) -> Result<Option<i64>, StoreError>;
        fn heartbeats(&self) -> Result<Vec<(String, String, i64)>, StoreError>;
        fn probe_results(&self, service: &str, probe: &str, limit: u32) -> Result<Vec<ProbeRow>, StoreError>;
        fn probe_rollups(&self, service: &str, probe: &str, resolution: Resolution, from: i64, to: i64) -> Result<Vec<Rollup>, StoreError>;
    );
        }
    };
}

inherent!(impl SqliteStore);

//! Reading `POST /api/v1/events` bodies: `{"events": [{service, slo, time,
//! good, total}]}` parsed without copying strings, with errors that name the
//! index of the event they are about.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::state::slo::engine::IncomingEvent;

/// A batch body that is not the expected JSON shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShapeError(pub String);

impl fmt::Display for ShapeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Parses a batch body. Strings are borrowed from `body` where JSON allows
/// (no escapes), so a 20,000-event batch allocates little.
pub fn parse_batch(body: &[u8]) -> Result<Vec<Event<'_>>, ShapeError> {
    let batch: Batch<'_> = serde_json::from_slice(body).map_err(|e| ShapeError(e.to_string()))?;
    Ok(batch.events)
}

/// One event as parsed; see [`Event::as_incoming`].
#[derive(Debug)]
pub struct Event<'a> {
    service: Cow<'a, str>,
    slo: Cow<'a, str>,
    time: Option<i64>,
    good: u64,
    total: u64,
}

impl Event<'_> {
    pub fn as_incoming(&self) -> IncomingEvent<'_> {
        IncomingEvent {
            service: &self.service,
            slo: &self.slo,
            time: self.time,
            good: self.good,
            total: self.total,
        }
    }
}

struct Batch<'a> {
    events: Vec<Event<'a>>,
}

impl<'de> serde::Deserialize<'de> for Batch<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct BatchVisitor;
        impl<'de> Visitor<'de> for BatchVisitor {
            type Value = Batch<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(r#"an object {"events": [...]}"#)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Batch<'de>, A::Error> {
                let mut events = None;
                while let Some(Str(key)) = map.next_key::<Str<'de>>()? {
                    match &*key {
                        "events" if events.is_none() => {
                            events = Some(map.next_value::<Events<'de>>()?.0)
                        }
                        "events" => return Err(de::Error::duplicate_field("events")),
                        other => return Err(de::Error::unknown_field(other, &["events"])),
                    }
                }
                events
                    .map(|events| Batch { events })
                    .ok_or_else(|| de::Error::missing_field("events"))
            }
        }
        d.deserialize_map(BatchVisitor)
    }
}

/// The events array; errors inside an element are prefixed with its index.
struct Events<'a>(Vec<Event<'a>>);

impl<'de> serde::Deserialize<'de> for Events<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct EventsVisitor;
        impl<'de> Visitor<'de> for EventsVisitor {
            type Value = Events<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array of events")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Events<'de>, A::Error> {
                let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(100_000));
                loop {
                    let index = out.len();
                    match seq.next_element_seed(EventSeed { index }) {
                        Ok(Some(e)) => out.push(e),
                        Ok(None) => return Ok(Events(out)),
                        Err(e) => return Err(e),
                    }
                }
            }
        }
        d.deserialize_seq(EventsVisitor)
    }
}

struct EventSeed {
    index: usize,
}

impl<'de> de::DeserializeSeed<'de> for EventSeed {
    type Value = Event<'de>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Event<'de>, D::Error> {
        d.deserialize_map(EventVisitor { index: self.index })
    }
}

struct EventVisitor {
    index: usize,
}

const EVENT_FIELDS: &[&str] = &["service", "slo", "time", "good", "total"];

impl<'de> Visitor<'de> for EventVisitor {
    type Value = Event<'de>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "events[{}] to be an object {{service, slo, time, good, total}}",
            self.index
        )
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Event<'de>, A::Error> {
        let i = self.index;
        let at = |msg: String| de::Error::custom(format!("events[{i}]: {msg}"));
        let (mut service, mut slo, mut time, mut good, mut total) = (None, None, None, None, None);
        while let Some(Str(key)) = map.next_key::<Str<'de>>()? {
            match &*key {
                "service" => {
                    service = Some(
                        map.next_value::<Str<'de>>()
                            .map_err(|e| at(format!("service: {e}")))?
                            .0,
                    )
                }
                "slo" => {
                    slo = Some(
                        map.next_value::<Str<'de>>()
                            .map_err(|e| at(format!("slo: {e}")))?
                            .0,
                    )
                }
                "time" => {
                    time = map
                        .next_value::<Option<Time>>()
                        .map_err(|e| at(format!("time: {e}")))?
                        .map(|t| t.0)
                }
                "good" => {
                    good = Some(
                        map.next_value::<u64>()
                            .map_err(|e| at(format!("good: {e}")))?,
                    )
                }
                "total" => {
                    total = Some(
                        map.next_value::<u64>()
                            .map_err(|e| at(format!("total: {e}")))?,
                    )
                }
                other => {
                    return Err(at(format!(
                        "unknown field `{other}`, expected one of {}",
                        EVENT_FIELDS.join(", ")
                    )));
                }
            }
        }
        let missing = |name: &str| at(format!("missing field `{name}`"));
        Ok(Event {
            service: service.ok_or_else(|| missing("service"))?,
            slo: slo.ok_or_else(|| missing("slo"))?,
            time,
            good: good.ok_or_else(|| missing("good"))?,
            total: total.ok_or_else(|| missing("total"))?,
        })
    }
}

/// A string borrowed from the body when it has no escapes, owned when it
/// has. (serde's own `Deserialize for Cow<str>` always allocates an owned
/// `String`: without this, every key and every service and SLO name was a
/// `malloc` and a `free`, seven per event.)
struct Str<'a>(Cow<'a, str>);

impl<'de> serde::Deserialize<'de> for Str<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct StrVisitor;
        impl<'de> Visitor<'de> for StrVisitor {
            type Value = Str<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Str<'de>, E> {
                Ok(Str(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Str<'de>, E> {
                Ok(Str(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Str<'de>, E> {
                Ok(Str(Cow::Owned(v)))
            }
        }
        d.deserialize_str(StrVisitor)
    }
}

/// An event time: RFC 3339 text or unix seconds (integer or fractional),
/// truncated to the second.
struct Time(i64);

impl<'de> serde::Deserialize<'de> for Time {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct TimeVisitor;
        impl Visitor<'_> for TimeVisitor {
            type Value = Time;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("RFC 3339 text (2026-11-24T09:30:00Z) or unix seconds")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Time, E> {
                Ok(Time(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Time, E> {
                i64::try_from(v)
                    .map(Time)
                    .map_err(|_| E::custom(format!("{v} is out of range")))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Time, E> {
                if v.is_finite() && v.abs() < 1e15 {
                    Ok(Time(v.floor() as i64))
                } else {
                    Err(E::custom(format!("{v} is out of range")))
                }
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Time, E> {
                v.parse::<jiff::Timestamp>()
                    .map(|t| Time(t.as_second()))
                    .map_err(|e| E::custom(format!("{v:?} is not an RFC 3339 time: {e}")))
            }
        }
        d.deserialize_any(TimeVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The documented promise: names without escapes are borrowed from the
    /// body, not copied (serde's `Cow<str>` copies; a copy per key and name
    /// cost a quarter of ingest's instructions); escaped ones still read.
    #[test]
    fn names_are_borrowed_unless_escaped() {
        let body = r#"{"events":[{"service":"shop","slo":"a\u0062","good":1,"total":1}]}"#;
        let events = parse_batch(body.as_bytes()).unwrap();
        assert!(matches!(events[0].service, Cow::Borrowed("shop")));
        assert!(matches!(&events[0].slo, Cow::Owned(s) if s == "ab"));
    }

    fn first(body: &str) -> IncomingEvent<'static> {
        let leaked: &'static str = Box::leak(body.to_string().into_boxed_str());
        let events = Box::leak(Box::new(parse_batch(leaked.as_bytes()).unwrap()));
        events[0].as_incoming()
    }

    #[test]
    fn reads_both_time_forms_and_no_time() {
        let e = first(
            r#"{"events":[{"service":"shop","slo":"a","time":"2026-11-24T10:00:30Z","good":9,"total":10}]}"#,
        );
        assert_eq!(e.time, Some(1_795_514_430));
        assert_eq!(
            first(
                r#"{"events":[{"service":"s","slo":"a","time":1795514430.7,"good":1,"total":1}]}"#
            )
            .time,
            Some(1_795_514_430)
        );
        assert_eq!(
            first(r#"{"events":[{"service":"s","slo":"a","good":1,"total":1}]}"#).time,
            None
        );
        assert_eq!(
            first(r#"{"events":[{"service":"s","slo":"a","time":null,"good":1,"total":1}]}"#).time,
            None
        );
        assert_eq!(
            first(r#"{"events":[{"service":"s\u0068op","slo":"a","good":1,"total":1}]}"#).service,
            "shop"
        );
    }

    #[test]
    fn shape_errors_name_the_index() {
        let cases = [
            (
                r#"{"events":[{"service":"s","slo":"a","good":1,"total":1},{"service":"s","slo":"a","good":-1,"total":1}]}"#,
                "events[1]: good: invalid value",
            ),
            (
                r#"{"events":[{"service":"s","slo":"a","good":1}]}"#,
                "events[0]: missing field `total`",
            ),
            (
                r#"{"events":[{"service":"s","slo":"a","good":1,"total":1,"extra":2}]}"#,
                "events[0]: unknown field `extra`",
            ),
            (
                r#"{"events":[{"service":"s","slo":"a","time":"yesterday","good":1,"total":1}]}"#,
                "events[0]: time: \"yesterday\" is not an RFC 3339 time",
            ),
            (r#"{"events":[7]}"#, "events[0] to be an object"),
            (r#"{"evnts":[]}"#, "unknown field `evnts`"),
            (r#"{"events":[{"service":"s""#, "EOF while parsing"),
            (r#"[]"#, r#"expected an object {"events": [...]}"#),
        ];
        for (body, want) in cases {
            let err = parse_batch(body.as_bytes()).unwrap_err().0;
            assert!(err.contains(want), "{body}\n  got: {err}\n want: {want}");
        }
    }
}

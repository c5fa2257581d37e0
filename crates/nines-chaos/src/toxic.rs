//! Toxics: the faults a proxy applies to one direction of its connections,
//! read and written in toxiproxy's JSON shapes (`name`, `type`, `stream`,
//! `toxicity`, `attributes`) so its clients work unchanged. nines adds the
//! `packet_loss` and `down` types and two optional bounds, `duration` and
//! `connections`, which toxiproxy clients never send and never see unless
//! set. Pure: parsing, defaults, rendering.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::error::ChaosError;

/// The direction a toxic acts on: `downstream` is server to client (the
/// default), `upstream` client to server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stream {
    Upstream,
    Downstream,
}

impl Stream {
    pub fn as_str(self) -> &'static str {
        match self {
            Stream::Upstream => "upstream",
            Stream::Downstream => "downstream",
        }
    }
}

/// What a toxic does, with its attributes (milliseconds unless said).
#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    /// Each chunk waits `latency` ± up to `jitter` ms after it arrived.
    Latency { latency: u64, jitter: u64 },
    /// At most `rate` KB/s (1 KB = 1000 bytes, as toxiproxy); 0 is no limit.
    Bandwidth { rate: u64 },
    /// The close waits `delay` ms after the source closed.
    SlowClose { delay: u64 },
    /// Data stops (and is dropped); the connection closes after `timeout`
    /// ms, or is held open while the toxic lasts when 0.
    Timeout { timeout: u64 },
    /// After `timeout` ms (0: at once) both sides get a TCP RST.
    ResetPeer { timeout: u64 },
    /// Chunks cut into pieces of `average_size` ± `size_variation` bytes,
    /// `delay` µs apart.
    Slicer {
        average_size: u64,
        size_variation: u64,
        delay: u64,
    },
    /// The connection closes once `bytes` bytes went through.
    LimitData { bytes: u64 },
    /// nines: each chunk, with chance `probability`, stalls `stall` ms (a
    /// retransmission after a lost packet, as the application sees it).
    PacketLoss { probability: f64, stall: u64 },
    /// nines: the proxy refuses connections (and drops the ones it has)
    /// while this toxic exists; with `duration`, a time-bounded outage.
    Down,
}

impl Kind {
    pub fn type_name(&self) -> &'static str {
        match self {
            Kind::Latency { .. } => "latency",
            Kind::Bandwidth { .. } => "bandwidth",
            Kind::SlowClose { .. } => "slow_close",
            Kind::Timeout { .. } => "timeout",
            Kind::ResetPeer { .. } => "reset_peer",
            Kind::Slicer { .. } => "slicer",
            Kind::LimitData { .. } => "limit_data",
            Kind::PacketLoss { .. } => "packet_loss",
            Kind::Down => "down",
        }
    }

    /// Every attribute, as toxiproxy writes them (absent ones as 0).
    pub fn attributes(&self) -> Value {
        match *self {
            Kind::Latency { latency, jitter } => json!({"latency": latency, "jitter": jitter}),
            Kind::Bandwidth { rate } => json!({"rate": rate}),
            Kind::SlowClose { delay } => json!({"delay": delay}),
            Kind::Timeout { timeout } | Kind::ResetPeer { timeout } => json!({"timeout": timeout}),
            Kind::Slicer {
                average_size,
                size_variation,
                delay,
            } => {
                json!({"average_size": average_size, "size_variation": size_variation, "delay": delay})
            }
            Kind::LimitData { bytes } => json!({"bytes": bytes}),
            Kind::PacketLoss { probability, stall } => {
                json!({"probability": probability, "stall": stall})
            }
            Kind::Down => json!({}),
        }
    }

    /// The kind named `ty` with `attrs` (an object; absent attributes are
    /// 0 and unknown ones ignored, as toxiproxy's decoder does).
    pub fn parse(ty: &str, attrs: &Value) -> Result<Kind, ChaosError> {
        fn get<T: for<'de> Deserialize<'de>>(attrs: &Value) -> Result<T, ChaosError> {
            serde_json::from_value(attrs.clone()).map_err(|e| ChaosError::BadBody(e.to_string()))
        }
        #[derive(Deserialize)]
        #[serde(default)]
        #[derive(Default)]
        struct A {
            latency: u64,
            jitter: u64,
            rate: u64,
            delay: u64,
            timeout: u64,
            average_size: u64,
            size_variation: u64,
            bytes: u64,
            probability: f64,
            stall: u64,
        }
        if !ty_known(ty) {
            return Err(ChaosError::InvalidToxicType);
        }
        let a: A = get(attrs)?;
        let kind = match ty {
            "latency" => Kind::Latency {
                latency: a.latency,
                jitter: a.jitter,
            },
            "bandwidth" => Kind::Bandwidth { rate: a.rate },
            "slow_close" => Kind::SlowClose { delay: a.delay },
            "timeout" => Kind::Timeout { timeout: a.timeout },
            "reset_peer" => Kind::ResetPeer { timeout: a.timeout },
            "slicer" => {
                if a.average_size == 0 {
                    return Err(ChaosError::BadBody(
                        "slicer: average_size must be at least 1 byte".into(),
                    ));
                }
                Kind::Slicer {
                    average_size: a.average_size,
                    size_variation: a.size_variation,
                    delay: a.delay,
                }
            }
            "limit_data" => Kind::LimitData { bytes: a.bytes },
            "packet_loss" => {
                if !(0.0..=1.0).contains(&a.probability) {
                    return Err(ChaosError::BadBody(
                        "packet_loss: probability must be between 0 and 1".into(),
                    ));
                }
                Kind::PacketLoss {
                    probability: a.probability,
                    stall: a.stall,
                }
            }
            _ => Kind::Down,
        };
        Ok(kind)
    }
}

fn ty_known(ty: &str) -> bool {
    matches!(
        ty,
        "latency"
            | "bandwidth"
            | "slow_close"
            | "timeout"
            | "reset_peer"
            | "slicer"
            | "limit_data"
            | "packet_loss"
            | "down"
    )
}

/// One toxic of a proxy.
#[derive(Clone, Debug, PartialEq)]
pub struct Toxic {
    /// Unique within its proxy; defaults to `<type>_<stream>`.
    pub name: String,
    pub stream: Stream,
    /// The chance, per connection, that the toxic applies to it: 1 always
    /// (the default), 0 never.
    pub toxicity: f32,
    pub kind: Kind,
    /// nines: the toxic removes itself this many ms after it was added.
    pub duration: Option<u64>,
    /// nines: only the first N connections opened after the toxic was
    /// added get it.
    pub connections: Option<u64>,
}

impl Toxic {
    /// A toxic from a create request's body, with toxiproxy's defaults and
    /// checks in its order: body, stream, name, type, attributes.
    pub fn from_json(body: &[u8]) -> Result<Toxic, ChaosError> {
        let v: Value =
            serde_json::from_slice(body).map_err(|e| ChaosError::BadBody(e.to_string()))?;
        let Some(o) = v.as_object() else {
            return Err(ChaosError::BadBody("expected a JSON object".into()));
        };
        let stream = match o.get("stream") {
            None | Some(Value::Null) => Stream::Downstream,
            Some(s) => match s.as_str() {
                Some("upstream") => Stream::Upstream,
                Some("downstream") => Stream::Downstream,
                _ => return Err(ChaosError::InvalidStream),
            },
        };
        let ty = str_field(o, "type")?.unwrap_or_default();
        let name = match str_field(o, "name")? {
            Some(n) if !n.is_empty() => n,
            _ => format!("{ty}_{}", stream.as_str()),
        };
        let attrs = o.get("attributes").cloned().unwrap_or_else(|| json!({}));
        let kind = Kind::parse(&ty, &attrs)?;
        Ok(Toxic {
            name,
            stream,
            toxicity: toxicity(o, 1.0)?,
            kind,
            duration: u64_field(o, "duration")?,
            connections: u64_field(o, "connections")?,
        })
    }

    /// This toxic with an update request applied: the attributes given
    /// replace those set, the others stay (toxiproxy decodes the body over
    /// a copy); `toxicity` too. Name, type and stream do not change.
    pub fn updated(&self, body: &[u8]) -> Result<Toxic, ChaosError> {
        let v: Value =
            serde_json::from_slice(body).map_err(|e| ChaosError::BadBody(e.to_string()))?;
        let Some(o) = v.as_object() else {
            return Err(ChaosError::BadBody("expected a JSON object".into()));
        };
        let mut attrs = self.kind.attributes();
        if let (Some(now), Some(Value::Object(new))) = (attrs.as_object_mut(), o.get("attributes"))
        {
            for (k, v) in new {
                now.insert(k.clone(), v.clone());
            }
        }
        Ok(Toxic {
            kind: Kind::parse(self.kind.type_name(), &attrs)?,
            toxicity: toxicity(o, self.toxicity)?,
            ..self.clone()
        })
    }

    /// The toxic as toxiproxy writes it; nines' bounds only when set.
    pub fn to_json(&self) -> Value {
        let mut v = json!({
            "name": self.name,
            "type": self.kind.type_name(),
            "stream": self.stream.as_str(),
            "toxicity": toxicity_json(self.toxicity),
            "attributes": self.kind.attributes(),
        });
        if let Some(d) = self.duration {
            v["duration"] = json!(d);
        }
        if let Some(c) = self.connections {
            v["connections"] = json!(c);
        }
        v
    }
}

fn str_field(o: &Map<String, Value>, key: &str) -> Result<Option<String>, ChaosError> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(ChaosError::BadBody(format!(
            "{key}: expected a string, got {other}"
        ))),
    }
}

fn u64_field(o: &Map<String, Value>, key: &str) -> Result<Option<u64>, ChaosError> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v.as_u64().map(Some).ok_or_else(|| {
            ChaosError::BadBody(format!(
                "{key}: expected a whole number of ms or connections, got {v}"
            ))
        }),
    }
}

fn toxicity(o: &Map<String, Value>, default: f32) -> Result<f32, ChaosError> {
    match o.get("toxicity") {
        None | Some(Value::Null) => Ok(default),
        Some(v) => match v.as_f64() {
            Some(t) if (0.0..=1.0).contains(&t) => Ok(t as f32),
            _ => Err(ChaosError::BadBody(format!(
                "toxicity: expected a number between 0 and 1, got {v}"
            ))),
        },
    }
}

/// toxiproxy keeps toxicity as a float32 and Go writes 1 as `1` and 0.3 as
/// `0.3`; a client comparing bodies sees the same.
fn toxicity_json(t: f32) -> Value {
    if t.fract() == 0.0 {
        json!(t as i64)
    } else {
        // The shortest decimal that reads back as this f32, as Go prints it.
        json!(t.to_string().parse::<f64>().unwrap_or(f64::from(t)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_toxiproxys() {
        let t = Toxic::from_json(br#"{"type":"latency","attributes":{"latency":100}}"#).unwrap();
        assert_eq!(t.name, "latency_downstream");
        assert_eq!(t.stream, Stream::Downstream);
        assert_eq!(t.toxicity, 1.0);
        assert_eq!(
            t.to_json(),
            json!({"name":"latency_downstream","type":"latency","stream":"downstream",
                   "toxicity":1,"attributes":{"latency":100,"jitter":0}})
        );
        let up = Toxic::from_json(br#"{"type":"limit_data","stream":"upstream","toxicity":0.3}"#)
            .unwrap();
        assert_eq!(up.name, "limit_data_upstream");
        assert_eq!(up.to_json()["toxicity"], json!(0.3));
    }

    #[test]
    fn errors_are_toxiproxys() {
        let e = |b: &[u8]| Toxic::from_json(b).unwrap_err();
        assert!(matches!(
            e(br#"{"type":"nope"}"#),
            ChaosError::InvalidToxicType
        ));
        assert!(matches!(e(br#"{}"#), ChaosError::InvalidToxicType));
        assert!(matches!(
            e(br#"{"type":"latency","stream":"sideways"}"#),
            ChaosError::InvalidStream
        ));
        assert_eq!(e(b"{").status(), 400);
        assert_eq!(
            e(br#"{"type":"latency","attributes":{"latency":"x"}}"#).status(),
            400
        );
        assert_eq!(e(br#"{"type":"latency","toxicity":2}"#).status(), 400);
    }

    #[test]
    fn an_update_keeps_what_it_does_not_name() {
        let t = Toxic::from_json(br#"{"name":"l","type":"latency","toxicity":0.5,"attributes":{"latency":100,"jitter":5}}"#)
            .unwrap();
        let u = t.updated(br#"{"attributes":{"latency":200}}"#).unwrap();
        assert_eq!(
            u.kind,
            Kind::Latency {
                latency: 200,
                jitter: 5
            }
        );
        assert_eq!(u.toxicity, 0.5);
        assert_eq!(u.name, "l");
        let u = t.updated(br#"{"toxicity":1}"#).unwrap();
        assert_eq!(u.toxicity, 1.0);
        assert_eq!(u.kind, t.kind);
    }

    #[test]
    fn nines_bounds_show_only_when_set() {
        let t = Toxic::from_json(br#"{"type":"down","duration":500,"connections":3}"#).unwrap();
        assert_eq!(t.duration, Some(500));
        assert_eq!(t.connections, Some(3));
        assert_eq!(t.to_json()["duration"], 500);
        let plain = Toxic::from_json(br#"{"type":"timeout"}"#).unwrap();
        assert!(plain.to_json().get("duration").is_none());
    }
}

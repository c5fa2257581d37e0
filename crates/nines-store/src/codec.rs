//! Compact binary encodings for ingest batches and series snapshots:
//! LEB128 varints, with minutes stored as deltas so a batch of consecutive
//! minutes costs a few bytes per event.

use nines_slo::{Counts, Minute, SloSnapshot, Snapshot, TimesliceSnapshot};

/// An event as stored in the ingest log: the SLO's store id, its minute and
/// counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventRecord {
    pub slo_id: i64,
    pub minute: Minute,
    pub counts: Counts,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("stored record is corrupt: {0}")]
pub struct CodecError(&'static str);

const FORMAT_VERSION: u8 = 1;

fn put_u64(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn put_i64(out: &mut Vec<u8>, v: i64) {
    put_u64(out, ((v << 1) ^ (v >> 63)) as u64);
}

struct Reader<'a> {
    buf: &'a [u8],
}

impl Reader<'_> {
    fn u64(&mut self) -> Result<u64, CodecError> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let (&b, rest) = self
                .buf
                .split_first()
                .ok_or(CodecError("truncated varint"))?;
            self.buf = rest;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(CodecError("varint too long"))
    }

    fn i64(&mut self) -> Result<i64, CodecError> {
        let v = self.u64()?;
        Ok(((v >> 1) as i64) ^ -((v & 1) as i64))
    }

    fn len(&mut self) -> Result<usize, CodecError> {
        let n = self.u64()?;
        // Every entry takes at least one byte, so a count beyond the rest of
        // the buffer is corrupt; refusing it keeps allocations bounded.
        if n > self.buf.len() as u64 {
            return Err(CodecError("count larger than the record"));
        }
        Ok(n as usize)
    }

    fn version(&mut self) -> Result<(), CodecError> {
        match self.buf.split_first() {
            Some((&FORMAT_VERSION, rest)) => {
                self.buf = rest;
                Ok(())
            }
            _ => Err(CodecError("unknown format version")),
        }
    }
}

pub fn encode_events(events: &[EventRecord]) -> Vec<u8> {
    let mut out = Vec::with_capacity(1 + events.len() * 8);
    out.push(FORMAT_VERSION);
    put_u64(&mut out, events.len() as u64);
    let (mut slo, mut minute) = (0i64, 0i64);
    for e in events {
        put_i64(&mut out, e.slo_id.wrapping_sub(slo));
        put_i64(&mut out, e.minute.wrapping_sub(minute));
        put_u64(&mut out, e.counts.good);
        put_u64(&mut out, e.counts.total.wrapping_sub(e.counts.good));
        (slo, minute) = (e.slo_id, e.minute);
    }
    out
}

pub fn decode_events(buf: &[u8]) -> Result<Vec<EventRecord>, CodecError> {
    let mut r = Reader { buf };
    r.version()?;
    let n = r.len()?;
    let mut events = Vec::with_capacity(n);
    let (mut slo, mut minute) = (0i64, 0i64);
    for _ in 0..n {
        slo = slo.wrapping_add(r.i64()?);
        minute = minute.wrapping_add(r.i64()?);
        let good = r.u64()?;
        let total = good.wrapping_add(r.u64()?);
        events.push(EventRecord {
            slo_id: slo,
            minute,
            counts: Counts::new(good, total),
        });
    }
    Ok(events)
}

fn put_buckets(out: &mut Vec<u8>, buckets: &[(Minute, Counts)]) {
    put_u64(out, buckets.len() as u64);
    let mut prev = 0i64;
    for &(m, c) in buckets {
        put_i64(out, m.wrapping_sub(prev));
        put_u64(out, c.good);
        put_u64(out, c.total.wrapping_sub(c.good));
        prev = m;
    }
}

fn read_buckets(r: &mut Reader<'_>) -> Result<Vec<(Minute, Counts)>, CodecError> {
    let n = r.len()?;
    let mut out = Vec::with_capacity(n);
    let mut prev = 0i64;
    for _ in 0..n {
        prev = prev.wrapping_add(r.i64()?);
        let good = r.u64()?;
        out.push((prev, Counts::new(good, good.wrapping_add(r.u64()?))));
    }
    Ok(out)
}

/// Tag of a timeslices snapshot; events snapshots carry `FORMAT_VERSION`,
/// so snapshots written before timeslices existed still read.
const TIMESLICES: u8 = 2;

fn put_snapshot_body(out: &mut Vec<u8>, s: &Snapshot) {
    put_i64(out, s.head);
    put_buckets(out, &s.minutes);
    put_buckets(out, &s.hours);
}

fn read_snapshot_body(r: &mut Reader<'_>) -> Result<Snapshot, CodecError> {
    let head = r.i64()?;
    let minutes = read_buckets(r)?;
    let hours = read_buckets(r)?;
    Ok(Snapshot {
        head,
        minutes,
        hours,
    })
}

pub fn encode_snapshot(s: &Snapshot) -> Vec<u8> {
    encode_slo_snapshot(&SloSnapshot::Events(s.clone()))
}

pub fn decode_snapshot(buf: &[u8]) -> Result<Snapshot, CodecError> {
    match decode_slo_snapshot(buf)? {
        SloSnapshot::Events(s) => Ok(s),
        SloSnapshot::Timeslices(_) => Err(CodecError(
            "a timeslices snapshot where an events one was expected",
        )),
    }
}

pub fn encode_slo_snapshot(s: &SloSnapshot) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    match s {
        SloSnapshot::Events(s) => {
            out.push(FORMAT_VERSION);
            put_snapshot_body(&mut out, s);
        }
        SloSnapshot::Timeslices(t) => {
            out.push(TIMESLICES);
            put_i64(&mut out, t.sealed_to);
            put_snapshot_body(&mut out, &t.events);
            put_snapshot_body(&mut out, &t.slices);
        }
    }
    out
}

pub fn decode_slo_snapshot(buf: &[u8]) -> Result<SloSnapshot, CodecError> {
    let (&tag, rest) = buf.split_first().ok_or(CodecError("empty snapshot"))?;
    let mut r = Reader { buf: rest };
    match tag {
        FORMAT_VERSION => Ok(SloSnapshot::Events(read_snapshot_body(&mut r)?)),
        TIMESLICES => {
            let sealed_to = r.i64()?;
            let events = read_snapshot_body(&mut r)?;
            let slices = read_snapshot_body(&mut r)?;
            Ok(SloSnapshot::Timeslices(TimesliceSnapshot {
                events,
                slices,
                sealed_to,
            }))
        }
        _ => Err(CodecError("unknown format version")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_round_trip() {
        let events = vec![
            EventRecord {
                slo_id: 3,
                minute: 29_000_000,
                counts: Counts::new(990, 1000),
            },
            EventRecord {
                slo_id: 1,
                minute: 28_999_000,
                counts: Counts::new(0, 0),
            },
            EventRecord {
                slo_id: 7,
                minute: -5,
                counts: Counts::new(u64::MAX, u64::MAX),
            },
        ];
        assert_eq!(decode_events(&encode_events(&events)).unwrap(), events);
    }

    #[test]
    fn snapshot_round_trip() {
        let s = Snapshot {
            head: 29_000_000,
            minutes: vec![
                (28_999_990, Counts::new(5, 6)),
                (29_000_000, Counts::new(1, 1)),
            ],
            hours: vec![(28_990_020, Counts::new(100, 200))],
        };
        assert_eq!(decode_snapshot(&encode_snapshot(&s)).unwrap(), s);
    }

    #[test]
    fn timeslice_snapshots_round_trip() {
        let s = Snapshot {
            head: 100,
            minutes: vec![(99, Counts::new(1, 2))],
            hours: vec![],
        };
        let t = SloSnapshot::Timeslices(TimesliceSnapshot {
            events: s.clone(),
            slices: s,
            sealed_to: 95,
        });
        assert_eq!(decode_slo_snapshot(&encode_slo_snapshot(&t)).unwrap(), t);
    }

    #[test]
    fn timeslice_snapshots_round_trip_and_old_snapshots_still_read() {
        let s = Snapshot {
            head: 100,
            minutes: vec![(99, Counts::new(1, 2))],
            hours: vec![],
        };
        let t = SloSnapshot::Timeslices(TimesliceSnapshot {
            events: s.clone(),
            slices: s.clone(),
            sealed_to: 95,
        });
        assert_eq!(decode_slo_snapshot(&encode_slo_snapshot(&t)).unwrap(), t);
        // An events snapshot is the format written before timeslices existed.
        assert_eq!(
            decode_slo_snapshot(&encode_snapshot(&s)).unwrap(),
            SloSnapshot::Events(s)
        );
    }

    #[test]
    fn corrupt_records_are_errors_not_panics() {
        let good = encode_events(&[EventRecord {
            slo_id: 1,
            minute: 2,
            counts: Counts::new(3, 4),
        }]);
        for cut in 0..good.len() {
            assert!(decode_events(&good[..cut]).is_err());
        }
        assert!(
            decode_events(&[
                1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01
            ])
            .is_err()
        );
        assert!(decode_snapshot(&[9]).is_err());
    }
}

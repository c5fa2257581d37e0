//! What the toxics of one direction do to one connection's bytes. Time
//! comes in as the offset since the connection began and chance from a
//! seeded [`Rng`], so every decision is a plain function of its inputs:
//! the I/O in `link.rs` only reads, sleeps until a piece's time and writes.
//!
//! Each chunk read becomes pieces with the earliest time they may leave;
//! the toxics of the direction transform that list in chain order
//! (toxiproxy chains them the same way), and may end the connection.

use std::collections::HashMap;
use std::time::Duration;

use crate::toxic::{Kind, Stream, Toxic};

/// A toxic as a proxy's chain holds it: `id` is unique for the proxy's
/// life (an update keeps it, so a connection keeps its state), `added_seq`
/// the number the next connection was to get when it was added.
#[derive(Clone, Debug)]
pub struct Entry {
    pub id: u64,
    pub toxic: Toxic,
    pub added_seq: u64,
}

/// The toxics of a proxy, both directions, in the order they were added.
pub type Chain = Vec<Entry>;

/// Bytes on their way out, not to leave before `at`.
#[derive(Clone, Debug, PartialEq)]
pub struct Piece {
    pub bytes: Vec<u8>,
    pub at: Duration,
}

/// How a connection ends when a toxic ends it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    /// Both sides closed normally (FIN).
    Close,
    /// Both sides get a TCP RST.
    Reset,
}

/// xorshift64*: small, seeded, good enough to roll toxicity and jitter.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed | 1)
    }
    /// Uniform in [0, 1).
    pub fn next_f64(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Uniform in [0, n]; 0 when n is 0.
    pub fn up_to(&mut self, n: u64) -> u64 {
        ((self.next_f64() * (n as f64 + 1.0)) as u64).min(n)
    }
}

/// Whether a toxic applies to a connection, given its roll in [0, 1).
pub fn active(toxicity: f32, roll: f64) -> bool {
    roll < f64::from(toxicity)
}

/// Whether connection number `seq` is among the first `limit` opened
/// since the toxic was added (connections older than the toxic are not).
pub fn in_first(seq: u64, added_seq: u64, limit: Option<u64>) -> bool {
    match limit {
        None => true,
        Some(n) => seq >= added_seq && seq - added_seq < n,
    }
}

/// `latency` ± up to `jitter` ms, never below zero; `roll` in [0, 1).
pub fn jittered(latency: u64, jitter: u64, roll: f64) -> Duration {
    let offset = (roll * 2.0 - 1.0) * jitter as f64;
    Duration::from_micros(((latency as f64 + offset).max(0.0) * 1000.0) as u64)
}

/// Slice sizes that add up to `len`: each `average` ± up to `variation`
/// (at least 1), the last one whatever is left.
pub fn slice_sizes(len: usize, average: u64, variation: u64, rng: &mut Rng) -> Vec<usize> {
    let variation = variation.min(average.saturating_sub(1));
    let mut out = Vec::new();
    let mut left = len;
    while left > 0 {
        let low = average - variation;
        let size = (low + rng.up_to(2 * variation)).max(1) as usize;
        let size = size.min(left);
        out.push(size);
        left -= size;
    }
    out
}

/// Time to send `bytes` at `rate` KB/s (1 KB = 1000 bytes).
pub fn transmit_time(bytes: usize, rate: u64) -> Duration {
    Duration::from_nanos((bytes as u128 * 1_000_000 / u128::from(rate.max(1))) as u64)
}

/// What one connection remembers of one toxic.
#[derive(Clone, Debug)]
struct State {
    /// Rolled once per connection (toxicity) and limited by `connections`.
    active: bool,
    /// When this connection first saw the toxic: timers count from here.
    since: Duration,
    /// Bandwidth: the earliest time the next piece may leave.
    next_free: Duration,
    /// Limit data: bytes let through so far.
    passed: u64,
}

/// The toxics of one direction of one connection.
#[derive(Debug)]
pub struct Direction {
    stream: Stream,
    /// The connection's number in its proxy (for `connections`).
    seq: u64,
    rng: Rng,
    states: HashMap<u64, State>,
}

/// Bandwidth pieces are cut to this share of a second of the rate, so a
/// large chunk does not leave in one burst and then wait.
const BANDWIDTH_SLICES_PER_SECOND: u64 = 10;

impl Direction {
    pub fn new(stream: Stream, seq: u64, seed: u64) -> Direction {
        Direction {
            stream,
            seq,
            rng: Rng::new(seed),
            states: HashMap::new(),
        }
    }

    /// Takes in the chain as it is now: new toxics of this direction are
    /// rolled and their timers start at `now`; removed ones are forgotten.
    pub fn sync(&mut self, chain: &Chain, now: Duration) {
        self.states
            .retain(|id, _| chain.iter().any(|e| e.id == *id));
        for e in chain.iter().filter(|e| e.toxic.stream == self.stream) {
            if self.states.contains_key(&e.id) {
                continue;
            }
            let roll = self.rng.next_f64();
            let active = active(e.toxic.toxicity, roll)
                && in_first(self.seq, e.added_seq, e.toxic.connections);
            self.states.insert(
                e.id,
                State {
                    active,
                    since: now,
                    next_free: now,
                    passed: 0,
                },
            );
        }
    }

    /// The active toxics of this direction, in chain order.
    fn applying<'c>(&self, chain: &'c Chain) -> impl Iterator<Item = &'c Entry> {
        chain.iter().filter(move |e| {
            e.toxic.stream == self.stream && self.states.get(&e.id).is_some_and(|s| s.active)
        })
    }

    /// Whether a toxic applies to this connection (after [`Direction::sync`]).
    pub fn is_active(&self, id: u64) -> bool {
        self.states.get(&id).is_some_and(|s| s.active)
    }

    /// A chunk read at `now` through the chain: the pieces to write, and
    /// how the connection ends once they are written, if a toxic ends it.
    pub fn on_data(
        &mut self,
        chain: &Chain,
        data: &[u8],
        now: Duration,
    ) -> (Vec<Piece>, Option<End>) {
        self.sync(chain, now);
        let mut pieces = vec![Piece {
            bytes: data.to_vec(),
            at: now,
        }];
        let mut end = None;
        let ids: Vec<(u64, Kind)> = self
            .applying(chain)
            .map(|e| (e.id, e.toxic.kind.clone()))
            .collect();
        for (id, kind) in ids {
            let rng = &mut self.rng;
            let Some(st) = self.states.get_mut(&id) else {
                continue;
            };
            pieces = match kind {
                Kind::Latency { latency, jitter } => pieces
                    .into_iter()
                    .map(|p| Piece {
                        at: p.at.max(now + jittered(latency, jitter, rng.next_f64())),
                        ..p
                    })
                    .collect(),
                Kind::Bandwidth { rate: 0 } => pieces,
                Kind::Bandwidth { rate } => {
                    let slice = (rate * 1000 / BANDWIDTH_SLICES_PER_SECOND).max(1) as usize;
                    let mut out = Vec::new();
                    for p in pieces {
                        for part in p.bytes.chunks(slice) {
                            let at = p.at.max(st.next_free);
                            st.next_free = at + transmit_time(part.len(), rate);
                            out.push(Piece {
                                bytes: part.to_vec(),
                                at,
                            });
                        }
                    }
                    out
                }
                Kind::Slicer {
                    average_size,
                    size_variation,
                    delay,
                } => {
                    let mut out = Vec::new();
                    for p in pieces {
                        let mut offset = 0;
                        let sizes = slice_sizes(p.bytes.len(), average_size, size_variation, rng);
                        for (i, size) in sizes.into_iter().enumerate() {
                            out.push(Piece {
                                bytes: p.bytes[offset..offset + size].to_vec(),
                                at: p.at + Duration::from_micros(delay * i as u64),
                            });
                            offset += size;
                        }
                    }
                    out
                }
                Kind::LimitData { bytes } => {
                    let mut out = Vec::new();
                    for mut p in pieces {
                        let left = bytes.saturating_sub(st.passed) as usize;
                        if p.bytes.len() >= left {
                            p.bytes.truncate(left);
                            end = end.or(Some(End::Close));
                        }
                        st.passed += p.bytes.len() as u64;
                        if !p.bytes.is_empty() {
                            out.push(p);
                        }
                        if end.is_some() {
                            break;
                        }
                    }
                    out
                }
                Kind::PacketLoss { probability, stall } => pieces
                    .into_iter()
                    .map(|p| {
                        if rng.next_f64() < probability {
                            Piece {
                                at: p.at + Duration::from_millis(stall),
                                ..p
                            }
                        } else {
                            p
                        }
                    })
                    .collect(),
                // Data stops: dropped, as toxiproxy's timeout does.
                Kind::Timeout { .. } => Vec::new(),
                Kind::SlowClose { .. } | Kind::ResetPeer { .. } | Kind::Down => pieces,
            };
        }
        (pieces, end)
    }

    /// The earliest time a toxic ends the connection without data: a
    /// `timeout` (close) or `reset_peer` (reset), counted from when this
    /// connection first saw it.
    pub fn deadline(&self, chain: &Chain) -> Option<(Duration, End)> {
        self.applying(chain)
            .filter_map(|e| {
                let since = self.states.get(&e.id)?.since;
                match e.toxic.kind {
                    Kind::Timeout { timeout } if timeout > 0 => {
                        Some((since + Duration::from_millis(timeout), End::Close))
                    }
                    Kind::ResetPeer { timeout } => {
                        Some((since + Duration::from_millis(timeout), End::Reset))
                    }
                    _ => None,
                }
            })
            .min_by_key(|(at, _)| *at)
    }

    /// How long to wait, once the source closed, before closing the
    /// destination: the active `slow_close` delays, added up.
    pub fn close_delay(&self, chain: &Chain) -> Duration {
        self.applying(chain)
            .map(|e| match e.toxic.kind {
                Kind::SlowClose { delay } => Duration::from_millis(delay),
                _ => Duration::ZERO,
            })
            .sum()
    }
}

#[cfg(test)]
mod tests;

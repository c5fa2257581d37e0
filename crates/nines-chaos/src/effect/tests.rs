use proptest::prelude::*;

use super::*;

fn entry(id: u64, json: &str) -> Entry {
    Entry {
        id,
        toxic: Toxic::from_json(json.as_bytes()).unwrap(),
        added_seq: 0,
    }
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[test]
fn latency_delays_from_arrival_not_cumulatively() {
    let chain = vec![entry(
        1,
        r#"{"type":"latency","attributes":{"latency":100}}"#,
    )];
    let mut d = Direction::new(Stream::Downstream, 0, 7);
    let (a, _) = d.on_data(&chain, b"one", ms(0));
    let (b, _) = d.on_data(&chain, b"two", ms(10));
    assert_eq!(a[0].at, ms(100));
    // The second chunk waits 100 ms from its own arrival, not after the first.
    assert_eq!(b[0].at, ms(110));
}

#[test]
fn toxics_act_on_their_own_direction_only() {
    let chain = vec![entry(
        1,
        r#"{"type":"latency","stream":"upstream","attributes":{"latency":100}}"#,
    )];
    let mut down = Direction::new(Stream::Downstream, 0, 7);
    let mut up = Direction::new(Stream::Upstream, 0, 7);
    assert_eq!(down.on_data(&chain, b"x", ms(5)).0[0].at, ms(5));
    assert_eq!(up.on_data(&chain, b"x", ms(5)).0[0].at, ms(105));
}

#[test]
fn limit_data_passes_exactly_the_limit_then_closes() {
    let chain = vec![entry(
        1,
        r#"{"type":"limit_data","attributes":{"bytes":10}}"#,
    )];
    let mut d = Direction::new(Stream::Downstream, 0, 7);
    let (p, end) = d.on_data(&chain, b"123456", ms(0));
    assert_eq!((p[0].bytes.len(), end), (6, None));
    let (p, end) = d.on_data(&chain, b"7890abc", ms(1));
    assert_eq!(p[0].bytes, b"7890");
    assert_eq!(end, Some(End::Close));
}

#[test]
fn timeout_drops_data_and_closes_after_its_timeout_from_when_seen() {
    let chain = vec![entry(
        1,
        r#"{"type":"timeout","attributes":{"timeout":50}}"#,
    )];
    let mut d = Direction::new(Stream::Downstream, 0, 7);
    d.sync(&chain, ms(20));
    assert_eq!(d.deadline(&chain), Some((ms(70), End::Close)));
    assert!(d.on_data(&chain, b"lost", ms(30)).0.is_empty());
    let hold = vec![entry(2, r#"{"type":"timeout","attributes":{"timeout":0}}"#)];
    let mut d = Direction::new(Stream::Downstream, 0, 7);
    d.sync(&hold, ms(0));
    assert_eq!(
        d.deadline(&hold),
        None,
        "timeout 0 holds the connection open"
    );
}

#[test]
fn reset_peer_and_slow_close() {
    let chain = vec![
        entry(1, r#"{"type":"reset_peer","attributes":{"timeout":30}}"#),
        entry(2, r#"{"type":"slow_close","attributes":{"delay":40}}"#),
    ];
    let mut d = Direction::new(Stream::Downstream, 0, 7);
    d.sync(&chain, ms(0));
    assert_eq!(d.deadline(&chain), Some((ms(30), End::Reset)));
    assert_eq!(d.close_delay(&chain), ms(40));
}

#[test]
fn toxicity_zero_is_off_and_one_is_on() {
    let off = vec![entry(
        1,
        r#"{"type":"latency","toxicity":0,"attributes":{"latency":100}}"#,
    )];
    let on = vec![entry(
        1,
        r#"{"type":"latency","toxicity":1,"attributes":{"latency":100}}"#,
    )];
    for seed in 0..200 {
        let mut d = Direction::new(Stream::Downstream, 0, seed);
        assert_eq!(d.on_data(&off, b"x", ms(0)).0[0].at, ms(0));
        let mut d = Direction::new(Stream::Downstream, 0, seed);
        assert_eq!(d.on_data(&on, b"x", ms(0)).0[0].at, ms(100));
    }
}

#[test]
fn toxicity_is_rolled_once_per_connection() {
    let chain = vec![entry(
        1,
        r#"{"type":"latency","toxicity":0.5,"attributes":{"latency":100}}"#,
    )];
    let mut hit = 0;
    for seed in 0..2000u64 {
        let mut d = Direction::new(
            Stream::Downstream,
            0,
            seed.wrapping_mul(0x9E37_79B9_7F4A_7C15),
        );
        let first = d.on_data(&chain, b"x", ms(0)).0[0].at == ms(100);
        // Every later chunk of the same connection gets the same answer.
        for t in 1..5 {
            assert_eq!(d.on_data(&chain, b"x", ms(t)).0[0].at == ms(100 + t), first);
        }
        hit += usize::from(first);
    }
    assert!(
        (900..1100).contains(&hit),
        "{hit} of 2000 connections at toxicity 0.5"
    );
}

#[test]
fn connections_limits_a_toxic_to_the_first_n_after_it() {
    let mut e = entry(
        1,
        r#"{"type":"latency","connections":2,"attributes":{"latency":100}}"#,
    );
    e.added_seq = 5;
    let chain = vec![e];
    let got: Vec<bool> = (3..10)
        .map(|seq| {
            let mut d = Direction::new(Stream::Downstream, seq, 1);
            d.on_data(&chain, b"x", ms(0)).0[0].at == ms(100)
        })
        .collect();
    assert_eq!(got, [false, false, true, true, false, false, false]);
}

#[test]
fn bandwidth_paces_at_the_rate() {
    // 10 KB/s: 1000 bytes take 100 ms.
    let chain = vec![entry(1, r#"{"type":"bandwidth","attributes":{"rate":10}}"#)];
    let mut d = Direction::new(Stream::Downstream, 0, 7);
    let (p, _) = d.on_data(&chain, &[0u8; 5000], ms(0));
    assert_eq!(p.len(), 5);
    let times: Vec<Duration> = p.iter().map(|p| p.at).collect();
    assert_eq!(times, [ms(0), ms(100), ms(200), ms(300), ms(400)]);
    // After an idle spell the pace starts again from now (no saved-up burst).
    let (p, _) = d.on_data(&chain, &[0u8; 1000], ms(2000));
    assert_eq!(p[0].at, ms(2000));
}

#[test]
fn a_removed_toxic_stops_acting() {
    let chain = vec![entry(
        1,
        r#"{"type":"latency","attributes":{"latency":100}}"#,
    )];
    let mut d = Direction::new(Stream::Downstream, 0, 7);
    assert_eq!(d.on_data(&chain, b"x", ms(0)).0[0].at, ms(100));
    assert_eq!(d.on_data(&Vec::new(), b"x", ms(1)).0[0].at, ms(1));
}

proptest! {
    #[test]
    fn slices_add_up_and_stay_in_range(len in 0usize..20_000, avg in 1u64..2000, var in 0u64..3000, seed: u64) {
        let sizes = slice_sizes(len, avg, var, &mut super::Rng::new(seed));
        prop_assert_eq!(sizes.iter().sum::<usize>(), len);
        let var = var.min(avg - 1);
        for (i, s) in sizes.iter().enumerate() {
            prop_assert!(*s >= 1);
            prop_assert!(*s as u64 <= avg + var);
            if i + 1 < sizes.len() {
                prop_assert!(*s as u64 >= avg - var);
            }
        }
    }

    #[test]
    fn jitter_stays_within_its_bound(latency in 0u64..10_000, jitter in 0u64..10_000, roll in 0.0f64..1.0) {
        let d = jittered(latency, jitter, roll);
        prop_assert!(d <= ms(latency + jitter));
        prop_assert!(d + ms(jitter) + Duration::from_micros(1) >= ms(latency));
    }

    #[test]
    fn data_through_any_passing_chain_is_unchanged_and_in_order(
        chunks in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 1..3000), 1..20),
        latency in 0u64..200, rate in 0u64..500, avg in 1u64..500, seed: u64,
    ) {
        let chain = vec![
            entry(1, &format!(r#"{{"type":"latency","attributes":{{"latency":{latency},"jitter":20}}}}"#)),
            entry(2, &format!(r#"{{"type":"slicer","attributes":{{"average_size":{avg},"size_variation":{avg},"delay":10}}}}"#)),
            entry(3, &format!(r#"{{"type":"bandwidth","attributes":{{"rate":{rate}}}}}"#)),
        ];
        let mut d = Direction::new(Stream::Downstream, 0, seed);
        let mut out = Vec::new();
        let mut input: Vec<u8> = Vec::new();
        for (i, c) in chunks.iter().enumerate() {
            let now = ms(i as u64 * 7);
            let (pieces, end) = d.on_data(&chain, c, now);
            prop_assert!(end.is_none());
            for p in pieces {
                prop_assert!(p.at >= now);
                out.extend(p.bytes);
            }
            input.extend(c);
        }
        prop_assert_eq!(out, input);
    }

    #[test]
    fn limit_data_never_passes_more_than_its_bytes(
        chunks in proptest::collection::vec(1usize..5000, 1..30), limit in 0u64..50_000,
    ) {
        let chain = vec![entry(1, &format!(r#"{{"type":"limit_data","attributes":{{"bytes":{limit}}}}}"#))];
        let mut d = Direction::new(Stream::Downstream, 0, 1);
        let mut passed = 0u64;
        let mut ended = false;
        for c in chunks {
            let (pieces, end) = d.on_data(&chain, &vec![0; c], ms(0));
            passed += pieces.iter().map(|p| p.bytes.len() as u64).sum::<u64>();
            if end.is_some() { ended = true; break; }
        }
        prop_assert!(passed <= limit);
        // It ends exactly when the limit is reached.
        prop_assert_eq!(ended, passed == limit);
    }
}

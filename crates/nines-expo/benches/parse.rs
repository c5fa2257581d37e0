//! Parsing a 100,000-series scrape: histograms (12 buckets, `_sum`,
//! `_count`) and counters with 3 to 5 labels, with HELP and TYPE lines, as
//! a busy service exposes them. Run pinned to one core:
//! `taskset -c 0 cargo bench -p nines-expo --bench parse`.
//! Target: at least 5,000,000 samples per second per core. Also prints the
//! cost of summing a selector over the same payload (parse plus matching),
//! which is what one SLI scrape costs.

use std::fmt::Write;
use std::hint::black_box;
use std::time::Instant;

use nines_expo::{Format, Selector, parse};

const SERIES: usize = 100_000;
const BUCKETS: [&str; 12] = [
    "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf",
];

fn payload() -> String {
    let mut out = String::with_capacity(SERIES * 120);
    let mut n = 0usize;
    let methods = ["GET", "POST", "PUT", "DELETE"];
    let codes = ["200", "201", "404", "500", "503"];
    let mut family = 0;
    while n < SERIES {
        family += 1;
        // A histogram family: handler x method children.
        let h = format!("http_server_request_duration_seconds_{family}");
        writeln!(
            out,
            "# HELP {h} Time spent serving HTTP requests, by handler and method."
        )
        .unwrap();
        writeln!(out, "# TYPE {h} histogram").unwrap();
        'histogram: for handler in 0..40 {
            for method in methods {
                if n >= SERIES {
                    break 'histogram;
                }
                let labels = format!(
                    "service=\"checkout\",instance=\"10.1.{}.{}:8080\",handler=\"/api/v1/items/{handler}\",method=\"{method}\"",
                    family % 256,
                    handler
                );
                let mut cumulative = (handler * 37 + family * 11) as u64;
                for le in BUCKETS {
                    cumulative += (handler as u64 * 7919) % 1013;
                    writeln!(out, "{h}_bucket{{{labels},le=\"{le}\"}} {cumulative}").unwrap();
                }
                writeln!(out, "{h}_sum{{{labels}}} {}", cumulative as f64 * 0.0427).unwrap();
                writeln!(out, "{h}_count{{{labels}}} {cumulative}").unwrap();
                n += BUCKETS.len() + 2;
            }
        }
        // A counter family with 3 to 5 labels.
        let c = format!("http_requests_{family}_total");
        writeln!(out, "# HELP {c} Requests served, by code.").unwrap();
        writeln!(out, "# TYPE {c} counter").unwrap();
        for i in 0..1500 {
            if n >= SERIES {
                break;
            }
            let code = codes[i % codes.len()];
            match i % 3 {
                0 => writeln!(out, "{c}{{job=\"api\",instance=\"10.2.0.{}:9090\",code=\"{code}\"}} {}", i % 250, i * 1_000_003 % 99_991),
                1 => writeln!(out, "{c}{{job=\"api\",instance=\"10.2.0.{}:9090\",code=\"{code}\",method=\"{}\"}} {}", i % 250, methods[i % 4], i * 31),
                _ => writeln!(out, "{c}{{job=\"api\",instance=\"10.2.0.{}:9090\",code=\"{code}\",method=\"{}\",path=\"/v1/{}\"}} {}e3", i % 250, methods[i % 4], i, i % 97),
            }
            .unwrap();
            n += 1;
        }
    }
    out
}

fn main() {
    let text = payload();
    let mut samples = 0usize;
    parse(&text, Format::Text, |_| samples += 1).expect("the payload parses");
    assert!(samples >= SERIES, "{samples} samples");

    // Warm up, then time whole parses.
    let mut checksum = 0.0;
    let rounds = 30;
    for _ in 0..3 {
        parse(black_box(&text), Format::Text, |s| checksum += s.value).unwrap();
    }
    let t0 = Instant::now();
    for _ in 0..rounds {
        parse(black_box(&text), Format::Text, |s| {
            checksum += black_box(s.value)
        })
        .unwrap();
    }
    let secs = t0.elapsed().as_secs_f64();
    let per_sec = (samples * rounds) as f64 / secs;
    let mb_per_sec = (text.len() * rounds) as f64 / secs / 1e6;
    black_box(checksum);

    let selector = Selector::parse(
        r#"http_server_request_duration_seconds_1_bucket{le="0.25", method!~"DELETE|PUT"}"#,
    )
    .unwrap();
    let sum_rounds = 10;
    let t1 = Instant::now();
    let mut sum = None;
    for _ in 0..sum_rounds {
        sum = black_box(selector.sum(black_box(&text), Format::Text).unwrap());
    }
    let sum_ms = t1.elapsed().as_secs_f64() * 1e3 / f64::from(sum_rounds);
    assert!(sum.is_some());

    println!(
        "parse: {per_sec:.0} samples/s ({:.2}x the 5,000,000 target), {mb_per_sec:.0} MB/s, \
         {samples} samples in {:.1} KiB; selector sum over the payload: {sum_ms:.2} ms",
        per_sec / 5e6,
        text.len() as f64 / 1024.0,
    );
}

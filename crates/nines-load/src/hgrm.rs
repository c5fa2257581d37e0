//! `--hdr-out`: the histogram as HdrHistogram's percentile distribution
//! text (`.hgrm`, what `outputPercentileDistribution` prints), which
//! HdrHistogram's online plotter and its tools read. Values in ms.

use std::fmt::Write;

use hdrhistogram::Histogram;

/// The distribution of `h` (microseconds), five ticks per half distance
/// as HdrHistogram prints by default.
pub fn percentile_distribution(h: &Histogram<u64>) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:>12} {:>14} {:>10} {:>14}\n",
        "Value", "Percentile", "TotalCount", "1/(1-Percentile)"
    );
    if !h.is_empty() {
        for v in h.iter_quantiles(5) {
            let q = v.quantile_iterated_to();
            let value = v.value_iterated_to() as f64 / 1000.0;
            if q < 1.0 {
                let _ = writeln!(
                    out,
                    "{value:>12.3} {q:>14.12} {:>10} {:>14.2}",
                    v.count_since_last_iteration(),
                    1.0 / (1.0 - q)
                );
            } else {
                let _ = writeln!(
                    out,
                    "{value:>12.3} {q:>14.12} {:>10}",
                    v.count_since_last_iteration()
                );
            }
        }
    }
    let _ = writeln!(
        out,
        "#[Mean    = {:>12.3}, StdDeviation   = {:>12.3}]",
        h.mean() / 1000.0,
        h.stdev() / 1000.0
    );
    let _ = writeln!(
        out,
        "#[Max     = {:>12.3}, Total count    = {:>12}]",
        h.max() as f64 / 1000.0,
        h.len()
    );
    let _ = writeln!(
        out,
        "#[Buckets = {:>12}, SubBuckets     = {:>12}]",
        h.buckets(),
        // 3 significant digits: 2 * 10^3 rounded up to a power of two.
        2048
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ends_at_the_max_with_every_count() {
        let mut h = crate::record::histogram();
        for v in 1..=1000u64 {
            h.record(v * 1000).unwrap();
        }
        let text = percentile_distribution(&h);
        let rows: Vec<&str> = text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .skip(1)
            .collect();
        let counted: u64 = rows
            .iter()
            .map(|r| r.split_whitespace().nth(2).unwrap().parse::<u64>().unwrap())
            .sum();
        assert_eq!(counted, 1000);
        let last = rows.last().unwrap();
        assert!(last.contains("1.000000000000"), "{last}");
        assert!(text.contains("Total count    =         1000"), "{text}");
    }
}

//! Forecasting 1,000 hourly series of 90 days with the default (seasonal,
//! seasons detected) model, then reading each against a limit. Run pinned
//! to one core: `taskset -c 0 cargo bench -p nines-forecast --bench forecast`.
//! Target (issue 20): under 10 s for the 1,000 on one core.

use std::hint::black_box;
use std::time::Instant;

use nines_forecast::{Model, Spec, forecast, outlook};

fn series(i: usize) -> Vec<f64> {
    let mut h = i as u64 + 1;
    (0..24 * 90)
        .map(|t| {
            h ^= h << 13;
            h ^= h >> 7;
            h ^= h << 17;
            let noise = (h % 1000) as f64 / 100.0 - 5.0;
            let tf = t as f64;
            500.0
                + (i % 7) as f64 * tf / 24.0
                + 40.0 * (tf * std::f64::consts::TAU / 24.0).sin()
                + 15.0 * (tf * std::f64::consts::TAU / 168.0).cos()
                + noise
        })
        .collect()
}

fn main() {
    let all: Vec<Vec<f64>> = (0..1000).map(series).collect();
    let spec = Spec::new(Model::Seasonal, 3600.0, 24 * 14);
    let start = Instant::now();
    let mut crossings = 0;
    for y in &all {
        let f = forecast(black_box(y), &spec).expect("90 days is enough history");
        let o = outlook(&f.forecast, y[y.len() - 1], 3600.0, 1200.0);
        crossings += matches!(o.exhaustion, nines_forecast::Exhaustion::Predicted { .. }) as usize;
    }
    let took = start.elapsed();
    println!(
        "1000 series x 2160 hourly points, horizon 336: {:.2} s ({:.2} ms/series), {crossings} predicted to cross",
        took.as_secs_f64(),
        took.as_secs_f64()
    );
}

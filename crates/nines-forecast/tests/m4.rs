//! Accuracy on the M4 competition's Hourly series (414 series, horizon 48,
//! MASE with period 24), read from ../shared/data/m4-hourly. The seasonal
//! model must beat M4's Naive2 benchmark (OWA < 1); the figures are printed
//! for bench/README.md. Run: cargo test -p nines-forecast --release --test m4 -- --nocapture

use nines_forecast::{Model, Spec, accuracy, forecast};
use std::path::{Path, PathBuf};

const HORIZON: usize = 48;
const SEASON: usize = 24;
/// Naive2's official M4-Hourly scores (the data's README).
const NAIVE2_SMAPE: f64 = 18.383;
const NAIVE2_MASE: f64 = 2.395;

/// The shared corpora, as the binary's tests find them: required under CI,
/// skipped with a SKIPPED message otherwise.
fn shared_data(rel: &str) -> Option<PathBuf> {
    let root = std::env::var_os("NINES_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"));
    let path = root.join(rel);
    if path.exists() {
        return Some(path);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{} is required in CI (the shared corpora; or set NINES_SHARED_DATA)",
        path.display()
    );
    eprintln!("SKIPPED: {} missing", path.display());
    None
}

/// Rows of `"V1","V2",...` with the id first and empty trailing cells.
fn read(path: &Path) -> Vec<Vec<f64>> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .skip(1)
        .map(|line| {
            line.split(',')
                .skip(1)
                .map(|c| c.trim_matches('"'))
                .filter(|c| !c.is_empty())
                .map(|c| {
                    c.parse()
                        .unwrap_or_else(|e| panic!("{}: {c:?}: {e}", path.display()))
                })
                .collect()
        })
        .collect()
}

struct Score {
    smape: f64,
    mase: f64,
}

impl Score {
    fn owa(&self) -> f64 {
        accuracy::owa(self.smape, self.mase, NAIVE2_SMAPE, NAIVE2_MASE)
    }
}

fn score(train: &[Vec<f64>], test: &[Vec<f64>], f: impl Fn(&[f64]) -> Vec<f64>) -> Score {
    let (mut smape, mut mase) = (0.0, 0.0);
    for (tr, te) in train.iter().zip(test) {
        let fc = f(tr);
        smape += accuracy::smape(te, &fc);
        mase += accuracy::mase(tr, te, &fc, SEASON);
    }
    let n = train.len() as f64;
    Score {
        smape: smape / n,
        mase: mase / n,
    }
}

#[test]
fn m4_hourly_seasonal_model_beats_naive2() {
    let (Some(train), Some(test)) = (
        shared_data("m4-hourly/Hourly-train.csv"),
        shared_data("m4-hourly/Hourly-test.csv"),
    ) else {
        return;
    };
    let (train, test) = (read(&train), read(&test));
    assert_eq!((train.len(), test.len()), (414, 414));
    assert!(test.iter().all(|t| t.len() == HORIZON));

    // Our metric code must reproduce the official benchmark figures first.
    let naive2 = score(&train, &test, |y| accuracy::naive2(y, HORIZON, SEASON));
    let snaive = score(&train, &test, |y| {
        accuracy::seasonal_naive(y, HORIZON, SEASON)
    });
    println!(
        "Naive2          sMAPE {:.3}  MASE {:.3}  OWA {:.3}",
        naive2.smape,
        naive2.mase,
        naive2.owa()
    );
    println!(
        "seasonal naive  sMAPE {:.3}  MASE {:.3}  OWA {:.3}",
        snaive.smape,
        snaive.mase,
        snaive.owa()
    );
    assert!((naive2.smape - NAIVE2_SMAPE).abs() < 0.05 && (naive2.mase - NAIVE2_MASE).abs() < 0.01);
    assert!((snaive.smape - 13.912).abs() < 0.05 && (snaive.mase - 1.193).abs() < 0.01);

    let run = |model: Model| {
        score(&train, &test, |y| {
            let spec = Spec::new(model.clone(), 3600.0, HORIZON);
            forecast(y, &spec)
                .expect("M4 hourly series hold at least 29 days")
                .forecast
                .point
        })
    };
    let daily = run(Model::SeasonalWith(vec![SEASON]));
    let both = run(Model::SeasonalWith(vec![SEASON, 7 * SEASON]));
    let detected = run(Model::Seasonal);
    println!(
        "MSTL(24)+ETS    sMAPE {:.3}  MASE {:.3}  OWA {:.3}",
        daily.smape,
        daily.mase,
        daily.owa()
    );
    println!(
        "MSTL(24,168)+ETS sMAPE {:.3}  MASE {:.3}  OWA {:.3}",
        both.smape,
        both.mase,
        both.owa()
    );
    println!(
        "detected seasons sMAPE {:.3}  MASE {:.3}  OWA {:.3}",
        detected.smape,
        detected.mase,
        detected.owa()
    );
    for (name, s) in [
        ("MSTL(24)", &daily),
        ("MSTL(24,168)", &both),
        ("detected", &detected),
    ] {
        assert!(
            s.owa() < 1.0,
            "{name}: OWA {:.3} is no better than Naive2",
            s.owa()
        );
    }
}

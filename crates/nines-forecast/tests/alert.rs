//! `decide`: what a time-to-exhaustion answer raises, over random
//! crossings, floors and horizons. What a user relies on: sooner is never
//! calmer, a higher floor is never louder, a page is always within the page
//! horizon, nothing fires without a crossing, and a resource already past
//! its limit always pages.

use nines_forecast::{Alert, Calm, Exhaustion, Quiet, Thresholds, decide};
use proptest::prelude::*;

const DAY: f64 = 86_400.0;

fn predicted(earliest_s: f64) -> Exhaustion {
    Exhaustion::Predicted {
        expected_s: Some(earliest_s * 1.5),
        earliest_s,
        latest_s: None,
    }
}

fn thresholds() -> impl Strategy<Value = Thresholds> {
    (
        0.0..30.0 * DAY,
        0.0..1.0f64,
        proptest::option::of(-1e3..1e3f64),
    )
        .prop_map(|(ticket_s, share, floor)| Thresholds {
            ticket_s,
            page_s: ticket_s * share,
            floor,
        })
}

proptest! {
    #[test]
    fn sooner_is_never_calmer(t in thresholds(), a in 0.0..60.0 * DAY, b in 0.0..60.0 * DAY, current in -1e3..1e3f64) {
        let (soon, late) = (a.min(b), a.max(b));
        prop_assert!(decide(&predicted(soon), current, &t).rank() >= decide(&predicted(late), current, &t).rank());
    }

    #[test]
    fn a_higher_floor_is_never_louder(t in thresholds(), e in 0.0..60.0 * DAY, current in -1e3..1e3f64, f1 in -1e3..1e3f64, f2 in -1e3..1e3f64) {
        let low = Thresholds { floor: Some(f1.min(f2)), ..t };
        let high = Thresholds { floor: Some(f1.max(f2)), ..t };
        prop_assert!(decide(&predicted(e), current, &low).rank() >= decide(&predicted(e), current, &high).rank());
        // No floor at all is the loudest.
        let none = Thresholds { floor: None, ..t };
        prop_assert!(decide(&predicted(e), current, &none).rank() >= decide(&predicted(e), current, &low).rank());
    }

    #[test]
    fn alerts_match_the_horizons(t in thresholds(), e in 0.0..60.0 * DAY, current in -1e3..1e3f64) {
        let a = decide(&predicted(e), current, &t);
        let over_floor = t.floor.is_none_or(|f| current >= f);
        let want = if !over_floor {
            Alert::None(Calm::UnderFloor)
        } else if e <= t.page_s {
            Alert::Page
        } else if e <= t.ticket_s {
            Alert::Ticket
        } else {
            Alert::None(Calm::NotSoon)
        };
        prop_assert_eq!(a, want);
    }

    #[test]
    fn no_crossing_never_fires_and_exhausted_always_pages(t in thresholds(), current in -1e3..1e3f64) {
        for q in [Quiet::NotGrowing, Quiet::BeyondHorizon] {
            prop_assert_eq!(decide(&Exhaustion::None(q), current, &t), Alert::None(Calm::NoCrossing));
        }
        prop_assert_eq!(decide(&Exhaustion::Now, current, &t), Alert::Page);
    }
}

/// The mixin's pairing by hand: a disk at 50% of its limit whose band
/// crosses in a day stays quiet under an 80% floor, and pages at 85%.
#[test]
fn the_floor_quiets_a_trend_far_from_the_limit() {
    let t = Thresholds {
        ticket_s: 14.0 * DAY,
        page_s: 2.0 * DAY,
        floor: Some(80.0),
    };
    assert_eq!(
        decide(&predicted(DAY), 50.0, &t),
        Alert::None(Calm::UnderFloor)
    );
    assert_eq!(decide(&predicted(DAY), 85.0, &t), Alert::Page);
    assert_eq!(decide(&predicted(5.0 * DAY), 85.0, &t), Alert::Ticket);
    assert_eq!(
        decide(&predicted(20.0 * DAY), 85.0, &t),
        Alert::None(Calm::NotSoon)
    );
}

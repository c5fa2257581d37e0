//! Builders for the facts a probe run records, shared by the test files.
#![allow(dead_code)] // each test file uses a different subset

use std::time::Duration;

use nines_condition::{Condition, Facts, Outcome};

pub const HOUR_MS: i64 = 3_600_000;

pub fn status(code: u16) -> Facts {
    Facts {
        status: Some(code),
        ..Facts::default()
    }
}

pub fn body(text: &str) -> Facts {
    Facts {
        body: Some(text.as_bytes().to_vec()),
        ..Facts::default()
    }
}

pub fn response_time_ms(ms: u64) -> Facts {
    Facts {
        response_time: Some(Duration::from_millis(ms)),
        ..Facts::default()
    }
}

pub fn certificate_expires_in_ms(ms: i64) -> Facts {
    Facts {
        certificate_expiration_ms: Some(ms),
        ..Facts::default()
    }
}

pub fn domain_expires_in_ms(ms: i64) -> Facts {
    Facts {
        domain_expiration_ms: Some(ms),
        ..Facts::default()
    }
}

pub fn connected(yes: bool) -> Facts {
    Facts {
        connected: Some(yes),
        ..Facts::default()
    }
}

pub fn ip(address: &str) -> Facts {
    Facts {
        ip: Some(address.parse().expect("a test IP address")),
        ..Facts::default()
    }
}

pub fn dns_rcode(code: u16) -> Facts {
    Facts {
        dns_rcode: Some(code),
        ..Facts::default()
    }
}

/// Parses `condition` (which must be valid) and evaluates it.
pub fn eval(condition: &str, facts: &Facts) -> Outcome {
    Condition::parse(condition)
        .unwrap_or_else(|e| panic!("{condition:?} should parse:\n{}", e.render()))
        .evaluate(facts)
}

//! Black-box tests of nines-config: bad configs and their messages, good
//! configs and the model they build (probes, scrape targets, incident
//! routing too), directory loading, properties.

mod config {
    pub mod bad;
    pub mod capacity;
    pub mod docs;
    pub mod good;
    pub mod incidents;
    pub mod load;
    pub mod oncall;
    pub mod probes;
    pub mod props;
    pub mod review;
    pub mod status_page;
}

use nines_config::Config;

/// The test environment for `${VAR}`: setting process variables is unsafe in
/// edition 2024, so tests inject a lookup instead.
pub fn env(name: &str) -> Option<String> {
    match name {
        "TEAM" => Some("payments".to_string()),
        "OBJECTIVE" => Some("99.5".to_string()),
        "CI_HASH" => Some(nines_config::hash_token("ci-secret")),
        // Secrets the examples in docs/config.md take from the environment.
        "SHOP_PROBE_TOKEN" | "SHOP_METRICS_TOKEN" | "MIMIR_PASSWORD" | "CART_PASSWORD" => {
            Some("not-a-secret".to_string())
        }
        "WEBHOOK_SECRET" | "NINES_LINK_SECRET" => Some("not-a-secret-but-long-enough".to_string()),
        "SMTP_PASSWORD" | "PD_ROUTING_KEY" => Some("not-a-secret".to_string()),
        "SLACK_PAYMENTS_URL" => Some("https://hooks.slack.com/services/T0/B0/XXXX".to_string()),
        _ => None,
    }
}

/// Parses `text` as `nines.yaml` with [`env`], expecting success.
pub fn parse(text: &str) -> Config {
    match Config::parse_with_env("nines.yaml", text, &env) {
        Ok(config) => config,
        Err(errors) => panic!("expected a valid config, got:\n{errors}"),
    }
}

/// Parses `text` as `nines.yaml` with [`env`], expecting errors; returns
/// them as the user sees them.
pub fn errors(text: &str) -> String {
    match Config::parse_with_env("nines.yaml", text, &env) {
        Ok(config) => panic!("expected errors, got a valid config: {config:#?}"),
        Err(errors) => errors.to_string(),
    }
}

#!/usr/bin/env bash
# Runs every test of nines: format, lints, unit, property, snapshot,
# integration and crash tests. Installs what it needs when it can (root with
# apt-get, cargo install), and says what is missing when it cannot.
set -euo pipefail
cd "$(dirname "$0")"

say() { printf '\033[1mtest.sh:\033[0m %s\n' "$*"; }

if ! command -v cargo >/dev/null; then
  say "cargo is missing: install Rust from https://rustup.rs"; exit 2
fi
if ! cargo nextest --version >/dev/null 2>&1; then
  say "installing cargo-nextest"
  cargo install cargo-nextest --locked
fi
# Real peers from Debian's packages: prometheus and promtool (the /metrics,
# rules and PromQL-source tests), dnsmasq (the DNS probe tests) and
# Alertmanager with amtool (the incident intake tests).
need=()
command -v promtool >/dev/null && command -v prometheus >/dev/null || need+=(prometheus)
command -v dnsmasq >/dev/null || need+=(dnsmasq-base)
command -v prometheus-alertmanager >/dev/null && command -v amtool >/dev/null || need+=(prometheus-alertmanager)
# blackbox_exporter and openssl: nines' probe metrics compared with blackbox's
# on the same targets (crates/nines/tests/tests/blackbox.rs).
command -v prometheus-blackbox-exporter >/dev/null || need+=(prometheus-blackbox-exporter)
command -v openssl >/dev/null || need+=(openssl)
# PostgreSQL's server: the store suite and the crash test run on a throwaway
# cluster each (nines-testkit's postgres.rs); nothing needs to be running.
command -v initdb >/dev/null || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
# Chromium and node for the web UI's browser tests (crates/nines/tests/ui.rs).
command -v chromium >/dev/null || need+=(chromium)
command -v node >/dev/null && command -v npm >/dev/null || need+=(nodejs npm)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing ${need[*]} (apt-get)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    say "missing: apt-get install ${need[*]} (tests that need them fail when CI is set, and are skipped otherwise)"
  fi
fi

# From npm: playwright-core drives Chromium, axe-core checks accessibility.
browser=crates/nines/tests/browser
if [ ! -d "$browser/node_modules" ] && command -v npm >/dev/null; then
  say "installing the browser tests' npm packages (npm ci)"
  (cd "$browser" && npm ci --no-audit --no-fund --silent) || say "could not run npm ci in $browser"
fi

# From PyPI: icalendar parses nines' calendar feeds, aiosmtpd is the SMTP
# server email notifications are delivered to, toxiproxy-python is
# toxiproxy's own client driving nines chaos proxy (module:package).
for pair in icalendar:icalendar aiosmtpd:aiosmtpd toxiproxy:toxiproxy-python; do
  module=${pair%%:*} package=${pair#*:}
  if ! python3 -c "import $module" 2>/dev/null; then
    say "installing $package (pip) for the tests"
    python3 -m pip install --quiet "$package" || say "could not install $package: python3 -m pip install $package"
  fi
done

say "cargo fmt --check"
cargo fmt --all -- --check
say "cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
say "cargo nextest run"
cargo nextest run --workspace --locked --no-fail-fast
say "doc tests"
cargo test --workspace --doc --locked -q
say "all tests passed"

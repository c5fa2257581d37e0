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
# promtool (Debian package prometheus) checks /metrics in the tests.
if ! command -v promtool >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing promtool (apt-get install prometheus)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus >/dev/null
  else
    say "promtool is missing: apt-get install prometheus (the /metrics test fails without it when CI is set)"
  fi
fi

# Python's icalendar (PyPI) parses nines' calendar feeds in the tests.
if ! python3 -c "import icalendar" 2>/dev/null; then
  say "installing icalendar (pip) for the calendar feed tests"
  python3 -m pip install --quiet icalendar || say "could not install icalendar: python3 -m pip install icalendar"
fi

say "cargo fmt --check"
cargo fmt --all -- --check
say "cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
say "cargo nextest run"
cargo nextest run --workspace --locked --no-fail-fast
say "doc tests"
cargo test --workspace --doc --locked -q
say "all tests passed"

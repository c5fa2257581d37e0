//! nines-condition's integration tests as one test binary: each file here is a
//! module, `util` the shared harness.

mod util;

mod errors;
mod examples;
mod properties;

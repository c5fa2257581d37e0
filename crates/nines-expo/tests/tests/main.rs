//! nines-expo's integration tests as one test binary: each file here is a
//! module, `util` the shared harness.

mod util;

mod counter;
mod fixtures;
mod parse;
mod props;
mod selector;

//! nines-incident's integration tests as one test binary (one link, not
//! eight): each file here is a module, `util` the shared builders.

mod util;

mod alertmanager;
mod incident;
mod pagerduty;
mod properties;
mod quiet;
mod retry;
mod routing;
mod signature;

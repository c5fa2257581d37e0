//! Prometheus exposition for nines: parse what a target's `/metrics` serves
//! (text format 0.0.4 and OpenMetrics 1.0), pick series with PromQL-style
//! selectors, and turn counters into increases scrape over scrape. Pure: no
//! I/O, no clock; the scraper hands the body in.
//!
//! It is also the home of what nines' one-line languages share: the
//! label-matcher core ([`matcher`]: the four operators, anchored regexes)
//! that selectors and nines-incident's Alertmanager-style matchers match
//! through, and the caret-style [`SyntaxError`] ([`syntax`]) that
//! selectors, matchers and nines-condition's conditions report.
//!
//! ```
//! use nines_expo::{Format, Selector, SelectorIncrease};
//!
//! let good = Selector::parse(r#"http_requests_total{code!~"5.."}"#).unwrap();
//! let body = "http_requests_total{code=\"200\"} 10\nhttp_requests_total{code=\"500\"} 1\n";
//! assert_eq!(good.sum(body, Format::Text).unwrap(), Some(10.0));
//!
//! let mut increase = SelectorIncrease::new(good);
//! assert_eq!(increase.scrape(body, Format::Text).unwrap(), None); // first scrape
//! let later = "http_requests_total{code=\"200\"} 25\nhttp_requests_total{code=\"500\"} 2\n";
//! assert_eq!(increase.scrape(later, Format::Text).unwrap(), Some(15.0));
//! ```
#![forbid(unsafe_code)]

mod counter;
mod labels;
pub mod matcher;
mod parse;
mod render;
mod sample;
mod selector;
pub mod syntax;

pub use counter::{Counters, SelectorIncrease, SeriesKey, increase};
pub use labels::{Labels, LabelsIter};
pub use matcher::{Dialect, LabelMatcher, MatchOp};
pub use parse::{Entry, Format, ParseError, Parser, parse};
pub use render::{render, write_sample};
pub use sample::{Exemplar, MetricType, Sample};
pub use selector::{Matcher, Selector, SelectorError};
pub use syntax::SyntaxError;

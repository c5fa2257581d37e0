//! Probe conditions in Gatus' syntax, so conditions written for Gatus work
//! in a nines probe unchanged: `[STATUS] == 200`, `[BODY].status == UP`,
//! `len([BODY].items) > 0`, `[CERTIFICATE_EXPIRATION] > 48h`. Pure: the
//! probe collects [`Facts`] and evaluates its conditions against them; the
//! run succeeds when every condition holds.
//!
//! ```
//! use nines_condition::{evaluate_all, Condition, Facts};
//!
//! let conditions = ["[STATUS] == 200", "[BODY].status == UP"]
//!     .map(|c| Condition::parse(c).unwrap());
//! let facts = Facts {
//!     status: Some(503),
//!     body: Some(br#"{"status": "DOWN"}"#.to_vec()),
//!     ..Facts::default()
//! };
//! let outcomes = evaluate_all(&conditions, &facts);
//! assert_eq!(outcomes[0].description, "[STATUS] (503) == 200");
//! assert_eq!(outcomes[1].description, "[BODY].status (DOWN) == UP");
//! assert!(outcomes.iter().all(|o| !o.success));
//! ```
//!
//! Where nines differs from Gatus, it fails loudly rather than passing
//! quietly:
//!
//! - values a placeholder can never equal are parse errors
//!   (`[STATUS] == OK`, `[DNS_RCODE] == NOERORR`), as are `<`/`>` on
//!   `[IP]`, `[CONNECTED]`, `[DNS_RCODE]` and `has()`;
//! - a condition on a missing fact or a missing `[BODY]` path fails, with
//!   `!=` too (Gatus compares the text `(INVALID)` and passes `!=`);
//! - `<`, `>` on text that is not a number fail (Gatus reads it as 0);
//! - placeholder names are case-sensitive (recent Gatus also accepts
//!   `[status]`; the error suggests `[STATUS]`);
//! - `[HEADER]`, `[CONTEXT]`, `age()` and the `[*]` wildcard are not
//!   supported yet;
//! - `len()` counts an object's keys and a string's characters (Gatus:
//!   bytes of the JSON text); `7d` is accepted as a duration; numbers equal
//!   numerically (`1.0 == 1`); `pat()` knows `*` and `?`, not `[…]` classes.
#![forbid(unsafe_code)]

mod condition;
mod eval;
mod literal;
mod parse;
mod pattern;

pub use condition::{Condition, Function, Operand, Operator, Placeholder, Right, Segment};
pub use eval::{Facts, Outcome, evaluate_all};
pub use literal::dns_rcode_name;
pub use parse::ConditionError;

//! Properties over many generated inputs: the parser never panics and
//! points inside the input, printed conditions parse back to themselves,
//! and evaluation never panics and finds every path a JSON body has.

use std::net::IpAddr;
use std::time::Duration;

use nines_condition::{
    Condition, Facts, Function, Operand, Operator, Placeholder, Right, Segment, evaluate_all,
};
use proptest::prelude::*;
use serde_json::Value as Json;

// === generated conditions ===

/// Keys a path can address (see `Segment::Key`), including non-ASCII.
fn key() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9_:@é日-]{1,8}"
}

fn segment() -> impl Strategy<Value = Segment> {
    prop_oneof![
        key().prop_map(Segment::Key),
        (0usize..1000).prop_map(Segment::Index),
    ]
}

fn operand() -> BoxedStrategy<Operand> {
    let simple = prop::sample::select(Placeholder::ALL.to_vec()).prop_map(|placeholder| Operand {
        function: None,
        placeholder,
        path: vec![],
    });
    let body = (
        prop::option::of(prop_oneof![Just(Function::Len), Just(Function::Has)]),
        prop::collection::vec(segment(), 0..4),
    )
        .prop_map(|(function, path)| Operand {
            function,
            placeholder: Placeholder::Body,
            path,
        });
    prop_oneof![simple, body].boxed()
}

/// Whether `<`, `>` accept the operand (the parser rejects the others).
fn is_numeric(operand: &Operand) -> bool {
    match operand.function {
        Some(Function::Len) => true,
        Some(Function::Has) => false,
        None => !matches!(
            operand.placeholder,
            Placeholder::Ip | Placeholder::Connected | Placeholder::DnsRcode
        ),
    }
}

fn number() -> BoxedStrategy<String> {
    prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| f.to_string()),
        (0u32..1000, 0u32..100).prop_map(|(a, b)| format!("{a}.{b}")),
        (1u32..10, -5i32..5).prop_map(|(a, e)| format!("{a}e{e}")),
    ]
    .boxed()
}

fn duration() -> BoxedStrategy<String> {
    let part = (
        0u32..1000,
        prop::sample::select(vec!["ns", "us", "µs", "ms", "s", "m", "h", "d"]),
    )
        .prop_map(|(n, unit)| format!("{n}{unit}"));
    prop::collection::vec(part, 1..4)
        .prop_map(|parts| parts.concat())
        .boxed()
}

/// Free text a literal may be: non-empty, trimmed, not read as a function
/// or placeholder (see `Right::Literal`).
fn text() -> BoxedStrategy<String> {
    "[^\\[\\s][^\\n]{0,20}"
        .prop_filter("a literal", |s| {
            s.trim() == s
                && !["pat(", "any(", "len(", "has("]
                    .iter()
                    .any(|f| s.starts_with(f))
        })
        .boxed()
}

/// Literals the parser accepts after `left operator`.
fn literal(left: &Operand, operator: Operator) -> BoxedStrategy<String> {
    let numeric_or_duration = prop_oneof![number(), duration()].boxed();
    match (left.function, left.placeholder) {
        (Some(Function::Len), _) => number(),
        (Some(Function::Has), _) | (None, Placeholder::Connected) => {
            prop_oneof![Just("true".to_owned()), Just("false".to_owned())].boxed()
        }
        (None, Placeholder::Status) => any::<i32>().prop_map(|n| n.to_string()).boxed(),
        (None, Placeholder::ResponseTime)
        | (None, Placeholder::CertificateExpiration)
        | (None, Placeholder::DomainExpiration) => numeric_or_duration,
        (None, Placeholder::Ip) => any::<IpAddr>().prop_map(|ip| ip.to_string()).boxed(),
        (None, Placeholder::DnsRcode) => (0u16..30)
            .prop_map(|c| nines_condition::dns_rcode_name(c).into_owned())
            .boxed(),
        (None, Placeholder::Body) if operator.is_ordering() => numeric_or_duration,
        (None, Placeholder::Body) => text(),
    }
}

fn right(left: &Operand, operator: Operator) -> BoxedStrategy<Right> {
    let literal_ = literal(left, operator);
    if operator.is_ordering() {
        return prop_oneof![
            literal_.prop_map(Right::Literal),
            operand()
                .prop_filter("numeric", is_numeric)
                .prop_map(Right::Operand),
        ]
        .boxed();
    }
    let item = literal_
        .clone()
        .prop_filter("an any() value", |s| !s.contains(',') && s.trim() == s);
    prop_oneof![
        literal_.prop_map(Right::Literal),
        prop::collection::vec(item, 1..4).prop_map(Right::Any),
        "[^\\n]{0,12}".prop_map(Right::Pattern),
        operand().prop_map(Right::Operand),
    ]
    .boxed()
}

fn condition() -> impl Strategy<Value = Condition> {
    operand()
        .prop_flat_map(|left| {
            let operators = if is_numeric(&left) {
                vec![
                    Operator::Eq,
                    Operator::Ne,
                    Operator::Lt,
                    Operator::Le,
                    Operator::Gt,
                    Operator::Ge,
                ]
            } else {
                vec![Operator::Eq, Operator::Ne]
            };
            (Just(left), prop::sample::select(operators))
        })
        .prop_flat_map(|(left, operator)| {
            let right = right(&left, operator);
            (Just(left), Just(operator), right)
        })
        .prop_map(|(left, operator, right)| Condition {
            left,
            operator,
            right,
        })
}

/// Strings made of the pieces conditions are made of, so the parser is
/// driven deep into every branch, not just rejected at the first character.
fn token_soup() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        prop::sample::select(vec![
            "[STATUS]",
            "[BODY]",
            "[IP]",
            "[DNS_RCODE]",
            "[CERTIFICATE_EXPIRATION]",
            "[CONNECTED]",
            "[status]",
            "[",
            "]",
            ".",
            "(",
            ")",
            "len(",
            "has(",
            "pat(",
            "any(",
            "age(",
            "==",
            "!=",
            "<",
            "<=",
            ">",
            ">=",
            "=",
            "!",
            " ",
            "\t",
            "\n",
            ",",
            "*",
            "?",
            "0",
            "200",
            "48h",
            "1.5",
            "UP",
            "true",
            "NOERROR",
            "é",
            "日本",
            "\u{0}",
            "\u{200B}",
            "\u{2028}",
            "🦀",
        ])
        .prop_map(str::to_owned),
        ".{0,3}",
    ];
    prop::collection::vec(piece, 0..12).prop_map(|pieces| pieces.concat())
}

// === generated facts and bodies ===

fn json_with(key: BoxedStrategy<String>) -> impl Strategy<Value = Json> {
    let leaf = prop_oneof![
        Just(Json::Null),
        any::<bool>().prop_map(Json::Bool),
        any::<i64>().prop_map(Json::from),
        any::<u64>().prop_map(Json::from),
        any::<f64>().prop_filter_map("finite", |f| serde_json::Number::from_f64(f)
            .map(Json::Number)),
        ".{0,8}".prop_map(Json::String),
        prop::sample::select(vec!["UP", "1", "1e5", " 2 ", "true", "", "pat(*)", "[1]"])
            .prop_map(|s| Json::String(s.to_owned())),
    ];
    leaf.prop_recursive(4, 40, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Json::Array),
            prop::collection::btree_map(key.clone(), inner, 0..6)
                .prop_map(|members| Json::Object(members.into_iter().collect())),
        ]
    })
}

fn facts() -> impl Strategy<Value = Facts> {
    (
        prop::option::of(any::<u16>()),
        prop::option::of(any::<u64>().prop_map(Duration::from_millis)),
        prop::option::of(any::<IpAddr>()),
        prop::option::of(prop_oneof![
            json_with(".{0,4}".boxed()).prop_map(|j| j.to_string().into_bytes()),
            prop::collection::vec(any::<u8>(), 0..64),
        ]),
        prop::option::of(any::<bool>()),
        prop::option::of(any::<i64>()),
        prop::option::of(any::<i64>()),
        prop::option::of(any::<u16>()),
    )
        .prop_map(
            |(status, response_time, ip, body, connected, cert, domain, rcode)| Facts {
                status,
                response_time,
                ip,
                body,
                connected,
                certificate_expiration_ms: cert,
                domain_expiration_ms: domain,
                dns_rcode: rcode,
            },
        )
}

/// A path into `json` chosen by `choices`, and the value it leads to.
fn path_into<'j>(json: &'j Json, choices: &[usize]) -> (Vec<Segment>, &'j Json) {
    let mut at = json;
    let mut path = Vec::new();
    for &choice in choices {
        match at {
            Json::Array(items) if !items.is_empty() => {
                let i = choice % items.len();
                path.push(Segment::Index(i));
                at = &items[i];
            }
            Json::Object(members) if !members.is_empty() => {
                let (key, value) = members
                    .iter()
                    .nth(choice % members.len())
                    .expect("in range");
                path.push(Segment::Key(key.clone()));
                at = value;
            }
            _ => break,
        }
    }
    (path, at)
}

fn body_condition(function: Option<Function>, path: Vec<Segment>, right: Right) -> Condition {
    Condition {
        left: Operand {
            function,
            placeholder: Placeholder::Body,
            path,
        },
        operator: Operator::Eq,
        right,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

    #[test]
    fn parse_never_panics_and_errors_point_inside_the_input(input in prop_oneof![any::<String>(), token_soup()]) {
        match Condition::parse(&input) {
            Ok(condition) => {
                // Whatever parses prints in a form that parses to the same.
                prop_assert_eq!(Condition::parse(&condition.to_string()), Ok(condition));
            }
            Err(error) => {
                let chars = input.chars().count();
                prop_assert!(error.column >= 1 && error.column <= chars + 1, "{:?}: column {}", input, error.column);
                // One line of input (control characters as spaces), one of
                // caret and message: nothing in the message breaks the layout.
                prop_assert!(!error.message.chars().any(char::is_control), "{:?}", error.message);
                let line: String = input.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
                let caret = format!("{}^ {}", " ".repeat(error.column - 1), error.message);
                prop_assert_eq!(error.render(), format!("{line}\n{caret}"));
            }
        }
    }

    #[test]
    fn generated_conditions_print_and_parse_back_to_themselves(condition in condition()) {
        let printed = condition.to_string();
        match Condition::parse(&printed) {
            Ok(parsed) => prop_assert_eq!(parsed, condition),
            Err(e) => prop_assert!(false, "{} does not parse:\n{}", printed, e.render()),
        }
    }

    #[test]
    fn evaluation_never_panics_and_not_equal_negates_equal(conditions in prop::collection::vec(condition(), 1..8), facts in facts()) {
        for (condition, outcome) in conditions.iter().zip(evaluate_all(&conditions, &facts)) {
            prop_assert!(!(outcome.success && outcome.error.is_some()), "{}: {}", condition, outcome);
            if condition.operator == Operator::Eq {
                let negated = Condition { operator: Operator::Ne, ..condition.clone() }.evaluate(&facts);
                if outcome.error.is_none() {
                    prop_assert_eq!(negated.success, !outcome.success, "{}: {}", condition, outcome);
                } else {
                    prop_assert!(!negated.success, "a condition that cannot be judged fails either way");
                }
            }
        }
    }

    #[test]
    fn every_path_a_json_body_has_is_found(
        json in json_with(key().boxed()),
        choices in prop::collection::vec(any::<usize>(), 0..6),
    ) {
        let facts = Facts { body: Some(json.to_string().into_bytes()), ..Facts::default() };
        let (path, value) = path_into(&json, &choices);
        let has = body_condition(Some(Function::Has), path.clone(), Right::Literal("true".into()));
        if !path.is_empty() {
            // `null` counts as absent, as in Gatus.
            prop_assert_eq!(has.evaluate(&facts).success, !value.is_null(), "{}", has);
        }
        let length = match value {
            Json::Array(items) => Some(items.len()),
            Json::Object(members) => Some(members.len()),
            _ => None,
        };
        if let (Some(n), false) = (length, path.is_empty()) {
            let len = body_condition(Some(Function::Len), path.clone(), Right::Literal(n.to_string()));
            let outcome = len.evaluate(&facts);
            prop_assert!(outcome.success, "{}", outcome);
        }
        let rendered = match value {
            Json::String(s) => Some(s.clone()),
            Json::Number(n) => Some(n.to_string()),
            Json::Bool(b) => Some(b.to_string()),
            _ => None,
        };
        if let (Some(text), false) = (rendered, path.is_empty()) {
            let equal = body_condition(None, path, Right::Literal(text));
            let outcome = equal.evaluate(&facts);
            prop_assert!(outcome.success, "{}", outcome);
        }
    }

    #[test]
    fn evaluating_against_any_body_never_panics(
        body in prop_oneof![
            json_with(".{0,4}".boxed()).prop_map(|j| j.to_string().into_bytes()),
            prop::collection::vec(any::<u8>(), 0..256),
            ".{0,64}".prop_map(String::into_bytes),
        ],
        path in prop::collection::vec(segment(), 0..4),
    ) {
        let facts = Facts { body: Some(body), ..Facts::default() };
        let fixed = [
            "[BODY] == pat(*UP*)", "len([BODY]) < 1000", "has([BODY]) == true",
            "[BODY].status == UP", "[BODY][0] != x", "[BODY].data[0].id == 1", "len([BODY].items) > 0",
            "has([BODY].errors) == false", "[BODY].n >= 1h", "[BODY].a == [BODY].b",
        ]
        .map(|c| Condition::parse(c).expect("valid"));
        let mut conditions = fixed.to_vec();
        for function in [None, Some(Function::Len), Some(Function::Has)] {
            conditions.push(body_condition(function, path.clone(), Right::Literal("1".into())));
        }
        for outcome in evaluate_all(&conditions, &facts) {
            prop_assert!(!outcome.description.is_empty());
        }
    }
}

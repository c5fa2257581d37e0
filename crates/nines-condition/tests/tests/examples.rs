//! The conditions users paste from Gatus: each parses, holds on facts that
//! satisfy it, fails on facts that do not, and describes the values it saw.

use crate::util::*;
use nines_condition::{
    Condition, Facts, Function, Operand, Operator, Placeholder, Right, Segment, evaluate_all,
};

/// (condition, facts, holds, description)
fn examples() -> Vec<(&'static str, Facts, bool, &'static str)> {
    let big_body = format!("{{\"pad\": \"{}\"}}", "x".repeat(2000));
    vec![
        (
            "[STATUS] == 200",
            status(200),
            true,
            "[STATUS] (200) == 200",
        ),
        (
            "[STATUS] == 200",
            status(503),
            false,
            "[STATUS] (503) == 200",
        ),
        (
            "[STATUS] != 500",
            status(200),
            true,
            "[STATUS] (200) != 500",
        ),
        (
            "[STATUS] != 500",
            status(500),
            false,
            "[STATUS] (500) != 500",
        ),
        ("[STATUS] < 300", status(204), true, "[STATUS] (204) < 300"),
        ("[STATUS] < 300", status(300), false, "[STATUS] (300) < 300"),
        (
            "[STATUS] <= 299",
            status(299),
            true,
            "[STATUS] (299) <= 299",
        ),
        (
            "[STATUS] <= 299",
            status(301),
            false,
            "[STATUS] (301) <= 299",
        ),
        (
            "[STATUS] >= 200",
            status(200),
            true,
            "[STATUS] (200) >= 200",
        ),
        (
            "[STATUS] >= 200",
            status(199),
            false,
            "[STATUS] (199) >= 200",
        ),
        ("[STATUS] > 199", status(200), true, "[STATUS] (200) > 199"),
        ("[STATUS] > 199", status(101), false, "[STATUS] (101) > 199"),
        (
            "[STATUS] == any(200, 201, 204)",
            status(201),
            true,
            "[STATUS] (201) == any(200, 201, 204)",
        ),
        (
            "[STATUS] == any(200, 201, 204)",
            status(500),
            false,
            "[STATUS] (500) == any(200, 201, 204)",
        ),
        (
            "[STATUS] == pat(2*)",
            status(204),
            true,
            "[STATUS] (204) == pat(2*)",
        ),
        (
            "[STATUS] == pat(2*)",
            status(404),
            false,
            "[STATUS] (404) == pat(2*)",
        ),
        (
            "[RESPONSE_TIME] < 300",
            response_time_ms(250),
            true,
            "[RESPONSE_TIME] (250) < 300",
        ),
        (
            "[RESPONSE_TIME] < 300",
            response_time_ms(1200),
            false,
            "[RESPONSE_TIME] (1200) < 300",
        ),
        (
            "[RESPONSE_TIME] < 1s",
            response_time_ms(999),
            true,
            "[RESPONSE_TIME] (999) < 1s",
        ),
        (
            "[RESPONSE_TIME] < 1s",
            response_time_ms(1000),
            false,
            "[RESPONSE_TIME] (1000) < 1s",
        ),
        (
            "[BODY] == pat(*UP*)",
            body("status: UP\n"),
            true,
            "[BODY] (status: UP) == pat(*UP*)",
        ),
        (
            "[BODY] == pat(*UP*)",
            body("status: DOWN"),
            false,
            "[BODY] (status: DOWN) == pat(*UP*)",
        ),
        ("[BODY] == OK", body("  OK\n"), true, "[BODY] (OK) == OK"),
        (
            "[BODY].status == UP",
            body(r#"{"status": "UP"}"#),
            true,
            "[BODY].status (UP) == UP",
        ),
        (
            "[BODY].status == UP",
            body(r#"{"status": "DOWN"}"#),
            false,
            "[BODY].status (DOWN) == UP",
        ),
        (
            "[BODY].data[0].id == 1",
            body(r#"{"data": [{"id": 1}]}"#),
            true,
            "[BODY].data[0].id (1) == 1",
        ),
        (
            "[BODY].data[0].id == 1",
            body(r#"{"data": [{"id": 2}, {"id": 1}]}"#),
            false,
            "[BODY].data[0].id (2) == 1",
        ),
        (
            "[BODY].a.b[2] != x",
            body(r#"{"a": {"b": ["p", "q", "r"]}}"#),
            true,
            "[BODY].a.b[2] (r) != x",
        ),
        (
            "[BODY].a.b[2] != x",
            body(r#"{"a": {"b": ["p", "q", "x"]}}"#),
            false,
            "[BODY].a.b[2] (x) != x",
        ),
        (
            "[BODY][1] == b",
            body(r#"["a", "b"]"#),
            true,
            "[BODY][1] (b) == b",
        ),
        (
            "[BODY].m[0][1] == 2",
            body(r#"{"m": [[1, 2]]}"#),
            true,
            "[BODY].m[0][1] (2) == 2",
        ),
        (
            "len([BODY].items) > 0",
            body(r#"{"items": [1]}"#),
            true,
            "len([BODY].items) (1) > 0",
        ),
        (
            "len([BODY].items) > 0",
            body(r#"{"items": []}"#),
            false,
            "len([BODY].items) (0) > 0",
        ),
        (
            "len([BODY].name) == 4",
            body(r#"{"name": "jöhn"}"#),
            true,
            "len([BODY].name) (4) == 4",
        ),
        (
            "len([BODY].o) == 2",
            body(r#"{"o": {"a": 1, "b": 2}}"#),
            true,
            "len([BODY].o) (2) == 2",
        ),
        (
            "len([BODY]) < 1000",
            body(r#"{"ok": true}"#),
            true,
            "len([BODY]) (12) < 1000",
        ),
        (
            "len([BODY]) < 1000",
            body(&big_body),
            false,
            "len([BODY]) (2011) < 1000",
        ),
        (
            "len([BODY]) == 3",
            body("[1, 2, 3]"),
            true,
            "len([BODY]) (3) == 3",
        ),
        (
            "has([BODY].errors) == false",
            body(r#"{"data": 1}"#),
            true,
            "has([BODY].errors) (false) == false",
        ),
        (
            "has([BODY].errors) == false",
            body(r#"{"errors": []}"#),
            false,
            "has([BODY].errors) (true) == false",
        ),
        (
            "has([BODY].errors) == false",
            body(r#"{"errors": null}"#),
            true,
            "has([BODY].errors) (false) == false",
        ),
        (
            "has([BODY].errors) == false",
            body("<html>502</html>"),
            true,
            "has([BODY].errors) (false) == false",
        ),
        (
            "has([BODY]) == true",
            body(" x "),
            true,
            "has([BODY]) (true) == true",
        ),
        (
            "has([BODY]) == true",
            body(" \n"),
            false,
            "has([BODY]) (false) == true",
        ),
        (
            "[CERTIFICATE_EXPIRATION] > 48h",
            certificate_expires_in_ms(30 * 24 * HOUR_MS),
            true,
            "[CERTIFICATE_EXPIRATION] (720h) > 48h",
        ),
        (
            "[CERTIFICATE_EXPIRATION] > 48h",
            certificate_expires_in_ms(HOUR_MS),
            false,
            "[CERTIFICATE_EXPIRATION] (1h) > 48h",
        ),
        (
            "[CERTIFICATE_EXPIRATION] > 48h",
            certificate_expires_in_ms(-2 * HOUR_MS),
            false,
            "[CERTIFICATE_EXPIRATION] (-2h) > 48h",
        ),
        (
            "[CERTIFICATE_EXPIRATION] > 1h30m",
            certificate_expires_in_ms(91 * 60_000),
            true,
            "[CERTIFICATE_EXPIRATION] (1h31m) > 1h30m",
        ),
        (
            "[CERTIFICATE_EXPIRATION] > 1h30m",
            certificate_expires_in_ms(90 * 60_000),
            false,
            "[CERTIFICATE_EXPIRATION] (1h30m) > 1h30m",
        ),
        (
            "[CERTIFICATE_EXPIRATION] > 7d",
            certificate_expires_in_ms(8 * 24 * HOUR_MS),
            true,
            "[CERTIFICATE_EXPIRATION] (192h) > 7d",
        ),
        (
            "[CERTIFICATE_EXPIRATION] > 7d",
            certificate_expires_in_ms(6 * 24 * HOUR_MS),
            false,
            "[CERTIFICATE_EXPIRATION] (144h) > 7d",
        ),
        (
            "[CERTIFICATE_EXPIRATION] > 30m",
            certificate_expires_in_ms(31 * 60_000),
            true,
            "[CERTIFICATE_EXPIRATION] (31m) > 30m",
        ),
        (
            "[CERTIFICATE_EXPIRATION] > 172800000",
            certificate_expires_in_ms(49 * HOUR_MS),
            true,
            "[CERTIFICATE_EXPIRATION] (49h) > 172800000",
        ),
        (
            "[CERTIFICATE_EXPIRATION] > 172800000",
            certificate_expires_in_ms(47 * HOUR_MS),
            false,
            "[CERTIFICATE_EXPIRATION] (47h) > 172800000",
        ),
        (
            "[DOMAIN_EXPIRATION] > 720h",
            domain_expires_in_ms(1000 * HOUR_MS),
            true,
            "[DOMAIN_EXPIRATION] (1000h) > 720h",
        ),
        (
            "[DOMAIN_EXPIRATION] > 720h",
            domain_expires_in_ms(700 * HOUR_MS),
            false,
            "[DOMAIN_EXPIRATION] (700h) > 720h",
        ),
        (
            "[CONNECTED] == true",
            connected(true),
            true,
            "[CONNECTED] (true) == true",
        ),
        (
            "[CONNECTED] == true",
            connected(false),
            false,
            "[CONNECTED] (false) == true",
        ),
        (
            "[IP] == 127.0.0.1",
            ip("127.0.0.1"),
            true,
            "[IP] (127.0.0.1) == 127.0.0.1",
        ),
        (
            "[IP] == 127.0.0.1",
            ip("10.0.0.1"),
            false,
            "[IP] (10.0.0.1) == 127.0.0.1",
        ),
        (
            "[IP] == pat(192.168.*)",
            ip("192.168.1.7"),
            true,
            "[IP] (192.168.1.7) == pat(192.168.*)",
        ),
        (
            "[IP] == any(::1, 127.0.0.1)",
            ip("::1"),
            true,
            "[IP] (::1) == any(::1, 127.0.0.1)",
        ),
        (
            "[DNS_RCODE] == NOERROR",
            dns_rcode(0),
            true,
            "[DNS_RCODE] (NOERROR) == NOERROR",
        ),
        (
            "[DNS_RCODE] == NOERROR",
            dns_rcode(3),
            false,
            "[DNS_RCODE] (NXDOMAIN) == NOERROR",
        ),
        (
            "[DNS_RCODE] != SERVFAIL",
            dns_rcode(5),
            true,
            "[DNS_RCODE] (REFUSED) != SERVFAIL",
        ),
    ]
}

#[test]
fn gatus_examples_hold_and_fail_with_resolved_descriptions() {
    for (condition, facts, holds, description) in examples() {
        let outcome = eval(condition, &facts);
        assert_eq!(outcome.success, holds, "{condition} on {facts:?}");
        assert_eq!(outcome.description, description, "{condition}");
        assert_eq!(outcome.error, None, "{condition} was judged");
    }
}

#[test]
fn examples_print_in_canonical_form_and_parse_back() {
    for (condition, ..) in examples() {
        let parsed = Condition::parse(condition).unwrap();
        assert_eq!(parsed.to_string(), condition, "already canonical");
        assert_eq!(Condition::parse(&parsed.to_string()), Ok(parsed));
    }
}

#[test]
fn spacing_is_free_and_canonical_form_has_single_spaces() {
    for (input, canonical) in [
        ("[STATUS]==200", "[STATUS] == 200"),
        ("  [STATUS]   <=\t299  ", "[STATUS] <= 299"),
        ("len( [BODY].items )>0", "len([BODY].items) > 0"),
        (
            "[STATUS] == any(200,201 ,  204)",
            "[STATUS] == any(200, 201, 204)",
        ),
        (
            "[BODY].msg == hello   world ",
            "[BODY].msg == hello   world",
        ),
    ] {
        assert_eq!(Condition::parse(input).unwrap().to_string(), canonical);
    }
}

#[test]
fn parse_builds_the_expected_tree() {
    assert_eq!(
        Condition::parse("len([BODY].data[0].tags) >= 2").unwrap(),
        Condition {
            left: Operand {
                function: Some(Function::Len),
                placeholder: Placeholder::Body,
                path: vec![
                    Segment::Key("data".into()),
                    Segment::Index(0),
                    Segment::Key("tags".into()),
                ],
            },
            operator: Operator::Ge,
            right: Right::Literal("2".into()),
        }
    );
}

#[test]
fn a_missing_fact_fails_with_its_name_even_for_not_equal() {
    for (condition, missing) in [
        ("[STATUS] == 200", "HTTP status"),
        ("[STATUS] != 500", "HTTP status"),
        ("[RESPONSE_TIME] < 300", "response time"),
        ("[IP] == 127.0.0.1", "IP address"),
        ("[BODY] == pat(*UP*)", "body"),
        ("[BODY].status != DOWN", "body"),
        ("has([BODY].errors) == false", "body"),
        ("[CONNECTED] == true", "connection state"),
        ("[CERTIFICATE_EXPIRATION] > 48h", "certificate expiration"),
        ("[DOMAIN_EXPIRATION] > 720h", "domain expiration"),
        ("[DNS_RCODE] == NOERROR", "DNS response code"),
    ] {
        let outcome = eval(condition, &Facts::default());
        assert!(!outcome.success, "{condition}");
        assert_eq!(
            outcome.error,
            Some(format!("the probe recorded no {missing}"))
        );
    }
    let outcome = eval("[STATUS] == 200", &Facts::default());
    assert_eq!(outcome.description, "[STATUS] (INVALID) == 200");
    assert_eq!(
        outcome.to_string(),
        "[STATUS] (INVALID) == 200: the probe recorded no HTTP status"
    );
}

#[test]
fn a_path_the_body_lacks_fails_and_says_where_it_stopped() {
    for (condition, json, error) in [
        (
            "[BODY].status == UP",
            r#"{"state": "UP"}"#,
            r#"[BODY] has no key "status""#,
        ),
        (
            "[BODY].status != DOWN",
            r#"{}"#,
            r#"[BODY] has no key "status""#,
        ),
        (
            "[BODY].data[1].id == 1",
            r#"{"data": [{"id": 1}]}"#,
            "[BODY].data has 1 element, so no [1]",
        ),
        (
            "[BODY].data[0] == 1",
            r#"{"data": {"0": 1}}"#,
            "[BODY].data is an object, not an array",
        ),
        (
            "[BODY].a.b == 1",
            r#"{"a": "text"}"#,
            "[BODY].a is a string, not an object",
        ),
        (
            "[BODY].a.b == 1",
            r#"{"a": null}"#,
            "[BODY].a is null, not an object",
        ),
        ("[BODY].a == null", r#"{"a": null}"#, "[BODY].a is null"),
        (
            "len([BODY].items) > 0",
            r#"{}"#,
            r#"[BODY] has no key "items""#,
        ),
    ] {
        let outcome = eval(condition, &body(json));
        assert!(!outcome.success, "{condition} on {json}");
        assert_eq!(
            outcome.error.as_deref(),
            Some(error),
            "{condition} on {json}"
        );
    }
    assert_eq!(
        eval("[BODY].status == UP", &body("{}")).description,
        "[BODY].status (INVALID) == UP"
    );
}

#[test]
fn a_body_that_is_not_json_fails_path_conditions_with_the_parse_error() {
    let outcome = eval("[BODY].status == UP", &body("<html>"));
    assert!(!outcome.success);
    assert_eq!(
        outcome.error.as_deref(),
        Some("the body is not JSON (expected value at line 1 column 1)")
    );
}

#[test]
fn ordering_text_that_is_not_a_number_fails_instead_of_reading_zero() {
    // Gatus reads `UP` as 0, so `[BODY].status < 5` would pass there.
    let outcome = eval("[BODY].status < 5", &body(r#"{"status": "UP"}"#));
    assert!(!outcome.success);
    assert_eq!(
        outcome.error.as_deref(),
        Some("[BODY].status (UP) is not a number, and < compares numbers")
    );
}

#[test]
fn numbers_compare_as_numbers_and_everything_else_as_text() {
    let json = body(
        r#"{"n": 1.0, "s": "1", "big": 18446744073709551615, "f": 0.5, "v": "1.10", "t": true}"#,
    );
    for (condition, holds) in [
        ("[BODY].n == 1", true),
        ("[BODY].s == 1.0", true),
        ("[BODY].big == 18446744073709551615", true),
        ("[BODY].big > 18446744073709551614", true),
        ("[BODY].f < 1", true),
        ("[BODY].f > 1e-1", true),
        ("[BODY].v == 1.1", true),
        ("[BODY].v == 1.10.0", false),
        ("[BODY].t == true", true),
        ("[BODY].t == True", false),
    ] {
        assert_eq!(eval(condition, &json).success, holds, "{condition}");
    }
}

#[test]
fn quotes_are_part_of_the_text_as_in_gatus() {
    let json = body(r#"{"name": "john"}"#);
    let outcome = eval(r#"[BODY].name == "john""#, &json);
    assert!(!outcome.success);
    assert_eq!(outcome.description, r#"[BODY].name (john) == "john""#);
    assert!(eval(r#"[BODY].name == john"#, &json).success);
}

#[test]
fn objects_and_arrays_compare_as_minified_json() {
    let json = body(r#"{"o": {"a": [1, 2]}}"#);
    assert!(eval(r#"[BODY].o == {"a":[1,2]}"#, &json).success);
    assert!(eval(r#"[BODY].o.a == [1,2]"#, &json).success);
    assert!(eval("[BODY].e == []", &body(r#"{"e": []}"#)).success);
}

#[test]
fn a_placeholder_may_stand_on_the_right() {
    let json = body(r#"{"used": 3, "limit": 10, "a": "x", "b": "x"}"#);
    let outcome = eval("[BODY].used <= [BODY].limit", &json);
    assert!(outcome.success);
    assert_eq!(outcome.description, "[BODY].used (3) <= [BODY].limit (10)");
    assert!(eval("[BODY].a == [BODY].b", &json).success);
    assert!(!eval("[BODY].limit < [BODY].used", &json).success);
}

#[test]
fn long_values_are_cut_in_descriptions_shorter_next_to_a_pattern() {
    let long = format!("start {} end", "y".repeat(300));
    let outcome = eval("[BODY] == pat(*end)", &body(&long));
    assert!(outcome.success, "the match uses the whole body");
    assert_eq!(
        outcome.description,
        "[BODY] (start yyyyyyyyyyyyyyyyyyy...(truncated)) == pat(*end)"
    );
    let outcome = eval("[BODY] == x", &body(&long));
    assert_eq!(
        outcome.description,
        format!("[BODY] (start {}...(truncated)) == x", "y".repeat(94))
    );
}

#[test]
fn evaluate_all_gives_one_outcome_per_condition_in_order() {
    let conditions: Vec<Condition> = [
        "[STATUS] == 200",
        "[BODY].ok == true",
        "len([BODY].items) == 2",
    ]
    .iter()
    .map(|c| Condition::parse(c).unwrap())
    .collect();
    let facts = Facts {
        status: Some(200),
        body: Some(br#"{"ok": true, "items": [1]}"#.to_vec()),
        ..Facts::default()
    };
    let outcomes = evaluate_all(&conditions, &facts);
    let results: Vec<(bool, &str)> = outcomes
        .iter()
        .map(|o| (o.success, o.description.as_str()))
        .collect();
    assert_eq!(
        results,
        [
            (true, "[STATUS] (200) == 200"),
            (true, "[BODY].ok (true) == true"),
            (false, "len([BODY].items) (1) == 2"),
        ]
    );
    for (condition, outcome) in conditions.iter().zip(&outcomes) {
        assert_eq!(&condition.evaluate(&facts), outcome);
    }
}

#[test]
fn placeholders_tell_the_probe_what_to_collect() {
    let used = |c: &str| Condition::parse(c).unwrap().placeholders();
    assert_eq!(used("[STATUS] == 200"), [Placeholder::Status]);
    assert_eq!(used("len([BODY].a) > 0"), [Placeholder::Body]);
    assert_eq!(used("[BODY].a == [BODY].b"), [Placeholder::Body]);
    assert_eq!(
        used("[BODY].ip == [IP]"),
        [Placeholder::Body, Placeholder::Ip]
    );
}

#[test]
fn dns_rcodes_without_a_mnemonic_have_a_name_conditions_can_use() {
    assert_eq!(nines_condition::dns_rcode_name(3), "NXDOMAIN");
    assert_eq!(nines_condition::dns_rcode_name(12), "RCODE12");
    assert!(eval("[DNS_RCODE] == RCODE12", &dns_rcode(12)).success);
}

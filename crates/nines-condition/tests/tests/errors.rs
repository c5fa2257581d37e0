//! What a user sees for a condition that does not parse: the input, a
//! caret under the offending character, and what was expected there.

use nines_condition::Condition;

const KNOWN: &str = "[STATUS], [RESPONSE_TIME], [IP], [BODY], [CONNECTED], [CERTIFICATE_EXPIRATION], [DOMAIN_EXPIRATION], [DNS_RCODE]";

/// (input, rendered error). Columns are 1-based and count characters.
fn bad_inputs() -> Vec<(&'static str, String)> {
    let table: Vec<(&str, &str)> = vec![
        ("", "\n^ expected a condition such as [STATUS] == 200"),
        (
            "[STATUS] =< 200",
            "[STATUS] =< 200\n         ^ expected an operator (==, !=, <, <=, >, >=)",
        ),
        (
            "[STATUS]\t! 200",
            "[STATUS] ! 200\n         ^ expected an operator (==, !=, <, <=, >, >=)",
        ),
        (
            "[STATUS]",
            "[STATUS]\n        ^ expected an operator (==, !=, <, <=, >, >=)",
        ),
        (
            "[STATUS] == ",
            "[STATUS] == \n            ^ expected a value after ==",
        ),
        (
            "[STAUTS] == 200",
            "[STAUTS] == 200\n^ unknown placeholder [STAUTS]; did you mean [STATUS]? (known: KNOWN)",
        ),
        (
            "[FOO] == 1",
            "[FOO] == 1\n^ unknown placeholder [FOO] (known: KNOWN)",
        ),
        (
            "[status] == 200",
            "[status] == 200\n^ placeholder names are upper case: did you mean [STATUS]?",
        ),
        (
            "[HEADER].Content-Type == text/html",
            "[HEADER].Content-Type == text/html\n^ [HEADER] is a Gatus placeholder nines does not support; known: KNOWN",
        ),
        (
            "STATUS == 200",
            "STATUS == 200\n^ expected a placeholder such as [STATUS] or [BODY].status, or len(…) or has(…); did you mean [STATUS]?",
        ),
        (
            "200 == [STATUS]",
            "200 == [STATUS]\n^ expected a placeholder such as [STATUS] or [BODY].status, or len(…) or has(…)",
        ),
        (
            "[STATUS == 200",
            "[STATUS == 200\n       ^ expected ] to close [STATUS",
        ),
        (
            "[BODY]. == 1",
            "[BODY]. == 1\n       ^ expected a key after .",
        ),
        (
            "[BODY].a[x] == 1",
            "[BODY].a[x] == 1\n         ^ expected an array index such as [0]",
        ),
        (
            "[BODY].a[*].id == 1",
            "[BODY].a[*].id == 1\n         ^ [*] (every element) is not supported; use an index such as [0]",
        ),
        (
            "[BODY].a[1 == 1",
            "[BODY].a[1 == 1\n          ^ expected ] to close the array index",
        ),
        (
            "[BODY].a[99999999999999999999999] == 1",
            "[BODY].a[99999999999999999999999] == 1\n         ^ array index too large",
        ),
        (
            "[STATUS].code == 200",
            "[STATUS].code == 200\n        ^ only [BODY] takes a path; [STATUS] has none",
        ),
        (
            "[BODY].a b == 1",
            "[BODY].a b == 1\n         ^ expected an operator (==, !=, <, <=, >, >=)",
        ),
        (
            "length([BODY]) > 1",
            "length([BODY]) > 1\n^ unknown function length(); known: len(), has()",
        ),
        (
            "len([STATUS]) > 1",
            "len([STATUS]) > 1\n    ^ len() works only on [BODY] and its paths, not [STATUS]",
        ),
        (
            "len([BODY] > 1",
            "len([BODY] > 1\n           ^ expected ) to close len(",
        ),
        (
            "pat(*UP*) == [BODY]",
            "pat(*UP*) == [BODY]\n^ pat() belongs on the right of == or !=, e.g. [BODY].status == pat(…)",
        ),
        (
            "age([BODY].t) < 1h",
            "age([BODY].t) < 1h\n^ age() is not supported",
        ),
        (
            "[STATUS] == OK",
            "[STATUS] == OK\n            ^ expected a status code such as 200, found `OK`",
        ),
        (
            "[RESPONSE_TIME] < fast",
            "[RESPONSE_TIME] < fast\n                  ^ expected milliseconds or a duration such as 300 or 1s, found `fast`",
        ),
        (
            "[CERTIFICATE_EXPIRATION] > 2 days",
            "[CERTIFICATE_EXPIRATION] > 2 days\n                           ^ expected a duration such as 48h or 7d, found `2 days`",
        ),
        (
            "[IP] == localhost",
            "[IP] == localhost\n        ^ expected an IP address such as 127.0.0.1, found `localhost`",
        ),
        (
            "[CONNECTED] == yes",
            "[CONNECTED] == yes\n               ^ expected true or false, found `yes`",
        ),
        (
            "[DNS_RCODE] == NOERORR",
            "[DNS_RCODE] == NOERORR\n               ^ expected a DNS response code such as NOERROR or NXDOMAIN, found `NOERORR`; did you mean NOERROR?",
        ),
        (
            "[IP] < 5",
            "[IP] < 5\n     ^ < compares numbers and [IP] is not one; use == or !=",
        ),
        (
            "has([BODY].x) < 1",
            "has([BODY].x) < 1\n              ^ < compares numbers and has([BODY].x) is not one; use == or !=",
        ),
        (
            "[BODY].n > abc",
            "[BODY].n > abc\n           ^ expected a number or a duration to compare with, found `abc`",
        ),
        (
            "len([BODY].a) == x",
            "len([BODY].a) == x\n                 ^ expected a number, found `x`",
        ),
        (
            "[BODY] == pat(*UP*",
            "[BODY] == pat(*UP*\n                  ^ expected ) to close pat( at the end",
        ),
        (
            "[BODY].x < pat(1*)",
            "[BODY].x < pat(1*)\n           ^ pat() works only with == and !=",
        ),
        (
            "[STATUS] == any(200,,201)",
            "[STATUS] == any(200,,201)\n                    ^ expected a value in any(), found none",
        ),
        (
            "[STATUS] == any(200, OK)",
            "[STATUS] == any(200, OK)\n                     ^ expected a status code such as 200, found `OK`",
        ),
        (
            "[BODY].a == [BODY].b c",
            "[BODY].a == [BODY].b c\n                     ^ unexpected text after [BODY].b",
        ),
        (
            "[BODY].a < [IP]",
            "[BODY].a < [IP]\n           ^ < compares numbers and [IP] is not one; use == or !=",
        ),
        (
            "[BODY].a == [NOPE]",
            "[BODY].a == [NOPE]\n            ^ unknown placeholder [NOPE] (known: KNOWN)",
        ),
        // Columns count characters, not bytes (`é` is 2 bytes, `日` 3): column 12.
        (
            "[BODY].é日本 =< 1",
            "[BODY].é日本 =< 1\n           ^ expected an operator (==, !=, <, <=, >, >=)",
        ),
    ];
    table
        .into_iter()
        .map(|(input, rendered)| (input, rendered.replace("KNOWN", KNOWN)))
        .collect()
}

#[test]
fn bad_conditions_render_a_caret_under_the_problem() {
    for (input, rendered) in bad_inputs() {
        let error = Condition::parse(input).expect_err(input);
        assert_eq!(error.render(), rendered, "{input:?}");
    }
}

#[test]
fn the_error_message_names_the_column() {
    let error = Condition::parse("[STATUS] =< 200").unwrap_err();
    assert_eq!(error.column, 10);
    assert_eq!(
        error.to_string(),
        "column 10: expected an operator (==, !=, <, <=, >, >=)"
    );
}

//! The web UI and the status page against a running daemon: sign-in,
//! CSRF and role checks over plain HTTP, the public status endpoints, and
//! the browser checks in real headless Chromium
//! (`tests/browser/ui.mjs`, with playwright-core and axe-core).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::util::*;
use nines::clock::Clock;
use serde_json::Value;

/// `shop` (availability 99.9% over 30d, latency 99% over 7d) and `search`.
fn config() -> String {
    shop_yaml().replace(
        "auth:",
        "  search:\n    slos:\n      - { name: availability, objective: 99.5, window: 30d, sli: events }\nauth:",
    )
}

/// The scenario: budgets at 50% (shop/availability), 80% (shop/latency)
/// and 100% (search), and INC-1, SEV1 on shop, triggered.
async fn scenario(d: &Daemon) {
    let now = nines::clock::Clock::System.now().as_second() - 60;
    let body = batch(&[
        event("shop", "availability", now, 9_995, 10_000),
        event("shop", "latency", now, 998, 1_000),
        event("search", "availability", now, 500, 500),
    ]);
    let r = call(
        "POST",
        &format!("{}/api/v1/events", d.url),
        Some(WRITER),
        Some(body),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = call(
        "POST",
        &format!("{}/api/v1/incidents", d.url),
        Some(ADMIN),
        Some(
            r#"{"title":"checkout rolled back by hand","service":"shop","severity":"SEV1"}"#.into(),
        ),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["id"], "INC-1");
}

async fn start() -> (Workspace, Daemon) {
    let ws = Workspace::new(&config());
    let d = Daemon::start(&ws, Clock::System).await;
    scenario(&d).await;
    (ws, d)
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// A cookie's value from a response's `Set-Cookie` headers.
fn set_cookie(resp: &reqwest::Response, name: &str) -> Option<String> {
    resp.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| {
            let (pair, _) = v.split_once(';').unwrap_or((v, ""));
            let (k, val) = pair.split_once('=')?;
            (k == name).then(|| val.to_string())
        })
}

/// The value of the hidden `csrf` field in a page.
fn csrf_of(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").expect("a csrf field") + 19;
    html[at..at + html[at..].find('"').unwrap()].to_string()
}

fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", nines::text::url::encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Signs in with `token`; the session cookie.
async fn sign_in(url: &str, token: &str) -> String {
    let c = client();
    let page = c.get(format!("{url}/login")).send().await.unwrap();
    let login = set_cookie(&page, "nines_login").expect("a sign-in cookie");
    let csrf = csrf_of(&page.text().await.unwrap());
    assert_eq!(csrf, login, "the form carries the sign-in cookie's token");
    let resp = c
        .post(format!("{url}/login"))
        .header("cookie", format!("nines_login={login}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&[
            ("token", token),
            ("csrf", &csrf),
            ("next", "/incidents"),
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    assert_eq!(resp.headers()["location"], "/incidents");
    let cookie = resp
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|v| v.starts_with("nines_session="))
        .unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    set_cookie(&resp, "nines_session").unwrap()
}

async fn get(url: &str, session: Option<&str>) -> (u16, String) {
    let mut req = client().get(url);
    if let Some(s) = session {
        req = req.header("cookie", format!("nines_session={s}"));
    }
    let resp = req.send().await.unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

async fn post(url: &str, session: &str, body: String) -> (u16, String) {
    let resp = client()
        .post(url)
        .header("cookie", format!("nines_session={session}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

async fn incident_status(d: &Daemon) -> String {
    let r = call(
        "GET",
        &format!("{}/api/v1/incidents/INC-1", d.url),
        Some(READER),
        None,
    )
    .await;
    r.body["status"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn sign_in_csrf_and_roles() {
    let (_ws, d) = start().await;
    // Private pages ask to sign in; a bad token is refused.
    let resp = client()
        .get(format!("{}/incidents", d.url))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    assert_eq!(resp.headers()["location"], "/login?next=%2Fincidents");
    let page = client()
        .get(format!("{}/login", d.url))
        .send()
        .await
        .unwrap();
    let login = set_cookie(&page, "nines_login").unwrap();
    let bad = client()
        .post(format!("{}/login", d.url))
        .header("cookie", format!("nines_login={login}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&[("token", "nines_wrong"), ("csrf", &login)]))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 401);
    // A sign-in form without its token is refused too.
    let forged = client()
        .post(format!("{}/login", d.url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&[("token", ADMIN), ("csrf", "guess")]))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    assert!(set_cookie(&forged, "nines_session").is_none());

    // A reader reads, and may not act.
    let reader = sign_in(&d.url, READER).await;
    let (status, html) = get(&format!("{}/", d.url), Some(&reader)).await;
    assert_eq!(status, 200);
    assert!(html.contains("data-budget>50.0%<"), "{html}");
    assert!(html.contains("data-budget>80.0%<"));
    let (_, page) = get(&format!("{}/incidents/INC-1", d.url), Some(&reader)).await;
    let csrf = csrf_of(&page);
    let (status, _) = post(
        &format!("{}/incidents/INC-1/ack", d.url),
        &reader,
        form(&[("csrf", &csrf)]),
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(incident_status(&d).await, "triggered");

    // An admin's form without the CSRF token, or with another session's,
    // is refused and changes nothing; with it, the incident is acknowledged.
    let admin = sign_in(&d.url, ADMIN).await;
    let (status, html) = post(
        &format!("{}/incidents/INC-1/ack", d.url),
        &admin,
        String::new(),
    )
    .await;
    assert_eq!(status, 403, "{html}");
    let (status, _) = post(
        &format!("{}/incidents/INC-1/ack", d.url),
        &admin,
        form(&[("csrf", &csrf)]),
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(incident_status(&d).await, "triggered");
    let (_, page) = get(&format!("{}/incidents/INC-1", d.url), Some(&admin)).await;
    let admin_csrf = csrf_of(&page);
    let (status, _) = post(
        &format!("{}/incidents/INC-1/ack", d.url),
        &admin,
        form(&[("csrf", &admin_csrf)]),
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(incident_status(&d).await, "acknowledged");
    let (_, page) = get(&format!("{}/incidents/INC-1", d.url), Some(&admin)).await;
    assert!(page.contains("INC-1 acknowledged."), "the flash says it");
    assert!(page.contains("data-kind=\"acknowledged\""));

    // Silences through the form, checked by the API's rules.
    let (status, _) = post(
        &format!("{}/alerts", d.url),
        &admin,
        form(&[
            ("csrf", &admin_csrf),
            ("matchers", "service=\"shop\""),
            ("duration", "1h"),
            ("comment", "deploy"),
        ]),
    )
    .await;
    assert_eq!(status, 303);
    let r = call(
        "GET",
        &format!("{}/api/v1/silences", d.url),
        Some(READER),
        None,
    )
    .await;
    assert_eq!(r.body[0]["state"], "active", "{}", r.text);

    // Signing out ends the session.
    let (status, _) = post(
        &format!("{}/logout", d.url),
        &admin,
        form(&[("csrf", &admin_csrf)]),
    )
    .await;
    assert_eq!(status, 303);
    let (status, _) = get(&format!("{}/incidents", d.url), Some(&admin)).await;
    assert_eq!(status, 303);
    d.stop().await;
}

#[tokio::test]
async fn status_endpoints_are_public() {
    let (_ws, d) = start().await;
    // `publish: confirmed` by default: nothing of INC-1 is public until a
    // responder publishes it (issue 14).
    let r = call("GET", &format!("{}/status.json", d.url), None, None).await;
    assert_eq!(r.body["status"]["indicator"], "none", "{}", r.text);
    assert_eq!(r.body["incidents"], serde_json::json!([]), "{}", r.text);
    let (_, html) = get(&format!("{}/status", d.url), None).await;
    assert!(
        html.contains("data-component=\"shop\" data-state=\"operational\""),
        "{html}"
    );
    let r = call(
        "POST",
        &format!("{}/api/v1/incidents/INC-1/publish", d.url),
        Some(READER),
        None,
    )
    .await;
    assert_eq!(r.status, 403, "readers cannot publish: {}", r.text);
    for _ in 0..2 {
        let r = call(
            "POST",
            &format!("{}/api/v1/incidents/INC-1/publish", d.url),
            Some(ADMIN),
            None,
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.text);
    }
    let r = call(
        "GET",
        &format!("{}/api/v1/incidents/INC-1", d.url),
        Some(READER),
        None,
    )
    .await;
    let published = r.body["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["kind"] == "published")
        .count();
    assert_eq!(published, 1, "publishing twice is once: {}", r.text);
    let (status, html) = get(&format!("{}/status", d.url), None).await;
    assert_eq!(status, 200);
    // The banner, the component and the incident say one thing.
    assert!(
        html.contains("data-overall=\"major_outage\"")
            && html.contains("<h3>Major outage of shop</h3>"),
        "{html}"
    );
    assert!(
        html.contains("data-component=\"shop\" data-state=\"major_outage\""),
        "{html}"
    );
    assert!(
        !html.contains("rolled back by hand"),
        "internal titles stay internal"
    );
    let r = call("GET", &format!("{}/status.json", d.url), None, None).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["status"]["indicator"], "critical");
    assert_eq!(r.body["incidents"][0]["id"], "INC-1");
    assert_eq!(r.body["incidents"][0]["impact"], "major_outage");
    let shop: Vec<&Value> = r.body["components"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["name"] == "shop")
        .collect();
    assert_eq!(shop[0]["status"], "major_outage");
    let resp = client()
        .get(format!("{}/status/badge/shop.svg", d.url))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["content-type"], "image/svg+xml");
    assert!(resp.text().await.unwrap().contains("major outage"));
    let (status, _) = get(&format!("{}/status/badge/nope.svg", d.url), None).await;
    assert_eq!(status, 404);
    let (status, feed) = get(&format!("{}/status/feed.atom", d.url), None).await;
    assert_eq!(status, 200);
    assert!(
        feed.contains("<id>http://127.0.0.1:") && feed.contains("/status#INC-1</id>"),
        "{feed}"
    );
    // Resolved: operational again.
    let r = call(
        "POST",
        &format!("{}/api/v1/incidents/INC-1/resolve", d.url),
        Some(ADMIN),
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = call("GET", &format!("{}/status.json", d.url), None, None).await;
    assert_eq!(r.body["status"]["indicator"], "none");
    assert_eq!(r.body["incidents"][0]["status"], "resolved");
    d.stop().await;
}

/// `?sort=`: budget (shop at 50% before search at 100%), name, and the
/// links that choose it, the current one marked (issue 7).
#[tokio::test]
async fn overview_sorts() {
    let (_ws, d) = start().await;
    let session = sign_in(&d.url, READER).await;
    let order = |html: &str| -> Vec<String> {
        html.split("<tbody data-service=\"")
            .skip(1)
            .map(|s| s[..s.find('"').unwrap()].to_string())
            .collect()
    };
    for (sort, want) in [
        ("budget", ["shop", "search"]),
        ("burn", ["shop", "search"]),
        ("incidents", ["shop", "search"]),
        ("name", ["search", "shop"]),
        ("nonsense", ["shop", "search"]),
    ] {
        let (status, html) = get(&format!("{}/?sort={sort}", d.url), Some(&session)).await;
        assert_eq!(status, 200);
        assert_eq!(order(&html), want, "sort={sort}");
    }
    let (_, html) = get(&format!("{}/?sort=name&q=s", d.url), Some(&session)).await;
    assert!(
        html.contains("<a href=\"/?q=s&amp;sort=name&amp;per=50\" aria-current=\"true\">"),
        "{html}"
    );
    d.stop().await;
}

/// `status_page.components` groups services: the worst of them decides
/// the component's state and badge; the title is the config's. With
/// `publish: auto`, an open incident is public at once.
#[tokio::test]
async fn status_page_components_from_config() {
    let yaml = config().replace(
        "auth:",
        "status_page:\n  title: Example status\n  publish: auto\n  components:\n    \
         - { name: Web shop, description: Shop and search, services: [search, shop] }\n    \
         - { name: Search, services: [search] }\nauth:",
    );
    let ws = Workspace::new(&yaml);
    let d = Daemon::start(&ws, Clock::System).await;
    scenario(&d).await;
    let r = call("GET", &format!("{}/status.json", d.url), None, None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["page"]["name"], "Example status");
    let components: Vec<(&str, &str)> = r.body["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["name"].as_str().unwrap(), c["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        components,
        [("Web shop", "major_outage"), ("Search", "operational")]
    );
    assert_eq!(r.body["incidents"][0]["components"][0], "Web shop");
    let (status, html) = get(&format!("{}/status", d.url), None).await;
    assert_eq!(status, 200);
    assert!(html.contains("<title>Example status</title>"), "{html}");
    assert!(html.contains("Major outage of Web shop"), "{html}");
    let (status, svg) = get(&format!("{}/status/badge/Web%20shop.svg", d.url), None).await;
    assert_eq!(status, 200);
    assert!(svg.contains("major outage"), "{svg}");
    let (status, _) = get(&format!("{}/status/badge/shop.svg", d.url), None).await;
    assert_eq!(status, 404, "a grouped service has no badge of its own");
    d.stop().await;
}

/// The current postmortem of INC-1 as the API answers it.
async fn api_postmortem(d: &Daemon) -> Value {
    call(
        "GET",
        &format!("{}/api/v1/incidents/INC-1/postmortem", d.url),
        Some(READER),
        None,
    )
    .await
    .body
}

/// The text of the page's `<textarea>`, unescaped (after the newline a
/// textarea drops).
fn textarea_of(html: &str) -> String {
    let start = html.find("<textarea").expect("a textarea");
    let start = start + html[start..].find('>').unwrap() + 1;
    let end = start + html[start..].find("</textarea>").unwrap();
    html[start..end]
        .strip_prefix('\n')
        .unwrap_or(&html[start..end])
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// Issue 8: the postmortem drafted with the incident page's button,
/// edited and saved from its page through the API's code path, with
/// parse errors and refused status changes shown next to the kept text.
#[tokio::test]
async fn postmortem_draft_edit_and_save() {
    let (_ws, d) = start().await;
    let pm_page = format!("{}/incidents/INC-1/postmortem", d.url);
    let admin = sign_in(&d.url, ADMIN).await;
    let (_, page) = get(&format!("{}/incidents/INC-1", d.url), Some(&admin)).await;
    assert!(page.contains("No postmortem yet."), "{page}");
    assert!(page.contains("Draft the postmortem</button>"));
    let csrf = csrf_of(&page);
    let (status, html) = get(&pm_page, Some(&admin)).await;
    assert_eq!(status, 200);
    assert!(html.contains("INC-1 has no postmortem yet."), "{html}");

    // Without the CSRF token, or as a reader, nothing is drafted.
    let (status, _) = post(&pm_page, &admin, String::new()).await;
    assert_eq!(status, 403);
    let reader = sign_in(&d.url, READER).await;
    let (_, rpage) = get(&format!("{}/incidents/INC-1", d.url), Some(&reader)).await;
    assert!(!rpage.contains("Draft the postmortem</button>"));
    let (status, _) = post(&pm_page, &reader, form(&[("csrf", &csrf_of(&rpage))])).await;
    assert_eq!(status, 403);
    let r = call(
        "GET",
        &format!("{}/api/v1/incidents/INC-1/postmortem", d.url),
        Some(READER),
        None,
    )
    .await;
    assert_eq!(r.status, 404, "{}", r.text);

    // The button drafts it and leads to its page.
    let resp = client()
        .post(&pm_page)
        .header("cookie", format!("nines_session={admin}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&[("csrf", &csrf)]))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    assert_eq!(resp.headers()["location"], "/incidents/INC-1/postmortem");
    let pm = api_postmortem(&d).await;
    assert_eq!(pm["revision"], 1, "{pm}");
    assert_eq!(pm["status"], "draft");
    let drafted = pm["markdown"].as_str().unwrap().to_string();
    let (status, html) = get(&pm_page, Some(&admin)).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Postmortem of INC-1 drafted (revision 1)."),
        "{html}"
    );
    assert!(html.contains("<h2 id=\"pm-summary\">Summary</h2>"));
    assert!(html.contains("data-pm-revision=\"1\""));
    assert_eq!(textarea_of(&html), drafted, "the editor holds the Markdown");
    // The raw Markdown, for a signed-in browser.
    let resp = client()
        .get(format!("{pm_page}.md"))
        .header("cookie", format!("nines_session={reader}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "text/plain; charset=utf-8");
    assert_eq!(resp.text().await.unwrap(), drafted);
    // The incident page links it now.
    let (_, page) = get(&format!("{}/incidents/INC-1", d.url), Some(&admin)).await;
    assert!(
        page.contains("<a href=\"/incidents/INC-1/postmortem\">The postmortem of INC-1</a> <span class=\"chip \" data-pm-status>draft</span> <small class=\"muted\">revision 1,"),
        "{page}"
    );
    // Pressing the button again drafts nothing new.
    let (status, _) = post(&pm_page, &admin, form(&[("csrf", &csrf)])).await;
    assert_eq!(status, 303);
    assert_eq!(api_postmortem(&d).await["revision"], 1);

    // Skipping review is refused by the workflow; the text stays.
    let published = drafted.replace("| Status | draft |", "| Status | published |");
    let (status, html) = post(
        &pm_page,
        &admin,
        form(&[("csrf", &csrf), ("markdown", &published)]),
    )
    .await;
    assert_eq!(status, 409, "{html}");
    assert!(
        html.contains("cannot go from draft to published (send it for review first)"),
        "{html}"
    );
    assert_eq!(textarea_of(&html), published);
    assert_eq!(api_postmortem(&d).await["revision"], 1);

    // Edited and sent for review, with an action item, as a browser sends
    // a textarea (CRLF line ends).
    let header = "| Type | Action | Owner | Due | Tracking | Status |\n|---|---|---|---|---|---|\n";
    let edited = drafted
        .replace(
            header,
            &format!("{header}| prevent | Canary deploys for <shop> | ana | 2030-03-01 | https://tracker.example.com/7 | open |\n"),
        )
        .replace("| Status | draft |", "| Status | in review |");
    assert_ne!(edited, drafted);
    let resp = client()
        .post(&pm_page)
        .header("cookie", format!("nines_session={admin}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&[
            ("csrf", &csrf),
            ("markdown", &edited.replace('\n', "\r\n")),
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    let pm = api_postmortem(&d).await;
    assert_eq!(pm["revision"], 2, "{pm}");
    assert_eq!(pm["status"], "in_review");
    assert_eq!(pm["markdown"], edited.as_str());
    assert_eq!(pm["revisions"].as_array().unwrap().len(), 2);
    let (_, html) = get(&pm_page, Some(&admin)).await;
    assert!(html.contains("Saved as revision 2 (in review)."), "{html}");
    assert!(
        html.contains("<td>Canary deploys for &lt;shop&gt;</td>"),
        "{html}"
    );
    assert!(html.contains("<a href=\"https://tracker.example.com/7\">"));
    assert!(html.contains("data-pm-revision=\"2\">2 of 2,"));

    // A broken table: the parse error with its line, the text kept,
    // nothing saved.
    let broken = edited.replace(
        "| prevent | Canary deploys for <shop> | ana |",
        "| prevent | Canary deploys for <shop> |",
    );
    let line = broken
        .lines()
        .position(|l| l.starts_with("| prevent |"))
        .unwrap()
        + 1;
    let (status, html) = post(
        &pm_page,
        &admin,
        form(&[("csrf", &csrf), ("markdown", &broken)]),
    )
    .await;
    assert_eq!(status, 422, "{html}");
    assert!(
        html.contains(&format!(
            "Not saved: line {line}: expected 6 cells like the header, found 5"
        )),
        "{html}"
    );
    assert!(html.contains(&format!(
        "<p>Line {line}: <code>| prevent | Canary deploys for &lt;shop&gt; | 2030-03-01 |"
    )));
    assert_eq!(textarea_of(&html), broken, "the typed text is kept");
    assert_eq!(api_postmortem(&d).await["revision"], 2);

    // A save without the CSRF token is refused and saves nothing.
    let (status, _) = post(&pm_page, &admin, form(&[("markdown", &edited)])).await;
    assert_eq!(status, 403);
    let (status, _) = post(
        &pm_page,
        &reader,
        form(&[("csrf", &csrf_of(&rpage)), ("markdown", &edited)]),
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(api_postmortem(&d).await["revision"], 2);

    // The API's Markdown save reads it the same way (one code path).
    let r = call(
        "POST",
        &format!("{}/api/v1/incidents/INC-1/postmortem", d.url),
        Some(ADMIN),
        Some(serde_json::json!({ "markdown": broken }).to_string()),
    )
    .await;
    assert_eq!(r.status, 422);
    assert!(
        r.text.contains(&format!(
            "the Markdown is not a postmortem nines can read: line {line}: expected 6 cells"
        )),
        "{}",
        r.text
    );
    d.stop().await;
}

/// Where the browser test's screenshots go: `NINES_UI_SCREENSHOTS`, or
/// `ui-screenshots` in cargo's temporary directory for tests.
fn screenshot_dir() -> PathBuf {
    std::env::var_os("NINES_UI_SCREENSHOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_TARGET_TMPDIR")).join("ui-screenshots"))
}

/// Whether node, Chromium and the npm packages are here: in CI they must
/// be (the test fails), elsewhere the test is skipped with a message.
fn browser_available(dir: &Path) -> bool {
    if !require("node", "nodejs") || !require("chromium", "chromium") {
        return false;
    }
    let modules = dir.join("node_modules/playwright-core").is_dir()
        && dir.join("node_modules/axe-core").is_dir();
    if !modules {
        assert!(
            std::env::var_os("CI").is_none(),
            "the browser test's npm packages are required in CI: npm ci --prefix {}",
            dir.display()
        );
        eprintln!(
            "SKIPPED: npm packages missing (npm ci --prefix {})",
            dir.display()
        );
    }
    modules
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_a_real_browser() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    if !browser_available(&dir) {
        return;
    }
    let (_ws, d) = start().await;
    // The status page shows what a responder published (the default).
    let r = call(
        "POST",
        &format!("{}/api/v1/incidents/INC-1/publish", d.url),
        Some(ADMIN),
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let shots = screenshot_dir();
    let url = d.url.clone();
    let script = dir.join("ui.mjs");
    let out = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(&script)
            .arg(&url)
            .arg(ADMIN)
            .arg(&shots)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!("{report}");
    assert!(out.status.success(), "the browser checks failed:\n{report}");
    // What the browser did is what the API sees.
    let r = eventually(Duration::from_secs(5), "INC-1 resolved", || async {
        let r = call(
            "GET",
            &format!("{}/api/v1/incidents/INC-1", d.url),
            Some(READER),
            None,
        )
        .await;
        (r.body["status"] == "resolved").then_some(r.body)
    })
    .await;
    let kinds: Vec<&str> = r["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"acknowledged") && kinds.contains(&"note"),
        "{kinds:?}"
    );
    eprintln!("screenshots: {}", screenshot_dir().display());
    d.stop().await;
}

/// `nines demo --fast` in a real browser (issue 14): before the outage the
/// seeded week reads as a real team's (browser/demo.mjs `before`); once
/// the responder has published the incident, the status page's banner,
/// component and incident agree (`outage`).
#[test]
fn the_demo_in_a_real_browser() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    if !browser_available(&dir) {
        return;
    }
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_nines"))
        .args(["demo", "--fast", "--listen", "127.0.0.1:0"])
        .env("NINES_LOG", "error")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            let _ = tx.send(line);
        }
    });
    let node = |url: &str, phase: &str| {
        let out = Command::new("node")
            .arg(dir.join("demo.mjs"))
            .arg(url)
            .arg(screenshot_dir())
            .arg(phase)
            .output()
            .unwrap();
        let report = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        eprintln!("{report}");
        (out.status.success(), report)
    };
    let started = std::time::Instant::now();
    let mut url = None;
    let mut results = Vec::new();
    while let Ok(line) = rx.recv_timeout(Duration::from_secs(100).saturating_sub(started.elapsed()))
    {
        if let Some(u) = line
            .strip_prefix("nines demo: nines on ")
            .and_then(|l| l.split_whitespace().next())
        {
            url = Some(u.to_string());
            results.push(node(u, "before"));
        }
        if line.contains(" to the status page: ") {
            results.push(node(url.as_deref().unwrap(), "outage"));
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(
        results.len(),
        2,
        "the demo did not reach publishing: {results:?}"
    );
    for (ok, report) in results {
        assert!(ok, "the browser checks failed:\n{report}");
    }
}

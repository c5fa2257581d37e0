//! `services.<name>.capacity`: the resources nines forecasts (issue 20).

use std::time::Duration;

use nines_config::{CapacityResource, Floor, ForecastModel, Limit, ResourceSource};

use crate::{errors, parse};

const DAY: u64 = 86_400;

fn days(n: u64) -> Duration {
    Duration::from_secs(n * DAY)
}

#[test]
fn a_promql_resource_gets_the_defaults() {
    let c = parse(
        "services:\n  shop:\n    capacity:\n      disk:\n\
         \x20       promql: 'sum(node_filesystem_size_bytes - node_filesystem_avail_bytes)'\n\
         \x20       url: http://prometheus:9090\n\
         \x20       bearer_token: abc\n\
         \x20       limit: 'sum(node_filesystem_size_bytes)'\n",
    );
    assert_eq!(
        c.capacity("shop", "disk"),
        Some(&CapacityResource {
            name: "disk".into(),
            source: ResourceSource::Promql {
                query: "sum(node_filesystem_size_bytes - node_filesystem_avail_bytes)".into(),
                url: "http://prometheus:9090".into(),
                headers: vec![("Authorization".into(), "Bearer abc".into())],
            },
            limit: Limit::Query("sum(node_filesystem_size_bytes)".into()),
            falling: false,
            step: Duration::from_secs(3600),
            history: days(30),
            horizon: days(30),
            model: ForecastModel::Seasonal,
            seasons: vec![],
            ticket_within: days(14),
            page_within: days(2),
            floor: None,
        })
    );
}

#[test]
fn scrape_and_sli_resources_with_every_setting() {
    let c = parse(
        "scrape:\n  - { name: node, url: http://shop:9100/metrics }\n\
         services:\n  shop:\n    slos:\n      - { name: availability, objective: 99.9, sli: events }\n\
         \x20   capacity:\n\
         \x20     inodes: { metric: 'node_filesystem_files_free{mountpoint=\"/\"}', target: node, limit: 0, falling: true, floor: 1e5, model: linear, step: 5m, history: 7d, horizon: 2d, ticket_within: 1d, page_within: 4h }\n\
         \x20     traffic: { sli: availability, limit: 1200, seasons: [1d, 7d], floor: 75%, horizon: 90d }\n",
    );
    let inodes = c.capacity("shop", "inodes").unwrap();
    assert_eq!(
        inodes.source,
        ResourceSource::Scrape {
            selector: "node_filesystem_files_free{mountpoint=\"/\"}".into(),
            target: "node".into()
        }
    );
    assert_eq!(
        (
            inodes.limit.clone(),
            inodes.falling,
            inodes.floor,
            inodes.model
        ),
        (
            Limit::Value(0.0),
            true,
            Some(Floor::Value(1e5)),
            ForecastModel::Linear
        )
    );
    assert_eq!(
        (
            inodes.step,
            inodes.history,
            inodes.horizon,
            inodes.ticket_within,
            inodes.page_within
        ),
        (
            Duration::from_secs(300),
            days(7),
            days(2),
            days(1),
            Duration::from_secs(4 * 3600)
        )
    );
    let traffic = c.capacity("shop", "traffic").unwrap();
    assert_eq!(
        traffic.source,
        ResourceSource::Sli {
            slo: "availability".into()
        }
    );
    assert_eq!(traffic.seasons, vec![days(1), days(7)]);
    assert_eq!(traffic.floor, Some(Floor::PercentOfLimit(75.0)));
    assert_eq!(traffic.floor.unwrap().value(1200.0), 900.0);
    assert_eq!(c.services["shop"].capacity.len(), 2);
}

/// A scrape `target` URL no `scrape` entry lists is scraped with the
/// defaults, as for a `prometheus` SLI.
#[test]
fn a_target_url_gets_an_implicit_scrape_target() {
    let c = parse(
        "services:\n  shop:\n    capacity:\n      mem: { metric: process_resident_memory_bytes, target: 'http://shop:8080/metrics', limit: 2e9 }\n",
    );
    assert_eq!(c.scrape.len(), 1);
    assert_eq!(c.scrape[0].url, "http://shop:8080/metrics");
}

/// An unknown scrape name is found once every file is read.
#[test]
fn an_unknown_scrape_name_is_reported() {
    assert_eq!(
        errors(
            "services:\n  shop:\n    capacity:\n      mem: { metric: up, target: nod, limit: 1 }\nscrape:\n  - { name: node, url: http://n:9100/metrics }\n"
        ),
        "nines.yaml:4: services.shop.capacity.mem.target: no `scrape` entry is named `nod`; did you mean `node`?"
    );
}

#[test]
fn mistakes_are_reported_with_file_line_and_field() {
    let text = "services:\n  shop:\n    slos:\n      - { name: availability, objective: 99.9, sli: events }\n\
                \x20   capacity:\n\
                \x20     a: { limit: 1 }\n\
                \x20     b: { promql: up, sli: availability, limit: 1 }\n\
                \x20     c: { promql: up, limit: 1 }\n\
                \x20     d: { sli: availabilty, limit: 1 }\n\
                \x20     e: { sli: availability, limit: 'x' }\n\
                \x20     f: { metric: 'up{', target: node, limit: 1 }\n\
                \x20     g: { metric: up, target: http://x/metrics, url: http://p:9090, limit: 1 }\n\
                \x20     h: { sli: availability, limit: 10, horizon: 7d }\n\
                \x20     i: { sli: availability, limit: 10, page_within: 20d, ticket_within: 10d }\n\
                \x20     j: { sli: availability, limit: 10, model: ets, seasons: [1d] }\n\
                \x20     k: { sli: availability, limit: 10, seasons: [90m] }\n\
                \x20     l: { sli: availability, limit: 10, floor: 12 }\n\
                \x20     m: { metric: up, target: http://x/metrics, limit: 0, falling: true, floor: 10% }\n\
                \x20     n: { sli: availability, limit: 10, floor: 150% }\n\
                \x20     o: { sli: availability, limit: 10, history: 1d }\n\
                \x20     Big: { sli: availability, limit: 10, colour: red }\n";
    assert_eq!(
        errors(text),
        "nines.yaml:6: services.shop.capacity.a: missing the series: give one of `promql`, `metric` or `sli` (a PromQL expression with `url`, a selector on a scrape `target`, or an SLO of this service for its traffic)\n\
         nines.yaml:7: services.shop.capacity.b: give one of `promql`, `metric` or `sli`, not several\n\
         nines.yaml:8: services.shop.capacity.c: missing required key `url`\n\
         nines.yaml:9: services.shop.capacity.d.sli: `availabilty` is not an SLO of this service; did you mean `availability`?\n\
         nines.yaml:10: services.shop.capacity.e.limit: `x` is not a number; a traffic limit is the events per second the service can take, such as `limit: 1200`\n\
         nines.yaml:11: services.shop.capacity.f.metric: column 4: expected label name or '}', found end of input; a scraped resource is a series selector such as `node_filesystem_avail_bytes{mountpoint=\"/\"}`; for whole expressions use `promql` with `url`\n\
         nines.yaml:12: services.shop.capacity.g.url: `url` goes with `promql`, and this resource is read from `metric`\n\
         nines.yaml:13: services.shop.capacity.h.horizon: the horizon (7d) is shorter than `ticket_within` (default 14d): a crossing between them would never be seen; lengthen `horizon` or shorten `ticket_within`\n\
         nines.yaml:14: services.shop.capacity.i.page_within: `page_within` (20d) is longer than `ticket_within` (10d): what pages must also be worth a ticket\n\
         nines.yaml:15: services.shop.capacity.j.seasons: `seasons` are removed by `model: seasonal` only; drop them or use that model\n\
         nines.yaml:16: services.shop.capacity.k.seasons[0]: `90m` is not a whole number of steps of 1h (at least two)\n\
         nines.yaml:17: services.shop.capacity.l.floor: the floor 12 is at or past the limit 10: no forecast would alert before the resource runs out; give a value below it\n\
         nines.yaml:18: services.shop.capacity.m.floor: a percentage of the limit is for resources that rise to it; for a falling one give the floor in its unit (`floor: 50e9` alerts only below 50 GB free)\n\
         nines.yaml:19: services.shop.capacity.n.floor: `150%` is not a percentage between 0 and 100, such as `80%`\n\
         nines.yaml:20: services.shop.capacity.o.history: `1d` is shorter than the minimum, 7d\n\
         nines.yaml:21: services.shop.capacity.Big: `Big` is not a valid resource name: use 1 to 63 lowercase letters, digits, `-` and `_`, starting with a letter or digit\n\
         nines.yaml:21: services.shop.capacity.Big: unknown key `colour`; valid keys here are `promql`, `url`, `headers`, `bearer_token`, `basic_auth`, `metric`, `target`, `sli`, `limit`, `falling`, `step`, `history`, `horizon`, `model`, `seasons`, `ticket_within`, `page_within` and `floor`"
    );
}

//! `dns` probes: one query over UDP to a chosen server, then the rcode and
//! answer checks.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Instant;

use nines_condition::dns_rcode_name;
use tokio::net::UdpSocket;

use crate::dns_wire::{parse_response, query};
use crate::outcome::Phase;
use crate::run::Run;
use crate::spec::DnsCheck;

/// The first `nameserver` of `/etc/resolv.conf`, else 127.0.0.1:53.
pub fn system_server() -> SocketAddr {
    std::fs::read_to_string("/etc/resolv.conf")
        .ok()
        .and_then(|text| {
            text.lines().find_map(|line| {
                let mut words = line.split_whitespace();
                (words.next() == Some("nameserver"))
                    .then(|| words.next()?.parse::<IpAddr>().ok())
                    .flatten()
            })
        })
        .map(|ip| SocketAddr::new(ip, 53))
        .unwrap_or(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 53))
}

pub(crate) async fn run(run: &mut Run, check: &DnsCheck) -> Result<(), String> {
    let server = check.server.unwrap_or_else(system_server);
    let id = random_id();
    let message = query(id, &check.name, check.record_type).map_err(|e| e.to_string())?;
    let bind: SocketAddr = if server.is_ipv4() {
        "0.0.0.0:0".parse().expect("literal address")
    } else {
        "[::]:0".parse().expect("literal address")
    };
    // The server is an address: nothing to resolve (the resolve phase and
    // probe_dns_lookup_time_seconds stay 0).
    run.out.ip = Some(server.ip());
    run.out.lookup_time = Some(std::time::Duration::ZERO);
    let connecting = Instant::now();
    let socket = UdpSocket::bind(bind)
        .await
        .map_err(|e| format!("opening a UDP socket: {e}"))?;
    socket
        .connect(server)
        .await
        .map_err(|e| format!("DNS server {server}: {e}"))?;
    run.out.add_phase(Phase::Connect, connecting.elapsed());
    let started = Instant::now();
    socket
        .send(&message)
        .await
        .map_err(|e| format!("sending to {server}: {e}"))?;
    let mut buf = vec![0u8; 65_535];
    let response = loop {
        let n = socket
            .recv(&mut buf)
            .await
            .map_err(|e| format!("reading from {server}: {e}"))?;
        // Stray datagrams (late answers to someone else) are skipped.
        match parse_response(&buf[..n]) {
            Ok(r) if r.id == id => break r,
            _ => continue,
        }
    };
    run.out.add_phase(Phase::Request, started.elapsed());
    run.connected = Some(true);
    run.out.dns_rcode = Some(response.rcode);
    run.out.dns_authority = response.authority;
    run.out.dns_additional = response.additional;
    run.out.dns_serial = response.serial;
    let rcode = dns_rcode_name(response.rcode);
    let valid = check.valid_rcodes.contains(&response.rcode);
    let names: Vec<_> = check
        .valid_rcodes
        .iter()
        .map(|&c| dns_rcode_name(c))
        .collect();
    run.out.check(
        valid,
        format!(
            "rcode {rcode} {} {}",
            if valid { "is in" } else { "is not in" },
            names.join(", ")
        ),
    );
    if response.truncated {
        run.out.check(
            false,
            "the answer was truncated (TC); nines asks over UDP only",
        );
    }
    for p in &check.answer_matches {
        let ok = response.answers.iter().any(|a| p.0.is_match(a));
        run.out.check(
            ok,
            format!(
                "{} answer matches /{}/",
                if ok { "an" } else { "no" },
                p.0.as_str()
            ),
        );
    }
    run.out.dns_answers = response.answers;
    Ok(())
}

/// Unpredictable ids make spoofed answers harder to slip in.
fn random_id() -> u16 {
    getrandom::u32().map(|v| v as u16).unwrap_or(0x4e39)
}

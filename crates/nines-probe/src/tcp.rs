//! `tcp` probes (connect, then a scripted conversation: send, expect,
//! STARTTLS) and `tls` probes (a handshake to read certificate expiry).

use std::sync::Arc;

use crate::tls::TlsClient;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::connect::{Io, handshake, open, split_host_port};
use crate::run::Run;
use crate::spec::{TcpCheck, TcpStep, TlsCheck};

/// A line longer than this ends an `expect` with an error: a server
/// talking that much is not the protocol the probe expects.
const MAX_LINE: usize = 64 * 1024;

/// Why an `expect` ended when the server said all it had to say.
const CLOSED_FIRST: &str = "the connection closed first";

pub(crate) async fn run(
    run: &mut Run,
    check: &TcpCheck,
    tls: Option<&Arc<TlsClient>>,
) -> Result<(), String> {
    let (host, port) = split_host_port(&check.address)?;
    let stream = open(run, host, port).await?;
    let mut io: Box<dyn Io> = if check.tls {
        let config = tls.ok_or("internal: no TLS config")?;
        Box::new(handshake(run, stream, config, &check.tls_options, host).await?)
    } else {
        Box::new(stream)
    };
    let mut buffer = Vec::new();
    for (i, step) in check.steps.iter().enumerate() {
        let n = i + 1;
        run.doing = Some(match step {
            TcpStep::Send(text) => format!("step {n}: sending {text:?}"),
            TcpStep::Expect(p) => format!("step {n}: expecting /{}/", p.0.as_str()),
            TcpStep::StartTls => format!("step {n}: STARTTLS"),
        });
        match step {
            TcpStep::Send(text) => {
                let line = format!("{text}\r\n");
                // TLS streams buffer until flushed.
                let sent = match io.write_all(line.as_bytes()).await {
                    Ok(()) => io.flush().await,
                    Err(e) => Err(e),
                };
                sent.map_err(|e| format!("step {n}: sending {text:?}: {e}"))?;
            }
            TcpStep::Expect(pattern) => {
                let line = match expect(&mut io, &mut buffer, &pattern.0).await {
                    Ok(line) => line,
                    Err(e) => {
                        // Every line read and none matched, as blackbox's
                        // probe_failed_due_to_regex counts it; a read error
                        // or an endless line is not the regex's doing.
                        run.out.failed_due_to_regex = e == CLOSED_FIRST;
                        return Err(format!("step {n}: expecting /{}/: {e}", pattern.0.as_str()));
                    }
                };
                run.out.check(
                    true,
                    format!("step {n}: {line:?} matches /{}/", pattern.0.as_str()),
                );
            }
            TcpStep::StartTls => {
                let config = tls.ok_or("internal: no TLS config")?;
                // Whatever was read ahead belongs to the plain-text part.
                buffer.clear();
                let plain = std::mem::replace(&mut io, Box::new(tokio::io::duplex(1).0));
                io = Box::new(handshake(run, plain, config, &check.tls_options, host).await?);
            }
        }
    }
    let _ = io.shutdown().await;
    Ok(())
}

/// Reads lines into `buffer` until one matches; returns it.
async fn expect(
    io: &mut Box<dyn Io>,
    buffer: &mut Vec<u8>,
    pattern: &regex::Regex,
) -> Result<String, String> {
    loop {
        while let Some(end) = buffer.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = buffer.drain(..=end).collect();
            let line = String::from_utf8_lossy(&line);
            let line = line.trim_end_matches(['\r', '\n']);
            if pattern.is_match(line) {
                return Ok(line.to_string());
            }
        }
        if buffer.len() > MAX_LINE {
            return Err(format!("no line break in {MAX_LINE} bytes"));
        }
        let mut chunk = [0u8; 4096];
        let n = io.read(&mut chunk).await.map_err(|e| e.to_string())?;
        if n == 0 {
            // A last line without a newline still counts.
            if !buffer.is_empty() {
                let line = String::from_utf8_lossy(buffer).trim_end().to_string();
                buffer.clear();
                if pattern.is_match(&line) {
                    return Ok(line);
                }
            }
            return Err(CLOSED_FIRST.into());
        }
        buffer.extend_from_slice(&chunk[..n]);
    }
}

pub(crate) async fn run_tls(
    run: &mut Run,
    check: &TlsCheck,
    tls: Option<&Arc<TlsClient>>,
) -> Result<(), String> {
    let (host, port) = split_host_port(&check.address)?;
    let stream = open(run, host, port).await?;
    let config = tls.ok_or("internal: no TLS config")?;
    let mut stream = handshake(run, stream, config, &check.tls, host).await?;
    let _ = stream.shutdown().await;
    Ok(())
}

//! One proxied connection: the client's socket, the upstream's, and a
//! pump per direction that reads, asks [`effect::Direction`] what the
//! toxics do, sleeps until each piece's time and writes it. The toxic
//! chain is watched, so a toxic added or removed reaches open connections.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::time::{Instant, sleep_until};

use crate::effect::{Chain, Direction, End, Piece};
use crate::toxic::Stream;

/// How long connecting to the upstream may take before the client's
/// connection is closed.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Read size per chunk.
const CHUNK: usize = 32 * 1024;
/// Bytes a direction holds (waiting for latency or bandwidth) before it
/// stops reading, so a slow toxic pushes back on the sender.
const MAX_QUEUED: usize = 1 << 20;

/// What a proxy hands each connection.
pub struct Context {
    pub upstream: String,
    /// The proxy's toxics; the sender is dropped with the proxy.
    pub chain: watch::Receiver<Arc<Chain>>,
    /// Changes or closes when the proxy stops (disabled, down, deleted).
    pub stop: watch::Receiver<()>,
    /// This connection's number within its proxy.
    pub seq: u64,
    pub seed: u64,
}

/// Carries one client connection to the upstream until either side ends
/// it, a toxic does, or the proxy stops.
pub async fn serve(mut client: TcpStream, cx: Context) {
    let connect = tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(&cx.upstream)).await;
    let Ok(Ok(mut upstream)) = connect else {
        return;
    };
    let _ = upstream.set_nodelay(true);
    let end = {
        let epoch = Instant::now();
        let (cr, cw) = client.split();
        let (ur, uw) = upstream.split();
        let down = pump(ur, cw, Stream::Downstream, &cx, epoch, cx.seed);
        let up = pump(
            cr,
            uw,
            Stream::Upstream,
            &cx,
            epoch,
            cx.seed.rotate_left(17),
        );
        tokio::pin!(down, up);
        let (mut down_done, mut up_done) = (false, false);
        loop {
            tokio::select! {
                e = &mut down, if !down_done => match e {
                    None => down_done = true,
                    Some(e) => break e,
                },
                e = &mut up, if !up_done => match e {
                    None => up_done = true,
                    Some(e) => break e,
                },
            }
            if down_done && up_done {
                break End::Close;
            }
        }
    };
    if end == End::Reset {
        // SO_LINGER 0: the close sends RST instead of FIN.
        let _ = client.set_zero_linger();
        let _ = upstream.set_zero_linger();
    }
}

/// One direction: `None` when the source closed and the close was passed
/// on (half-close), `Some` when the whole connection must end.
async fn pump(
    mut src: impl AsyncRead + Unpin,
    mut dst: impl AsyncWrite + Unpin,
    stream: Stream,
    cx: &Context,
    epoch: Instant,
    seed: u64,
) -> Option<End> {
    let mut chain_rx = cx.chain.clone();
    let mut stop = cx.stop.clone();
    let mut dir = Direction::new(stream, cx.seq, seed);
    let mut queue: VecDeque<Piece> = VecDeque::new();
    let mut queued = 0usize;
    let mut pending_end = None;
    let mut eof = false;
    let mut chain_open = true;
    let mut buf = vec![0u8; CHUNK];
    loop {
        let now = epoch.elapsed();
        let chain = chain_rx.borrow_and_update().clone();
        dir.sync(&chain, now);
        let deadline = dir.deadline(&chain);
        if let Some((at, end)) = deadline
            && at <= now
        {
            return Some(end);
        }
        if queue.is_empty() {
            if let Some(end) = pending_end {
                return Some(end);
            }
            if eof {
                tokio::time::sleep(dir.close_delay(&chain)).await;
                let _ = dst.shutdown().await;
                return None;
            }
        }
        // Pieces already due leave now: a timer, even one in the past,
        // fires on the next millisecond tick, which would add up to 1 ms
        // per hop with no toxic at all.
        if queue.front().is_some_and(|p| p.at <= now)
            && let Some(p) = queue.pop_front()
        {
            queued -= p.bytes.len();
            if dst.write_all(&p.bytes).await.is_err() {
                return Some(End::Close);
            }
            continue;
        }
        let front = queue.front().map(|p| epoch + p.at);
        let can_read = !eof && pending_end.is_none() && queued < MAX_QUEUED;
        tokio::select! {
            // Proxy stopped: the sender changed or went away.
            _ = stop.changed() => return Some(End::Close),
            r = chain_rx.changed(), if chain_open => chain_open = r.is_ok(),
            _ = sleep_until(deadline.map_or(epoch, |(at, _)| epoch + at)), if deadline.is_some() => {}
            _ = sleep_until(front.unwrap_or(epoch)), if front.is_some() => {
                if let Some(p) = queue.pop_front() {
                    queued -= p.bytes.len();
                    if dst.write_all(&p.bytes).await.is_err() {
                        return Some(End::Close);
                    }
                }
            }
            r = src.read(&mut buf), if can_read => match r {
                Ok(0) => eof = true,
                Ok(n) => {
                    let (pieces, end) = dir.on_data(&chain, &buf[..n], epoch.elapsed());
                    for p in pieces {
                        queued += p.bytes.len();
                        queue.push_back(p);
                    }
                    pending_end = pending_end.or(end);
                }
                // A reset from one side is passed on to the other.
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return Some(End::Reset),
                Err(_) => return Some(End::Close),
            },
        }
    }
}

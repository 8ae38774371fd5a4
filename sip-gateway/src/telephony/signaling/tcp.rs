//! SIP over TCP: our own accept loop and framer (so the shield sees raw bytes, like on UDP);
//! each connection is handed to rsipstack as a channel connection: framed, checked messages
//! go in, the stack's messages for that peer come out and are written to the socket.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use rsipstack::sip::SipMessage;
use rsipstack::transport::channel::ChannelConnection;
use rsipstack::transport::{SipAddr, SipConnection, TransportEvent, TransportLayer};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::guard::{Framing, Transport, Verdict, frame};
use super::shield::Shield;

/// A connection with no complete message for this long is closed.
const IDLE: Duration = Duration::from_secs(120);
/// A partial message must complete within this time.
const PARTIAL: Duration = Duration::from_secs(10);
/// Outgoing messages queued per connection.
const OUT_QUEUE: usize = 64;

/// Accepts connections until `shutdown`; each connection lives until its peer closes it or
/// `stack_cancel` (the SIP stack stopping, after the calls' BYEs).
pub async fn serve(
    listener: TcpListener,
    shield: Arc<Shield>,
    layer: Arc<TransportLayerHandle>,
    shutdown: CancellationToken,
    stack_cancel: CancellationToken,
    tracker: TaskTracker,
) {
    let cancel = stack_cancel;
    loop {
        let accepted = tokio::select! {
            () = shutdown.cancelled() => break,
            () = cancel.cancelled() => break,
            a = listener.accept() => a,
        };
        match accepted {
            Ok((stream, peer)) => {
                let (shield, layer, cancel) = (shield.clone(), layer.clone(), cancel.clone());
                tracker.spawn(async move {
                    let transport = rsipstack::sip::Transport::Tcp;
                    if let Err(e) = connection(stream, peer, transport, shield, layer, cancel).await
                    {
                        tracing::debug!(%peer, error = %e, "SIP TCP connection ended");
                    }
                });
            }
            Err(e) => tracing::warn!(error = %e, "SIP TCP accept failed"),
        }
    }
}

/// Access to the endpoint's transport layer (owned by the endpoint).
pub struct TransportLayerHandle {
    pub endpoint: Arc<rsipstack::transaction::endpoint::EndpointInner>,
}

impl TransportLayerHandle {
    fn layer(&self) -> &TransportLayer {
        &self.endpoint.transport_layer
    }
}

/// Serves one stream connection (plain TCP, or TLS after the handshake) until it closes.
pub(super) async fn connection<S>(
    stream: S,
    peer: SocketAddr,
    transport: rsipstack::sip::Transport,
    shield: Arc<Shield>,
    layer: Arc<TransportLayerHandle>,
    cancel: CancellationToken,
) -> rsipstack::Result<()>
where
    S: AsyncRead + AsyncWrite + Send + Unpin + 'static,
{
    let (mut reader, mut writer) = tokio::io::split(stream);
    let (in_tx, in_rx) = tokio::sync::mpsc::unbounded_channel();
    let (out_tx, mut out_rx) = tokio::sync::mpsc::channel::<TransportEvent>(OUT_QUEUE);
    let (raw_tx, mut raw_rx) = tokio::sync::mpsc::channel::<Vec<u8>>(OUT_QUEUE);
    let remote = SipAddr {
        r#type: Some(transport),
        addr: peer.into(),
    };
    let conn_cancel = cancel.child_token();
    let conn = ChannelConnection::create_connection_bounded(
        in_rx,
        out_tx,
        remote.clone(),
        Some(conn_cancel.clone()),
    )
    .await?;
    let sip_conn: SipConnection = conn.clone().into();
    layer.layer().add_connection(sip_conn.clone());

    let writer_cancel = conn_cancel.clone();
    let write_task = async move {
        loop {
            // Queued messages are written before a cancellation is noticed, so the answers
            // to the last messages framed still go out when the reader closes.
            let event = tokio::select! {
                biased;
                raw = raw_rx.recv() => {
                    match raw {
                        Some(bytes) if writer.write_all(&bytes).await.is_ok() => continue,
                        _ => break,
                    }
                }
                e = out_rx.recv() => e,
                () = writer_cancel.cancelled() => break,
            };
            let Some(TransportEvent::Incoming(msg, _, _)) = event else {
                if event.is_none() {
                    break;
                }
                continue;
            };
            if writer.write_all(&msg.to_bytes()).await.is_err() {
                break;
            }
        }
        writer_cancel.cancel();
        writer
    };

    let read_cancel = conn_cancel.clone();
    let read_task = async {
        let mut stream = StreamReader::new(shield.clone(), peer);
        let mut chunk = vec![0u8; 8192];
        'read: loop {
            let wait = if stream.is_partial() { PARTIAL } else { IDLE };
            let n = tokio::select! {
                () = read_cancel.cancelled() => break,
                r = tokio::time::timeout(wait, reader.read(&mut chunk)) => match r {
                    Ok(Ok(0)) | Ok(Err(_)) | Err(_) => break,
                    Ok(Ok(n)) => n,
                },
            };
            let mut closing = false;
            for event in stream.push(&chunk[..n]) {
                match event {
                    StreamEvent::Message(bytes) => {
                        let Ok(msg) = SipMessage::try_from(bytes.as_slice()) else {
                            tracing::debug!(%peer, "SIP stack could not parse a message");
                            continue;
                        };
                        let Ok(msg) = SipConnection::update_msg_received(msg, peer, transport)
                        else {
                            continue;
                        };
                        let incoming =
                            TransportEvent::Incoming(msg, sip_conn.clone(), remote.clone());
                        if in_tx.send(incoming).is_err() {
                            break 'read;
                        }
                    }
                    StreamEvent::Reply(bytes) => {
                        if raw_tx.send(bytes).await.is_err() {
                            break 'read;
                        }
                    }
                    StreamEvent::Close(reason) => {
                        // The answers to the messages framed before still go out (RFC 4475
                        // 3.1.1.8: a REGISTER followed by octets that cannot be framed).
                        tracing::debug!(%peer, reason, "closing SIP TCP connection");
                        closing = true;
                    }
                }
            }
            if closing {
                break;
            }
        }
        read_cancel.cancel();
    };
    let ((), _writer) = tokio::join!(read_task, write_task);
    layer.layer().remove_connection(&sip_conn);
    Ok(())
}

/// What [`StreamReader`] makes of the bytes of a stream, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamEvent {
    /// A framed message the shield passed (canonical bytes): hand it to the SIP stack.
    Message(Vec<u8>),
    /// Bytes to write back: a stateless answer, or CRLF for a CRLF CRLF keep-alive ping.
    Reply(Vec<u8>),
    /// The stream cannot be framed any more: write the replies before this, then close.
    Close(&'static str),
}

/// The read side of one SIP stream without the socket: buffers bytes, frames messages by
/// Content-Length ([`frame`]), answers keep-alives and runs the shield on each message.
#[derive(Debug)]
pub struct StreamReader {
    shield: Arc<Shield>,
    peer: SocketAddr,
    buf: Vec<u8>,
    closed: bool,
}

impl StreamReader {
    pub fn new(shield: Arc<Shield>, peer: SocketAddr) -> Self {
        StreamReader {
            shield,
            peer,
            buf: Vec::with_capacity(4096),
            closed: false,
        }
    }

    /// Whether part of a message waits for more bytes (a shorter read timeout applies).
    pub fn is_partial(&self) -> bool {
        !self.buf.is_empty()
    }

    /// Takes the bytes just read; returns what to do, in order. After a
    /// [`StreamEvent::Close`], further bytes are ignored.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<StreamEvent> {
        let mut events = Vec::new();
        if self.closed {
            return events;
        }
        self.buf.extend_from_slice(bytes);
        let max = self.shield.max_message_size();
        loop {
            match frame(&self.buf, max) {
                Framing::Incomplete => break,
                Framing::KeepAlive(n) => {
                    if n >= 4 {
                        events.push(StreamEvent::Reply(b"\r\n".to_vec()));
                    }
                    self.buf.drain(..n);
                }
                Framing::Invalid(reason) => {
                    self.closed = true;
                    self.buf = Vec::new();
                    events.push(StreamEvent::Close(reason));
                    break;
                }
                Framing::Message(n) => {
                    let message: Vec<u8> = self.buf.drain(..n).collect();
                    match self.shield.judge(&message, self.peer, Transport::Stream) {
                        Verdict::Pass(bytes) => events.push(StreamEvent::Message(bytes)),
                        Verdict::Reply(r) => events.push(StreamEvent::Reply(r)),
                        Verdict::Drop(_) => {}
                    }
                }
            }
        }
        events
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::telephony::signaling::guard::GuardPolicy;
    use crate::telephony::signaling::limits::RateLimiter;

    fn reader() -> StreamReader {
        let policy = GuardPolicy {
            service_users: vec!["ivr".into()],
            scanner_user_agents: vec![],
            max_message_size: 8192,
            registrar: false,
        };
        let limiter = RateLimiter::new(100, 100, Duration::from_secs(60), vec![]);
        let shield = Arc::new(Shield::new(policy, limiter));
        StreamReader::new(shield, "192.0.2.1:5060".parse().unwrap())
    }

    fn kinds(events: &[StreamEvent]) -> Vec<String> {
        events
            .iter()
            .map(|e| match e {
                StreamEvent::Message(m) => {
                    format!("pass {}", String::from_utf8_lossy(&m[..m.len().min(7)]))
                }
                StreamEvent::Reply(r) if r == b"\r\n" => "pong".to_owned(),
                StreamEvent::Reply(r) => format!("reply {}", String::from_utf8_lossy(&r[8..11])),
                StreamEvent::Close(reason) => format!("close {reason}"),
            })
            .collect()
    }

    const OPTIONS: &str = "OPTIONS sip:ivr@h SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\nFrom: <sip:a@h>;tag=1\r\nTo: <sip:ivr@h>\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";

    #[test]
    fn frames_across_reads_answers_pings_and_closes_after_the_answers() {
        let mut r = reader();
        let (a, b) = OPTIONS.split_at(30);
        assert!(r.push(a.as_bytes()).is_empty());
        assert!(r.is_partial());
        assert_eq!(kinds(&r.push(b.as_bytes())), ["pass OPTIONS"]);
        assert!(!r.is_partial());
        assert_eq!(kinds(&r.push(b"\r\n\r\n")), ["pong"]);
        // RFC 4475 3.1.1.8 on a stream: the REGISTER is answered, then the trailing octets
        // cannot be framed and the connection closes.
        let dblreq = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/sip-torture/dblreq.dat"
        ))
        .unwrap();
        assert_eq!(
            kinds(&r.push(&dblreq)),
            [
                "reply 405",
                "reply 404",
                "close no Content-Length on a stream"
            ]
        );
        assert!(r.push(OPTIONS.as_bytes()).is_empty());
    }
}

//! SIP over UDP: a socket wrapper handed to rsipstack that runs the shield on every datagram
//! before the stack sees it, and sends stateless answers itself.

use std::net::SocketAddr;
use std::sync::Arc;

use rsipstack::platform::net::UdpSocket as StackUdpSocket;

use super::guard::{Transport, Verdict};
use super::shield::Shield;

pub struct GuardedUdpSocket {
    socket: tokio::net::UdpSocket,
    shield: Arc<Shield>,
}

impl GuardedUdpSocket {
    pub fn new(socket: tokio::net::UdpSocket, shield: Arc<Shield>) -> Self {
        GuardedUdpSocket { socket, shield }
    }
}

#[async_trait::async_trait]
impl StackUdpSocket for GuardedUdpSocket {
    async fn recv_from(&self, buf: &mut [u8]) -> rsipstack::Result<(usize, SocketAddr)> {
        let mut raw = vec![0u8; 65536];
        loop {
            let (n, from) = self.socket.recv_from(&mut raw).await?;
            match self.shield.judge(&raw[..n], from, Transport::Udp) {
                Verdict::Pass(bytes) if bytes.len() <= buf.len() => {
                    buf[..bytes.len()].copy_from_slice(&bytes);
                    return Ok((bytes.len(), from));
                }
                Verdict::Pass(_) => {
                    tracing::debug!(source = %from, "SIP datagram larger than the stack buffer");
                }
                Verdict::Reply(response) => {
                    if let Err(e) = self.socket.send_to(&response, from).await {
                        tracing::debug!(source = %from, error = %e, "stateless answer not sent");
                    }
                }
                Verdict::Drop(_) => {}
            }
        }
    }

    async fn send_to(&self, buf: &[u8], addr: SocketAddr) -> rsipstack::Result<usize> {
        Ok(self.socket.send_to(buf, addr).await?)
    }

    fn local_addr(&self) -> rsipstack::Result<SocketAddr> {
        Ok(self.socket.local_addr()?)
    }
}

//! A call's RTP socket.
//!
//! Registered with the runtime for reading only: a UDP socket signals "writable" every time a
//! sent datagram leaves its buffer, and with thousands of calls sending 50 packets a second
//! those wake-ups cost the runtime more than the packets themselves. Sends never wait: a
//! datagram that does not fit in the send buffer is dropped, as late real-time media must be,
//! rather than delaying the next one.

use std::io;
use std::net::{SocketAddr, UdpSocket};

use tokio::io::Interest;
use tokio::io::unix::AsyncFd;

pub struct RtpSocket {
    socket: AsyncFd<UdpSocket>,
}

impl RtpSocket {
    /// Binds `address` (a port of the RTP range).
    pub fn bind(address: SocketAddr) -> io::Result<RtpSocket> {
        let socket = UdpSocket::bind(address)?;
        socket.set_nonblocking(true)?;
        // `with_interest` is deprecated because a generic `T` may not own its descriptor (its
        // replacement is `unsafe`, which the workspace forbids); a `UdpSocket` owns it and the
        // `AsyncFd` owns the socket, so the registration cannot outlive the descriptor.
        #[allow(deprecated)]
        let socket = AsyncFd::with_interest(socket, Interest::READABLE)?;
        Ok(RtpSocket { socket })
    }

    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.socket.get_ref().local_addr()
    }

    /// Waits for the next datagram. Cancel-safe: dropping the future loses nothing.
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        loop {
            let mut ready = self.socket.readable().await?;
            if let Ok(result) = ready.try_io(|s| s.get_ref().recv_from(buf)) {
                return result;
            }
        }
    }

    /// Sends one datagram now; fails with `WouldBlock` (the datagram is dropped) when the send
    /// buffer is full.
    pub fn send_to(&self, datagram: &[u8], to: SocketAddr) -> io::Result<usize> {
        self.socket.get_ref().send_to(datagram, to)
    }

    /// A second handle on the same socket, for a thread that sends outside the runtime.
    pub fn try_clone_std(&self) -> io::Result<UdpSocket> {
        self.socket.get_ref().try_clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn sends_and_receives_datagrams() {
        let a = RtpSocket::bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let b = RtpSocket::bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let (a_addr, b_addr) = (a.local_addr().unwrap(), b.local_addr().unwrap());
        for i in 0..3u8 {
            a.send_to(&[i; 12], b_addr).unwrap();
        }
        let mut buf = [0u8; 64];
        for i in 0..3u8 {
            let (n, from) = tokio::time::timeout(Duration::from_secs(5), b.recv_from(&mut buf))
                .await
                .expect("a datagram within 5 s")
                .unwrap();
            assert_eq!((&buf[..n], from), (&[i; 12][..], a_addr));
        }
        // A clone sends from the same port.
        a.try_clone_std().unwrap().send_to(b"x", b_addr).unwrap();
        let (_, from) = b.recv_from(&mut buf).await.unwrap();
        assert_eq!(from, a_addr);
    }
}

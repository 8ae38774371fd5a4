//! The 20 ms clock of every call's outgoing audio.
//!
//! A call does not own a timer: it registers an [`OutgoingStream`] with the [`Pacer`]. One
//! pacing thread per shard wakes every millisecond and sends the next packet (prompt, ringback
//! or comfort silence) of the calls in that millisecond's phase: each call has one of 20 phases
//! and gets one packet every 20 ms at the same offset. With thousands of calls this replaces
//! thousands of timer wake-ups and task polls per interval by twenty wake-ups per shard, and
//! spreads the sending evenly over the interval instead of in bursts.
//!
//! The call's task keeps what it decides (which prompt, where to send, hold) in the stream's
//! state; the pacing thread only reads it and advances the prompt. A thread that wakes late
//! skips the missed slots on every stream's RTP clock (like a missed tick of the per-call
//! timer did), so receivers see a gap, never a compressed burst.

use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, Thread};
use std::time::{Duration, Instant};

use ivr::speech::Prompt;
use tokio::sync::oneshot;

use super::media::g711::G711;
use super::media::sender::{RtpSender, SAMPLES_PER_PACKET};
use super::media::tone::Ringback;
use super::rtp_socket::RtpSocket;

/// The packet interval.
pub const PACKET_INTERVAL: Duration = Duration::from_millis(20);
/// At most this many pacing threads, whatever the number of cores.
const MAX_SHARDS: usize = 8;

/// The pacing threads; calls are spread over them round robin.
pub struct Pacer {
    shards: Vec<Arc<Shard>>,
    next_shard: AtomicUsize,
}

struct Shard {
    /// Streams registered since the thread last looked.
    incoming: Mutex<Vec<Arc<OutgoingStream>>>,
    /// Streams the thread serves (for the count only: the thread keeps its own list).
    active: AtomicUsize,
    /// How late the thread served its phases, by [`LATENESS_BOUNDS_US`] bucket (the last
    /// bucket is everything beyond), and the sum of the lateness.
    lateness: [AtomicU64; LATENESS_BOUNDS_US.len() + 1],
    lateness_sum_us: AtomicU64,
    /// Whole packet intervals the thread could not run, skipped on its streams' clocks.
    stalled_intervals: AtomicU64,
    stop: AtomicBool,
    thread: Thread,
}

/// Upper bounds (microseconds) of the lateness buckets: up to a whole interval.
pub const LATENESS_BOUNDS_US: [u64; 6] = [500, 1_000, 2_000, 5_000, 10_000, 20_000];

/// What the pacing threads did since start, over all threads (for `/metrics`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PacingFigures {
    /// Streams being paced now.
    pub streams: usize,
    /// Phases served, by how late the thread woke for them: one count per
    /// [`LATENESS_BOUNDS_US`] bucket, then the ones beyond the last bound (not cumulative).
    pub lateness: [u64; LATENESS_BOUNDS_US.len() + 1],
    pub lateness_sum_us: u64,
    /// Packet intervals skipped because a thread could not run for a whole interval; each one
    /// is a 20 ms gap in the audio of that thread's streams.
    pub stalled_intervals: u64,
}

impl Shard {
    fn record_lateness(&self, late: Duration) {
        let us = late.as_micros().min(u128::from(u64::MAX)) as u64;
        self.lateness[lateness_bucket(us)].fetch_add(1, Ordering::Relaxed);
        self.lateness_sum_us.fetch_add(us, Ordering::Relaxed);
    }
}

/// The bucket of a lateness: the first bound it does not exceed, or the last bucket.
fn lateness_bucket(us: u64) -> usize {
    LATENESS_BOUNDS_US
        .iter()
        .position(|&bound| us <= bound)
        .unwrap_or(LATENESS_BOUNDS_US.len())
}

impl std::fmt::Debug for Pacer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pacer")
            .field("threads", &self.shards.len())
            .finish_non_exhaustive()
    }
}

impl Pacer {
    /// Starts `shards` pacing threads (at least one); `0` means one per core, at most
    /// eight.
    pub fn start(shards: usize) -> std::io::Result<Arc<Pacer>> {
        let shards = match shards {
            0 => thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
                .min(MAX_SHARDS),
            n => n.min(MAX_SHARDS),
        };
        let mut started = Vec::with_capacity(shards);
        for index in 0..shards {
            let (ready_tx, ready_rx) = std::sync::mpsc::channel::<Arc<Shard>>();
            let handle = thread::Builder::new()
                .name(format!("rtp-pacer-{index}"))
                .spawn(move || {
                    if let Ok(shard) = ready_rx.recv() {
                        pace(&shard);
                    }
                })?;
            let shard = Arc::new(Shard {
                incoming: Mutex::new(Vec::new()),
                active: AtomicUsize::new(0),
                lateness: std::array::from_fn(|_| AtomicU64::new(0)),
                lateness_sum_us: AtomicU64::new(0),
                stalled_intervals: AtomicU64::new(0),
                stop: AtomicBool::new(false),
                thread: handle.thread().clone(),
            });
            ready_tx.send(shard.clone()).ok();
            started.push(shard);
        }
        Ok(Arc::new(Pacer {
            shards: started,
            next_shard: AtomicUsize::new(0),
        }))
    }

    /// Starts pacing `sender`'s packets out of `socket` (a handle on the call's own RTP
    /// socket). Nothing is sent until [`Outgoing::destination`] is set.
    pub fn register(&self, socket: &RtpSocket, sender: RtpSender) -> StreamHandle {
        let socket = socket.try_clone_std().ok();
        let stream = Arc::new(OutgoingStream {
            socket,
            state: Mutex::new(Outgoing {
                sender: Some(sender),
                destination: None,
                sending: true,
                prompt: None,
                ringback: None,
                payload: Vec::with_capacity(SAMPLES_PER_PACKET),
            }),
        });
        let index = self.next_shard.fetch_add(1, Ordering::Relaxed) % self.shards.len();
        let shard = &self.shards[index];
        lock(&shard.incoming).push(stream.clone());
        shard.thread.unpark();
        StreamHandle(stream)
    }

    /// Streams being paced now, over all threads.
    pub fn active_streams(&self) -> usize {
        self.shards
            .iter()
            .map(|s| {
                let incoming = lock(&s.incoming);
                s.active.load(Ordering::Relaxed) + incoming.len()
            })
            .sum()
    }

    /// The threads' figures since start.
    pub fn figures(&self) -> PacingFigures {
        let mut figures = PacingFigures {
            streams: self.active_streams(),
            ..PacingFigures::default()
        };
        for shard in &self.shards {
            for (total, count) in figures.lateness.iter_mut().zip(&shard.lateness) {
                *total += count.load(Ordering::Relaxed);
            }
            figures.lateness_sum_us += shard.lateness_sum_us.load(Ordering::Relaxed);
            figures.stalled_intervals += shard.stalled_intervals.load(Ordering::Relaxed);
        }
        figures
    }
}

impl Drop for Pacer {
    fn drop(&mut self) {
        for shard in &self.shards {
            shard.stop.store(true, Ordering::Relaxed);
            shard.thread.unpark();
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock leaves plain data behind: keep using it.
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Phases per packet interval: a thread wakes every 1 ms and serves one phase, so its calls'
/// packets are spread over the 20 ms instead of leaving in one burst.
const PHASES: usize = 20;
const PHASE_STEP: Duration = Duration::from_millis(1);

/// One pacing thread: wakes every millisecond and sends the packet of each stream of that
/// phase (every stream once per 20 ms), drops the streams whose call let go of them, parks
/// while it has none. New streams join the phase with the fewest.
fn pace(shard: &Shard) {
    let mut phases: [Vec<Arc<OutgoingStream>>; PHASES] = std::array::from_fn(|_| Vec::new());
    // Whole intervals a phase missed while the thread could not run, skipped on its clocks.
    let mut skipped = [0u32; PHASES];
    let mut packet = Vec::with_capacity(256);
    let mut next = Instant::now() + PHASE_STEP;
    let mut phase = 0usize;
    while !shard.stop.load(Ordering::Relaxed) {
        let total = {
            // Under the lock, so that `active_streams` never sees a stream in neither place.
            let mut incoming = lock(&shard.incoming);
            for stream in incoming.drain(..) {
                let emptiest = (0..PHASES).min_by_key(|&p| phases[p].len()).unwrap_or(0);
                phases[emptiest].push(stream);
            }
            let total = phases.iter().map(Vec::len).sum::<usize>();
            shard.active.store(total, Ordering::Relaxed);
            total
        };
        if total == 0 {
            thread::park();
            next = Instant::now() + PHASE_STEP;
            continue;
        }
        if let Some(wait) = next.checked_duration_since(Instant::now()) {
            thread::sleep(wait);
        }
        let now = Instant::now();
        // A stall of a whole interval or more: those slots are skipped, not sent late.
        let periods =
            (now.saturating_duration_since(next).as_micros() / PACKET_INTERVAL.as_micros()) as u32;
        if periods > 0 {
            next += PACKET_INTERVAL * periods;
            for s in &mut skipped {
                *s += periods;
            }
            shard
                .stalled_intervals
                .fetch_add(u64::from(periods), Ordering::Relaxed);
        }
        // Serve every phase whose time has come (more than one after a short delay).
        while next <= now {
            shard.record_lateness(now - next);
            let slots = 1 + std::mem::take(&mut skipped[phase]);
            phases[phase].retain(|stream| stream.tick(slots, &mut packet));
            phase = (phase + 1) % PHASES;
            next += PHASE_STEP;
        }
    }
}

/// A call's outgoing audio as the pacing thread sees it.
pub struct OutgoingStream {
    /// A second handle on the call's RTP socket (the call's task receives on the first).
    socket: Option<UdpSocket>,
    state: Mutex<Outgoing>,
}

/// What the call decides about its outgoing audio.
pub struct Outgoing {
    /// `None` once the call took the numbering back ([`StreamHandle::detach`]).
    sender: Option<RtpSender>,
    /// Where to send (the learnt source of the caller's media); nothing is sent before.
    pub destination: Option<SocketAddr>,
    /// `false` while the caller holds the call (we must not send).
    pub sending: bool,
    prompt: Option<PlayingPrompt>,
    ringback: Option<Ringback>,
    payload: Vec<u8>,
}

struct PlayingPrompt {
    prompt: Arc<Prompt>,
    position: usize,
    done: oneshot::Sender<()>,
}

impl OutgoingStream {
    /// Sends this tick's packet; `slots` is 1 plus the slots missed since the last tick.
    /// Returns `false` when the call has let go of the stream.
    fn tick(&self, slots: u32, packet: &mut Vec<u8>) -> bool {
        let destination = {
            let mut state = lock(&self.state);
            match state.next_packet(slots, packet) {
                Next::Detached => return false,
                Next::Quiet => return true,
                Next::Send(destination) => destination,
            }
        };
        if let Some(socket) = &self.socket
            && let Err(e) = socket.send_to(packet, destination)
        {
            tracing::trace!(error = %e, "RTP send failed");
        }
        true
    }
}

enum Next {
    Detached,
    /// Nothing to send this tick (no destination yet, or on hold).
    Quiet,
    Send(SocketAddr),
}

impl Outgoing {
    fn next_packet(&mut self, slots: u32, packet: &mut Vec<u8>) -> Next {
        let Some(sender) = self.sender.as_mut() else {
            return Next::Detached;
        };
        let Some(destination) = self.destination else {
            return Next::Quiet;
        };
        if !self.sending {
            return Next::Quiet;
        }
        if slots > 1 {
            sender.skip(slots - 1);
        }
        let law: G711 = sender.law();
        let mut finished = false;
        if let Some(playing) = self.prompt.as_mut() {
            let samples = playing.prompt.samples();
            let end = (playing.position + SAMPLES_PER_PACKET).min(samples.len());
            self.payload.clear();
            law.encode(&samples[playing.position..end], &mut self.payload);
            self.payload.resize(SAMPLES_PER_PACKET, law.silence());
            playing.position = end;
            finished = end >= samples.len();
            sender.next_audio(&self.payload, packet);
        } else if let Some(ringback) = self.ringback.as_mut() {
            self.payload.clear();
            law.encode(&ringback.next_frame(), &mut self.payload);
            sender.next_audio(&self.payload, packet);
        } else {
            sender.next_silence(packet);
        }
        if finished && let Some(playing) = self.prompt.take() {
            playing.done.send(()).ok();
        }
        Next::Send(destination)
    }

    /// Plays `prompt` from its start (a new talkspurt); `done` fires after its last packet.
    pub fn play(&mut self, prompt: Arc<Prompt>, done: oneshot::Sender<()>) {
        if let Some(sender) = self.sender.as_mut() {
            sender.start_talkspurt();
        }
        self.prompt = Some(PlayingPrompt {
            prompt,
            position: 0,
            done,
        });
    }

    /// Plays the ringback tone until [`Outgoing::stop`] (a prompt, if any, goes first).
    pub fn ringback(&mut self) {
        if let Some(sender) = self.sender.as_mut() {
            sender.start_talkspurt();
        }
        self.ringback = Some(Ringback::new());
    }

    /// Stops the prompt and the ringback; returns how many samples of the prompt were sent.
    pub fn stop(&mut self) -> Option<usize> {
        self.ringback = None;
        self.prompt.take().map(|p| p.position)
    }

    /// Sends with this payload type from now on (a re-INVITE renumbered the codec).
    pub fn set_payload_type(&mut self, payload_type: u8) {
        if let Some(sender) = self.sender.as_mut() {
            sender.set_payload_type(payload_type);
        }
    }
}

/// The call's hold on its stream; dropping it ends the pacing of the call.
pub struct StreamHandle(Arc<OutgoingStream>);

impl StreamHandle {
    /// The outgoing state, for the call's task to change.
    pub fn lock(&self) -> MutexGuard<'_, Outgoing> {
        lock(&self.0.state)
    }

    /// Stops pacing and hands back the numbering (a bridge continues the same RTP stream
    /// towards the caller). The prompt and ringback are dropped.
    pub fn detach(&self) -> Option<RtpSender> {
        let mut state = self.lock();
        state.prompt = None;
        state.ringback = None;
        state.sender.take()
    }
}

impl Drop for StreamHandle {
    fn drop(&mut self) {
        self.detach();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::telephony::media::rtp::RtpPacket;

    async fn socket() -> RtpSocket {
        RtpSocket::bind("127.0.0.1:0".parse().unwrap()).unwrap()
    }

    async fn receive(socket: &RtpSocket) -> (u16, u32, bool, Vec<u8>) {
        let mut buf = [0u8; 512];
        let (n, _) = tokio::time::timeout(Duration::from_secs(5), socket.recv_from(&mut buf))
            .await
            .expect("a packet within 5 s")
            .unwrap();
        let p = RtpPacket::parse(&buf[..n]).unwrap();
        (p.sequence, p.timestamp, p.marker, p.payload.to_vec())
    }

    fn prompt(samples: usize) -> Arc<Prompt> {
        Arc::new(Prompt::from_samples(vec![1000; samples], "test"))
    }

    #[tokio::test]
    async fn silence_then_a_prompt_then_silence_with_continuous_numbering() {
        let pacer = Pacer::start(1).unwrap();
        let (ours, theirs) = (socket().await, socket().await);
        let stream = pacer.register(&ours, RtpSender::new(G711::Alaw, 9, 100, 8000));
        // Nothing goes out before a destination is known.
        tokio::time::sleep(Duration::from_millis(60)).await;
        let mut buf = [0u8; 512];
        assert!(theirs.try_clone_std().unwrap().recv(&mut buf).is_err());
        stream.lock().destination = Some(theirs.local_addr().unwrap());
        let first = receive(&theirs).await;
        assert_eq!(first.3, vec![G711::Alaw.silence(); SAMPLES_PER_PACKET]);
        let (done_tx, done_rx) = oneshot::channel();
        stream.lock().play(prompt(400), done_tx);
        // The prompt's three packets: marker on the first, the last padded with silence.
        let mut packets = Vec::new();
        while packets.len() < 3 {
            let p = receive(&theirs).await;
            if p.3[0] != G711::Alaw.silence() {
                packets.push(p);
            }
        }
        done_rx.await.expect("done after the last packet");
        assert!(packets[0].2 && !packets[1].2 && !packets[2].2);
        assert_eq!(packets[2].3[79], G711::Alaw.encode_sample(1000));
        assert_eq!(packets[2].3[80], G711::Alaw.silence());
        for pair in packets.windows(2) {
            assert_eq!(pair[1].0, pair[0].0.wrapping_add(1));
        }
        let after = receive(&theirs).await;
        assert_eq!(after.3, vec![G711::Alaw.silence(); SAMPLES_PER_PACKET]);
        assert!(first.0 < packets[0].0 && packets[2].0 < after.0);
        // Timestamps advance 160 per slot (more when the thread woke late and skipped).
        assert_eq!((after.1 - first.1) % 160, 0);
        assert!(after.1 - first.1 >= 160 * u32::from(after.0 - first.0));
    }

    #[tokio::test]
    async fn hold_stop_and_detach() {
        let pacer = Pacer::start(2).unwrap();
        let (ours, theirs) = (socket().await, socket().await);
        let stream = pacer.register(&ours, RtpSender::new(G711::Ulaw, 1, 0, 0));
        {
            let mut out = stream.lock();
            out.destination = Some(theirs.local_addr().unwrap());
            out.sending = false;
        }
        tokio::time::sleep(Duration::from_millis(60)).await;
        let mut buf = [0u8; 512];
        assert!(
            theirs.try_clone_std().unwrap().recv(&mut buf).is_err(),
            "nothing sent on hold"
        );
        let (done_tx, done_rx) = oneshot::channel();
        {
            let mut out = stream.lock();
            out.sending = true;
            out.play(prompt(80_000), done_tx);
        }
        receive(&theirs).await;
        assert!(stream.lock().stop().is_some_and(|sent| sent > 0));
        assert!(
            done_rx.await.is_err(),
            "an interrupted prompt never reports done"
        );
        let sender = stream.detach().expect("the numbering comes back");
        assert_eq!(stream.detach().map(|s| s.law()), None);
        // The thread lets go of a detached stream.
        for _ in 0..100 {
            if pacer.active_streams() == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(pacer.active_streams(), 0);
        while theirs.try_clone_std().unwrap().recv(&mut buf).is_ok() {}
        tokio::time::sleep(Duration::from_millis(60)).await;
        assert!(
            theirs.try_clone_std().unwrap().recv(&mut buf).is_err(),
            "nothing sent after detach"
        );
        assert_eq!(sender.law(), G711::Ulaw);
    }

    #[tokio::test]
    async fn the_threads_report_how_late_they_served_their_phases() {
        let pacer = Pacer::start(1).unwrap();
        assert_eq!(pacer.figures(), PacingFigures::default());
        let (ours, theirs) = (socket().await, socket().await);
        let stream = pacer.register(&ours, RtpSender::new(G711::Alaw, 1, 0, 0));
        stream.lock().destination = Some(theirs.local_addr().unwrap());
        for _ in 0..3 {
            receive(&theirs).await;
        }
        let figures = pacer.figures();
        assert_eq!(figures.streams, 1);
        // Three packets are two intervals apart: 40 phases were served or skipped.
        let served: u64 = figures.lateness.iter().sum();
        assert!(served + 20 * figures.stalled_intervals >= 40, "{figures:?}");
        // Phases are served within the interval they belong to (a longer stall is skipped).
        assert!(figures.lateness_sum_us <= served * 20_000, "{figures:?}");
        assert_eq!(figures.lateness[LATENESS_BOUNDS_US.len()], 0);
    }

    #[test]
    fn lateness_buckets_include_their_upper_bound() {
        assert_eq!(lateness_bucket(0), 0);
        assert_eq!(lateness_bucket(500), 0);
        assert_eq!(lateness_bucket(501), 1);
        assert_eq!(lateness_bucket(5_000), 3);
        assert_eq!(lateness_bucket(20_000), 5);
        assert_eq!(lateness_bucket(20_001), 6);
        assert_eq!(lateness_bucket(u64::MAX), 6);
    }

    #[tokio::test]
    async fn calls_are_spread_over_the_threads_and_released_on_drop() {
        let pacer = Pacer::start(2).unwrap();
        let ours = socket().await;
        let streams: Vec<_> = (0..5)
            .map(|i| pacer.register(&ours, RtpSender::new(G711::Alaw, i, 0, 0)))
            .collect();
        assert_eq!(pacer.active_streams(), 5);
        drop(streams);
        for _ in 0..100 {
            if pacer.active_streams() == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(pacer.active_streams(), 0);
    }
}

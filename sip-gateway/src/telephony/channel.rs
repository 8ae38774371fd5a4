//! [`CallChannel`]: one answered call as the dialog sees it, the gateway's implementation of
//! [`ivr::Channel`].
//!
//! The channel owns no socket: it sends commands (play a prompt, stop it, hang up) to the
//! call's media loop ([`super::call`]) and reads the keys the media loop heard (RFC 4733,
//! SIP INFO, in-band) from one small buffer, in order. Every future is cancel-safe: a prompt
//! whose `play` future is dropped stops.
//!
//! Listening: while [`CallChannel::listen`] runs, the media loop hands it the caller's decoded
//! audio in 20 ms frames through [`AudioTap`] (a flag says whether anyone listens; a small
//! bounded queue, frames dropped rather than waited for) and an [`ivr::recognition::Recorder`]
//! decides when the utterance ended.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use ivr::channel::KeyCollector;
use ivr::recognition::endpoint::Recorded;
use ivr::recognition::{ListenRequest, Listening, Recorder};
use ivr::speech::Prompt;
use ivr::{BargeIn, Channel, ChannelError, Key, KeyCollection, KeyRequest, Playback};
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

/// Samples in one frame of caller audio handed to the dialog (20 ms at 8 kHz).
const AUDIO_FRAME: usize = 160;
/// Frames of caller audio that may wait for the dialog (1.28 s); more are dropped.
const AUDIO_BUFFER: usize = 64;
/// How long past the request's longest a listen may last when the audio stalls.
const LISTEN_SLACK: std::time::Duration = std::time::Duration::from_millis(500);

/// Up to 20 ms of decoded caller audio (fixed size: moving it allocates nothing).
#[derive(Debug, Clone, Copy)]
pub(crate) struct AudioFrame {
    len: usize,
    samples: [i16; AUDIO_FRAME],
}

impl AudioFrame {
    fn samples(&self) -> &[i16] {
        &self.samples[..self.len]
    }
}

/// The media loop's end of the audio link: offers decoded audio, which goes through only
/// while the dialog listens.
#[derive(Debug)]
pub(crate) struct AudioTap {
    listening: Arc<AtomicBool>,
    frames: mpsc::Sender<AudioFrame>,
}

impl AudioTap {
    /// Offers decoded caller audio (any length): dropped unless the dialog listens, and
    /// dropped when the dialog lags (never waits, never allocates).
    pub(crate) fn offer(&self, pcm: &[i16]) {
        if !self.listening.load(Ordering::Acquire) {
            return;
        }
        for chunk in pcm.chunks(AUDIO_FRAME) {
            let mut frame = AudioFrame {
                len: chunk.len(),
                samples: [0; AUDIO_FRAME],
            };
            frame.samples[..chunk.len()].copy_from_slice(chunk);
            if self.frames.try_send(frame).is_err() {
                tracing::trace!("caller audio dropped: the dialog lags");
            }
        }
    }
}

/// The dialog's end of the audio link.
#[derive(Debug)]
pub(crate) struct AudioListener {
    listening: Arc<AtomicBool>,
    frames: mpsc::Receiver<AudioFrame>,
}

/// A link carrying the caller's audio from the media loop to the dialog.
pub(crate) fn audio_link() -> (AudioTap, AudioListener) {
    let listening = Arc::new(AtomicBool::new(false));
    let (tx, rx) = mpsc::channel(AUDIO_BUFFER);
    (
        AudioTap {
            listening: listening.clone(),
            frames: tx,
        },
        AudioListener {
            listening,
            frames: rx,
        },
    )
}

/// Clears the listening flag when a `listen` future ends or is dropped.
struct StopListening<'a>(&'a AtomicBool);

impl Drop for StopListening<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

/// What the dialog asks the media loop.
pub(crate) enum Command {
    /// Stream this prompt; `done` fires when its last packet was sent.
    Play {
        prompt: Arc<Prompt>,
        done: oneshot::Sender<()>,
    },
    /// Stop the prompt playing (barge-in, or the dialog dropped its `play`).
    Stop,
    /// End the call (BYE).
    HangUp,
    /// Play the ringback tone until the next command (an operator's phone rings).
    Ringback,
    /// Bridge the caller to this answered operator leg until one of them hangs up; the
    /// call ends with the bridge.
    Bridge {
        leg: Box<crate::telephony::bridge::OutboundLeg>,
        done: oneshot::Sender<crate::telephony::bridge::connect::BridgeReport>,
    },
}

/// Why the call is over, set by the media loop before it lets go of the channel.
pub(crate) type Ended = Arc<Mutex<Option<ChannelError>>>;

/// The dialog's side of a call.
pub struct CallChannel {
    commands: mpsc::Sender<Command>,
    keys: mpsc::Receiver<Key>,
    /// The caller's audio, when the media loop provides it.
    audio: Option<AudioListener>,
    /// Places operator legs ([`Channel::connect`]); `None` in tests without telephony.
    outbound: Option<Arc<crate::telephony::bridge::Outbound>>,
    ended: Ended,
    /// Call-ID (for logs).
    pub call_id: String,
    /// The user part of the caller's From, if any (never logged in full).
    pub caller: Option<String>,
}

impl std::fmt::Debug for CallChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallChannel")
            .field("call_id", &self.call_id)
            .finish()
    }
}

fn ended(ended: &Ended) -> ChannelError {
    ended
        .lock()
        .ok()
        .and_then(|e| e.clone())
        .unwrap_or(ChannelError::TornDown {
            reason: "call ended",
        })
}

/// Sends [`Command::Stop`] when a `play` future is dropped before its prompt ended.
struct StopOnDrop<'a> {
    commands: &'a mpsc::Sender<Command>,
    armed: bool,
}

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        if self.armed {
            self.commands.try_send(Command::Stop).ok();
        }
    }
}

impl CallChannel {
    pub(crate) fn new(
        commands: mpsc::Sender<Command>,
        keys: mpsc::Receiver<Key>,
        ended: Ended,
        call_id: String,
        caller: Option<String>,
    ) -> Self {
        CallChannel {
            commands,
            keys,
            audio: None,
            outbound: None,
            ended,
            call_id,
            caller,
        }
    }

    /// The same channel hearing the caller's audio through `audio`.
    pub(crate) fn with_audio(mut self, audio: AudioListener) -> Self {
        self.audio = Some(audio);
        self
    }

    /// Lets [`Channel::connect`] ring operators through `outbound`.
    pub(crate) fn with_outbound(
        mut self,
        outbound: Option<Arc<crate::telephony::bridge::Outbound>>,
    ) -> Self {
        self.outbound = outbound;
        self
    }
}

fn listened(recorded: Recorded) -> Listening {
    match recorded {
        Recorded::Speech(utterance) => Listening::Heard(utterance),
        Recorded::Silence => Listening::Silence,
    }
}

impl Channel for CallChannel {
    async fn play(
        &mut self,
        prompt: Arc<Prompt>,
        barge_in: BargeIn,
    ) -> Result<Playback, ChannelError> {
        if barge_in == BargeIn::Allowed
            && let Ok(key) = self.keys.try_recv()
        {
            return Ok(Playback::Interrupted(key));
        }
        let (done_tx, mut done_rx) = oneshot::channel();
        let play = Command::Play {
            prompt,
            done: done_tx,
        };
        if self.commands.send(play).await.is_err() {
            return Err(ended(&self.ended));
        }
        let mut stop = StopOnDrop {
            commands: &self.commands,
            armed: true,
        };
        loop {
            tokio::select! {
                biased;
                done = &mut done_rx => {
                    stop.armed = false;
                    if done.is_err() {
                        return Err(ended(&self.ended));
                    }
                    if barge_in == BargeIn::Disabled {
                        while self.keys.try_recv().is_ok() {}
                    }
                    return Ok(Playback::Finished);
                }
                key = self.keys.recv() => {
                    let Some(key) = key else {
                        stop.armed = false;
                        return Err(ended(&self.ended));
                    };
                    if barge_in == BargeIn::Allowed {
                        stop.armed = false;
                        stop.commands.send(Command::Stop).await.ok();
                        return Ok(Playback::Interrupted(key));
                    }
                    // BargeIn::Disabled: keys pressed during the prompt are discarded.
                }
            }
        }
    }

    async fn collect_keys(&mut self, request: &KeyRequest) -> Result<KeyCollection, ChannelError> {
        let mut collector = KeyCollector::new(request, Instant::now());
        loop {
            tokio::select! {
                biased;
                key = self.keys.recv() => {
                    let Some(key) = key else { return Err(ended(&self.ended)) };
                    if let Some(done) = collector.push(key, Instant::now()) {
                        return Ok(done);
                    }
                }
                () = tokio::time::sleep_until(collector.deadline()) => {
                    return Ok(collector.expire());
                }
            }
        }
    }

    async fn hang_up(&mut self) {
        self.commands.send(Command::HangUp).await.ok();
    }

    async fn connect(
        &mut self,
        operator: &ivr::OperatorLeg,
        ring_timeout: std::time::Duration,
        answered: ivr::AnswerNotice,
    ) -> Result<ivr::Connection, ChannelError> {
        // The operator's phone shows the caller's number when it is a plain one.
        let caller_id = self
            .caller
            .clone()
            .filter(|c| {
                !c.is_empty() && c.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '+')
            })
            .unwrap_or_else(|| "anonymous".to_owned());
        crate::telephony::bridge::connect::connect(
            self.outbound.as_ref(),
            &self.commands,
            &mut self.keys,
            operator,
            ring_timeout,
            &caller_id,
            answered,
        )
        .await
    }

    async fn listen(&mut self, request: &ListenRequest) -> Result<Listening, ChannelError> {
        if let Ok(key) = self.keys.try_recv() {
            return Ok(Listening::Key(key));
        }
        let Some(audio) = self.audio.as_mut() else {
            return Ok(Listening::NoAudio);
        };
        // Audio from before this listen is stale.
        while audio.frames.try_recv().is_ok() {}
        audio.listening.store(true, Ordering::Release);
        let _stop = StopListening(&audio.listening);
        let mut recorder = Recorder::new(request);
        let start = Instant::now();
        // The recorder keeps time by the audio; these bound a listen whose audio stops: no
        // RTP while the caller is muted or on hold, or a phone that sends nothing during
        // silence (DTX): after speech, missing audio counts as silence.
        let silence_deadline = start + request.no_speech_timeout + LISTEN_SLACK;
        let last_deadline = start + request.longest() + LISTEN_SLACK;
        let mut last_frame = start;
        loop {
            let deadline = if recorder.is_speaking() {
                (last_frame + request.end_silence).min(last_deadline)
            } else {
                silence_deadline
            };
            tokio::select! {
                biased;
                key = self.keys.recv() => {
                    let Some(key) = key else { return Err(ended(&self.ended)) };
                    return Ok(Listening::Key(key));
                }
                frame = audio.frames.recv() => {
                    let Some(frame) = frame else { return Err(ended(&self.ended)) };
                    last_frame = Instant::now();
                    if let Some(done) = recorder.push(frame.samples()) {
                        return Ok(listened(done));
                    }
                }
                () = tokio::time::sleep_until(deadline) => {
                    return Ok(listened(recorder.finish()));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    struct Loop {
        commands: mpsc::Receiver<Command>,
        keys: mpsc::Sender<Key>,
        ended: Ended,
    }

    fn channel() -> (CallChannel, Loop) {
        let (cmd_tx, cmd_rx) = mpsc::channel(8);
        let (key_tx, key_rx) = mpsc::channel(8);
        let ended: Ended = Arc::default();
        (
            CallChannel::new(cmd_tx, key_rx, ended.clone(), "c".into(), None),
            Loop {
                commands: cmd_rx,
                keys: key_tx,
                ended,
            },
        )
    }

    fn prompt() -> Arc<Prompt> {
        Arc::new(Prompt::silence(Duration::from_secs(2), "p"))
    }

    #[tokio::test(start_paused = true)]
    async fn a_key_during_a_prompt_stops_it_and_later_keys_stay_buffered() {
        let (mut ch, mut media) = channel();
        let play = tokio::spawn(async move {
            let r = ch.play(prompt(), BargeIn::Allowed).await;
            (ch, r)
        });
        let Some(Command::Play { done, .. }) = media.commands.recv().await else {
            panic!("no play")
        };
        media.keys.send(Key::Digit(1)).await.unwrap();
        media.keys.send(Key::Digit(2)).await.unwrap();
        let (mut ch, r) = play.await.unwrap();
        assert_eq!(r, Ok(Playback::Interrupted(Key::Digit(1))));
        assert!(matches!(media.commands.recv().await, Some(Command::Stop)));
        drop(done);
        let got = ch.collect_keys(&KeyRequest::menu_choice()).await;
        assert_eq!(got, Ok(KeyCollection::Keys(vec![Key::Digit(2)])));
    }

    #[tokio::test(start_paused = true)]
    async fn without_barge_in_keys_are_discarded() {
        let (mut ch, mut media) = channel();
        media.keys.send(Key::Digit(5)).await.unwrap();
        let play = tokio::spawn(async move {
            let r = ch.play(prompt(), BargeIn::Disabled).await;
            (ch, r)
        });
        let Some(Command::Play { done, .. }) = media.commands.recv().await else {
            panic!("no play")
        };
        media.keys.send(Key::Digit(6)).await.unwrap();
        tokio::task::yield_now().await;
        done.send(()).unwrap();
        let (mut ch, r) = play.await.unwrap();
        assert_eq!(r, Ok(Playback::Finished));
        let got = ch.collect_keys(&KeyRequest::menu_choice()).await;
        assert_eq!(got, Ok(KeyCollection::NoInput));
    }

    #[tokio::test(start_paused = true)]
    async fn a_dropped_play_stops_the_prompt_and_the_end_is_reported() {
        let (mut ch, mut media) = channel();
        {
            let play = ch.play(prompt(), BargeIn::Allowed);
            let _ = tokio::time::timeout(Duration::from_millis(100), play).await;
        }
        assert!(matches!(
            media.commands.recv().await,
            Some(Command::Play { .. })
        ));
        assert!(matches!(media.commands.recv().await, Some(Command::Stop)));
        ch.hang_up().await;
        assert!(matches!(media.commands.recv().await, Some(Command::HangUp)));
        *media.ended.lock().unwrap() = Some(ChannelError::HungUp);
        drop(media);
        let got = ch.collect_keys(&KeyRequest::digits(4)).await;
        assert_eq!(got, Err(ChannelError::HungUp));
    }

    fn voice(frames: usize) -> Vec<i16> {
        (0..frames * AUDIO_FRAME)
            .map(|i| {
                let t = i as f64 / 8_000.0;
                (3_000.0 * (2.0 * std::f64::consts::PI * 200.0 * t).sin()) as i16
            })
            .collect()
    }

    #[tokio::test(start_paused = true)]
    async fn listen_records_an_utterance_from_the_media_loop_audio() {
        let (ch, _media) = channel();
        let (tap, audio) = audio_link();
        let mut ch = ch.with_audio(audio);
        // Not listening: audio offered now goes nowhere.
        tap.offer(&voice(10));
        let listen = tokio::spawn(async move {
            let r = ch.listen(&ListenRequest::utterance()).await;
            (ch, r)
        });
        tokio::task::yield_now().await;
        // 0.2 s of silence, 1 s of speech, then silence: as RTP would bring it, 20 ms a time.
        let mut audio = vec![0i16; 10 * AUDIO_FRAME];
        audio.extend(voice(50));
        audio.extend(vec![0i16; 60 * AUDIO_FRAME]);
        for packet in audio.chunks(AUDIO_FRAME) {
            tap.offer(packet);
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let (mut ch, r) = listen.await.unwrap();
        let Ok(Listening::Heard(utterance)) = r else {
            panic!("{r:?}")
        };
        // 0.2 s before (within the pre-roll), 1 s of speech, 0.2 s of tail.
        assert_eq!(utterance.duration(), Duration::from_millis(1_400));
        // Listening stopped: audio no longer flows.
        assert!(!tap.listening.load(Ordering::Acquire));

        // Speech, then the phone stops sending (DTX): the utterance ends 0.7 s later.
        let listen = tokio::spawn(async move {
            let r = ch.listen(&ListenRequest::utterance()).await;
            (ch, r)
        });
        tokio::task::yield_now().await;
        let mut audio = vec![0i16; 10 * AUDIO_FRAME];
        audio.extend(voice(50));
        let mut stopped = Instant::now();
        for packet in audio.chunks(AUDIO_FRAME) {
            tap.offer(packet);
            stopped = Instant::now();
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let (mut ch, r) = listen.await.unwrap();
        assert!(matches!(r, Ok(Listening::Heard(_))), "{r:?}");
        assert_eq!(stopped.elapsed(), Duration::from_millis(700));

        // A stalled stream (no RTP at all): silence after the no-speech timeout.
        let started = Instant::now();
        let r = ch.listen(&ListenRequest::utterance()).await;
        assert_eq!(r, Ok(Listening::Silence));
        assert_eq!(started.elapsed(), Duration::from_millis(5_500));
    }

    #[tokio::test(start_paused = true)]
    async fn a_key_stops_listening_and_without_audio_nothing_is_heard() {
        let (ch, media) = channel();
        let (_tap, audio) = audio_link();
        let mut ch = ch.with_audio(audio);
        media.keys.send(Key::Digit(1)).await.unwrap();
        assert_eq!(
            ch.listen(&ListenRequest::utterance()).await,
            Ok(Listening::Key(Key::Digit(1)))
        );
        let listen = tokio::spawn(async move {
            let r = ch.listen(&ListenRequest::utterance()).await;
            (ch, r)
        });
        tokio::time::sleep(Duration::from_secs(1)).await;
        media.keys.send(Key::Star).await.unwrap();
        let (_, r) = listen.await.unwrap();
        assert_eq!(r, Ok(Listening::Key(Key::Star)));

        let (mut deaf, _media) = channel();
        assert_eq!(
            deaf.listen(&ListenRequest::utterance()).await,
            Ok(Listening::NoAudio)
        );
    }

    #[tokio::test(start_paused = true)]
    async fn collect_keys_follows_the_request() {
        let (mut ch, media) = channel();
        for c in "12#3".chars() {
            media.keys.send(Key::from_char(c).unwrap()).await.unwrap();
        }
        let got = ch.collect_keys(&KeyRequest::digits(4)).await;
        assert_eq!(
            got,
            Ok(KeyCollection::Keys(vec![Key::Digit(1), Key::Digit(2)]))
        );
        let got = ch.collect_keys(&KeyRequest::digits(4)).await;
        assert_eq!(got, Ok(KeyCollection::Keys(vec![Key::Digit(3)])));
    }
}

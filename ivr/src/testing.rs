//! Test support: a fake caller on a fake channel, and a fake voice, for dialog tests in
//! virtual time (`#[tokio::test(start_paused = true)]`).
//!
//! The test body plays the caller, so a test reads like the call:
//!
//! ```
//! # use ivr::testing::fake_call;
//! # use ivr::{BargeIn, Channel};
//! # use ivr::speech::Prompt;
//! # use std::{sync::Arc, time::Duration};
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() {
//! let (mut channel, mut caller) = fake_call();
//! let dialog = tokio::spawn(async move {
//!     let hello = Arc::new(Prompt::silence(Duration::from_secs(2), "Buongiorno."));
//!     channel.play(hello, BargeIn::Allowed).await
//! });
//! caller.hears("Buongiorno.").await;
//! caller.press("1");
//! assert!(dialog.await.unwrap().is_ok());
//! assert_eq!(caller.transcript(), ["ivr: Buongiorno.", "caller presses 1 (barge-in)"]);
//! # }
//! ```
//!
//! [`FakeChannel`] plays a prompt for its real duration (in virtual time), follows the key
//! model of [`crate::channel`] and records every event; [`FakeCaller`] presses keys, speaks,
//! hangs up, and waits for what the dialog says. [`FakeVoice`] "synthesises" silence as long
//! as the text would take to say, labelled with the text as written.
//!
//! Speech: [`FakeCaller::says`] speaks scripted words (a voice-like sound as long as the
//! words, labelled with them), [`FakeCaller::speaks`] real audio (espeak-ng, a WAV file).
//! [`FakeChannel::listen`] hears it through the real end-of-utterance detector
//! ([`crate::recognition::Recorder`]) in virtual time; speech while the dialog is not
//! listening is lost, as on a call. [`FakeRecognizer`] "recognises" the scripted words with a
//! chosen confidence, or fails the way a real recogniser can.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::{Notify, mpsc};
use tokio::time::{Instant, sleep_until};

use crate::channel::{
    AnswerNotice, BargeIn, Channel, ChannelError, Connection, Key, KeyCollection, KeyCollector,
    KeyRequest, OperatorLeg, Party, Playback,
};
use crate::recognition::endpoint::Recorded;
use crate::recognition::utterance::SAMPLE_RATE;
use crate::recognition::{
    ListenRequest, Listening, Recognition, RecognitionFuture, Recorder, SpeechRecognizer,
    Unavailable, Utterance,
};
use crate::speech::{Prompt, SpeechSynthesizer, SynthesisError, SynthesisFuture};

/// Keys the fake caller can press ahead of the dialog.
const KEY_BUFFER: usize = 64;

/// What happened on the fake call, with the time since the call started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The dialog started a prompt.
    Prompt {
        label: String,
        at: Duration,
        length: Duration,
        barge_in: BargeIn,
    },
    /// A key stopped the prompt.
    Interrupted { key: Key, at: Duration },
    /// Keys pressed during a prompt that does not allow barge-in.
    Discarded { keys: Vec<Key>, at: Duration },
    /// A key collection ended.
    Collected { result: KeyCollection, at: Duration },
    /// The dialog hung up.
    GatewayHungUp { at: Duration },
    /// The caller's hang-up reached the dialog.
    CallerHungUp { at: Duration },
    /// The dialog rang an operator's phone.
    OperatorRings { sip_user: String, at: Duration },
    /// How the operator's leg ended.
    OperatorLeg {
        connection: Connection,
        at: Duration,
    },
    /// The dialog heard the caller say this (the utterance's label).
    Spoke { words: String, at: Duration },
    /// The caller spoke while the dialog was not listening: lost.
    NotHeard { words: String, at: Duration },
    /// The dialog listened and the caller said nothing.
    SaidNothing { at: Duration },
}

impl Event {
    /// One line of the human-readable transcript.
    pub fn line(&self) -> String {
        let keys = |keys: &[Key]| keys.iter().map(|k| k.as_char()).collect::<String>();
        match self {
            Event::Prompt { label, .. } => format!("ivr: {label}"),
            Event::Interrupted { key, .. } => format!("caller presses {key} (barge-in)"),
            Event::Discarded { keys: k, .. } => format!("caller presses {} (ignored)", keys(k)),
            Event::Collected {
                result: KeyCollection::Keys(k),
                ..
            } => format!("caller presses {}", keys(k)),
            Event::Collected {
                result: KeyCollection::NoInput,
                ..
            } => "caller: (silence)".to_string(),
            Event::GatewayHungUp { .. } => "ivr hangs up".to_string(),
            Event::CallerHungUp { .. } => "caller hangs up".to_string(),
            Event::Spoke { words, .. } => format!("caller says: {words}"),
            Event::NotHeard { words, .. } => {
                format!("caller says: {words} (not heard: the dialog was not listening)")
            }
            Event::SaidNothing { .. } => "caller: (says nothing)".to_string(),
            Event::OperatorRings { sip_user, .. } => format!("ivr rings operator {sip_user}"),
            Event::OperatorLeg { connection, .. } => match connection {
                Connection::Talked {
                    answered_after,
                    talk,
                    ended_by,
                } => format!(
                    "operator answers after {} s, talks {} s, {ended_by:?} hangs up",
                    answered_after.as_secs(),
                    talk.as_secs()
                ),
                Connection::NoAnswer => "operator does not answer".to_string(),
                Connection::Unreachable => "operator unreachable".to_string(),
            },
        }
    }
}

#[derive(Debug)]
enum Input {
    Key(Key),
    Speech(Utterance),
    HangUp,
}

#[derive(Debug, Default)]
struct Log {
    events: Mutex<Vec<Event>>,
    changed: Notify,
    /// What the operators' phones will do, in order (see [`FakeCaller::operator_answers`]).
    operators: Mutex<VecDeque<OperatorScript>>,
}

impl Log {
    fn push(&self, event: Event) {
        self.events
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(event);
        self.changed.notify_waiters();
    }

    fn snapshot(&self) -> Vec<Event> {
        self.events
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// A fake call: the dialog's side ([`FakeChannel`]) and the caller's side ([`FakeCaller`]).
pub fn fake_call() -> (FakeChannel, FakeCaller) {
    let (keys, inputs) = mpsc::channel(KEY_BUFFER);
    let log = Arc::new(Log::default());
    let start = Instant::now();
    (
        FakeChannel {
            inputs,
            log: log.clone(),
            start,
            caller_gone: false,
            hung_up: false,
        },
        FakeCaller {
            keys,
            log,
            cursor: 0,
            start,
        },
    )
}

/// The dialog's side of a fake call.
#[derive(Debug)]
pub struct FakeChannel {
    inputs: mpsc::Receiver<Input>,
    log: Arc<Log>,
    start: Instant,
    caller_gone: bool,
    hung_up: bool,
}

impl FakeChannel {
    fn since_start(&self) -> Duration {
        Instant::now() - self.start
    }

    fn live(&self) -> Result<(), ChannelError> {
        if self.caller_gone {
            return Err(ChannelError::HungUp);
        }
        if self.hung_up {
            return Err(ChannelError::TornDown {
                reason: "the dialog already hung up",
            });
        }
        Ok(())
    }

    fn not_heard(&self, utterance: &Utterance) {
        self.log.push(Event::NotHeard {
            words: utterance.label().to_string(),
            at: self.since_start(),
        });
    }

    fn caller_hung_up(&mut self) -> ChannelError {
        self.caller_gone = true;
        self.log.push(Event::CallerHungUp {
            at: self.since_start(),
        });
        ChannelError::HungUp
    }
}

impl Channel for FakeChannel {
    async fn play(
        &mut self,
        prompt: Arc<Prompt>,
        barge_in: BargeIn,
    ) -> Result<Playback, ChannelError> {
        self.live()?;
        let length = prompt.duration();
        self.log.push(Event::Prompt {
            label: prompt.label().to_string(),
            at: self.since_start(),
            length,
            barge_in,
        });
        let end = Instant::now() + length;
        let mut discarded = Vec::new();
        loop {
            tokio::select! {
                biased;
                input = self.inputs.recv() => match input {
                    Some(Input::Key(key)) if barge_in == BargeIn::Allowed => {
                        self.log.push(Event::Interrupted { key, at: self.since_start() });
                        return Ok(Playback::Interrupted(key));
                    }
                    Some(Input::Key(key)) => discarded.push(key),
                    Some(Input::Speech(utterance)) => self.not_heard(&utterance),
                    Some(Input::HangUp) | None => return Err(self.caller_hung_up()),
                },
                () = sleep_until(end) => break,
            }
        }
        if !discarded.is_empty() {
            self.log.push(Event::Discarded {
                keys: discarded,
                at: self.since_start(),
            });
        }
        Ok(Playback::Finished)
    }

    async fn collect_keys(&mut self, request: &KeyRequest) -> Result<KeyCollection, ChannelError> {
        self.live()?;
        let mut collector = KeyCollector::new(request, Instant::now());
        let result = loop {
            tokio::select! {
                biased;
                input = self.inputs.recv() => match input {
                    Some(Input::Key(key)) => {
                        if let Some(result) = collector.push(key, Instant::now()) {
                            break result;
                        }
                    }
                    Some(Input::Speech(utterance)) => self.not_heard(&utterance),
                    Some(Input::HangUp) | None => return Err(self.caller_hung_up()),
                },
                () = sleep_until(collector.deadline()) => break collector.expire(),
            }
        };
        self.log.push(Event::Collected {
            result: result.clone(),
            at: self.since_start(),
        });
        Ok(result)
    }

    /// Hears the caller through the real end-of-utterance detector: the utterance, then
    /// silence, fed as 20 ms frames; the call lasts as long as the audio fed (virtual time).
    async fn listen(&mut self, request: &ListenRequest) -> Result<Listening, ChannelError> {
        self.live()?;
        let deadline = Instant::now() + request.no_speech_timeout;
        let utterance = tokio::select! {
            biased;
            input = self.inputs.recv() => match input {
                Some(Input::Key(key)) => {
                    self.log.push(Event::Collected {
                        result: KeyCollection::Keys(vec![key]),
                        at: self.since_start(),
                    });
                    return Ok(Listening::Key(key));
                }
                Some(Input::Speech(utterance)) => utterance,
                Some(Input::HangUp) | None => return Err(self.caller_hung_up()),
            },
            () = sleep_until(deadline) => {
                self.log.push(Event::SaidNothing { at: self.since_start() });
                return Ok(Listening::Silence);
            }
        };
        let mut recorder = Recorder::new(request);
        // A breath of silence before the words, then the words, then silence.
        let frame = [0i16; 160];
        recorder.push(&frame[..]);
        let mut fed = frame.len();
        let mut result = None;
        for chunk in utterance.samples().chunks(160) {
            fed += chunk.len();
            result = recorder.push(chunk);
            if result.is_some() {
                break;
            }
        }
        let result = loop {
            if let Some(result) = result {
                break result;
            }
            fed += frame.len();
            result = recorder.push(&frame[..]);
        };
        let heard_for = Duration::from_micros(fed as u64 * 1_000_000 / u64::from(SAMPLE_RATE));
        tokio::time::sleep(heard_for).await;
        match result {
            Recorded::Speech(heard) => {
                self.log.push(Event::Spoke {
                    words: utterance.label().to_string(),
                    at: self.since_start(),
                });
                Ok(Listening::Heard(heard.with_label(utterance.label())))
            }
            Recorded::Silence => {
                self.log.push(Event::SaidNothing {
                    at: self.since_start(),
                });
                Ok(Listening::Silence)
            }
        }
    }

    async fn hang_up(&mut self) {
        if !self.hung_up && !self.caller_gone {
            self.hung_up = true;
            self.log.push(Event::GatewayHungUp {
                at: self.since_start(),
            });
        }
    }

    /// Plays the next scripted operator ([`FakeCaller::operator_answers`] and friends; an
    /// unscripted operator is unreachable) in virtual time. The caller's hang-up while the
    /// operator's phone rings cancels the leg; keys meanwhile are ignored. An operator who
    /// answers fires `answered` at once, then talks.
    async fn connect(
        &mut self,
        operator: &OperatorLeg,
        ring_timeout: Duration,
        mut answered: AnswerNotice,
    ) -> Result<Connection, ChannelError> {
        self.live()?;
        self.log.push(Event::OperatorRings {
            sip_user: operator.sip_user.clone(),
            at: self.since_start(),
        });
        let script = self
            .log
            .operators
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop_front()
            .unwrap_or(OperatorScript::Unreachable);
        let (ring, connection) = match script {
            OperatorScript::Answers {
                after,
                talk,
                ended_by,
            } if after < ring_timeout => (
                after,
                Connection::Talked {
                    answered_after: after,
                    talk,
                    ended_by,
                },
            ),
            OperatorScript::Answers { .. } | OperatorScript::NoAnswer => {
                (ring_timeout, Connection::NoAnswer)
            }
            OperatorScript::Unreachable => (Duration::ZERO, Connection::Unreachable),
        };
        let rung = Instant::now() + ring;
        loop {
            tokio::select! {
                biased;
                input = self.inputs.recv() => match input {
                    Some(Input::HangUp) | None => return Err(self.caller_hung_up()),
                    Some(_) => {}
                },
                () = sleep_until(rung) => break,
            }
        }
        if let Connection::Talked {
            answered_after,
            talk,
            ended_by,
        } = &connection
        {
            answered.answered(*answered_after);
            tokio::time::sleep(*talk).await;
            if *ended_by == Party::Caller {
                self.caller_gone = true;
            } else {
                self.hung_up = true;
            }
        }
        self.log.push(Event::OperatorLeg {
            connection: connection.clone(),
            at: self.since_start(),
        });
        Ok(connection)
    }
}

/// What the next operator's phone does when the dialog rings it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OperatorScript {
    Answers {
        after: Duration,
        talk: Duration,
        ended_by: Party,
    },
    NoAnswer,
    Unreachable,
}

impl FakeCaller {
    /// The next operator rung answers after `after` (no answer if that is past the ring
    /// timeout), talks for `talk`, and then `ended_by` hangs up: the call is over.
    pub fn operator_answers(&self, after: Duration, talk: Duration, ended_by: Party) {
        self.script_operator(OperatorScript::Answers {
            after,
            talk,
            ended_by,
        });
    }

    /// The next operator rung lets the phone ring for the whole ring timeout.
    pub fn operator_does_not_answer(&self) {
        self.script_operator(OperatorScript::NoAnswer);
    }

    /// The next operator rung cannot be reached (also what an unscripted operator does).
    pub fn operator_unreachable(&self) {
        self.script_operator(OperatorScript::Unreachable);
    }

    fn script_operator(&self, script: OperatorScript) {
        self.log
            .operators
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push_back(script);
    }
}

/// What the caller heard: a prompt's start time and length since the call started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Heard {
    pub at: Duration,
    pub length: Duration,
}

impl Heard {
    /// When the prompt ended (if it was not interrupted).
    pub fn end(&self) -> Duration {
        self.at + self.length
    }
}

/// The caller's side of a fake call.
#[derive(Debug)]
pub struct FakeCaller {
    keys: mpsc::Sender<Input>,
    log: Arc<Log>,
    cursor: usize,
    start: Instant,
}

impl FakeCaller {
    /// How long a caller takes to start speaking after a prompt ([`FakeCaller::answers`]).
    pub const REACTION: Duration = Duration::from_millis(300);

    /// Presses keys (`"1"`, `"12#"`), now.
    ///
    /// # Panics
    /// On a character that is not a keypad key, or when more than 64 keys are waiting.
    pub fn press(&self, keys: &str) {
        for c in keys.chars() {
            let key = Key::from_char(c).unwrap_or_else(|| panic!("{c:?} is not a keypad key"));
            // A dialog that ended no longer listens: pressing then is harmless.
            if let Err(mpsc::error::TrySendError::Full(_)) = self.keys.try_send(Input::Key(key)) {
                panic!("the fake caller pressed more than {KEY_BUFFER} keys ahead of the dialog");
            }
        }
    }

    /// Says `words`, now: a voice-like sound as long as the words take to say (like
    /// [`FakeVoice`]), labelled with them (a [`FakeRecognizer`] "recognises" the label).
    pub fn says(&self, words: &str) {
        self.speaks(scripted_speech(words));
    }

    /// Waits until the prompt `heard` has ended and a moment more (a caller's reaction,
    /// [`FakeCaller::REACTION`]), then says `words`: the dialog is listening by then.
    pub async fn answers(&self, heard: Heard, words: &str) {
        sleep_until(self.start + heard.end() + Self::REACTION).await;
        self.says(words);
    }

    /// Speaks this audio (8 kHz), now. Its label is what the transcript shows.
    ///
    /// # Panics
    /// When more than 64 inputs are waiting.
    pub fn speaks(&self, utterance: Utterance) {
        if let Err(mpsc::error::TrySendError::Full(_)) =
            self.keys.try_send(Input::Speech(utterance))
        {
            panic!("the fake caller spoke more than {KEY_BUFFER} times ahead of the dialog");
        }
    }

    /// Hangs up, now.
    pub fn hang_up(&self) {
        let _ = self.keys.try_send(Input::HangUp);
    }

    /// Time since the call started.
    pub fn elapsed(&self) -> Duration {
        Instant::now() - self.start
    }

    /// Waits for the next prompt (skipping other events); `None` when the dialog hangs up
    /// or the caller's own hang-up reached it.
    pub async fn next_prompt(&mut self) -> Option<(String, Heard)> {
        loop {
            let notified = self.log.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let events = self.log.snapshot();
            while let Some(event) = events.get(self.cursor) {
                self.cursor += 1;
                match event {
                    Event::Prompt {
                        label, at, length, ..
                    } => {
                        return Some((
                            label.clone(),
                            Heard {
                                at: *at,
                                length: *length,
                            },
                        ));
                    }
                    Event::GatewayHungUp { .. } | Event::CallerHungUp { .. } => return None,
                    _ => {}
                }
            }
            notified.await;
        }
    }

    /// Waits for the next prompt and checks what it says.
    ///
    /// # Panics
    /// When the dialog says something else or hangs up, with the transcript so far.
    #[track_caller]
    pub fn hears(&mut self, expected: &str) -> impl Future<Output = Heard> + '_ {
        let location = std::panic::Location::caller();
        let expected = expected.to_string();
        async move {
            match self.next_prompt().await {
                Some((label, heard)) if label == expected => heard,
                Some((label, _)) => panic!(
                    "at {location}: the caller expected to hear\n  {expected:?}\nbut heard\n  {label:?}\ntranscript:\n{}",
                    self.transcript().join("\n")
                ),
                None => panic!(
                    "at {location}: the caller expected to hear\n  {expected:?}\nbut the call ended\ntranscript:\n{}",
                    self.transcript().join("\n")
                ),
            }
        }
    }

    /// Waits until the dialog hangs up.
    ///
    /// # Panics
    /// When the dialog says something else first.
    #[track_caller]
    pub fn is_hung_up_on(&mut self) -> impl Future<Output = Duration> + '_ {
        let location = std::panic::Location::caller();
        async move {
            if let Some((label, _)) = self.next_prompt().await {
                panic!(
                    "at {location}: expected the dialog to hang up, but it said {label:?}\ntranscript:\n{}",
                    self.transcript().join("\n")
                );
            }
            match self.log.snapshot().last() {
                Some(Event::GatewayHungUp { at }) => *at,
                _ => panic!(
                    "at {location}: the call ended without the dialog hanging up\ntranscript:\n{}",
                    self.transcript().join("\n")
                ),
            }
        }
    }

    /// Everything that happened so far.
    pub fn events(&self) -> Vec<Event> {
        self.log.snapshot()
    }

    /// The call so far, one line per event ("ivr: ...", "caller presses 2", ...).
    pub fn transcript(&self) -> Vec<String> {
        self.log.snapshot().iter().map(Event::line).collect()
    }
}

/// Scripted words as sound: a vowel-like tone (150 Hz and harmonics, about -20 dBFS) as long
/// as [`FakeVoice::length_of`] the words, labelled with them.
pub fn scripted_speech(words: &str) -> Utterance {
    use std::f64::consts::PI;
    let samples = FakeVoice::length_of(words).as_millis() as usize * SAMPLE_RATE as usize / 1000;
    let audio = (0..samples)
        .map(|i| {
            let t = i as f64 / f64::from(SAMPLE_RATE);
            let sound: f64 = (1..=5)
                .map(|h| (2.0 * PI * 150.0 * f64::from(h) * t).sin() / f64::from(h))
                .sum();
            (2_500.0 * sound) as i16
        })
        .collect();
    Utterance::new(audio).with_label(words)
}

/// A recogniser for dialog tests: it "recognises" an utterance's label (the words a
/// [`FakeCaller`] said) with a chosen confidence, after 300 ms, or fails as told.
#[derive(Debug)]
pub struct FakeRecognizer {
    availability: Result<(), Unavailable>,
    failure: Option<Unavailable>,
    confidence: f32,
    confidences: HashMap<String, f32>,
    recognised: Mutex<Vec<String>>,
}

impl FakeRecognizer {
    /// How long a recognition takes.
    pub const RECOGNITION_TIME: Duration = Duration::from_millis(300);

    /// Hears every utterance's words with this confidence.
    pub fn hearing(confidence: f32) -> Self {
        FakeRecognizer {
            availability: Ok(()),
            failure: None,
            confidence,
            confidences: HashMap::new(),
            recognised: Mutex::default(),
        }
    }

    /// The same recogniser, hearing `words` with another confidence.
    pub fn with_confidence(mut self, words: &str, confidence: f32) -> Self {
        self.confidences.insert(words.to_string(), confidence);
        self
    }

    /// Ready when asked, but every recognition fails with `why` (busy by the time the
    /// words arrive, timed out, ...).
    pub fn failing(why: Unavailable) -> Self {
        FakeRecognizer {
            failure: Some(why),
            ..FakeRecognizer::hearing(0.0)
        }
    }

    /// Not available at all (no model, every worker busy): the dialog does not even invite
    /// the caller to speak.
    pub fn unavailable(why: Unavailable) -> Self {
        FakeRecognizer {
            availability: Err(why.clone()),
            failure: Some(why),
            ..FakeRecognizer::hearing(0.0)
        }
    }

    /// The words recognised so far.
    pub fn recognised(&self) -> Vec<String> {
        self.recognised
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl SpeechRecognizer for FakeRecognizer {
    fn availability(&self) -> Result<(), Unavailable> {
        self.availability.clone()
    }

    fn recognize(&self, utterance: Utterance) -> RecognitionFuture<'_> {
        Box::pin(async move {
            tokio::time::sleep(Self::RECOGNITION_TIME).await;
            if let Some(why) = &self.failure {
                return Recognition::Unavailable(why.clone());
            }
            let words = utterance.label().to_string();
            if words.is_empty() {
                return Recognition::NoSpeech;
            }
            let confidence = self
                .confidences
                .get(&words)
                .copied()
                .unwrap_or(self.confidence);
            self.recognised
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(words.clone());
            Recognition::Heard {
                text: words,
                confidence,
            }
        })
    }
}

/// A voice for tests: silence as long as the text would take to say (60 ms a character,
/// 1 s at least), labelled with the text as written, so that tests read the dialog's own
/// sentences. It can be told to fail.
#[derive(Debug, Default)]
pub struct FakeVoice {
    failing: bool,
    said: Mutex<VecDeque<String>>,
}

impl FakeVoice {
    /// Time a character takes to say.
    pub const PER_CHARACTER: Duration = Duration::from_millis(60);

    pub fn new() -> Self {
        FakeVoice::default()
    }

    /// A voice whose every synthesis fails as if espeak-ng were not installed.
    pub fn failing() -> Self {
        FakeVoice {
            failing: true,
            said: Mutex::default(),
        }
    }

    /// How long `text` lasts when said.
    pub fn length_of(text: &str) -> Duration {
        (Self::PER_CHARACTER * text.chars().count() as u32).max(Duration::from_secs(1))
    }

    /// Every text synthesised so far.
    pub fn synthesised(&self) -> Vec<String> {
        self.said
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .cloned()
            .collect()
    }
}

impl SpeechSynthesizer for FakeVoice {
    fn synthesize<'a>(&'a self, text: &'a str) -> SynthesisFuture<'a> {
        Box::pin(async move {
            if self.failing {
                return Err(SynthesisError::Unavailable {
                    program: "fake".to_string(),
                    reason: "told to fail".to_string(),
                });
            }
            self.said
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push_back(text.to_string());
            Ok(Arc::new(Prompt::silence(FakeVoice::length_of(text), text)))
        })
    }
}

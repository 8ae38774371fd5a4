//! The small channel abstraction a dialog uses to talk to one caller.
//!
//! A [`Channel`] is one call as the dialog sees it: it plays prompts (audio, already
//! synthesised), hears keypad keys and can end the call. It knows nothing about text, speech
//! synthesis, menus or SIP. The SIP gateway implements it over a real call; tests implement it
//! with [`crate::testing::FakeChannel`].
//!
//! Key handling follows one model, which every implementation must keep:
//!
//! - Keys arrive in a small buffer, in the order the caller pressed them.
//! - [`Channel::play`] with [`BargeIn::Allowed`]: the first key pressed before or during the
//!   prompt stops it and is returned in [`Playback::Interrupted`] (consumed); keys pressed after
//!   it stay buffered for the next [`Channel::collect_keys`].
//! - [`Channel::play`] with [`BargeIn::Disabled`]: the prompt plays to the end and every key
//!   pressed before or during it is discarded.
//! - [`Channel::collect_keys`] takes buffered keys first, then waits, following
//!   [`KeyRequest`]; [`KeyCollector`] is that policy without I/O, for implementations to reuse.
//! - [`Channel::listen`] takes a buffered key first too; a key pressed while the caller is
//!   heard stops listening and is returned instead of the utterance.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::time::Instant;

use crate::recognition::{ListenRequest, Listening};
use crate::speech::Prompt;

/// One telephone keypad key (DTMF digit), from any source: RFC 4733, SIP INFO or in-band tone.
///
/// `Digit` always holds `0..=9`: build keys with [`Key::digit`] or [`Key::from_char`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Key {
    Digit(u8),
    Star,
    Hash,
}

impl Key {
    /// The key of a digit `0..=9`.
    pub fn digit(d: u8) -> Option<Key> {
        (d <= 9).then_some(Key::Digit(d))
    }

    /// Parses one keypad character (`0`-`9`, `*`, `#`).
    pub fn from_char(c: char) -> Option<Key> {
        match c {
            '0'..='9' => Some(Key::Digit(c as u8 - b'0')),
            '*' => Some(Key::Star),
            '#' => Some(Key::Hash),
            _ => None,
        }
    }

    /// The keypad character (`?` for a `Digit` outside `0..=9`, which [`Key::digit`] never
    /// builds).
    pub fn as_char(self) -> char {
        match self {
            Key::Digit(d) if d <= 9 => (b'0' + d) as char,
            Key::Digit(_) => '?',
            Key::Star => '*',
            Key::Hash => '#',
        }
    }

    /// How the key is named to a caller in Italian ("1", "asterisco", "cancelletto").
    pub fn italian_name(self) -> &'static str {
        const DIGITS: [&str; 10] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];
        match self {
            Key::Digit(d) => DIGITS.get(usize::from(d)).copied().unwrap_or("?"),
            Key::Star => "asterisco",
            Key::Hash => "cancelletto",
        }
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.as_char())
    }
}

/// How many keys to collect and how long to wait for them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRequest {
    /// Stop after this many keys (at least 1).
    pub max_keys: usize,
    /// How long to wait for the first key once the prompt (if any) has finished.
    pub first_key_timeout: Duration,
    /// How long to wait between keys.
    pub inter_key_timeout: Duration,
    /// A key that ends the entry early (usually `#`); it is not part of the result.
    pub terminator: Option<Key>,
}

impl KeyRequest {
    /// A single menu choice with the usual 5 second wait.
    pub fn menu_choice() -> Self {
        KeyRequest {
            max_keys: 1,
            first_key_timeout: Duration::from_secs(5),
            inter_key_timeout: Duration::from_secs(3),
            terminator: None,
        }
    }

    /// Up to `max_keys` digits ended by `#`, 10 s for the first key and 5 s between keys.
    pub fn digits(max_keys: usize) -> Self {
        KeyRequest {
            max_keys: max_keys.max(1),
            first_key_timeout: Duration::from_secs(10),
            inter_key_timeout: Duration::from_secs(5),
            terminator: Some(Key::Hash),
        }
    }

    /// The same request with another wait for the first key.
    pub fn with_first_key_timeout(mut self, timeout: Duration) -> Self {
        self.first_key_timeout = timeout;
        self
    }
}

/// What a key collection produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyCollection {
    /// The caller pressed these keys (terminator excluded; empty when only the terminator was
    /// pressed).
    Keys(Vec<Key>),
    /// The caller pressed nothing within the timeout.
    NoInput,
}

/// Whether a key pressed during a prompt stops it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BargeIn {
    /// A key stops the prompt and is returned as the caller's choice.
    Allowed,
    /// The prompt plays to the end; keys pressed before or during it are discarded.
    Disabled,
}

/// How a prompt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Playback {
    /// The whole prompt was played.
    Finished,
    /// The caller pressed this key and the prompt stopped (only with [`BargeIn::Allowed`]).
    Interrupted(Key),
}

/// Why a channel operation could not complete. Either way the call is over and the dialog
/// must stop; the variants tell the call's outcome apart.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChannelError {
    /// The caller hung up.
    #[error("the caller hung up")]
    HungUp,
    /// The gateway tore the call down (media timeout, shutdown, transport failure).
    #[error("the call was torn down: {reason}")]
    TornDown { reason: &'static str },
}

/// A call as the dialog sees it. See the [module documentation](self) for the key model.
///
/// Implementations must be cancel-safe: the gateway may drop a dialog future at any await
/// point (for instance on shutdown) and then end the call itself.
pub trait Channel: Send {
    /// Plays a prompt (8 kHz mono 16-bit PCM, see [`Prompt`]) to the caller.
    fn play(
        &mut self,
        prompt: Arc<Prompt>,
        barge_in: BargeIn,
    ) -> impl Future<Output = Result<Playback, ChannelError>> + Send;

    /// Collects keys from the caller: buffered keys first, then waits as `request` says.
    fn collect_keys(
        &mut self,
        request: &KeyRequest,
    ) -> impl Future<Output = Result<KeyCollection, ChannelError>> + Send;

    /// Ends the call from the gateway's side. Calling it twice is harmless.
    fn hang_up(&mut self) -> impl Future<Output = ()> + Send;

    /// Rings an operator's phone and, when it answers, connects the caller to it until one of
    /// them hangs up. While it rings the caller hears a ringback or comfort tone; if the caller
    /// hangs up meanwhile, the operator's leg is cancelled and `Err(HungUp)` is returned.
    /// The moment the operator answers and the two are connected, `answered` is told (the
    /// dialog records the answer then, while the conversation goes on).
    ///
    /// The default is a channel that cannot reach anyone (tests, channels without telephony).
    fn connect(
        &mut self,
        operator: &OperatorLeg,
        ring_timeout: Duration,
        answered: AnswerNotice,
    ) -> impl Future<Output = Result<Connection, ChannelError>> + Send {
        let _ = (operator, ring_timeout, answered);
        async { Ok(Connection::Unreachable) }
    }

    /// Listens for one utterance of the caller: buffered keys first (a key returns
    /// [`Listening::Key`] at once, as in [`Channel::collect_keys`]), then the caller's audio
    /// until the utterance ends as `request` says ([`crate::recognition::Recorder`]: 0.7 s
    /// of silence after speech, at most 12 s, [`Listening::Silence`] after 5 s without
    /// speech). A key pressed while listening stops it and is returned.
    ///
    /// The default is a channel that cannot hear audio: [`Listening::NoAudio`].
    fn listen(
        &mut self,
        request: &ListenRequest,
    ) -> impl Future<Output = Result<Listening, ChannelError>> + Send {
        let _ = request;
        async { Ok(Listening::NoAudio) }
    }
}

/// An operator position to connect a caller to: the station of the ticketing core and the SIP
/// user its phone registers as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperatorLeg {
    /// The station's code in the ticketing configuration.
    pub station: String,
    /// The SIP user (address-of-record user part) the operator's phone registers with.
    pub sip_user: String,
}

/// Tells the dialog that the operator answered, while [`Channel::connect`] goes on with the
/// conversation: made with [`AnswerNotice::channel`], fired once by the channel with
/// [`AnswerNotice::answered`].
#[derive(Debug)]
pub struct AnswerNotice(Option<oneshot::Sender<Duration>>);

impl AnswerNotice {
    /// A notice for the channel and the receiver the dialog waits on (it gets how long the
    /// operator's phone rang).
    pub fn channel() -> (AnswerNotice, oneshot::Receiver<Duration>) {
        let (tx, rx) = oneshot::channel();
        (AnswerNotice(Some(tx)), rx)
    }

    /// A notice nobody waits for.
    pub fn ignored() -> AnswerNotice {
        AnswerNotice(None)
    }

    /// The operator answered after ringing for `ringing` and is connected to the caller.
    /// Only the first call counts.
    pub fn answered(&mut self, ringing: Duration) {
        if let Some(tx) = self.0.take() {
            tx.send(ringing).ok();
        }
    }
}

/// Which side ended a connected call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Party {
    Caller,
    Operator,
}

/// How an attempt to connect the caller to an operator ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Connection {
    /// The operator answered after `answered_after`; they talked for `talk` until `ended_by`
    /// hung up. The call is over for the dialog either way.
    Talked {
        answered_after: Duration,
        talk: Duration,
        ended_by: Party,
    },
    /// The operator's phone rang for the whole ring timeout without answering.
    NoAnswer,
    /// The operator could not be reached: not registered, busy, refused or failed.
    Unreachable,
}

/// The [`KeyRequest`] policy without I/O: feed it keys with the instant they arrived, ask it
/// when to give up waiting.
///
/// ```
/// use ivr::{Key, KeyCollection, KeyRequest};
/// use ivr::channel::KeyCollector;
/// use tokio::time::Instant;
///
/// let start = Instant::now();
/// let mut collector = KeyCollector::new(&KeyRequest::digits(4), start);
/// assert_eq!(collector.push(Key::Digit(4), start), None);
/// assert_eq!(
///     collector.push(Key::Hash, start),
///     Some(KeyCollection::Keys(vec![Key::Digit(4)]))
/// );
/// ```
#[derive(Debug, Clone)]
pub struct KeyCollector {
    request: KeyRequest,
    keys: Vec<Key>,
    deadline: Instant,
}

impl KeyCollector {
    /// Starts waiting at `now`.
    pub fn new(request: &KeyRequest, now: Instant) -> Self {
        KeyCollector {
            request: request.clone(),
            keys: Vec::new(),
            deadline: now + request.first_key_timeout,
        }
    }

    /// When to stop waiting if no further key arrives.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// Takes one key; returns the result once the collection is complete.
    pub fn push(&mut self, key: Key, now: Instant) -> Option<KeyCollection> {
        if Some(key) == self.request.terminator {
            return Some(KeyCollection::Keys(std::mem::take(&mut self.keys)));
        }
        self.keys.push(key);
        if self.keys.len() >= self.request.max_keys.max(1) {
            return Some(KeyCollection::Keys(std::mem::take(&mut self.keys)));
        }
        self.deadline = now + self.request.inter_key_timeout;
        None
    }

    /// The result when the deadline passed: the keys so far, or no input.
    pub fn expire(self) -> KeyCollection {
        if self.keys.is_empty() {
            KeyCollection::NoInput
        } else {
            KeyCollection::Keys(self.keys)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_parse_and_print() {
        for c in "0123456789*#".chars() {
            let key = Key::from_char(c).unwrap();
            assert_eq!(key.as_char(), c);
        }
        assert_eq!(Key::from_char('A'), None);
        assert_eq!(Key::digit(10), None);
        assert_eq!(Key::Digit(12).as_char(), '?');
        assert_eq!(Key::Star.italian_name(), "asterisco");
        assert_eq!(Key::Digit(7).italian_name(), "7");
    }

    #[test]
    fn collector_follows_the_request() {
        let t0 = Instant::now();
        let s = Duration::from_secs;

        // One key is enough for a menu choice.
        let mut menu = KeyCollector::new(&KeyRequest::menu_choice(), t0);
        assert_eq!(menu.deadline(), t0 + s(5));
        assert_eq!(
            menu.push(Key::Digit(2), t0 + s(1)),
            Some(KeyCollection::Keys(vec![Key::Digit(2)]))
        );

        // Digits until max, with the inter-key timeout moving the deadline.
        let mut code = KeyCollector::new(&KeyRequest::digits(3), t0);
        assert_eq!(code.push(Key::Digit(1), t0 + s(2)), None);
        assert_eq!(code.deadline(), t0 + s(7));
        assert_eq!(code.push(Key::Digit(2), t0 + s(3)), None);
        assert_eq!(
            code.push(Key::Digit(3), t0 + s(4)),
            Some(KeyCollection::Keys(vec![
                Key::Digit(1),
                Key::Digit(2),
                Key::Digit(3)
            ]))
        );

        // Expiry with and without keys; the terminator alone gives an empty entry.
        let mut partial = KeyCollector::new(&KeyRequest::digits(3), t0);
        partial.push(Key::Digit(9), t0);
        assert_eq!(partial.expire(), KeyCollection::Keys(vec![Key::Digit(9)]));
        assert_eq!(
            KeyCollector::new(&KeyRequest::digits(3), t0).expire(),
            KeyCollection::NoInput
        );
        let mut only_hash = KeyCollector::new(&KeyRequest::digits(3), t0);
        assert_eq!(
            only_hash.push(Key::Hash, t0),
            Some(KeyCollection::Keys(vec![]))
        );
    }
}

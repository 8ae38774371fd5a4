//! [`CallChannel`]: one answered call as the dialog sees it, the gateway's implementation of
//! [`ivr::Channel`].
//!
//! The channel owns no socket: it sends commands (play a prompt, stop it, hang up) to the
//! call's media loop ([`super::call`]) and reads the keys the media loop heard (RFC 4733,
//! SIP INFO, in-band) from one small buffer, in order. Every future is cancel-safe: a prompt
//! whose `play` future is dropped stops.

use std::sync::{Arc, Mutex};

use ivr::channel::KeyCollector;
use ivr::speech::Prompt;
use ivr::{BargeIn, Channel, ChannelError, Key, KeyCollection, KeyRequest, Playback};
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

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
}

/// Why the call is over, set by the media loop before it lets go of the channel.
pub(crate) type Ended = Arc<Mutex<Option<ChannelError>>>;

/// The dialog's side of a call.
pub struct CallChannel {
    commands: mpsc::Sender<Command>,
    keys: mpsc::Receiver<Key>,
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
            ended,
            call_id,
            caller,
        }
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

//! [`Conversation`]: the verbs a flow is written with, over a [`Channel`] and the voice.
//!
//! Every verb returns `Err(Stop)` when the call is over (hang-up, tear-down) or cannot go on
//! (no speech), so flows read top to bottom with `?`.

use std::sync::Arc;
use std::time::Duration;

use crate::channel::{BargeIn, Channel, ChannelError, Key, KeyCollection, KeyRequest, Playback};
use crate::speech::{Prompt, SynthesisError};

use super::{CallInfo, DialogContext, Services};

/// Why the dialog stops before its natural end.
#[derive(Debug)]
pub(crate) enum Stop {
    HungUp,
    TornDown(&'static str),
    Speech(SynthesisError),
}

impl From<ChannelError> for Stop {
    fn from(error: ChannelError) -> Self {
        match error {
            ChannelError::HungUp => Stop::HungUp,
            ChannelError::TornDown { reason } => Stop::TornDown(reason),
        }
    }
}

impl From<SynthesisError> for Stop {
    fn from(error: SynthesisError) -> Self {
        Stop::Speech(error)
    }
}

/// One call in progress.
pub(crate) struct Conversation<'a, C> {
    channel: &'a mut C,
    ctx: &'a DialogContext,
    call: &'a CallInfo,
    /// The caller's number: from the network, or keyed in and confirmed during the call.
    caller: Option<ticketing::contact::PhoneNumber>,
    /// What the caller asked for so far ("Informazioni: ...", "Prenotazione: ..."), for the
    /// operator who calls back.
    topics: Vec<String>,
    /// The dialog so far, for the operator who takes the call ("Sportello: ...",
    /// "Cittadino: preme 2"); the latest [`TRANSCRIPT_LINES`] lines.
    transcript: std::collections::VecDeque<String>,
    /// For the phone indicators: whether the call reached the operator queue or left a
    /// callback request (otherwise it was resolved in the dialog).
    dialog_outcome: ticketing::operators::DialogOutcome,
    hung_up: bool,
}

/// Runs calls to the ticketing core as [`Conversation::service`] does, without holding the
/// conversation.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ServiceRunner<'a> {
    runtime: Option<&'a tokio::runtime::Handle>,
}

impl ServiceRunner<'_> {
    pub(crate) async fn run<T, F, Fut>(self, ticketing: &ticketing::Ticketing, call: F) -> T
    where
        F: FnOnce(ticketing::Ticketing) -> Fut,
        Fut: Future<Output = T> + Send + 'static,
        T: Send + 'static,
    {
        let future = call(ticketing.clone());
        let Some(runtime) = self.runtime else {
            return future.await;
        };
        let task = runtime.spawn(future);
        // Dialog tests in virtual time: the call's clock stands still while the query runs in
        // real time (otherwise a paused clock jumps to the next timer meanwhile, and a slow
        // query lets minutes pass for the other calls of the test).
        let hold_time = async {
            loop {
                tokio::task::yield_now().await;
            }
        };
        tokio::select! {
            biased;
            joined = task => match joined {
                Ok(value) => value,
                Err(error) => std::panic::resume_unwind(error.into_panic()),
            },
            () = hold_time => unreachable!("holding time never ends"),
        }
    }
}

/// Lines of the dialog kept for the operator.
const TRANSCRIPT_LINES: usize = 60;

impl<'a, C: Channel> Conversation<'a, C> {
    pub(crate) fn new(channel: &'a mut C, ctx: &'a DialogContext, call: &'a CallInfo) -> Self {
        Conversation {
            channel,
            ctx,
            call,
            caller: call.caller.clone(),
            topics: Vec::new(),
            transcript: std::collections::VecDeque::new(),
            dialog_outcome: ticketing::operators::DialogOutcome::Resolved,
            hung_up: false,
        }
    }

    pub(crate) fn context(&self) -> &'a DialogContext {
        self.ctx
    }

    /// The services, when the context has them.
    pub(crate) fn services(&self) -> Option<&'a Services> {
        self.ctx.services.as_ref()
    }

    /// Runs a call to the ticketing core: on this task, or on the services runtime when the
    /// context has one ([`DialogContext::with_services_runtime`]).
    pub(crate) async fn service<T, F, Fut>(&self, ticketing: &ticketing::Ticketing, call: F) -> T
    where
        F: FnOnce(ticketing::Ticketing) -> Fut,
        Fut: Future<Output = T> + Send + 'static,
        T: Send + 'static,
    {
        self.services_runner().run(ticketing, call).await
    }

    fn services_runner(&self) -> ServiceRunner<'a> {
        ServiceRunner {
            runtime: self.ctx.services_runtime.as_ref(),
        }
    }

    /// The channel, and a runner for calls to the ticketing core while the channel works (the
    /// operator queue records the answer while the conversation goes on).
    pub(crate) fn channel_and_services(&mut self) -> (&mut C, ServiceRunner<'a>) {
        let runner = self.services_runner();
        (&mut *self.channel, runner)
    }

    pub(crate) fn call_id(&self) -> &str {
        &self.call.call_id
    }

    /// The channel itself, for verbs a flow adds (the operator queue's tone and connect).
    pub(crate) fn channel_mut(&mut self) -> &mut C {
        self.channel
    }

    /// The caller's number, if known.
    pub(crate) fn caller(&self) -> Option<&ticketing::contact::PhoneNumber> {
        self.caller.as_ref()
    }

    /// Remembers the number the caller keyed in and confirmed.
    pub(crate) fn set_caller(&mut self, number: ticketing::contact::PhoneNumber) {
        self.caller = Some(number);
    }

    /// Notes what the caller asked for (said to the operator who calls back).
    pub(crate) fn note_topic(&mut self, topic: impl Into<String>) {
        let topic = topic.into();
        if self.topics.last() != Some(&topic) {
            self.topics.push(topic);
        }
    }

    /// What the caller asked for so far, oldest first ("" when nothing yet).
    pub(crate) fn topics(&self) -> String {
        self.topics.join("; ")
    }

    /// Each topic noted so far, oldest first.
    pub(crate) fn topic_list(&self) -> &[String] {
        &self.topics
    }

    /// The dialog so far, oldest line first.
    pub(crate) fn transcript(&self) -> Vec<String> {
        self.transcript.iter().cloned().collect()
    }

    /// Notes that the call reached the operator queue or left a callback request (the last
    /// note wins: a caller who waited and then asked for a callback was escalated).
    pub(crate) fn note_dialog_outcome(&mut self, outcome: ticketing::operators::DialogOutcome) {
        use ticketing::operators::DialogOutcome as O;
        if !(self.dialog_outcome == O::Escalated && outcome == O::CallbackRequested) {
            self.dialog_outcome = outcome;
        }
    }

    /// Records how the call ended for the phone indicators (when the services are there).
    pub(crate) async fn record_dialog_outcome(&self) {
        let Some(services) = self.services() else {
            return;
        };
        let call_id = self.call.call_id.clone();
        let outcome = self.dialog_outcome;
        let record = move |t: ticketing::Ticketing| async move {
            t.record_dialog_outcome(&call_id, outcome).await
        };
        if let Err(error) = self.service(&services.ticketing, record).await {
            tracing::warn!(%error, "call outcome not recorded for the indicators");
        }
    }

    fn record(&mut self, line: String) {
        if self.transcript.len() == TRANSCRIPT_LINES {
            self.transcript.pop_front();
        }
        self.transcript.push_back(line);
    }

    async fn prompt(&self, text: &str) -> Result<Arc<Prompt>, Stop> {
        Ok(self.ctx.voice.synthesize(text).await?)
    }

    /// Says `text` to the end; keys pressed meanwhile are ignored.
    pub(crate) async fn say(&mut self, text: &str) -> Result<(), Stop> {
        let prompt = self.prompt(text).await?;
        tracing::debug!(prompt = text, "say");
        self.record(format!("Sportello: {text}"));
        self.channel.play(prompt, BargeIn::Disabled).await?;
        Ok(())
    }

    /// Says `text`; a key pressed meanwhile stops it and is returned.
    pub(crate) async fn say_or_key(&mut self, text: &str) -> Result<Option<Key>, Stop> {
        let prompt = self.prompt(text).await?;
        tracing::debug!(prompt = text, "say (barge-in allowed)");
        self.record(format!("Sportello: {text}"));
        match self.channel.play(prompt, BargeIn::Allowed).await? {
            Playback::Finished => Ok(None),
            Playback::Interrupted(key) => {
                tracing::debug!(%key, "barge-in");
                self.record(format!("Cittadino: preme {}", key.italian_name()));
                Ok(Some(key))
            }
        }
    }

    /// Waits up to `timeout` for one key.
    pub(crate) async fn wait_for_key(&mut self, timeout: Duration) -> Result<Option<Key>, Stop> {
        let request = KeyRequest::menu_choice().with_first_key_timeout(timeout);
        match self.channel.collect_keys(&request).await? {
            KeyCollection::Keys(keys) => {
                let key = keys.first().copied();
                tracing::debug!(key = ?key, "key");
                if let Some(key) = key {
                    self.record(format!("Cittadino: preme {}", key.italian_name()));
                }
                Ok(key)
            }
            KeyCollection::NoInput => {
                tracing::debug!("no input");
                self.record("Cittadino: nessuna scelta".to_string());
                Ok(None)
            }
        }
    }

    /// Says `prompt` (a key stops it and counts as the first digit), then collects up to
    /// `max` digits ended by `#`. `None` on silence; the keys otherwise (possibly none, when
    /// only `#` was pressed).
    pub(crate) async fn ask_digits(
        &mut self,
        prompt: &str,
        max: usize,
    ) -> Result<Option<Vec<Key>>, Stop> {
        let request = KeyRequest::digits(max);
        let first = self.say_or_key(prompt).await?;
        let mut keys = Vec::new();
        match first {
            Some(Key::Hash) => return Ok(Some(keys)),
            Some(key) => {
                keys.push(key);
                if max <= 1 {
                    return Ok(Some(keys));
                }
                let rest = KeyRequest {
                    max_keys: max - 1,
                    first_key_timeout: request.inter_key_timeout,
                    ..request
                };
                if let KeyCollection::Keys(more) = self.channel.collect_keys(&rest).await? {
                    keys.extend(more);
                }
            }
            None => match self.channel.collect_keys(&request).await? {
                KeyCollection::Keys(more) => keys.extend(more),
                KeyCollection::NoInput => return Ok(None),
            },
        }
        tracing::debug!(count = keys.len(), "digits");
        self.record(format!("Cittadino: digita {} cifre", keys.len()));
        Ok(Some(keys))
    }

    /// Listens for one utterance of the caller (see [`Channel::listen`]).
    pub(crate) async fn listen(
        &mut self,
        request: &crate::recognition::ListenRequest,
    ) -> Result<crate::recognition::Listening, Stop> {
        let heard = self.channel.listen(request).await?;
        tracing::debug!(?heard, "listened");
        Ok(heard)
    }

    /// Says `text` and hangs up.
    pub(crate) async fn goodbye(&mut self, text: &str) -> Result<(), Stop> {
        self.say(text).await?;
        self.hang_up().await;
        Ok(())
    }

    /// Hangs up (once).
    pub(crate) async fn hang_up(&mut self) {
        if !self.hung_up {
            self.hung_up = true;
            self.channel.hang_up().await;
        }
    }
}

//! The dialog runner: what a call needs ([`DialogContext`]), how it ends ([`CallOutcome`]),
//! and [`run_call`], which plays the whole conversation of [`crate::flows`] on a
//! [`Channel`].
//!
//! - [`conversation`]: the verbs flows are written with (say, say and allow a key, wait for a
//!   key, say goodbye), over a channel and a voice.
//! - [`menu`]: a keypad menu with no-input and no-match handling (one reprompt with a hint,
//!   then goodbye).
//! - `listening`: say a prompt, then hear the caller's words (or a key) through the
//!   context's recogniser.

pub(crate) mod conversation;
pub(crate) mod listening;
pub(crate) mod menu;

use std::sync::Arc;
use std::time::Duration;

use knowledge_base::KnowledgeBaseHandle;
use ticketing::Ticketing;
use ticketing::calendar::OfficeCalendar;
use ticketing::clock::Clock;
use ticketing::contact::PhoneNumber;

use crate::channel::Channel;
use crate::flows;
use crate::recognition::SpeechRecognizer;
use crate::speech::{SpeechSynthesizer, SynthesisError};

use conversation::{Conversation, Stop};

/// Everything a call's dialog needs, built once by the binary and shared by all calls.
#[derive(Clone)]
pub struct DialogContext {
    /// Said first: "Comune di Esempio, buongiorno."
    pub office_name: String,
    pub calendar: Arc<OfficeCalendar>,
    pub clock: Arc<dyn Clock>,
    /// Usually a [`crate::speech::Voice`] around [`crate::speech::EspeakNg`].
    pub voice: Arc<dyn SpeechSynthesizer>,
    pub settings: DialogSettings,
    /// The ticketing core and the knowledge base the branches use; without them the branches
    /// say that the service is coming and go back to the menu.
    pub services: Option<Services>,
    /// Where the services' calls run: on the call's own task (`None`, the default) or spawned
    /// on another runtime (see [`DialogContext::with_services_runtime`]).
    pub services_runtime: Option<tokio::runtime::Handle>,
    /// Speech recognition: with it the caller may say the question; without it (feature
    /// `speech` off, no model configured) the dialog is keypad-only.
    pub recognizer: Option<Arc<dyn SpeechRecognizer>>,
}

/// The services behind the branches: tickets, appointments and callbacks
/// ([`Ticketing`]), answers ([`KnowledgeBaseHandle`]).
#[derive(Debug, Clone)]
pub struct Services {
    pub ticketing: Ticketing,
    pub knowledge: KnowledgeBaseHandle,
}

/// What the gateway knows about one call.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallInfo {
    /// The caller's number when the network gave a usable one (not anonymous).
    pub caller: Option<PhoneNumber>,
    /// The gateway's id of the call, for logs.
    pub call_id: String,
}

impl CallInfo {
    /// A call from `caller` as the network gave it (the user part of `From` or
    /// `P-Asserted-Identity`): anything that is not a phone number ("anonymous",
    /// "sip:100@host") counts as unknown; an Italian number in national form gets +39.
    pub fn new(call_id: impl Into<String>, caller: Option<&str>) -> Self {
        CallInfo {
            caller: caller
                .and_then(|text| PhoneNumber::parse(text).ok())
                .map(crate::flows::caller_number::international),
            call_id: call_id.into(),
        }
    }

    /// A call whose caller is not known.
    pub fn anonymous(call_id: impl Into<String>) -> Self {
        CallInfo {
            caller: None,
            call_id: call_id.into(),
        }
    }
}

impl std::fmt::Debug for DialogContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DialogContext")
            .field("office_name", &self.office_name)
            .field("settings", &self.settings)
            .field("recognizer", &self.recognizer.is_some())
            .finish_non_exhaustive()
    }
}

impl DialogContext {
    /// A context with the default [`DialogSettings`].
    pub fn new(
        office_name: impl Into<String>,
        calendar: Arc<OfficeCalendar>,
        clock: Arc<dyn Clock>,
        voice: Arc<dyn SpeechSynthesizer>,
    ) -> Self {
        DialogContext {
            office_name: office_name.into(),
            calendar,
            clock,
            voice,
            settings: DialogSettings::default(),
            services: None,
            services_runtime: None,
            recognizer: None,
        }
    }

    /// The same context with speech recognition: the caller may say the question and "sì".
    pub fn with_recognizer(mut self, recognizer: Arc<dyn SpeechRecognizer>) -> Self {
        self.recognizer = Some(recognizer);
        self
    }

    /// Runs the services' calls (database queries) as tasks on `runtime` instead of on the
    /// call's own task. For dialog tests in virtual time: the database pool's timeouts must
    /// keep real time while the dialog's clock is paused. Production leaves this unset.
    pub fn with_services_runtime(mut self, runtime: tokio::runtime::Handle) -> Self {
        self.services_runtime = Some(runtime);
        self
    }

    /// The same context with the services behind the branches: tickets, appointments,
    /// callbacks and answers.
    pub fn with_services(mut self, ticketing: Ticketing, knowledge: KnowledgeBaseHandle) -> Self {
        self.services = Some(Services {
            ticketing,
            knowledge,
        });
        self
    }

    /// The sentences made from the services' configuration and content (the knowledge base's
    /// keypad menus): synthesise them at start-up and after a knowledge-base reload, together
    /// with [`crate::fixed_sentences`].
    pub fn service_sentences(&self) -> Vec<String> {
        match &self.services {
            Some(services) => flows::service_sentences(services),
            None => Vec::new(),
        }
    }

    pub fn with_settings(mut self, settings: DialogSettings) -> Self {
        self.settings = settings;
        self
    }
}

/// Timings and limits of the dialog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DialogSettings {
    /// How long a menu waits for a key after its prompt.
    pub no_input_timeout: Duration,
    /// How many times a caller may come back to the main menu before the call is ended
    /// politely (protects the line from a stuck or robotic caller).
    pub max_menu_visits: u32,
}

impl Default for DialogSettings {
    fn default() -> Self {
        DialogSettings {
            no_input_timeout: Duration::from_secs(5),
            max_menu_visits: 8,
        }
    }
}

/// How a call ended, for the gateway (what to do with the call) and for the KPIs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallOutcome {
    /// The caller hung up.
    CallerHungUp,
    /// The gateway tore the call down (media timeout, shutdown).
    TornDown { reason: &'static str },
    /// The caller gave no valid choice twice in a row; the dialog said goodbye and hung up.
    NoValidChoice,
    /// The caller went back to the main menu too many times; the dialog said goodbye and
    /// hung up.
    MenuLimitReached,
    /// Speech could not be produced; the dialog hung up.
    SpeechFailed(SynthesisError),
    /// The caller talked to an operator until `ended_by` hung up; the call is over.
    TalkedToOperator { ended_by: crate::channel::Party },
    /// The caller asked to be called back from the operator queue (keeping their place);
    /// the dialog said goodbye and hung up.
    CallbackInQueue,
}

/// Plays the whole dialog on `channel`: welcome, main menu, branches, goodbye. Returns when
/// the call is over; the dialog has hung up unless the caller or the gateway ended the call
/// first.
///
/// The future is `Send` and cancel-safe at every await: the gateway may drop it (shutdown)
/// and end the call itself. Run it inside the call's tracing span (with the call id).
pub async fn run_call<C: Channel>(channel: &mut C, ctx: &DialogContext) -> CallOutcome {
    run_call_with(channel, ctx, &CallInfo::default()).await
}

/// [`run_call`] for a call whose caller may be known ([`CallInfo`]): the number is used for
/// bookings and callback requests (an anonymous caller is asked to key it in).
#[tracing::instrument(name = "dialog", skip_all, fields(office = %ctx.office_name, call_id = %call.call_id))]
pub async fn run_call_with<C: Channel>(
    channel: &mut C,
    ctx: &DialogContext,
    call: &CallInfo,
) -> CallOutcome {
    let mut conversation = Conversation::new(channel, ctx, call);
    let result = flows::call(&mut conversation).await;
    finish(&mut conversation, result).await
}

/// Starts the dialog at a question the caller asked: the answer, a confirmation or a choice
/// among three, then the rest of the call as usual. The information branch asks spoken
/// questions itself; tests use this with written questions.
#[tracing::instrument(name = "dialog", skip_all, fields(office = %ctx.office_name, call_id = %call.call_id))]
pub async fn run_question<C: Channel>(
    channel: &mut C,
    ctx: &DialogContext,
    call: &CallInfo,
    question: Question,
) -> CallOutcome {
    let mut conversation = Conversation::new(channel, ctx, call);
    let result = flows::call_with_question(&mut conversation, question).await;
    finish(&mut conversation, result).await
}

/// A question as the caller put it: the words recognised and how sure the recogniser was
/// (`None` for typed text).
#[derive(Debug, Clone, PartialEq)]
pub struct Question {
    pub text: String,
    pub recogniser_confidence: Option<f32>,
}

impl Question {
    /// A written question (no recogniser involved).
    pub fn written(text: impl Into<String>) -> Self {
        Question {
            text: text.into(),
            recogniser_confidence: None,
        }
    }

    /// A spoken question: the recogniser's words and confidence (0..1).
    pub fn spoken(text: impl Into<String>, confidence: f32) -> Self {
        Question {
            text: text.into(),
            recogniser_confidence: Some(confidence),
        }
    }
}

async fn finish<C: Channel>(
    conversation: &mut Conversation<'_, C>,
    result: Result<CallOutcome, Stop>,
) -> CallOutcome {
    let outcome = match result {
        Ok(outcome) => outcome,
        Err(Stop::HungUp) => CallOutcome::CallerHungUp,
        Err(Stop::TornDown(reason)) => CallOutcome::TornDown { reason },
        Err(Stop::Speech(error)) => {
            tracing::error!(%error, "speech synthesis failed; ending the call");
            conversation.hang_up().await;
            CallOutcome::SpeechFailed(error)
        }
    };
    tracing::info!(?outcome, "call ended");
    conversation.record_dialog_outcome().await;
    outcome
}

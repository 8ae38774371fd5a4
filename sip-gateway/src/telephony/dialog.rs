//! The IVR's dialog on real calls: [`IvrHandler`] runs [`ivr::run_call_with`] on every
//! answered call, and [`office_voice`] prepares what it speaks with (espeak-ng's Italian voice
//! behind normalisation and a prompt cache, fixed sentences synthesised ahead of the first
//! call).

use std::sync::Arc;

use ivr::speech::{EspeakConfig, EspeakNg, SpeechSynthesizer, Voice};
use ivr::{CallOutcome, Channel, DialogContext};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::call::CallHandler;
use super::channel::CallChannel;

/// Bytes of synthesised prompts kept in memory (about 30 minutes of speech).
const PROMPT_CACHE_BYTES: usize = 32 * 1024 * 1024;

/// Runs the IVR's main dialog on each call.
#[derive(Debug, Clone)]
pub struct IvrHandler {
    ctx: DialogContext,
}

impl IvrHandler {
    pub fn new(ctx: DialogContext) -> Self {
        IvrHandler { ctx }
    }
}

impl CallHandler for IvrHandler {
    async fn handle(&self, mut channel: CallChannel) {
        let info = ivr::CallInfo::new(channel.call_id.clone(), channel.caller.as_deref());
        let outcome = ivr::run_call_with(&mut channel, &self.ctx, &info).await;
        match outcome {
            CallOutcome::CallerHungUp | CallOutcome::TornDown { .. } => {}
            CallOutcome::SpeechFailed(error) => {
                tracing::error!(%error, "the dialog could not speak: is espeak-ng installed?");
                channel.hang_up().await;
            }
            CallOutcome::NoValidChoice
            | CallOutcome::MenuLimitReached
            | CallOutcome::CallbackInQueue => {
                channel.hang_up().await;
            }
            // Either side hung up the bridged call: both legs are over.
            CallOutcome::TalkedToOperator { .. } => {}
        }
    }
}

/// espeak-ng's Italian voice with normalisation and a prompt cache. Checks the engine and
/// synthesises the dialog's fixed sentences in the background (a task on `tracker`), so start-up
/// does not wait for them; a missing engine is logged as an error (calls are then answered and
/// ended by the dialog with `SpeechFailed`).
pub fn office_voice(
    tracker: &TaskTracker,
    shutdown: CancellationToken,
) -> Arc<dyn SpeechSynthesizer> {
    let voice = Arc::new(Voice::new(
        EspeakNg::new(EspeakConfig::default()),
        PROMPT_CACHE_BYTES,
    ));
    let warm = voice.clone();
    tracker.spawn(async move {
        let prepare = async {
            warm.engine().check().await?;
            warm.prewarm(ivr::fixed_sentences()).await
        };
        tokio::select! {
            () = shutdown.cancelled() => {}
            result = prepare => match result {
                Ok(()) => tracing::info!("speech ready: the menus are synthesised"),
                Err(error) => tracing::error!(
                    %error,
                    "speech synthesis is not working; calls cannot be spoken to \
                     (apt-get install espeak-ng)"
                ),
            },
        }
    });
    voice
}

/// The office clock as the ticketing core reads it (shifted in demos and end-to-end tests,
/// so the welcome says what the counters see).
#[derive(Clone)]
pub struct OfficeClock(pub ticketing::Ticketing);

impl ticketing::Clock for OfficeClock {
    fn now(&self) -> jiff::Timestamp {
        self.0.now()
    }
}

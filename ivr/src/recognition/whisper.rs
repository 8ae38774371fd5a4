//! whisper.cpp through whisper-rs (cargo feature `speech`): [`load_whisper`] loads the model
//! once and starts a [`RecognitionPool`] of [`WhisperEngine`]s, one whisper state each.
//!
//! Per utterance a worker:
//!
//! 1. finds the speech with the Silero voice-activity model ([`SileroVad`], whisper.cpp's own
//!    VAD), when one is configured: audio without speech never reaches whisper
//!    ([`EngineOutput::NoSpeech`]), and pauses are cut out;
//! 2. runs whisper in Italian, greedy, one segment, no timestamps, no fallback re-decoding
//!    (cost bounded by the utterance), with the knowledge base's vocabulary as the prompt
//!    and an abort callback watching the request's deadline;
//! 3. rates the words ([`super::confidence::from_tokens`]).
//!
//! The prompt tokens and the decoding parameters are prepared once per worker: whisper-rs
//! leaks the C strings and callbacks it is given, so nothing is set per request.

use std::ffi::c_int;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use whisper_rs::{
    FullParams, SamplingStrategy, WhisperContext, WhisperContextParameters, WhisperError,
    WhisperState, WhisperVadContext, WhisperVadContextParams, WhisperVadParams,
};

use super::confidence;
use super::pool::{
    ENGINE_SAMPLE_RATE, Engine, EngineError, EngineOutput, PoolError, PoolSettings, RecognitionPool,
};
use super::vocabulary::{self, PROMPT_TOKENS};

/// Tokens whisper may write for one utterance (12 s of Italian is about 60).
const MAX_TOKENS: c_int = 96;
/// Silence put between the speech segments the VAD keeps.
const GAP_BETWEEN_SEGMENTS: Duration = Duration::from_millis(100);

/// Where the models are and how the pool runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WhisperSettings {
    /// A whisper.cpp ggml model (`ggml-base.bin`, `ggml-small.bin`, ...).
    pub model: PathBuf,
    /// A Silero VAD model in ggml format (`ggml-silero-v5.1.2.bin`); without it whisper
    /// hears the whole utterance, pauses included.
    pub vad_model: Option<PathBuf>,
    pub pool: PoolSettings,
    /// Threads each worker gives whisper; 0: the cores divided among the workers.
    pub threads_per_worker: usize,
    /// Fit whisper's audio window to the utterance instead of its fixed 30 s: 7 to 15 times
    /// faster on phone utterances (BENCHMARKS.md), slightly less accurate. On by default:
    /// with the full window a busy 2-core machine does not answer within 5 s.
    pub fit_audio_context: bool,
}

impl WhisperSettings {
    /// A model with the defaults: no VAD model, one worker per core, a queue as long, the
    /// audio window fitted to the utterance.
    pub fn new(model: impl Into<PathBuf>) -> Self {
        WhisperSettings {
            model: model.into(),
            vad_model: None,
            pool: PoolSettings::for_this_machine(),
            threads_per_worker: 0,
            fit_audio_context: true,
        }
    }

    fn threads(&self) -> c_int {
        let threads = if self.threads_per_worker > 0 {
            self.threads_per_worker
        } else {
            let cores = std::thread::available_parallelism().map_or(1, usize::from);
            (cores / self.pool.workers.max(1)).max(1)
        };
        c_int::try_from(threads).unwrap_or(1)
    }
}

/// The recogniser could not be prepared.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("the speech model {} does not exist", .0.display())]
    ModelMissing(PathBuf),
    #[error("the speech model {} cannot be loaded: {source}", path.display())]
    Model {
        path: PathBuf,
        #[source]
        source: WhisperError,
    },
    #[error("the voice activity model {} does not exist", .0.display())]
    VadModelMissing(PathBuf),
    #[error("the voice activity model {} cannot be loaded: {source}", path.display())]
    VadModel {
        path: PathBuf,
        #[source]
        source: WhisperError,
    },
    #[error("the model path {} is not valid UTF-8", .0.display())]
    PathNotUtf8(PathBuf),
    #[error("cannot prepare the vocabulary prompt: {0}")]
    Prompt(#[source] WhisperError),
    #[error(transparent)]
    Pool(#[from] PoolError),
}

/// Loads the model and starts the pool. `vocabulary` biases recognition
/// ([`vocabulary::terms`] of the knowledge base). Blocking: call it at start-up (or from
/// `spawn_blocking`).
#[tracing::instrument(name = "load_whisper", skip_all, fields(model = %settings.model.display()))]
pub fn load_whisper(
    settings: &WhisperSettings,
    vocabulary: &[String],
) -> Result<RecognitionPool, LoadError> {
    let model = utf8_file(&settings.model, LoadError::ModelMissing)?;
    if let Some(vad) = &settings.vad_model {
        utf8_file(vad, LoadError::VadModelMissing)?;
    }
    // whisper.cpp logs to stderr by default; route its logs to `tracing` instead.
    whisper_rs::install_logging_hooks();
    let started = Instant::now();
    let mut parameters = WhisperContextParameters::default();
    parameters.use_gpu(false);
    let context =
        WhisperContext::new_with_params(model, parameters).map_err(|source| LoadError::Model {
            path: settings.model.clone(),
            source,
        })?;
    let prompt = prompt_tokens(&context, vocabulary)?;
    let threads = settings.threads();
    // Every worker's engine is made here, so that a problem is reported with its cause.
    let mut engines = Vec::new();
    for _ in 0..settings.pool.workers.max(1) {
        let state = context.create_state().map_err(|source| LoadError::Model {
            path: settings.model.clone(),
            source,
        })?;
        let vad = match &settings.vad_model {
            Some(path) => Some(SileroVad::load(path)?),
            None => None,
        };
        engines.push(WhisperEngine::new(
            state,
            context.token_eot(),
            vad,
            &prompt,
            threads,
            settings.fit_audio_context,
        ));
    }
    let pool = RecognitionPool::start(settings.pool.clone(), |_worker| {
        engines.pop().ok_or(EngineError::WorkerStopped)
    })?;
    tracing::info!(
        load_ms = started.elapsed().as_millis() as u64,
        prompt_tokens = prompt.len(),
        threads_per_worker = threads,
        vad = settings.vad_model.is_some(),
        "speech model loaded"
    );
    Ok(pool)
}

fn utf8_file(path: &Path, missing: fn(PathBuf) -> LoadError) -> Result<&str, LoadError> {
    if !path.is_file() {
        return Err(missing(path.to_path_buf()));
    }
    path.to_str()
        .ok_or_else(|| LoadError::PathNotUtf8(path.to_path_buf()))
}

/// The vocabulary prompt as whisper tokens, within [`PROMPT_TOKENS`].
fn prompt_tokens(context: &WhisperContext, terms: &[String]) -> Result<Vec<c_int>, LoadError> {
    let count = |text: &str| context.tokenize(text, 4 * PROMPT_TOKENS).map(|t| t.len());
    // Cheap first cut by characters, then by tokens.
    let rough = vocabulary::prompt(terms, vocabulary::PROMPT_CHARS * 2);
    let mut error = None;
    let text = vocabulary::prompt_within(terms, |candidate| {
        candidate.len() <= rough.len()
            && match count(candidate) {
                Ok(n) => n <= PROMPT_TOKENS,
                Err(e) => {
                    error.get_or_insert(e);
                    false
                }
            }
    });
    if let Some(error) = error {
        return Err(LoadError::Prompt(error));
    }
    context
        .tokenize(&text, 4 * PROMPT_TOKENS)
        .map_err(LoadError::Prompt)
}

/// One speech segment found by the voice-activity model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VadSegment {
    pub start: Duration,
    pub end: Duration,
}

/// The Silero voice-activity model (whisper.cpp's VAD).
#[derive(Debug)]
pub struct SileroVad {
    context: WhisperVadContext,
}

impl SileroVad {
    /// Loads a Silero model in ggml format, single-threaded (it is small).
    pub fn load(path: &Path) -> Result<SileroVad, LoadError> {
        let path_str = utf8_file(path, LoadError::VadModelMissing)?;
        let mut parameters = WhisperVadContextParams::default();
        parameters.set_n_threads(1);
        parameters.set_use_gpu(false);
        let context =
            WhisperVadContext::new(path_str, parameters).map_err(|source| LoadError::VadModel {
                path: path.to_path_buf(),
                source,
            })?;
        Ok(SileroVad { context })
    }

    /// The speech in 16 kHz audio: segments of at least 250 ms, split on pauses of 100 ms.
    pub fn segments(&mut self, audio: &[f32]) -> Result<Vec<VadSegment>, WhisperError> {
        if audio.is_empty() {
            return Ok(Vec::new());
        }
        let found = self
            .context
            .segments_from_samples(WhisperVadParams::default(), audio)?;
        // Whisper.cpp gives centiseconds.
        let at = |cs: f32| Duration::from_millis((cs.max(0.0) * 10.0) as u64);
        Ok(found
            .map(|s| VadSegment {
                start: at(s.start),
                end: at(s.end),
            })
            .filter(|s| s.end > s.start)
            .collect())
    }
}

/// One worker's whisper: its own state (the model is shared), its VAD, its parameters.
pub struct WhisperEngine {
    state: WhisperState,
    vad: Option<SileroVad>,
    /// Prepared once; cloned per request (cloning copies pointers, allocates nothing).
    params: FullParams<'static, 'static>,
    /// The current request's deadline, in nanoseconds since `epoch`, read by the abort
    /// callback while whisper runs.
    deadline: Arc<AtomicU64>,
    epoch: Instant,
    /// Token ids from this one up are whisper's special tokens, not text.
    first_special_token: c_int,
    fit_audio_context: bool,
    /// The speech kept after VAD (reused between requests).
    speech: Vec<f32>,
}

impl std::fmt::Debug for WhisperEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WhisperEngine")
            .field("vad", &self.vad.is_some())
            .finish_non_exhaustive()
    }
}

impl WhisperEngine {
    fn new(
        state: WhisperState,
        first_special_token: c_int,
        vad: Option<SileroVad>,
        prompt: &[c_int],
        threads: c_int,
        fit_audio_context: bool,
    ) -> Self {
        // The parameters borrow the prompt for as long as the worker lives: leak one copy
        // per worker (a few hundred bytes, once).
        let prompt: &'static [c_int] = Box::leak(prompt.to_vec().into_boxed_slice());
        let deadline = Arc::new(AtomicU64::new(u64::MAX));
        let epoch = Instant::now();
        let mut params = FullParams::new(SamplingStrategy::Greedy { best_of: 1 });
        params.set_language(Some("it"));
        params.set_translate(false);
        params.set_n_threads(threads);
        params.set_tokens(prompt);
        params.set_no_context(true);
        params.set_no_timestamps(true);
        params.set_single_segment(true);
        params.set_max_tokens(MAX_TOKENS);
        params.set_suppress_blank(true);
        params.set_suppress_nst(true);
        params.set_temperature(0.0);
        params.set_temperature_inc(0.0);
        params.set_print_special(false);
        params.set_print_progress(false);
        params.set_print_realtime(false);
        params.set_print_timestamps(false);
        let watched = deadline.clone();
        params.set_abort_callback_safe(move || {
            let now = u64::try_from(epoch.elapsed().as_nanos()).unwrap_or(u64::MAX);
            now >= watched.load(Ordering::Relaxed)
        });
        WhisperEngine {
            state,
            vad,
            params,
            deadline,
            epoch,
            first_special_token,
            fit_audio_context,
            speech: Vec::new(),
        }
    }

    fn nanos_since_epoch(&self, at: Instant) -> u64 {
        u64::try_from(at.saturating_duration_since(self.epoch).as_nanos()).unwrap_or(u64::MAX)
    }

    /// Keeps the speech of `audio` in `self.speech`; false when there is none.
    fn keep_speech(&mut self, audio: &[f32]) -> Result<bool, EngineError> {
        self.speech.clear();
        let Some(vad) = self.vad.as_mut() else {
            self.speech.extend_from_slice(audio);
            return Ok(!audio.is_empty());
        };
        let segments = vad
            .segments(audio)
            .map_err(|e| EngineError::Failed(Box::new(e)))?;
        let sample = |d: Duration| {
            ((d.as_micros() * u128::from(ENGINE_SAMPLE_RATE) / 1_000_000) as usize).min(audio.len())
        };
        let gap = sample(GAP_BETWEEN_SEGMENTS);
        for (i, segment) in segments.iter().enumerate() {
            if i > 0 {
                self.speech.extend(std::iter::repeat_n(0.0, gap));
            }
            self.speech
                .extend_from_slice(&audio[sample(segment.start)..sample(segment.end)]);
        }
        Ok(!self.speech.is_empty())
    }
}

impl Engine for WhisperEngine {
    fn transcribe(
        &mut self,
        audio: &[f32],
        deadline: Instant,
    ) -> Result<EngineOutput, EngineError> {
        if !self.keep_speech(audio)? {
            return Ok(EngineOutput::NoSpeech);
        }
        self.deadline
            .store(self.nanos_since_epoch(deadline), Ordering::Relaxed);
        let mut params = self.params.clone();
        if self.fit_audio_context {
            // 1500 encoder positions are 30 s; keep a margin of 1 s.
            let seconds = self.speech.len() as f64 / f64::from(ENGINE_SAMPLE_RATE);
            let positions = ((seconds + 1.0) * 50.0).ceil() as c_int;
            params.set_audio_ctx(positions.clamp(64, 1500));
        }
        let ran = self.state.full(params, &self.speech);
        self.deadline.store(u64::MAX, Ordering::Relaxed);
        if Instant::now() >= deadline {
            return Err(EngineError::Aborted);
        }
        ran.map_err(|e| EngineError::Failed(Box::new(e)))?;
        let mut text = String::new();
        let mut probabilities = Vec::new();
        let mut no_speech: f32 = 0.0;
        for segment in self.state.as_iter() {
            if let Ok(words) = segment.to_str_lossy() {
                text.push_str(&words);
            }
            no_speech = no_speech.max(segment.no_speech_probability());
            for i in 0..segment.n_tokens() {
                if let Some(token) = segment.get_token(i)
                    && token.token_id() < self.first_special_token
                {
                    probabilities.push(token.token_probability());
                }
            }
        }
        let text = text.trim();
        if text.is_empty() || probabilities.is_empty() {
            return Ok(EngineOutput::NoSpeech);
        }
        Ok(EngineOutput::Text {
            text: text.to_string(),
            confidence: confidence::from_tokens(&probabilities, no_speech),
        })
    }
}

//! [`RecognitionPool`]: recognition on a bounded pool of worker threads, in front of any
//! [`Engine`] (whisper.cpp with the `speech` feature, a stand-in in tests).
//!
//! Recognition is the most CPU-hungry thing the product does, so it never runs on the async
//! runtime and never queues without bound:
//!
//! - `workers` OS threads, each with its own engine (whisper state), sized to the cores;
//! - at most `queue_limit` requests wait for a worker; one more is refused at once
//!   ([`Unavailable::Busy`]) and the dialog offers the keypad instead of making the caller wait;
//! - every request has a deadline (`timeout`, queueing included): a request still queued at
//!   its deadline is dropped, an engine running past it is told to abort, and the caller gets
//!   [`Unavailable::TimedOut`] at the deadline whatever the worker is doing;
//! - a request whose caller went away (hang-up) is skipped when a worker reaches it.
//!
//! Dropping the pool closes the queue: each worker finishes the request it is running, if
//! any, and its thread ends.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

use super::utterance::{SAMPLE_RATE, Utterance};
use super::{Recognition, RecognitionFuture, SpeechRecognizer, Unavailable};
use crate::audio::resample::Resampler;

/// The sample rate engines receive: whisper's 16 kHz.
pub const ENGINE_SAMPLE_RATE: u32 = 16_000;

/// A speech-to-text engine, one per worker thread.
pub trait Engine: Send + 'static {
    /// Recognises 16 kHz mono audio (samples in -1..1). Must return
    /// [`EngineError::Aborted`] soon after `deadline` passes.
    fn transcribe(&mut self, audio: &[f32], deadline: Instant)
    -> Result<EngineOutput, EngineError>;
}

/// What an engine heard.
#[derive(Debug, Clone, PartialEq)]
pub enum EngineOutput {
    /// Words with a 0..1 confidence.
    Text { text: String, confidence: f32 },
    /// No speech in the audio.
    NoSpeech,
}

/// Why an engine produced nothing.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The deadline passed; the engine stopped.
    #[error("the deadline passed before recognition finished")]
    Aborted,
    /// The engine failed.
    #[error("{0}")]
    Failed(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The worker thread stopped before answering (it panicked).
    #[error("the recognition worker stopped")]
    WorkerStopped,
}

/// Size and limits of the pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolSettings {
    /// Worker threads (at least 1); usually the number of cores.
    pub workers: usize,
    /// Requests that may wait for a worker; more are refused at once.
    pub queue_limit: usize,
    /// The longest a request may take, queueing included.
    pub timeout: Duration,
}

impl PoolSettings {
    /// One worker per core, as many waiting requests as workers, 5 s per request.
    pub fn for_this_machine() -> Self {
        let workers = std::thread::available_parallelism().map_or(1, usize::from);
        PoolSettings {
            workers,
            queue_limit: workers,
            timeout: Duration::from_secs(5),
        }
    }
}

/// What the pool did so far (for metrics and benchmarks).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PoolStats {
    /// Requests answered with words or no speech.
    pub recognised: u64,
    /// Requests refused because every worker was busy and the queue full.
    pub refused_busy: u64,
    /// Requests that passed their deadline.
    pub timed_out: u64,
    /// Requests the engine failed on.
    pub failed: u64,
    /// Caller audio recognised, in milliseconds.
    pub audio_ms: u64,
    /// Time the engines spent, in milliseconds.
    pub busy_ms: u64,
}

struct Job {
    audio: Utterance,
    deadline: Instant,
    reply: oneshot::Sender<Result<EngineOutput, EngineError>>,
    /// Frees the request's place in the pool when the job is done or dropped.
    _place: Place,
}

/// One admitted request's place in the pool.
struct Place(Arc<Shared>);

impl Drop for Place {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

#[derive(Default)]
struct Shared {
    in_flight: AtomicUsize,
    recognised: AtomicU64,
    refused_busy: AtomicU64,
    timed_out: AtomicU64,
    failed: AtomicU64,
    audio_ms: AtomicU64,
    busy_ms: AtomicU64,
}

/// A bounded pool of recognition workers; implements [`SpeechRecognizer`]. Cheap to share
/// behind an `Arc`.
pub struct RecognitionPool {
    jobs: SyncSender<Job>,
    shared: Arc<Shared>,
    /// Running plus waiting requests allowed.
    capacity: usize,
    settings: PoolSettings,
}

impl std::fmt::Debug for RecognitionPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecognitionPool")
            .field("settings", &self.settings)
            .field("in_flight", &self.shared.in_flight.load(Ordering::Relaxed))
            .finish()
    }
}

/// The pool could not start.
#[derive(Debug, thiserror::Error)]
pub enum PoolError {
    /// The engine of a worker could not be made (model not loadable).
    #[error("cannot prepare recognition worker {worker}: {source}")]
    Engine {
        worker: usize,
        #[source]
        source: EngineError,
    },
    /// The operating system refused a thread.
    #[error("cannot start recognition worker {worker}: {source}")]
    Thread {
        worker: usize,
        #[source]
        source: std::io::Error,
    },
}

impl RecognitionPool {
    /// Starts `settings.workers` threads, each with the engine `make_engine(worker)` made
    /// here (so a model that does not load fails now, not on the first call).
    pub fn start<E, F>(settings: PoolSettings, mut make_engine: F) -> Result<Self, PoolError>
    where
        E: Engine,
        F: FnMut(usize) -> Result<E, EngineError>,
    {
        let workers = settings.workers.max(1);
        let capacity = workers + settings.queue_limit;
        let (jobs, queue) = sync_channel::<Job>(capacity);
        let queue = Arc::new(Mutex::new(queue));
        let shared = Arc::new(Shared::default());
        for worker in 0..workers {
            let engine =
                make_engine(worker).map_err(|source| PoolError::Engine { worker, source })?;
            let queue = queue.clone();
            let shared = shared.clone();
            std::thread::Builder::new()
                .name(format!("speech-{worker}"))
                .spawn(move || work(engine, &queue, &shared))
                .map_err(|source| PoolError::Thread { worker, source })?;
        }
        tracing::info!(
            workers,
            queue_limit = settings.queue_limit,
            timeout_ms = settings.timeout.as_millis() as u64,
            "speech recognition pool started"
        );
        Ok(RecognitionPool {
            jobs,
            shared,
            capacity,
            settings,
        })
    }

    pub fn settings(&self) -> &PoolSettings {
        &self.settings
    }

    /// Requests running or waiting now.
    pub fn in_flight(&self) -> usize {
        self.shared.in_flight.load(Ordering::Acquire)
    }

    pub fn stats(&self) -> PoolStats {
        let s = &self.shared;
        PoolStats {
            recognised: s.recognised.load(Ordering::Relaxed),
            refused_busy: s.refused_busy.load(Ordering::Relaxed),
            timed_out: s.timed_out.load(Ordering::Relaxed),
            failed: s.failed.load(Ordering::Relaxed),
            audio_ms: s.audio_ms.load(Ordering::Relaxed),
            busy_ms: s.busy_ms.load(Ordering::Relaxed),
        }
    }

    /// Takes a place in the pool, or says it is full.
    fn admit(&self) -> Option<Place> {
        self.shared
            .in_flight
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < self.capacity).then_some(n + 1)
            })
            .ok()
            .map(|_| Place(self.shared.clone()))
    }

    /// Recognises one utterance within the timeout.
    #[tracing::instrument(name = "recognize", skip_all, fields(audio_ms = utterance.duration().as_millis() as u64))]
    pub async fn recognize_utterance(&self, utterance: Utterance) -> Recognition {
        if utterance.is_empty() {
            return Recognition::NoSpeech;
        }
        let Some(place) = self.admit() else {
            self.shared.refused_busy.fetch_add(1, Ordering::Relaxed);
            tracing::warn!("speech recognition busy: request refused");
            return Recognition::Unavailable(Unavailable::Busy);
        };
        let timeout = self.settings.timeout;
        let (reply, answer) = oneshot::channel();
        let job = Job {
            audio: utterance,
            deadline: Instant::now() + timeout,
            reply,
            _place: place,
        };
        match self.jobs.try_send(job) {
            Ok(()) => {}
            // Admission keeps the queue below its capacity: a full queue means the count
            // and the queue disagree, which is a bug; refuse rather than wait.
            Err(TrySendError::Full(_)) => {
                self.shared.refused_busy.fetch_add(1, Ordering::Relaxed);
                return Recognition::Unavailable(Unavailable::Busy);
            }
            Err(TrySendError::Disconnected(_)) => {
                self.shared.failed.fetch_add(1, Ordering::Relaxed);
                return failed(EngineError::WorkerStopped);
            }
        }
        let result = match tokio::time::timeout(timeout, answer).await {
            Err(_) => Err(EngineError::Aborted),
            Ok(Err(_)) => Err(EngineError::WorkerStopped),
            Ok(Ok(result)) => result,
        };
        match result {
            Ok(EngineOutput::Text { text, confidence }) => {
                tracing::debug!(confidence, "recognised");
                Recognition::Heard { text, confidence }
            }
            Ok(EngineOutput::NoSpeech) => Recognition::NoSpeech,
            Err(EngineError::Aborted) => {
                self.shared.timed_out.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(
                    timeout_ms = timeout.as_millis() as u64,
                    "speech recognition timed out"
                );
                Recognition::Unavailable(Unavailable::TimedOut(timeout))
            }
            Err(error) => {
                self.shared.failed.fetch_add(1, Ordering::Relaxed);
                tracing::error!(%error, "speech recognition failed");
                failed(error)
            }
        }
    }
}

fn failed(error: EngineError) -> Recognition {
    Recognition::Unavailable(Unavailable::Failed(Arc::new(error)))
}

impl SpeechRecognizer for RecognitionPool {
    fn availability(&self) -> Result<(), Unavailable> {
        if self.in_flight() < self.capacity {
            Ok(())
        } else {
            Err(Unavailable::Busy)
        }
    }

    fn recognize(&self, utterance: Utterance) -> RecognitionFuture<'_> {
        Box::pin(self.recognize_utterance(utterance))
    }
}

/// A worker's loop: take a job, run it unless its caller left or its deadline passed.
fn work<E: Engine>(mut engine: E, queue: &Mutex<Receiver<Job>>, shared: &Shared) {
    let resampler = Resampler::new(SAMPLE_RATE, ENGINE_SAMPLE_RATE, 3_400.0);
    let mut audio: Vec<f32> = Vec::new();
    loop {
        // Hold the lock only to take one job.
        let job = match queue.lock().unwrap_or_else(PoisonError::into_inner).recv() {
            Ok(job) => job,
            Err(_) => return, // the pool was dropped
        };
        let Job {
            audio: utterance,
            deadline,
            reply,
            _place: place,
        } = job;
        // The place is freed before the answer is sent: whoever gets the answer finds the
        // pool's count already down.
        if reply.is_closed() {
            continue;
        }
        if Instant::now() >= deadline {
            drop(place);
            reply.send(Err(EngineError::Aborted)).ok();
            continue;
        }
        let started = Instant::now();
        audio.clear();
        let result = match &resampler {
            Ok(resampler) => {
                audio.extend(
                    resampler
                        .process(utterance.samples())
                        .into_iter()
                        .map(|s| f32::from(s) / 32_768.0),
                );
                engine.transcribe(&audio, deadline)
            }
            Err(error) => Err(EngineError::Failed(Box::new(error.clone()))),
        };
        if result.is_ok() {
            shared.recognised.fetch_add(1, Ordering::Relaxed);
            shared
                .audio_ms
                .fetch_add(utterance.duration().as_millis() as u64, Ordering::Relaxed);
        }
        shared
            .busy_ms
            .fetch_add(started.elapsed().as_millis() as u64, Ordering::Relaxed);
        drop(place);
        reply.send(result).ok();
    }
}

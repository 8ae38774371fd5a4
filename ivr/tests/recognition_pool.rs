//! The recognition pool with stand-in engines (no `speech` feature needed): the queue limit
//! refuses excess requests at once, deadlines give timeouts, failures and silence come back as
//! results, engines get 16 kHz audio. Real threads and real time (the pool runs OS threads).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ivr::recognition::{
    Engine, EngineError, EngineOutput, PoolSettings, Recognition, RecognitionPool,
    SpeechRecognizer, Unavailable, Utterance,
};

/// An engine that works for `work`, checking its deadline like whisper's abort callback.
struct Sleeper {
    work: Duration,
    calls: Arc<AtomicUsize>,
    samples: Arc<Mutex<Vec<usize>>>,
}

impl Engine for Sleeper {
    fn transcribe(
        &mut self,
        audio: &[f32],
        deadline: Instant,
    ) -> Result<EngineOutput, EngineError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.samples.lock().unwrap().push(audio.len());
        let end = Instant::now() + self.work;
        while Instant::now() < end {
            if Instant::now() >= deadline {
                return Err(EngineError::Aborted);
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        if audio.iter().all(|s| *s == 0.0) {
            return Ok(EngineOutput::NoSpeech);
        }
        Ok(EngineOutput::Text {
            text: "carta d'identità".into(),
            confidence: 0.8,
        })
    }
}

struct Fixture {
    pool: Arc<RecognitionPool>,
    calls: Arc<AtomicUsize>,
    samples: Arc<Mutex<Vec<usize>>>,
}

fn pool(workers: usize, queue_limit: usize, timeout: Duration, work: Duration) -> Fixture {
    let calls = Arc::new(AtomicUsize::new(0));
    let samples = Arc::new(Mutex::new(Vec::new()));
    let settings = PoolSettings {
        workers,
        queue_limit,
        timeout,
    };
    let (c, s) = (calls.clone(), samples.clone());
    let pool = RecognitionPool::start(settings, move |_| {
        Ok(Sleeper {
            work,
            calls: c.clone(),
            samples: s.clone(),
        })
    })
    .unwrap();
    Fixture {
        pool: Arc::new(pool),
        calls,
        samples,
    }
}

/// One second of a loud tone at 8 kHz.
fn speech() -> Utterance {
    Utterance::new(
        (0..8_000)
            .map(|i| ((i as f32 * 0.2).sin() * 8_000.0) as i16)
            .collect(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recognises_with_16_khz_audio_and_passes_silence_through() {
    let f = pool(1, 1, Duration::from_secs(5), Duration::from_millis(10));
    let heard = f.pool.recognize(speech()).await;
    assert_eq!(
        heard,
        Recognition::Heard {
            text: "carta d'identità".into(),
            confidence: 0.8
        }
    );
    // 1 s at 8 kHz became 1 s at 16 kHz.
    assert_eq!(f.samples.lock().unwrap().as_slice(), [16_000]);
    let silence = f.pool.recognize(Utterance::new(vec![0; 4_000])).await;
    assert_eq!(silence, Recognition::NoSpeech);
    // An empty utterance never reaches an engine.
    assert_eq!(
        f.pool.recognize(Utterance::new(Vec::new())).await,
        Recognition::NoSpeech
    );
    assert_eq!(f.calls.load(Ordering::SeqCst), 2);
    let stats = f.pool.stats();
    assert_eq!(stats.recognised, 2);
    assert_eq!(stats.audio_ms, 1_500);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn beyond_the_queue_limit_requests_are_refused_at_once() {
    // One worker, one waiting place: the third request is refused without waiting.
    let f = pool(1, 1, Duration::from_secs(5), Duration::from_millis(400));
    let first = tokio::spawn({
        let pool = f.pool.clone();
        async move { pool.recognize(speech()).await }
    });
    while f.pool.in_flight() < 1 {
        tokio::task::yield_now().await;
    }
    let second = tokio::spawn({
        let pool = f.pool.clone();
        async move { pool.recognize(speech()).await }
    });
    while f.pool.in_flight() < 2 {
        tokio::task::yield_now().await;
    }
    assert_eq!(f.pool.availability(), Err(Unavailable::Busy));
    let asked = Instant::now();
    let third = f.pool.recognize(speech()).await;
    assert_eq!(third, Recognition::Unavailable(Unavailable::Busy));
    assert!(
        // Waiting for a place would take the first request's 400 ms at least.
        asked.elapsed() < Duration::from_millis(250),
        "{:?}",
        asked.elapsed()
    );
    assert!(matches!(first.await.unwrap(), Recognition::Heard { .. }));
    assert!(matches!(second.await.unwrap(), Recognition::Heard { .. }));
    assert_eq!(f.pool.in_flight(), 0);
    assert_eq!(f.pool.availability(), Ok(()));
    assert_eq!(f.pool.stats().refused_busy, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_recognition_times_out_and_frees_its_worker() {
    // Margins are wide (a loaded CI machine), but far below the engine's 10 s of work.
    let timeout = Duration::from_secs(1);
    let f = pool(1, 2, timeout, Duration::from_secs(10));
    let asked = Instant::now();
    let slow = f.pool.recognize(speech()).await;
    let waited = asked.elapsed();
    assert_eq!(
        slow,
        Recognition::Unavailable(Unavailable::TimedOut(timeout))
    );
    assert!(
        waited >= timeout && waited < timeout + Duration::from_secs(1),
        "{waited:?}"
    );
    // The engine was told to stop: the worker takes the next request at once (were it still
    // busy with the first for its 10 s, this one would wait and time out without running).
    let again = Instant::now();
    assert!(matches!(
        f.pool.recognize(speech()).await,
        Recognition::Unavailable(Unavailable::TimedOut(_))
    ));
    assert!(again.elapsed() < timeout + Duration::from_secs(1));
    assert_eq!(f.calls.load(Ordering::SeqCst), 2);
    assert_eq!(f.pool.stats().timed_out, 2);
}

/// An engine that cannot be stopped: it works for its whole `work` whatever the deadline.
struct Stubborn {
    work: Duration,
    calls: Arc<AtomicUsize>,
}

impl Engine for Stubborn {
    fn transcribe(&mut self, _: &[f32], _: Instant) -> Result<EngineOutput, EngineError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        std::thread::sleep(self.work);
        Ok(EngineOutput::NoSpeech)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_that_waited_past_its_deadline_is_not_run() {
    // One worker busy for 1 s with an engine that ignores its deadline (0.3 s): every caller
    // gets its timeout at 0.3 s, and the two requests still queued when the worker comes free
    // (0.7 s past their deadlines) are dropped unrun. The margins are wide on purpose: a busy
    // machine delays the spawns by milliseconds, never by 0.7 s.
    let timeout = Duration::from_millis(300);
    let work = Duration::from_secs(1);
    let calls = Arc::new(AtomicUsize::new(0));
    let settings = PoolSettings {
        workers: 1,
        queue_limit: 4,
        timeout,
    };
    let engine_calls = calls.clone();
    let pool = Arc::new(
        RecognitionPool::start(settings, move |_| {
            Ok(Stubborn {
                work,
                calls: engine_calls.clone(),
            })
        })
        .unwrap(),
    );
    let mut waiting = Vec::new();
    for _ in 0..3 {
        let pool = pool.clone();
        waiting.push(tokio::spawn(async move { pool.recognize(speech()).await }));
    }
    for request in waiting {
        assert_eq!(
            request.await.unwrap(),
            Recognition::Unavailable(Unavailable::TimedOut(timeout))
        );
    }
    // Wait until the worker has finished the first request and looked at the queue.
    let asked = Instant::now();
    while pool.in_flight() > 0 && asked.elapsed() < Duration::from_secs(10) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(pool.in_flight(), 0);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert_eq!(pool.stats().timed_out, 3);
}

struct Broken;

impl Engine for Broken {
    fn transcribe(&mut self, _: &[f32], _: Instant) -> Result<EngineOutput, EngineError> {
        Err(EngineError::Failed("the model file is corrupt".into()))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_engine_failure_is_a_result_and_a_broken_engine_fails_the_start() {
    let settings = PoolSettings {
        workers: 1,
        queue_limit: 1,
        timeout: Duration::from_secs(1),
    };
    let pool = RecognitionPool::start(settings.clone(), |_| Ok(Broken)).unwrap();
    let Recognition::Unavailable(Unavailable::Failed(error)) = pool.recognize(speech()).await
    else {
        panic!("a failure expected")
    };
    assert_eq!(error.to_string(), "the model file is corrupt");
    assert_eq!(pool.stats().failed, 1);

    let refused = RecognitionPool::start(settings, |worker| {
        if worker == 0 {
            Err::<Broken, _>(EngineError::Failed("no model".into()))
        } else {
            Ok(Broken)
        }
    });
    let error = refused.unwrap_err().to_string();
    assert_eq!(error, "cannot prepare recognition worker 0: no model");
}

//! whisper.cpp through the pool (cargo feature `speech`), on the test models of
//! `../shared/models`: whisper's weight-less tiny model (loads, runs at realistic cost, says
//! meaningless words: assert on shape, never on words) and a working Silero VAD model with
//! its known sample (`jfk.wav`, 4 speech segments). Caller speech is synthesised with
//! espeak-ng's Italian voice.
//!
//! Without the models or espeak-ng the tests skip with a message, unless `CI=true`: then they
//! fail, because CI must provide them.

#![cfg(feature = "speech")]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ivr::recognition::{
    LoadError, PoolSettings, Recognition, SileroVad, SpeechRecognizer, Unavailable, Utterance,
    WhisperSettings, load_whisper,
};
use ivr::speech::wav::Wav;
use ivr::speech::{EspeakConfig, EspeakNg, SpeechSynthesizer};

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// `../shared/models` beside the repository, or `None` after saying why (a failure on CI).
fn models(test: &str) -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/models");
    if dir.join("for-tests-ggml-tiny.bin").is_file() {
        return Some(dir);
    }
    if in_ci() {
        panic!("{test}: the test models are missing from {}", dir.display());
    }
    eprintln!("{test}: skipped, no test models in {}", dir.display());
    None
}

fn espeak(test: &str) -> Option<EspeakNg> {
    let found = std::process::Command::new("espeak-ng")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if found {
        return Some(EspeakNg::new(EspeakConfig::default()));
    }
    if in_ci() {
        panic!("{test}: espeak-ng is not installed; CI must run `apt-get install -y espeak-ng`");
    }
    eprintln!("{test}: skipped, espeak-ng is not installed");
    None
}

fn settings(
    models: &Path,
    workers: usize,
    queue_limit: usize,
    timeout: Duration,
) -> WhisperSettings {
    WhisperSettings {
        vad_model: Some(models.join("for-tests-silero-v6.2.0-ggml.bin")),
        pool: PoolSettings {
            workers,
            queue_limit,
            timeout,
        },
        threads_per_worker: 1,
        ..WhisperSettings::new(models.join("for-tests-ggml-tiny.bin"))
    }
}

fn vocabulary() -> Vec<String> {
    [
        "Carta d'identità",
        "Cambio di residenza",
        "TARI",
        "ISEE",
        "SPID",
    ]
    .map(String::from)
    .to_vec()
}

/// A caller saying `text` in Italian, as the phone would carry it (8 kHz).
async fn said(espeak: &EspeakNg, text: &str) -> Utterance {
    let prompt = espeak.synthesize(text).await.unwrap();
    Utterance::new(prompt.samples().to_vec()).with_label(text)
}

#[test]
fn the_test_model_loads_and_missing_models_are_named() {
    let Some(models) = models("the_test_model_loads_and_missing_models_are_named") else {
        return;
    };
    let pool = load_whisper(
        &settings(&models, 1, 1, Duration::from_secs(10)),
        &vocabulary(),
    )
    .unwrap();
    assert_eq!(pool.availability(), Ok(()));

    let missing = WhisperSettings::new("/nonexistent/ggml-base.bin");
    let error = load_whisper(&missing, &[]).unwrap_err();
    assert!(matches!(error, LoadError::ModelMissing(_)), "{error}");
    assert_eq!(
        error.to_string(),
        "the speech model /nonexistent/ggml-base.bin does not exist"
    );
    let no_vad = WhisperSettings {
        vad_model: Some(PathBuf::from("/nonexistent/silero.bin")),
        ..settings(&models, 1, 1, Duration::from_secs(1))
    };
    assert!(matches!(
        load_whisper(&no_vad, &[]).unwrap_err(),
        LoadError::VadModelMissing(_)
    ));
    // A file that is not a model.
    let not_a_model = WhisperSettings::new(models.join("jfk.wav"));
    assert!(matches!(
        load_whisper(&not_a_model, &[]).unwrap_err(),
        LoadError::Model { .. }
    ));
}

#[test]
fn silero_finds_the_four_speech_segments_of_jfk() {
    let Some(models) = models("silero_finds_the_four_speech_segments_of_jfk") else {
        return;
    };
    let bytes = std::fs::read(models.join("jfk.wav")).unwrap();
    let wav = Wav::parse(&bytes).unwrap();
    assert_eq!(wav.sample_rate, 16_000);
    let audio: Vec<f32> = wav
        .to_mono_i16()
        .into_iter()
        .map(|s| f32::from(s) / 32_768.0)
        .collect();
    let mut vad = SileroVad::load(&models.join("for-tests-silero-v6.2.0-ggml.bin")).unwrap();
    let segments = vad.segments(&audio).unwrap();
    assert_eq!(segments.len(), 4, "{segments:?}");
    let length = Duration::from_secs_f64(audio.len() as f64 / 16_000.0);
    for pair in segments.windows(2) {
        assert!(pair[0].end <= pair[1].start, "{segments:?}");
    }
    assert!(segments.iter().all(|s| s.start < s.end && s.end <= length));
    // Silence has no speech.
    assert!(vad.segments(&vec![0.0; 32_000]).unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pool_recognises_synthesised_italian_within_the_timeout() {
    let test = "the_pool_recognises_synthesised_italian_within_the_timeout";
    let (Some(models), Some(espeak)) = (models(test), espeak(test)) else {
        return;
    };
    let timeout = Duration::from_secs(20);
    let pool = Arc::new(load_whisper(&settings(&models, 2, 2, timeout), &vocabulary()).unwrap());
    let question = said(&espeak, "Buongiorno, vorrei rinnovare la carta d'identità.").await;
    assert!(question.duration() > Duration::from_secs(1));
    let asked = Instant::now();
    let heard = pool.recognize(question).await;
    assert!(asked.elapsed() < timeout);
    // Meaningless words from the weight-less model, but words or nothing, rated 0..1.
    match heard {
        Recognition::Heard { text, confidence } => {
            assert!(!text.trim().is_empty());
            assert!((0.0..=1.0).contains(&confidence), "{confidence}");
        }
        Recognition::NoSpeech => {}
        Recognition::Unavailable(why) => panic!("not recognised: {why}"),
    }
    // Two callers at once: both served by the two workers.
    let (a, b) = tokio::join!(
        pool.recognize(said(&espeak, "Quanto costa la TARI?").await),
        pool.recognize(said(&espeak, "Sì.").await)
    );
    for result in [a, b] {
        assert!(!matches!(result, Recognition::Unavailable(_)), "{result:?}");
    }
    // Line noise without speech: the VAD stops it before whisper.
    let hiss: Vec<i16> = (0..16_000)
        .map(|i| ((i * 7_919) % 61) as i16 - 30)
        .collect();
    let started = Instant::now();
    assert_eq!(
        pool.recognize(Utterance::new(hiss)).await,
        Recognition::NoSpeech
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert!(pool.stats().recognised >= 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn excess_requests_fall_back_at_once_and_a_timeout_falls_back() {
    let test = "excess_requests_fall_back_at_once_and_a_timeout_falls_back";
    let (Some(models), Some(espeak)) = (models(test), espeak(test)) else {
        return;
    };
    // One worker, no waiting place: while it works, another caller is refused at once.
    let pool = Arc::new(
        load_whisper(
            &settings(&models, 1, 0, Duration::from_secs(20)),
            &vocabulary(),
        )
        .unwrap(),
    );
    let long = said(
        &espeak,
        "Buongiorno, vorrei sapere come si cambia la residenza e quali documenti servono, \
         e anche quanto costa la carta d'identità elettronica per mio figlio minorenne.",
    )
    .await;
    let first = tokio::spawn({
        let pool = pool.clone();
        let long = long.clone();
        async move { pool.recognize(long).await }
    });
    while pool.in_flight() == 0 {
        tokio::task::yield_now().await;
    }
    let asked = Instant::now();
    assert_eq!(
        pool.recognize(long.clone()).await,
        Recognition::Unavailable(Unavailable::Busy)
    );
    // Refused at once, not after waiting for the running recognition (margin for a loaded
    // CI machine).
    assert!(asked.elapsed() < Duration::from_millis(500));
    assert!(!matches!(first.await.unwrap(), Recognition::Unavailable(_)));

    // A deadline shorter than whisper needs: the caller hears about it at the deadline.
    let timeout = Duration::from_millis(150);
    let hurried = load_whisper(
        &WhisperSettings {
            vad_model: None,
            ..settings(&models, 1, 1, timeout)
        },
        &vocabulary(),
    )
    .unwrap();
    let asked = Instant::now();
    assert_eq!(
        hurried.recognize(long).await,
        Recognition::Unavailable(Unavailable::TimedOut(timeout))
    );
    assert!(asked.elapsed() < timeout + Duration::from_secs(1));
    assert_eq!(hurried.stats().timed_out, 1);
}

//! Speech recognition cost and pool capacity (see BENCHMARKS.md, "Speech recognition").
//!
//! ```sh
//! cargo run --release -p ivr --features speech --example recognition_bench -- ../shared/models
//! ```
//!
//! 1. Real-time factor: Italian utterances synthesised with espeak-ng (8 kHz, as the phone
//!    carries them) recognised one after the other by a pool of 1 and of 2 workers (whisper
//!    threads = cores / workers), with the full 30 s audio window and with the window fitted
//!    to the utterance. RTF = recognition time / audio length.
//! 2. Capacity: utterances arriving at a steady rate (open loop) for 20 s on a pool of 2
//!    workers with a queue of 2 and a 5 s timeout; for each rate, how many were recognised,
//!    refused (busy) or timed out, and the latency. The sustained rate is the highest with
//!    no fallback to the keypad. A second argument `fitted-capacity` runs only the capacity
//!    with the fitted window.
//!
//! Needs espeak-ng and whisper.cpp's test models (`for-tests-ggml-tiny.bin`, weight-less:
//! realistic cost, meaningless words; `for-tests-silero-v6.2.0-ggml.bin`).

#![allow(clippy::print_stdout)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ivr::recognition::{
    PoolSettings, Recognition, RecognitionPool, SpeechRecognizer, Unavailable, Utterance,
    WhisperSettings, load_whisper,
};
use ivr::speech::{EspeakConfig, EspeakNg, SpeechSynthesizer};

const SENTENCES: [&str; 3] = [
    "Sì, grazie.",
    "Vorrei rinnovare la carta d'identità.",
    "Buongiorno, vorrei sapere quali documenti servono per il cambio di residenza \
     e quanto tempo ci vuole.",
];

fn pool(
    models: &Path,
    workers: usize,
    queue_limit: usize,
    timeout: Duration,
    fit: bool,
) -> RecognitionPool {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let settings = WhisperSettings {
        vad_model: Some(models.join("for-tests-silero-v6.2.0-ggml.bin")),
        pool: PoolSettings {
            workers,
            queue_limit,
            timeout,
        },
        threads_per_worker: (cores / workers).max(1),
        fit_audio_context: fit,
        ..WhisperSettings::new(models.join("for-tests-ggml-tiny.bin"))
    };
    let vocabulary: Vec<String> = ["Carta d'identità", "Cambio di residenza", "TARI", "ISEE"]
        .map(String::from)
        .to_vec();
    match load_whisper(&settings, &vocabulary) {
        Ok(pool) => pool,
        Err(error) => panic!("cannot load the test model: {error}"),
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

async fn real_time_factor(models: &Path, utterances: &[Utterance]) {
    println!("## Real-time factor (recognition time / audio length), sequential requests");
    println!("| workers | threads each | audio window | utterance | audio s | mean s | RTF |");
    println!("| --- | --- | --- | --- | --- | --- | --- |");
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    for workers in [1, 2] {
        for fit in [false, true] {
            // Cost, not the deadline: a generous timeout.
            let pool = pool(models, workers, 2, Duration::from_secs(60), fit);
            // Warm up (first run allocates whisper's buffers).
            pool.recognize(utterances[0].clone()).await;
            for utterance in utterances {
                let rounds = 3;
                let started = Instant::now();
                for _ in 0..rounds {
                    let result = pool.recognize(utterance.clone()).await;
                    assert!(!matches!(result, Recognition::Unavailable(_)), "{result:?}");
                }
                let mean = started.elapsed() / rounds;
                let audio = utterance.duration().as_secs_f64();
                println!(
                    "| {workers} | {} | {} | {:?} | {audio:.2} | {:.3} | {:.3} |",
                    (cores / workers).max(1),
                    if fit { "fitted" } else { "30 s" },
                    utterance.label(),
                    mean.as_secs_f64(),
                    mean.as_secs_f64() / audio
                );
            }
        }
    }
}

async fn capacity(models: &Path, utterance: &Utterance, fit: bool, rates: &[f64]) {
    println!(
        "\n## Capacity: 2 workers, queue 2, timeout 5 s, {} audio window, {:.1} s utterances, 20 s per rate",
        if fit { "fitted" } else { "30 s" },
        utterance.duration().as_secs_f64()
    );
    println!(
        "| arrivals/s | sent | recognised | refused busy | timed out | p50 s | p95 s | recognised/s |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- | --- |");
    for &rate in rates {
        let pool = Arc::new(pool(models, 2, 2, Duration::from_secs(5), fit));
        let period = Duration::from_secs_f64(1.0 / rate);
        let run_for = Duration::from_secs(20);
        let started = Instant::now();
        let mut tasks = Vec::new();
        let mut next = started;
        while next < started + run_for {
            tokio::time::sleep_until(next.into()).await;
            let pool = pool.clone();
            let utterance = utterance.clone();
            tasks.push(tokio::spawn(async move {
                let asked = Instant::now();
                let result = pool.recognize(utterance).await;
                (result, asked.elapsed())
            }));
            next += period;
        }
        let sent = tasks.len();
        let (mut ok, mut busy, mut late) = (0, 0, 0);
        let mut latencies = Vec::new();
        for task in tasks {
            let Ok((result, latency)) = task.await else {
                continue;
            };
            match result {
                Recognition::Heard { .. } | Recognition::NoSpeech => {
                    ok += 1;
                    latencies.push(latency);
                }
                Recognition::Unavailable(Unavailable::Busy) => busy += 1,
                Recognition::Unavailable(Unavailable::TimedOut(_)) => late += 1,
                Recognition::Unavailable(other) => panic!("{other}"),
            }
        }
        let elapsed = started.elapsed().as_secs_f64();
        latencies.sort();
        println!(
            "| {rate} | {sent} | {ok} | {busy} | {late} | {:.2} | {:.2} | {:.2} |",
            percentile(&latencies, 0.5).as_secs_f64(),
            percentile(&latencies, 0.95).as_secs_f64(),
            ok as f64 / elapsed
        );
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let models = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "../shared/models".to_string()),
    );
    let espeak = EspeakNg::new(EspeakConfig::default());
    let mut utterances = Vec::new();
    for text in SENTENCES {
        let prompt = match espeak.synthesize(text).await {
            Ok(prompt) => prompt,
            Err(error) => panic!("espeak-ng is needed: {error}"),
        };
        utterances.push(Utterance::new(prompt.samples().to_vec()).with_label(text));
    }
    println!(
        "machine: {} cores; whisper.cpp {}",
        std::thread::available_parallelism().map_or(1, usize::from),
        whisper_rs::WHISPER_CPP_VERSION
    );
    // `recognition_bench MODELS fitted-capacity`: only the capacity of the fitted window.
    let only_fitted = std::env::args().nth(2).as_deref() == Some("fitted-capacity");
    if !only_fitted {
        real_time_factor(&models, &utterances).await;
        capacity(
            &models,
            &utterances[1],
            false,
            &[0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0],
        )
        .await;
    }
    let rates = [0.5, 1.0, 2.0, 4.0, 6.0, 8.0, 12.0, 16.0];
    capacity(&models, &utterances[1], true, &rates).await;
}

//! Measures speech synthesis on this machine: espeak-ng cold runs (time, real-time factor,
//! level), cache hits, parallel throughput, resampling cost, normalisation cost.
//!
//! `cargo run --release -p ivr --example speech_bench [output.wav]` (needs espeak-ng). With
//! an argument, the welcome prompt is also written there as an 8 kHz WAV to listen to.

use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ivr::audio::resample::Resampler;
use ivr::speech::normalize::normalize;
use ivr::speech::wav::write_pcm16;
use ivr::speech::{EspeakConfig, EspeakNg, SpeechSynthesizer, Voice};

const WELCOME: &str = "Comune di Esempio, buongiorno. L'ufficio è aperto fino alle 12:30.";

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1_000.0
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut out = std::io::stdout().lock();
    let engine = EspeakNg::new(EspeakConfig::default());
    engine.check().await?;
    let voice = Arc::new(Voice::new(engine, 32 * 1024 * 1024));

    writeln!(
        out,
        "| sentence | audio s | synth ms | real-time factor | active dBFS | peak dBFS |"
    )?;
    writeln!(out, "| --- | --- | --- | --- | --- | --- |")?;
    let mut sentences = vec![WELCOME.to_string()];
    // The menu and the branch messages (reprompts and goodbyes are variations of them).
    sentences.extend(
        ivr::fixed_sentences()
            .into_iter()
            .filter(|s| !s.starts_with("Il tasto") && !s.starts_with("Non ho")),
    );
    let mut total_audio = 0.0;
    let mut total_synth = 0.0;
    for text in &sentences {
        let started = Instant::now();
        let prompt = voice.synthesize(text).await?;
        let took = started.elapsed();
        let level = prompt.level();
        let audio = prompt.duration().as_secs_f64();
        total_audio += audio;
        total_synth += took.as_secs_f64();
        let short: String = text.chars().take(40).collect();
        writeln!(
            out,
            "| {short}… | {audio:.2} | {:.0} | {:.3} | {:.1} | {:.1} |",
            ms(took),
            took.as_secs_f64() / audio,
            level.active_dbfs.unwrap_or(f64::NAN),
            level.peak_dbfs.unwrap_or(f64::NAN),
        )?;
    }
    writeln!(
        out,
        "\ncold: {total_audio:.1} s of audio in {:.0} ms (real-time factor {:.3})",
        total_synth * 1_000.0,
        total_synth / total_audio
    )?;

    // Cache hits.
    let rounds = 10_000u32;
    let started = Instant::now();
    for _ in 0..rounds {
        voice.synthesize(WELCOME).await?;
    }
    writeln!(
        out,
        "cached: {:.2} µs per request (normalisation + lookup), {:?}",
        ms(started.elapsed()) * 1_000.0 / f64::from(rounds),
        voice.cache_stats()
    )?;

    // Parallel throughput of distinct sentences (2 processes at a time).
    let n = 40;
    let started = Instant::now();
    let tasks: Vec<_> = (0..n)
        .map(|i| {
            let voice = voice.clone();
            tokio::spawn(async move {
                let text = format!(
                    "Il suo biglietto è A{i}. Ci sono {} persone prima di lei.",
                    i % 7
                );
                voice.synthesize(&text).await.map(|p| p.duration())
            })
        })
        .collect();
    let mut audio = Duration::ZERO;
    for task in tasks {
        audio += task.await??;
    }
    let took = started.elapsed();
    writeln!(
        out,
        "parallel: {n} distinct sentences ({:.1} s of audio) in {:.0} ms: {:.1} sentences/s",
        audio.as_secs_f64(),
        ms(took),
        f64::from(n) / took.as_secs_f64()
    )?;

    // Resampling alone, 10 s of 22 050 Hz audio.
    let input: Vec<i16> = (0..220_500)
        .map(|i| ((i * 37) % 2_000 - 1_000) as i16)
        .collect();
    let resampler = Resampler::to_telephone(22_050)?;
    let started = Instant::now();
    let output = resampler.process(&input);
    writeln!(
        out,
        "resample: 10 s of 22 050 Hz to {} samples at 8 kHz in {:.1} ms",
        output.len(),
        ms(started.elapsed())
    )?;

    // Normalisation alone.
    let text = "Per la CIE servono 22,21 euro; l'ufficio è aperto dalle 8:30 alle 12:30, tel. 06 1234 5678, biglietto A12, ecc.";
    let started = Instant::now();
    for _ in 0..rounds {
        std::hint::black_box(normalize(std::hint::black_box(text)));
    }
    writeln!(
        out,
        "normalise: {:.2} µs per {}-character sentence",
        ms(started.elapsed()) * 1_000.0 / f64::from(rounds),
        text.chars().count()
    )?;

    if let Some(path) = std::env::args().nth(1) {
        let prompt = voice.synthesize(WELCOME).await?;
        std::fs::write(&path, write_pcm16(prompt.samples(), 8_000))?;
        writeln!(out, "wrote {path}")?;
    }
    Ok(())
}

//! Speech synthesis through a real child process: first with small stand-in programs (no
//! espeak-ng needed: concurrency bound, timeout, errors, WAV plumbing), then with espeak-ng's
//! Italian voice (duration, level, telephone band, cache).
//!
//! Tests that need espeak-ng skip with a message when it is missing, unless `CI=true`: then
//! they fail, because CI must install it (`apt-get install espeak-ng`).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ivr::audio::level;
use ivr::speech::wav::write_pcm16;
use ivr::speech::{EspeakConfig, EspeakNg, Prompt, SpeechSynthesizer, SynthesisError, Voice};

/// espeak-ng if installed; otherwise `None` after saying why (or a failure on CI).
fn espeak_or_skip(test: &str) -> Option<EspeakNg> {
    let found = std::process::Command::new("espeak-ng")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if found {
        return Some(EspeakNg::new(EspeakConfig::default()));
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{test}: espeak-ng is not installed; CI must run `apt-get install -y espeak-ng`");
    }
    eprintln!("{test}: skipped, espeak-ng is not installed (apt-get install espeak-ng)");
    None
}

/// A directory for stand-in programs, removed at the end.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("ivr-speech-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    /// A shell script standing in for espeak-ng.
    fn program(&self, name: &str, body: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let path = self.0.join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    /// One second of a 440 Hz tone at 22 050 Hz, as espeak-ng would print it.
    fn tone_wav(&self) -> PathBuf {
        let samples: Vec<i16> = (0..22_050)
            .map(|i| {
                (3_000.0 * (2.0 * std::f64::consts::PI * 440.0 * f64::from(i) / 22_050.0).sin())
                    as i16
            })
            .collect();
        let path = self.0.join("tone.wav");
        std::fs::write(&path, write_pcm16(&samples, 22_050)).unwrap();
        path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn engine(program: &Path, max_concurrent: usize, timeout: Duration) -> EspeakNg {
    EspeakNg::new(EspeakConfig {
        program: program.to_path_buf(),
        max_concurrent,
        timeout,
        ..EspeakConfig::default()
    })
}

// ---- the process plumbing, with stand-ins ------------------------------------------------

#[tokio::test]
async fn a_missing_program_is_a_clear_error() {
    let missing = engine(
        Path::new("/nonexistent/espeak-ng"),
        1,
        Duration::from_secs(5),
    );
    let err = missing.synthesize("buongiorno").await.unwrap_err();
    assert!(
        matches!(err, SynthesisError::Unavailable { ref program, .. } if program == "/nonexistent/espeak-ng"),
        "{err}"
    );
    assert!(err.to_string().contains("not available"));
    assert!(missing.check().await.is_err());
}

#[tokio::test]
async fn the_printed_wav_becomes_an_8_khz_prompt() {
    let scratch = Scratch::new("wav");
    let wav = scratch.tone_wav();
    let program = scratch.program(
        "fake-espeak",
        &format!("cat > /dev/null; cat {}", wav.display()),
    );
    let prompt = engine(&program, 2, Duration::from_secs(5))
        .synthesize("qualcosa")
        .await
        .unwrap();
    assert_eq!(prompt.label(), "qualcosa");
    // One second, less a little trimmed silence at the ends (a tone has none to trim).
    let n = prompt.samples().len();
    assert!((7_900..=8_000).contains(&n), "{n} samples");
    let active = prompt.level().active_dbfs.unwrap();
    assert!((active - level::TARGET_DBFS).abs() < 0.5, "{active} dBFS");
}

#[tokio::test]
async fn the_text_reaches_the_program_on_stdin() {
    let scratch = Scratch::new("stdin");
    let wav = scratch.tone_wav();
    let heard = scratch.0.join("heard.txt");
    let program = scratch.program(
        "fake-espeak",
        &format!("cat > {}; cat {}", heard.display(), wav.display()),
    );
    engine(&program, 1, Duration::from_secs(5))
        .synthesize("-v xx [[phonemes]] riga\nseconda")
        .await
        .unwrap();
    // Options cannot be smuggled in, phoneme brackets and newlines are neutralised.
    assert_eq!(
        std::fs::read_to_string(&heard).unwrap(),
        "-v xx   phonemes   riga seconda"
    );
}

#[tokio::test]
async fn at_most_max_concurrent_processes_run_at_once() {
    let scratch = Scratch::new("concurrency");
    let wav = scratch.tone_wav();
    let program = scratch.program(
        "slow-espeak",
        &format!("cat > /dev/null; sleep 0.4; cat {}", wav.display()),
    );
    let engine = Arc::new(engine(&program, 2, Duration::from_secs(10)));
    let started = Instant::now();
    let tasks: Vec<_> = (0..4)
        .map(|i| {
            let engine = engine.clone();
            tokio::spawn(async move { engine.synthesize(&format!("frase {i}")).await })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    // Four 0.4 s runs, two at a time: at least two rounds.
    assert!(
        started.elapsed() >= Duration::from_millis(800),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_hung_engine_is_stopped_at_the_timeout() {
    let scratch = Scratch::new("timeout");
    let program = scratch.program("stuck-espeak", "cat > /dev/null; sleep 30");
    let started = Instant::now();
    let err = engine(&program, 1, Duration::from_millis(300))
        .synthesize("buongiorno")
        .await
        .unwrap_err();
    assert_eq!(
        err,
        SynthesisError::TimedOut {
            after: Duration::from_millis(300)
        }
    );
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn a_saturated_engine_says_busy() {
    let scratch = Scratch::new("busy");
    let program = scratch.program("stuck-espeak", "cat > /dev/null; sleep 30");
    let engine = Arc::new(engine(&program, 1, Duration::from_millis(300)));
    // The first runs (until its timeout), the second waits and then runs, the third finds
    // the only slot taken for longer than it may wait.
    let mut stuck = Vec::new();
    for text in ["uno", "due"] {
        let engine = engine.clone();
        stuck.push(tokio::spawn(async move { engine.synthesize(text).await }));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let third = engine.synthesize("tre").await.unwrap_err();
    assert_eq!(
        third,
        SynthesisError::Busy {
            waited: Duration::from_millis(300)
        }
    );
    for task in stuck {
        assert!(matches!(
            task.await.unwrap(),
            Err(SynthesisError::TimedOut { .. })
        ));
    }
}

#[tokio::test]
async fn engine_errors_and_garbage_are_reported() {
    let scratch = Scratch::new("errors");
    let failing = scratch.program(
        "failing-espeak",
        "cat > /dev/null; echo 'voice not found' >&2; exit 1",
    );
    let err = engine(&failing, 1, Duration::from_secs(5))
        .synthesize("buongiorno")
        .await
        .unwrap_err();
    assert!(
        matches!(err, SynthesisError::EngineFailed { ref stderr, .. } if stderr == "voice not found"),
        "{err}"
    );

    let garbage = scratch.program("garbage-espeak", "cat > /dev/null; echo not audio");
    let err = engine(&garbage, 1, Duration::from_secs(5))
        .synthesize("buongiorno")
        .await
        .unwrap_err();
    assert!(matches!(err, SynthesisError::BadOutput(_)), "{err}");
}

#[tokio::test]
async fn limits_are_checked_before_running_anything() {
    let never_run = engine(
        Path::new("/nonexistent/espeak-ng"),
        1,
        Duration::from_secs(1),
    );
    let long = "parola ".repeat(400);
    assert!(matches!(
        never_run.synthesize(&long).await.unwrap_err(),
        SynthesisError::TextTooLong { max: 2_000, .. }
    ));
    let silent = never_run.synthesize("  ").await.unwrap();
    assert_eq!(silent.duration(), Duration::ZERO);
}

// ---- espeak-ng's Italian voice -------------------------------------------------------------

/// Energy of `samples` around `freq` Hz (Goertzel), normalised by length.
fn energy_at(samples: &[i16], freq: f64) -> f64 {
    let w = 2.0 * std::f64::consts::PI * freq / f64::from(Prompt::SAMPLE_RATE);
    let coeff = 2.0 * w.cos();
    let (mut s1, mut s2) = (0.0f64, 0.0f64);
    for &x in samples {
        let s0 = f64::from(x) + coeff * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    (s1 * s1 + s2 * s2 - coeff * s1 * s2) / samples.len() as f64
}

#[tokio::test]
async fn espeak_speaks_italian_at_telephone_quality() {
    let Some(espeak) = espeak_or_skip("espeak_speaks_italian_at_telephone_quality") else {
        return;
    };
    espeak.check().await.unwrap();
    let prompt = espeak
        .synthesize("Comune di Esempio, buongiorno. L'ufficio è aperto fino alle dodici e trenta.")
        .await
        .unwrap();
    let seconds = prompt.duration().as_secs_f64();
    assert!((2.5..8.0).contains(&seconds), "{seconds} s");
    let level = prompt.level();
    let active = level.active_dbfs.unwrap();
    assert!(
        (active - level::TARGET_DBFS).abs() <= 1.5,
        "active level {active} dBFS"
    );
    assert!(
        level.peak_dbfs.unwrap() <= -0.9,
        "peak {:?}",
        level.peak_dbfs
    );
    // Speech energy sits in the voice band; near 4 kHz the filter has removed it (the exact
    // response is checked with sines in the resampler's own tests).
    let samples = prompt.samples();
    let voice_band: f64 = [300.0, 500.0, 800.0, 1_200.0, 2_000.0]
        .iter()
        .map(|f| energy_at(samples, *f))
        .sum();
    let above: f64 = [3_850.0, 3_900.0, 3_950.0]
        .iter()
        .map(|f| energy_at(samples, *f))
        .sum();
    let ratio_db = 10.0 * (above / voice_band).log10();
    assert!(ratio_db < -30.0, "energy above the band: {ratio_db:.1} dB");
    // Leading silence was trimmed: speech starts within 100 ms.
    let threshold = 32_768.0 * 10f64.powf(-50.0 / 20.0);
    let first_loud = samples
        .iter()
        .position(|s| f64::from(*s).abs() >= threshold)
        .unwrap();
    assert!(
        first_loud <= 800,
        "speech starts after {first_loud} samples"
    );
}

#[tokio::test]
async fn a_repeated_sentence_costs_nothing() {
    let Some(espeak) = espeak_or_skip("a_repeated_sentence_costs_nothing") else {
        return;
    };
    let voice = Voice::new(espeak, 8 * 1024 * 1024);
    let first = voice.synthesize("Per informazioni prema 1.").await.unwrap();
    assert_eq!(first.label(), "Per informazioni prema uno.");
    // The same prompt comes back from the cache: no second synthesis (the counts below), and
    // no time measured here, which a loaded machine would make fragile.
    let again = voice.synthesize("Per informazioni prema 1.").await.unwrap();
    assert!(Arc::ptr_eq(&first, &again));
    let stats = voice.cache_stats();
    assert_eq!((stats.hits, stats.misses, stats.entries), (1, 1, 1));
}

#[tokio::test]
async fn a_missing_voice_is_reported() {
    let Some(_) = espeak_or_skip("a_missing_voice_is_reported") else {
        return;
    };
    let engine = EspeakNg::new(EspeakConfig {
        voice: "xx-nonexistent".to_string(),
        ..EspeakConfig::default()
    });
    let err = engine.check().await.unwrap_err();
    assert!(matches!(err, SynthesisError::EngineFailed { .. }), "{err}");
}

#[tokio::test]
async fn every_fixed_sentence_can_be_prewarmed() {
    let Some(espeak) = espeak_or_skip("every_fixed_sentence_can_be_prewarmed") else {
        return;
    };
    // The gateway's cache size.
    let voice = Voice::new(espeak, 32 * 1024 * 1024);
    let fixed = ivr::fixed_sentences();
    voice.prewarm(&fixed).await.unwrap();
    let stats = voice.cache_stats();
    assert_eq!(stats.entries, fixed.len());
    assert_eq!(stats.hits, 0);
}

//! [`Voice`]: what a dialog speaks with. Italian normalisation, then the prompt cache, then
//! the engine.

use std::sync::Arc;

use super::cache::{CacheStats, PromptCache};
use super::normalize::normalize;
use super::prompt::Prompt;
use super::tts::{SpeechSynthesizer, SynthesisError, SynthesisFuture};

/// A speech engine behind Italian text normalisation and a prompt cache keyed by the
/// normalised text (so "alle 8:30" and "alle 8.30" share one prompt).
///
/// ```no_run
/// use std::sync::Arc;
/// use ivr::speech::{EspeakConfig, EspeakNg, SpeechSynthesizer, Voice};
///
/// # async fn start() -> Result<(), ivr::speech::SynthesisError> {
/// let engine = EspeakNg::new(EspeakConfig::default());
/// engine.check().await?; // fail at start-up if espeak-ng or its Italian voice is missing
/// let voice: Arc<dyn SpeechSynthesizer> = Arc::new(Voice::new(engine, 32 * 1024 * 1024));
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Voice<E> {
    engine: E,
    cache: PromptCache,
}

impl<E: SpeechSynthesizer> Voice<E> {
    /// Wraps `engine` with a cache of at most `cache_bytes` (a prompt costs about 16 KB per
    /// second of speech).
    pub fn new(engine: E, cache_bytes: usize) -> Self {
        Voice {
            engine,
            cache: PromptCache::new(cache_bytes),
        }
    }

    pub fn engine(&self) -> &E {
        &self.engine
    }

    pub fn cache_stats(&self) -> CacheStats {
        self.cache.stats()
    }

    /// Synthesises `texts` ahead of the first call, so that fixed sentences (the menus) cost
    /// nothing when callers hear them.
    pub async fn prewarm<S: AsRef<str>>(
        &self,
        texts: impl IntoIterator<Item = S>,
    ) -> Result<(), SynthesisError> {
        for text in texts {
            self.synthesize(text.as_ref()).await?;
        }
        Ok(())
    }

    async fn speak(&self, text: &str) -> Result<Arc<Prompt>, SynthesisError> {
        let spoken = normalize(text);
        self.cache
            .get_or_synthesize(&spoken, || self.engine.synthesize(&spoken))
            .await
    }
}

impl<E: SpeechSynthesizer> SpeechSynthesizer for Voice<E> {
    fn synthesize<'a>(&'a self, text: &'a str) -> SynthesisFuture<'a> {
        Box::pin(self.speak(text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// Records what the engine was asked to say.
    #[derive(Default)]
    struct Recorder(Mutex<Vec<String>>);

    impl SpeechSynthesizer for Recorder {
        fn synthesize<'a>(&'a self, text: &'a str) -> SynthesisFuture<'a> {
            self.0.lock().unwrap().push(text.to_string());
            Box::pin(async move { Ok(Arc::new(Prompt::from_samples(vec![0; 80], text))) })
        }
    }

    #[tokio::test]
    async fn the_engine_hears_normalised_text_once() {
        let voice = Voice::new(Recorder::default(), 1 << 20);
        let a = voice.synthesize("Aperto fino alle 12:30.").await.unwrap();
        let b = voice.synthesize("Aperto fino alle 12.30.").await.unwrap();
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(a.label(), "Aperto fino alle dodici e trenta.");
        voice.prewarm(["Prema 1.", "Prema 1."]).await.unwrap();
        let heard = voice.engine().0.lock().unwrap().clone();
        assert_eq!(heard, ["Aperto fino alle dodici e trenta.", "Prema uno."]);
        assert_eq!(voice.cache_stats().entries, 2);
    }
}

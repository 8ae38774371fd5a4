//! [`PromptCache`]: synthesised prompts kept by text, bounded by total bytes, least recently
//! used first out.
//!
//! Concurrent requests for the same text share one synthesis (the others wait for it), so a
//! burst of calls arriving together after a restart runs the engine once per sentence, not
//! once per call. A failed synthesis is not cached: the next request tries again. A prompt
//! larger than the whole budget is returned but not kept.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::OnceCell;

use super::prompt::Prompt;
use super::tts::SynthesisError;

/// Counters for metrics and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CacheStats {
    /// Requests answered from the cache (including those that waited for a synthesis already
    /// running).
    pub hits: u64,
    /// Syntheses run.
    pub misses: u64,
    pub entries: usize,
    pub bytes: usize,
}

/// A bounded, shared cache of prompts by key (the normalised text).
#[derive(Debug)]
pub struct PromptCache {
    budget: usize,
    state: Mutex<State>,
    hits: AtomicU64,
    misses: AtomicU64,
}

type Pending = Arc<OnceCell<Arc<Prompt>>>;

#[derive(Debug, Default)]
struct State {
    ready: HashMap<Arc<str>, Entry>,
    /// Last use → key, oldest first.
    by_use: BTreeMap<u64, Arc<str>>,
    clock: u64,
    bytes: usize,
    pending: HashMap<Arc<str>, Pending>,
}

#[derive(Debug)]
struct Entry {
    prompt: Arc<Prompt>,
    last_use: u64,
}

impl State {
    fn touch(&mut self, key: &str) -> Option<Arc<Prompt>> {
        self.clock += 1;
        let clock = self.clock;
        let entry = self.ready.get_mut(key)?;
        let previous = std::mem::replace(&mut entry.last_use, clock);
        let prompt = entry.prompt.clone();
        if let Some(k) = self.by_use.remove(&previous) {
            self.by_use.insert(clock, k);
        }
        Some(prompt)
    }

    fn insert(&mut self, key: Arc<str>, prompt: Arc<Prompt>, budget: usize) {
        let size = prompt.byte_size() + key.len();
        if size > budget || self.ready.contains_key(&key) {
            return;
        }
        self.clock += 1;
        self.by_use.insert(self.clock, key.clone());
        self.ready.insert(
            key,
            Entry {
                prompt,
                last_use: self.clock,
            },
        );
        self.bytes += size;
        while self.bytes > budget {
            let Some((_, oldest)) = self.by_use.pop_first() else {
                break;
            };
            if let Some(entry) = self.ready.remove(&oldest) {
                self.bytes -= entry.prompt.byte_size() + oldest.len();
            }
        }
    }
}

impl PromptCache {
    /// A cache holding at most `budget_bytes` of prompts (samples, labels and keys).
    pub fn new(budget_bytes: usize) -> Self {
        PromptCache {
            budget: budget_bytes,
            state: Mutex::new(State::default()),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // The state stays consistent between statements: a panic elsewhere cannot break it.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The cached prompt for `key`, or the result of `synthesize` (run once even when many
    /// callers ask for the same key at the same time).
    pub async fn get_or_synthesize<F, Fut>(
        &self,
        key: &str,
        synthesize: F,
    ) -> Result<Arc<Prompt>, SynthesisError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Arc<Prompt>, SynthesisError>>,
    {
        let (key, cell) = {
            let mut state = self.lock();
            if let Some(prompt) = state.touch(key) {
                self.hits.fetch_add(1, Ordering::Relaxed);
                return Ok(prompt);
            }
            let key: Arc<str> = Arc::from(key);
            let cell = state.pending.entry(key.clone()).or_default().clone();
            (key, cell)
        };
        let mut ran = false;
        let result = cell
            .get_or_try_init(|| {
                ran = true;
                self.misses.fetch_add(1, Ordering::Relaxed);
                synthesize()
            })
            .await
            .cloned();
        if !ran && result.is_ok() {
            self.hits.fetch_add(1, Ordering::Relaxed);
        }
        let mut state = self.lock();
        if let Ok(prompt) = &result {
            state.insert(key.clone(), prompt.clone(), self.budget);
        }
        if state
            .pending
            .get(&key)
            .is_some_and(|c| Arc::ptr_eq(c, &cell))
        {
            state.pending.remove(&key);
        }
        result
    }

    pub fn stats(&self) -> CacheStats {
        let state = self.lock();
        CacheStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            entries: state.ready.len(),
            bytes: state.bytes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use std::time::Duration;

    fn prompt(label: &str, samples: usize) -> Arc<Prompt> {
        Arc::new(Prompt::from_samples(vec![0; samples], label))
    }

    #[tokio::test]
    async fn repeated_text_is_synthesised_once() {
        let cache = PromptCache::new(1 << 20);
        let runs = AtomicUsize::new(0);
        for _ in 0..3 {
            let p = cache
                .get_or_synthesize("buongiorno", || async {
                    runs.fetch_add(1, Ordering::SeqCst);
                    Ok(prompt("buongiorno", 800))
                })
                .await
                .unwrap();
            assert_eq!(p.label(), "buongiorno");
        }
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        let stats = cache.stats();
        assert_eq!((stats.hits, stats.misses, stats.entries), (2, 1, 1));
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_requests_share_one_synthesis() {
        let cache = Arc::new(PromptCache::new(1 << 20));
        let runs = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..20 {
            let (cache, runs) = (cache.clone(), runs.clone());
            tasks.push(tokio::spawn(async move {
                cache
                    .get_or_synthesize("menu", || async {
                        runs.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(300)).await;
                        Ok(prompt("menu", 8_000))
                    })
                    .await
            }));
        }
        for task in tasks {
            assert!(task.await.unwrap().is_ok());
        }
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        assert_eq!(cache.stats().hits, 19);
    }

    #[tokio::test]
    async fn failures_are_not_cached() {
        let cache = PromptCache::new(1 << 20);
        let failed = cache
            .get_or_synthesize("x", || async {
                Err(SynthesisError::TimedOut {
                    after: Duration::from_secs(1),
                })
            })
            .await;
        assert!(failed.is_err());
        let ok = cache
            .get_or_synthesize("x", || async { Ok(prompt("x", 10)) })
            .await;
        assert!(ok.is_ok());
        assert_eq!(cache.stats().misses, 2);
    }

    #[tokio::test]
    async fn least_recently_used_goes_first_and_bytes_stay_bounded() {
        let one = prompt("a", 1_000).byte_size() + 1;
        let cache = PromptCache::new(one * 3);
        for key in ["a", "b", "c"] {
            cache
                .get_or_synthesize(key, || async { Ok(prompt(key, 1_000)) })
                .await
                .unwrap();
        }
        // Use "a" again, then add "d": "b" is the least recently used and goes.
        cache
            .get_or_synthesize("a", || async { panic!("a is cached") })
            .await
            .unwrap();
        cache
            .get_or_synthesize("d", || async { Ok(prompt("d", 1_000)) })
            .await
            .unwrap();
        let stats = cache.stats();
        assert_eq!(stats.entries, 3);
        assert!(stats.bytes <= one * 3);
        let rebuilt = AtomicUsize::new(0);
        for key in ["a", "c", "d", "b"] {
            cache
                .get_or_synthesize(key, || async {
                    rebuilt.fetch_add(1, Ordering::SeqCst);
                    Ok(prompt(key, 1_000))
                })
                .await
                .unwrap();
        }
        assert_eq!(rebuilt.load(Ordering::SeqCst), 1, "only b was evicted");

        // Larger than the whole budget: returned, not kept.
        let big = cache
            .get_or_synthesize("big", || async { Ok(prompt("big", 100_000)) })
            .await
            .unwrap();
        assert_eq!(big.samples().len(), 100_000);
        assert!(cache.stats().bytes <= one * 3);
    }
}

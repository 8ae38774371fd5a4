//! The `[knowledge_base]` section of the office configuration, and the checked source the
//! loader reads from.
//!
//! The binary embeds [`KnowledgeBaseSettings`] in its configuration, adds the facts it derives
//! from the office (address, hours, contacts) and hands the result, a [`ContentSource`], to
//! [`crate::KnowledgeBaseHandle::load`].

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

/// How often the content directory is checked for changes when the section does not say.
pub const DEFAULT_RELOAD_INTERVAL: Duration = Duration::from_secs(2);

/// The placeholders every office fills from its configuration (see CONTENT-FORMAT.md).
pub const ALWAYS_AVAILABLE_FACTS: [&str; 8] = [
    "comune",
    "indirizzo",
    "telefono",
    "email",
    "pec",
    "sito",
    "orari_sportello",
    "orari_consultazioni",
];

/// The `[knowledge_base]` section of `sportello.toml`, as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KnowledgeBaseSettings {
    /// The directory of the procedure files (`<area>/<slug>.md`).
    #[serde(default = "default_content_dir")]
    pub content_dir: PathBuf,
    /// The catalogue of procedures every office must answer (`catalogue.tsv`).
    #[serde(default = "default_catalogue")]
    pub catalogue: PathBuf,
    /// Local facts for the `{{key}}` placeholders of the content.
    #[serde(default)]
    pub facts: BTreeMap<String, String>,
    /// How often to look for edited content, in milliseconds (default 2000).
    pub reload_interval_ms: Option<u64>,
}

fn default_content_dir() -> PathBuf {
    PathBuf::from("knowledge-base/content")
}

fn default_catalogue() -> PathBuf {
    PathBuf::from("knowledge-base/catalogue.tsv")
}

impl Default for KnowledgeBaseSettings {
    fn default() -> Self {
        KnowledgeBaseSettings {
            content_dir: default_content_dir(),
            catalogue: default_catalogue(),
            facts: BTreeMap::new(),
            reload_interval_ms: None,
        }
    }
}

impl KnowledgeBaseSettings {
    /// The polling interval of the reload task.
    pub fn reload_interval(&self) -> Duration {
        match self.reload_interval_ms {
            Some(ms) => Duration::from_millis(ms.max(100)),
            None => DEFAULT_RELOAD_INTERVAL,
        }
    }

    /// The source to load, with the facts derived from the office configuration (`comune`,
    /// `indirizzo`, `telefono`, ...) added. A key written in `[knowledge_base.facts]` wins
    /// over a derived one, so an office can word its hours differently from the calendar.
    pub fn source(&self, derived_facts: BTreeMap<String, String>) -> ContentSource {
        let mut facts = derived_facts;
        facts.extend(self.facts.clone());
        ContentSource {
            content_dir: self.content_dir.clone(),
            catalogue: self.catalogue.clone(),
            facts,
        }
    }
}

/// Where the knowledge base is read from: what the loader and the reload task need.
#[derive(Debug, Clone)]
pub struct ContentSource {
    pub content_dir: PathBuf,
    pub catalogue: PathBuf,
    /// The placeholder values, complete (configured and derived).
    pub facts: BTreeMap<String, String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn section_with_every_key_parses() {
        let settings: KnowledgeBaseSettings = toml::from_str(
            r#"
            content_dir = "kb/content"
            catalogue = "kb/catalogue.tsv"
            reload_interval_ms = 500
            [facts]
            diritti_segreteria_certificato = "0,52 euro"
            "#,
        )
        .unwrap();
        assert_eq!(settings.content_dir, PathBuf::from("kb/content"));
        assert_eq!(settings.reload_interval(), Duration::from_millis(500));
        assert_eq!(
            settings.facts["diritti_segreteria_certificato"],
            "0,52 euro"
        );
    }

    #[test]
    fn unknown_key_is_refused() {
        let error = toml::from_str::<KnowledgeBaseSettings>("content = \"x\"").unwrap_err();
        assert!(error.to_string().contains("unknown field"), "{error}");
    }

    #[test]
    fn configured_facts_win_over_derived_ones() {
        let settings = KnowledgeBaseSettings {
            facts: BTreeMap::from([("comune".into(), "Città di Esempio".into())]),
            ..KnowledgeBaseSettings::default()
        };
        let source = settings.source(BTreeMap::from([
            ("comune".into(), "Comune di Esempio".into()),
            ("telefono".into(), "0123 456789".into()),
        ]));
        assert_eq!(source.facts["comune"], "Città di Esempio");
        assert_eq!(source.facts["telefono"], "0123 456789");
    }
}

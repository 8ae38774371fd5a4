//! Helpers shared by the test suites: fixture paths and the facts for the placeholders.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixtures() -> PathBuf {
    crate_dir().join("tests/fixtures")
}

/// The `[knowledge_base.facts]` table of a TOML file, if it has one.
pub fn facts_table(path: &Path) -> Option<BTreeMap<String, String>> {
    let text = std::fs::read_to_string(path).ok()?;
    let value: toml::Table = text.parse().ok()?;
    let facts = value.get("knowledge_base")?.get("facts")?.as_table()?;
    Some(
        facts
            .iter()
            .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
            .collect(),
    )
}

/// The facts for the real content: the `[knowledge_base.facts]` table of the repository's
/// `sportello.toml` when it has one, else `tests/fixtures/sample-facts.toml`. The eight facts
/// the binary derives from the office configuration always come from the sample file.
pub fn sample_facts() -> BTreeMap<String, String> {
    let sample = facts_table(&fixtures().join("sample-facts.toml"))
        .expect("tests/fixtures/sample-facts.toml has a [knowledge_base.facts] table");
    let configured = crate_dir()
        .parent()
        .and_then(|workspace| facts_table(&workspace.join("sportello.toml")));
    match configured {
        Some(mut facts) => {
            for key in knowledge_base::settings::ALWAYS_AVAILABLE_FACTS {
                if let Some(value) = sample.get(key) {
                    facts.entry(key.to_owned()).or_insert_with(|| value.clone());
                }
            }
            facts
        }
        None => sample,
    }
}

/// The source of the mini fixture knowledge base (six procedures).
pub fn mini_source() -> knowledge_base::ContentSource {
    knowledge_base::ContentSource {
        content_dir: fixtures().join("mini/content"),
        catalogue: fixtures().join("mini/catalogue.tsv"),
        facts: facts_table(&fixtures().join("mini-facts.toml")).expect("mini facts"),
    }
}

/// The source of the real content with the sample facts.
pub fn real_source() -> knowledge_base::ContentSource {
    knowledge_base::ContentSource {
        content_dir: crate_dir().join("content"),
        catalogue: crate_dir().join("catalogue.tsv"),
        facts: sample_facts(),
    }
}

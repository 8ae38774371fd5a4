//! Query latency and index build time on the real content with the sample facts.
//!
//! ```text
//! cargo bench -p knowledge-base --bench search
//! ```

use std::collections::BTreeMap;
use std::hint::black_box;
use std::path::{Path, PathBuf};

use criterion::{Criterion, criterion_group, criterion_main};
use knowledge_base::{ContentSource, KnowledgeBase};

fn facts(path: &Path) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(path).expect("sample facts");
    let table: toml::Table = text.parse().expect("sample facts are TOML");
    table["knowledge_base"]["facts"]
        .as_table()
        .expect("[knowledge_base.facts]")
        .iter()
        .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
        .collect()
}

fn source() -> ContentSource {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    ContentSource {
        content_dir: dir.join("content"),
        catalogue: dir.join("catalogue.tsv"),
        facts: facts(&dir.join("tests/fixtures/sample-facts.toml")),
    }
}

fn search(c: &mut Criterion) {
    let kb = KnowledgeBase::load(&source()).expect("the content loads");
    let questions = [
        ("short", "la tari"),
        (
            "typical",
            "quanto costa rinnovare la carta d'identità scaduta",
        ),
        ("typo", "contrasegno disabili per la macchina"),
        (
            "long",
            "buongiorno volevo sapere se per il cambio di residenza da un altro comune devo prendere appuntamento e cosa devo portare",
        ),
    ];
    let mut group = c.benchmark_group("search");
    for (name, question) in questions {
        group.bench_function(name, |b| {
            b.iter(|| black_box(kb.search(black_box(question), 5)))
        });
    }
    group.finish();
}

fn build(c: &mut Criterion) {
    let source = source();
    let content = knowledge_base::loader::load(&source).expect("the content loads");
    let mut group = c.benchmark_group("index");
    group.sample_size(10);
    group.bench_function("build", |b| {
        b.iter(|| black_box(KnowledgeBase::build(content.clone()).expect("builds")))
    });
    group.bench_function("load_and_build", |b| {
        b.iter(|| black_box(KnowledgeBase::load(&source).expect("loads")))
    });
    group.finish();
}

criterion_group!(benches, search, build);
criterion_main!(benches);

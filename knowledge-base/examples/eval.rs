//! Evaluates the search on question sets and measures query latency, outside the test suite.
//!
//! ```text
//! cargo run -p knowledge-base --release --example eval -- [--misses] [FILE.tsv ...]
//! ```
//!
//! Loads `knowledge-base/content` with the `[knowledge_base.facts]` of `sportello.toml` when it
//! has them, else `knowledge-base/tests/fixtures/sample-facts.toml`; without files, evaluates
//! `eval/questions.tsv` and `eval/holdout.tsv`. `--explain=QUESTION` shows how one question
//! is understood and scored instead; `--slowest` lists the slowest questions. Prints load and index time, top-1, top-3, MRR,
//! the decisions, and p50/p99 latency over each set (ten rounds).

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use knowledge_base::{ContentSource, KnowledgeBase};

fn facts_table(path: &Path) -> Option<BTreeMap<String, String>> {
    let table: toml::Table = std::fs::read_to_string(path).ok()?.parse().ok()?;
    let facts = table.get("knowledge_base")?.get("facts")?.as_table()?;
    Some(
        facts
            .iter()
            .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
            .collect(),
    )
}

fn main() -> ExitCode {
    let crate_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut out = std::io::stdout().lock();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let show_misses = args.iter().any(|a| a == "--misses");
    let mut files: Vec<PathBuf> = args
        .iter()
        .filter(|a| !a.starts_with("--"))
        .map(PathBuf::from)
        .collect();
    if files.is_empty() {
        files = vec![
            crate_dir.join("eval/questions.tsv"),
            crate_dir.join("eval/holdout.tsv"),
        ];
    }
    let sample =
        facts_table(&crate_dir.join("tests/fixtures/sample-facts.toml")).unwrap_or_default();
    let facts = match crate_dir
        .parent()
        .and_then(|w| facts_table(&w.join("sportello.toml")))
    {
        Some(mut configured) => {
            for key in knowledge_base::settings::ALWAYS_AVAILABLE_FACTS {
                if let Some(value) = sample.get(key) {
                    configured
                        .entry(key.to_owned())
                        .or_insert_with(|| value.clone());
                }
            }
            configured
        }
        None => sample,
    };
    let source = ContentSource {
        content_dir: crate_dir.join("content"),
        catalogue: crate_dir.join("catalogue.tsv"),
        facts,
    };
    let started = Instant::now();
    let kb = match KnowledgeBase::load(&source) {
        Ok(kb) => kb,
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::FAILURE;
        }
    };
    let _ = writeln!(
        out,
        "loaded {} procedures in {:.1} ms (indexing {:.1} ms)",
        kb.procedures().len(),
        started.elapsed().as_secs_f64() * 1000.0,
        kb.build_time().as_secs_f64() * 1000.0
    );
    if let Some(question) = args.iter().find_map(|a| a.strip_prefix("--explain=")) {
        let _ = writeln!(out, "{}", kb.explain(question, 5));
        return ExitCode::SUCCESS;
    }
    if args.iter().any(|a| a == "--slowest") {
        for file in &files {
            let text = std::fs::read_to_string(file).unwrap_or_default();
            let mut timed: Vec<(f64, String)> = text
                .lines()
                .skip(1)
                .filter_map(|l| l.split_once('\t'))
                .map(|(q, _)| {
                    let started = Instant::now();
                    for _ in 0..5 {
                        std::hint::black_box(kb.search(q, 5));
                    }
                    (started.elapsed().as_secs_f64() * 200.0, q.to_owned())
                })
                .collect();
            timed.sort_by(|a, b| b.0.total_cmp(&a.0));
            for (ms, q) in timed.iter().take(10) {
                let _ = writeln!(out, "{ms:.3} ms  {q}");
            }
        }
        return ExitCode::SUCCESS;
    }
    for file in files {
        let text = match std::fs::read_to_string(&file) {
            Ok(text) => text,
            Err(error) => {
                eprintln!("{}: {error}", file.display());
                return ExitCode::FAILURE;
            }
        };
        let _ = writeln!(out, "\n== {}", file.display());
        match knowledge_base::evaluate(&kb, &text) {
            Ok(report) => {
                let text = report.to_string();
                let shown: Vec<&str> = if show_misses {
                    text.lines().collect()
                } else {
                    text.lines().take(5).collect()
                };
                let _ = writeln!(out, "{}", shown.join("\n"));
            }
            Err(error) => {
                eprintln!("{}: {error}", file.display());
                return ExitCode::FAILURE;
            }
        }
        match knowledge_base::measure_latency(&kb, &text, 10) {
            Ok(latency) => {
                let _ = writeln!(out, "latency: {latency}");
            }
            Err(error) => eprintln!("{}: {error}", file.display()),
        }
    }
    ExitCode::SUCCESS
}

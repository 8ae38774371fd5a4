//! The real content (`knowledge-base/content`) with the sample facts: every catalogue
//! procedure present and valid, the menu complete, and the search quality on the evaluation
//! sets not below the figures recorded in BENCHMARKS.md.

mod support;

use std::sync::OnceLock;

use knowledge_base::{KnowledgeBase, KnowledgeBaseError, MenuItem};

/// Top-1 and top-3 floors: a point or two under the measured figures (BENCHMARKS.md).
const QUESTIONS_TOP1: f64 = 0.94;
const QUESTIONS_TOP3: f64 = 0.98;
const HOLDOUT_TOP1: f64 = 0.89;
const HOLDOUT_TOP3: f64 = 0.95;

fn knowledge_base() -> &'static KnowledgeBase {
    static KB: OnceLock<KnowledgeBase> = OnceLock::new();
    KB.get_or_init(|| match KnowledgeBase::load(&support::real_source()) {
        Ok(kb) => kb,
        Err(KnowledgeBaseError::Load(error)) => {
            let missing: Vec<String> = error
                .missing_procedures()
                .iter()
                .map(ToString::to_string)
                .collect();
            panic!(
                "the content does not load.\nmissing procedures ({}): {}\n{error}",
                missing.len(),
                missing.join(", ")
            );
        }
        Err(other) => panic!("{other}"),
    })
}

#[test]
fn every_catalogue_procedure_is_present() {
    let kb = knowledge_base();
    let missing: Vec<&str> = kb
        .catalogue()
        .entries()
        .iter()
        .filter(|entry| kb.procedure(entry.id.as_str()).is_none())
        .map(|entry| entry.id.as_str())
        .collect();
    assert!(missing.is_empty(), "missing procedures: {missing:?}");
    assert_eq!(kb.procedures().len(), 103);
}

#[test]
fn the_menu_reaches_every_procedure_with_at_most_nine_keys() {
    let kb = knowledge_base();
    fn check(items: &[MenuItem]) {
        assert!(items.len() <= 9, "a level with {} keys", items.len());
        for (i, item) in items.iter().enumerate() {
            assert_eq!(usize::from(item.key), i + 1);
            assert!(!item.spoken.is_empty());
            check(&item.children);
        }
    }
    check(&kb.menu().items);
    let mut reachable: Vec<&str> = kb
        .menu()
        .procedures()
        .iter()
        .map(|id| id.as_str())
        .collect();
    reachable.sort_unstable();
    let mut all: Vec<&str> = kb.procedures().iter().map(|p| p.id.as_str()).collect();
    all.sort_unstable();
    assert_eq!(reachable, all);
}

#[test]
fn spoken_sections_are_plain_text() {
    for procedure in knowledge_base().procedures() {
        for section in knowledge_base::Section::ALL {
            let spoken = procedure.spoken(section);
            assert!(!spoken.is_empty(), "{} {section}", procedure.id);
            for marker in ["**", "{{", "}}", "](", "\n", "## "] {
                assert!(
                    !spoken.contains(marker),
                    "{} {section}: {marker:?} in {spoken}",
                    procedure.id
                );
            }
        }
    }
}

fn evaluate(file: &str, top1: f64, top3: f64) {
    let path = support::crate_dir().join("eval").join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    let report = knowledge_base::evaluate(knowledge_base(), &text).unwrap();
    eprintln!("{file}:\n{report}");
    assert!(
        report.top1_rate() >= top1 && report.top3_rate() >= top3,
        "{file}: top-1 {:.1} % (floor {:.1} %), top-3 {:.1} % (floor {:.1} %)\n{report}",
        100.0 * report.top1_rate(),
        100.0 * top1,
        100.0 * report.top3_rate(),
        100.0 * top3
    );
}

#[test]
fn search_quality_on_the_question_set() {
    evaluate("questions.tsv", QUESTIONS_TOP1, QUESTIONS_TOP3);
}

#[test]
fn search_quality_on_the_held_out_set() {
    evaluate("holdout.tsv", HOLDOUT_TOP1, HOLDOUT_TOP3);
}

#[test]
fn the_question_sets_cover_every_procedure() {
    let kb = knowledge_base();
    for (file, minimum) in [("questions.tsv", 320), ("holdout.tsv", 80)] {
        let text = std::fs::read_to_string(support::crate_dir().join("eval").join(file)).unwrap();
        let questions = knowledge_base::eval::parse_questions(kb, &text).unwrap();
        assert!(questions.len() >= minimum, "{file}: {}", questions.len());
        if file == "questions.tsv" {
            for procedure in kb.procedures() {
                assert!(
                    questions.iter().any(|q| q.expected.contains(&procedure.id)),
                    "{file}: no question for {}",
                    procedure.id
                );
            }
        }
    }
}

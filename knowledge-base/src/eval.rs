//! Evaluation of the search on a question set: a TSV file with the header
//! `question<TAB>expected` and lines `question<TAB>id[,id...]` (any of the ids counts as
//! right). Reports top-1, top-3, mean reciprocal rank, the decisions the phone would take,
//! and every miss; also measures query latency over the set.

use std::fmt;
use std::time::{Duration, Instant};

use crate::catalogue::ProcedureId;
use crate::decision::Decision;
use crate::knowledge_base::KnowledgeBase;

/// Ranks looked at for the reciprocal rank.
const MRR_DEPTH: usize = 10;

/// A question set that cannot be evaluated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvalError {
    #[error("line 1: the header must be `question<TAB>expected`")]
    BadHeader,
    #[error("line {line}: expected `question<TAB>id[,id...]`")]
    BadLine { line: usize },
    #[error("line {line}: `{id}` is not a procedure of the knowledge base")]
    UnknownId { line: usize, id: String },
    #[error("the question set has no questions")]
    Empty,
}

/// One question of the set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvalQuestion {
    pub line: usize,
    pub question: String,
    pub expected: Vec<ProcedureId>,
}

/// Parses a question set and checks its ids against the knowledge base.
pub fn parse_questions(kb: &KnowledgeBase, tsv: &str) -> Result<Vec<EvalQuestion>, EvalError> {
    let mut lines = tsv.lines().enumerate().map(|(i, l)| (i + 1, l));
    match lines.next() {
        Some((_, header)) if header.trim_end() == "question\texpected" => {}
        _ => return Err(EvalError::BadHeader),
    }
    let mut questions = Vec::new();
    for (line, text) in lines {
        if text.trim().is_empty() || text.starts_with('#') {
            continue;
        }
        let Some((question, ids)) = text.trim_end_matches('\r').split_once('\t') else {
            return Err(EvalError::BadLine { line });
        };
        if question.trim().is_empty() || ids.contains('\t') {
            return Err(EvalError::BadLine { line });
        }
        let mut expected = Vec::new();
        for id in ids.split(',').map(str::trim) {
            match kb.procedure(id) {
                Some(procedure) => expected.push(procedure.id.clone()),
                None => {
                    return Err(EvalError::UnknownId {
                        line,
                        id: id.to_owned(),
                    });
                }
            }
        }
        questions.push(EvalQuestion {
            line,
            question: question.trim().to_owned(),
            expected,
        });
    }
    if questions.is_empty() {
        return Err(EvalError::Empty);
    }
    Ok(questions)
}

/// A question whose expected procedure was not first.
#[derive(Debug, Clone, PartialEq)]
pub struct Miss {
    pub line: usize,
    pub question: String,
    pub expected: Vec<ProcedureId>,
    /// The rank of the first expected id (1-based), if within the first ten.
    pub rank: Option<usize>,
    /// The first three hits and their confidence.
    pub got: Vec<(ProcedureId, f32)>,
}

/// How often each decision was taken, and how often it pointed at a wrong procedure.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DecisionCounts {
    pub answer: usize,
    pub answer_wrong: usize,
    pub confirm: usize,
    pub confirm_wrong: usize,
    pub choose: usize,
    /// A choice among three that does not contain the right procedure.
    pub choose_wrong: usize,
    pub no_match: usize,
}

/// The result of an evaluation.
#[derive(Debug, Clone, PartialEq)]
pub struct EvalReport {
    pub count: usize,
    pub top1: usize,
    pub top3: usize,
    /// Mean reciprocal rank (first ten ranks).
    pub mrr: f64,
    pub decisions: DecisionCounts,
    pub misses: Vec<Miss>,
}

impl EvalReport {
    pub fn top1_rate(&self) -> f64 {
        self.top1 as f64 / self.count.max(1) as f64
    }

    pub fn top3_rate(&self) -> f64 {
        self.top3 as f64 / self.count.max(1) as f64
    }
}

/// Runs every question of `questions_tsv` through the search.
pub fn evaluate(kb: &KnowledgeBase, questions_tsv: &str) -> Result<EvalReport, EvalError> {
    let questions = parse_questions(kb, questions_tsv)?;
    let mut report = EvalReport {
        count: questions.len(),
        top1: 0,
        top3: 0,
        mrr: 0.0,
        decisions: DecisionCounts::default(),
        misses: Vec::new(),
    };
    let mut reciprocal_ranks = 0.0;
    for question in questions {
        let results = kb.search(&question.question, MRR_DEPTH);
        let rank = results
            .hits
            .iter()
            .position(|h| question.expected.contains(&h.id))
            .map(|p| p + 1);
        if let Some(rank) = rank {
            reciprocal_ranks += 1.0 / rank as f64;
        }
        if rank == Some(1) {
            report.top1 += 1;
        } else {
            report.misses.push(Miss {
                line: question.line,
                question: question.question.clone(),
                expected: question.expected.clone(),
                rank,
                got: results
                    .hits
                    .iter()
                    .take(3)
                    .map(|h| (h.id.clone(), h.confidence))
                    .collect(),
            });
        }
        if rank.is_some_and(|r| r <= 3) {
            report.top3 += 1;
        }
        let counts = &mut report.decisions;
        let right = |id: &ProcedureId| question.expected.contains(id);
        match results.decision(None) {
            Decision::Answer(id) => {
                counts.answer += 1;
                counts.answer_wrong += usize::from(!right(&id));
            }
            Decision::Confirm(id) => {
                counts.confirm += 1;
                counts.confirm_wrong += usize::from(!right(&id));
            }
            Decision::ChooseAmong(ids) => {
                counts.choose += 1;
                counts.choose_wrong += usize::from(!ids.iter().any(right));
            }
            Decision::NoMatch => counts.no_match += 1,
        }
    }
    report.mrr = reciprocal_ranks / report.count as f64;
    Ok(report)
}

impl fmt::Display for EvalReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = &self.decisions;
        writeln!(f, "questions: {}", self.count)?;
        writeln!(
            f,
            "top-1: {} ({:.1} %)",
            self.top1,
            100.0 * self.top1_rate()
        )?;
        writeln!(
            f,
            "top-3: {} ({:.1} %)",
            self.top3,
            100.0 * self.top3_rate()
        )?;
        writeln!(f, "MRR: {:.3}", self.mrr)?;
        writeln!(
            f,
            "decisions: answer {} ({} wrong), confirm {} ({} wrong), choose among three {} ({} without the right one), no match {}",
            d.answer,
            d.answer_wrong,
            d.confirm,
            d.confirm_wrong,
            d.choose,
            d.choose_wrong,
            d.no_match
        )?;
        if !self.misses.is_empty() {
            writeln!(f, "not first ({}):", self.misses.len())?;
        }
        for miss in &self.misses {
            let expected: Vec<&str> = miss.expected.iter().map(ProcedureId::as_str).collect();
            let got: Vec<String> = miss
                .got
                .iter()
                .map(|(id, confidence)| format!("{id} {confidence:.2}"))
                .collect();
            let rank = miss.rank.map_or("-".to_owned(), |r| r.to_string());
            writeln!(
                f,
                "  line {} rank {rank}: «{}» expected {}; got {}",
                miss.line,
                miss.question,
                expected.join(","),
                got.join(", ")
            )?;
        }
        Ok(())
    }
}

/// Query latency over a question set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LatencyReport {
    pub queries: usize,
    pub p50: Duration,
    pub p99: Duration,
    pub max: Duration,
}

impl fmt::Display for LatencyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} queries: p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
            self.queries,
            self.p50.as_secs_f64() * 1000.0,
            self.p99.as_secs_f64() * 1000.0,
            self.max.as_secs_f64() * 1000.0
        )
    }
}

/// Times every question of the set `rounds` times (one search of [`DEFAULT_LIMIT`] hits
/// each, as the phone does) and reports the percentiles.
///
/// [`DEFAULT_LIMIT`]: crate::knowledge_base::DEFAULT_LIMIT
pub fn measure_latency(
    kb: &KnowledgeBase,
    questions_tsv: &str,
    rounds: usize,
) -> Result<LatencyReport, EvalError> {
    let questions = parse_questions(kb, questions_tsv)?;
    let mut timings = Vec::with_capacity(questions.len() * rounds.max(1));
    for _ in 0..rounds.max(1) {
        for question in &questions {
            let started = Instant::now();
            let results = kb.search(&question.question, crate::knowledge_base::DEFAULT_LIMIT);
            std::hint::black_box(results);
            timings.push(started.elapsed());
        }
    }
    timings.sort();
    let at = |q: f64| timings[((timings.len() - 1) as f64 * q).round() as usize];
    Ok(LatencyReport {
        queries: timings.len(),
        p50: at(0.50),
        p99: at(0.99),
        max: timings[timings.len() - 1],
    })
}

//! The JSON endpoints.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use serde::{Deserialize, Serialize};

use super::problem::Problem;
use crate::catalogue::ProcedureId;
use crate::decision::Decision;
use crate::handle::{KnowledgeBaseHandle, Status};
use crate::knowledge_base::{DEFAULT_LIMIT, Hit};
use crate::markdown;
use crate::menu::Menu;
use crate::procedure::{Appointment, Procedure, Section, ServiceLine};

/// The longest question accepted, in characters.
const MAX_QUESTION_CHARS: usize = 500;
/// The most hits a search returns.
const MAX_LIMIT: usize = 20;

#[derive(Debug, Deserialize)]
pub(super) struct SearchParams {
    q: Option<String>,
    limit: Option<String>,
}

#[derive(Debug, Serialize)]
pub(super) struct SearchResponse {
    question: String,
    confidence: f32,
    margin: f32,
    decision: Decision,
    hits: Vec<Hit>,
}

pub(super) async fn search(
    State(kb): State<KnowledgeBaseHandle>,
    params: Result<Query<SearchParams>, QueryRejection>,
) -> Result<Json<SearchResponse>, Problem> {
    let Query(params) =
        params.map_err(|_| Problem::bad_request("Parametri di ricerca non validi."))?;
    let question = params.q.unwrap_or_default();
    let question = question.trim();
    if question.is_empty() {
        return Err(Problem::bad_request(
            "Scriva la domanda nel parametro q, per esempio ?q=carta d'identità.",
        ));
    }
    if question.chars().count() > MAX_QUESTION_CHARS {
        return Err(Problem::bad_request(format!(
            "La domanda è troppo lunga: al massimo {MAX_QUESTION_CHARS} caratteri."
        )));
    }
    let limit = match params.limit.as_deref() {
        None => DEFAULT_LIMIT,
        Some(text) => match text.parse::<usize>() {
            Ok(limit) if (1..=MAX_LIMIT).contains(&limit) => limit,
            _ => {
                return Err(Problem::bad_request(format!(
                    "Il parametro limit deve essere un numero da 1 a {MAX_LIMIT}."
                )));
            }
        },
    };
    let results = kb.current().search(question, limit);
    Ok(Json(SearchResponse {
        question: results.question.clone(),
        confidence: results.confidence(),
        margin: results.margin(),
        decision: results.decision(None),
        hits: results.hits,
    }))
}

#[derive(Debug, Serialize)]
pub(super) struct Summary {
    id: ProcedureId,
    area: String,
    title: String,
    spoken_title: String,
    menu_title: String,
    line: ServiceLine,
    appointment: Appointment,
}

impl Summary {
    fn of(procedure: &Procedure) -> Summary {
        Summary {
            id: procedure.id.clone(),
            area: procedure.area.clone(),
            title: procedure.title.clone(),
            spoken_title: procedure.spoken_title.clone(),
            menu_title: procedure.menu_title.clone(),
            line: procedure.line,
            appointment: procedure.appointment,
        }
    }
}

pub(super) async fn procedures(State(kb): State<KnowledgeBaseHandle>) -> Json<Vec<Summary>> {
    Json(kb.current().procedures().iter().map(Summary::of).collect())
}

#[derive(Debug, Serialize)]
pub(super) struct SectionBody {
    heading: &'static str,
    /// The Markdown, placeholders filled in.
    markdown: String,
    /// Plain text for the phone voice.
    spoken: String,
    /// Safe HTML.
    html: String,
}

#[derive(Debug, Serialize)]
pub(super) struct Detail {
    #[serde(flatten)]
    summary: Summary,
    catalogue_name: String,
    keywords: Vec<String>,
    questions: Vec<String>,
    sections: BTreeMap<&'static str, SectionBody>,
}

pub(super) async fn procedure(
    State(kb): State<KnowledgeBaseHandle>,
    Path(id): Path<String>,
) -> Result<Json<Detail>, Problem> {
    let current = kb.current();
    let procedure = current.procedure(&id).ok_or_else(|| {
        Problem::not_found(format!("Nessuna procedura con identificativo «{id}»."))
    })?;
    let sections = Section::ALL
        .into_iter()
        .map(|section| {
            (
                section.slug(),
                SectionBody {
                    heading: section.heading(),
                    markdown: procedure.section(section).to_owned(),
                    spoken: procedure.spoken(section).to_owned(),
                    html: markdown::to_html(procedure.section(section), 3),
                },
            )
        })
        .collect();
    Ok(Json(Detail {
        summary: Summary::of(procedure),
        catalogue_name: procedure.catalogue_name.clone(),
        keywords: procedure.keywords.clone(),
        questions: procedure.questions.clone(),
        sections,
    }))
}

pub(super) async fn menu(State(kb): State<KnowledgeBaseHandle>) -> Json<Menu> {
    Json(kb.current().menu().clone())
}

pub(super) async fn status(State(kb): State<KnowledgeBaseHandle>) -> Json<Status> {
    Json(kb.status())
}

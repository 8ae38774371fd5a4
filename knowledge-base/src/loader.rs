//! Reads the catalogue and the content directory, validates every file against the catalogue
//! and fills in the local facts. All problems are collected; one bad file never hides another.
//!
//! The I/O is in [`load`]; [`validate`] is the pure core that takes file texts.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use crate::catalogue::{Catalogue, ProcedureId};
use crate::document::{self, Document, Located};
use crate::error::{ContentError, LoadError};
use crate::placeholder::{self, PlaceholderProblem};
use crate::procedure::{Procedure, Section};
use crate::settings::ContentSource;
use crate::speech;

/// The hard limit of the spoken answer, in words, once placeholders are filled in.
pub const SPOKEN_ANSWER_WORD_LIMIT: usize = 110;

/// The validated content: the catalogue and one procedure per catalogue id, in catalogue
/// order.
#[derive(Debug, Clone)]
pub struct Content {
    pub catalogue: Catalogue,
    pub procedures: Vec<Procedure>,
}

/// Reads and validates everything `source` points to.
#[tracing::instrument(skip_all, fields(content_dir = %source.content_dir.display()))]
pub fn load(source: &ContentSource) -> Result<Content, LoadError> {
    let catalogue_text = std::fs::read_to_string(&source.catalogue).map_err(|error| LoadError {
        problems: vec![ContentError::Unreadable {
            file: source.catalogue.clone(),
            source: error,
        }],
    })?;
    let catalogue =
        Catalogue::parse(&source.catalogue, &catalogue_text).map_err(|errors| LoadError {
            problems: errors.into_iter().map(ContentError::from).collect(),
        })?;
    let mut problems = Vec::new();
    let mut files = Vec::new();
    for path in content_files(&source.content_dir, &mut problems) {
        match std::fs::read_to_string(&path) {
            Ok(text) => files.push((path, text)),
            Err(error) => problems.push(ContentError::Unreadable {
                file: path,
                source: error,
            }),
        }
    }
    match validate(&catalogue, &source.content_dir, &files, &source.facts) {
        Ok(procedures) if problems.is_empty() => Ok(Content {
            catalogue,
            procedures,
        }),
        Ok(_) => Err(LoadError { problems }),
        Err(more) => {
            problems.extend(more);
            Err(LoadError { problems })
        }
    }
}

/// The `.md` files under the area directories of `dir`, sorted. Hidden files (editor
/// leftovers) and files directly in `dir` (a README) are not content.
pub fn content_files(dir: &Path, problems: &mut Vec<ContentError>) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![(dir.to_path_buf(), 0usize)];
    while let Some((current, depth)) = pending.pop() {
        let entries = match std::fs::read_dir(&current) {
            Ok(entries) => entries,
            Err(error) => {
                problems.push(ContentError::Unreadable {
                    file: current,
                    source: error,
                });
                continue;
            }
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let hidden = entry.file_name().to_string_lossy().starts_with('.');
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if hidden {
                continue;
            }
            if kind.is_dir() {
                pending.push((path, depth + 1));
            } else if depth > 0 && path.extension().is_some_and(|e| e == "md") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// Validates file texts against the catalogue and renders their placeholders. Returns the
/// procedures in catalogue order, or every problem found.
pub fn validate(
    catalogue: &Catalogue,
    content_dir: &Path,
    files: &[(PathBuf, String)],
    facts: &BTreeMap<String, String>,
) -> Result<Vec<Procedure>, Vec<ContentError>> {
    let mut problems = Vec::new();
    let mut by_id: HashMap<ProcedureId, Procedure> = HashMap::new();
    for (path, text) in files {
        let document = match document::parse(path, text) {
            Ok(document) => document,
            Err(errors) => {
                problems.extend(errors);
                continue;
            }
        };
        if let Some(procedure) = procedure(
            catalogue,
            content_dir,
            path,
            document,
            facts,
            &by_id,
            &mut problems,
        ) {
            by_id.insert(procedure.id.clone(), procedure);
        }
    }
    for entry in catalogue.entries() {
        let expected = expected_path(content_dir, &entry.id);
        // A file at the expected place that failed has already said why.
        let attempted = files.iter().any(|(path, _)| *path == expected);
        if !by_id.contains_key(&entry.id) && !attempted {
            problems.push(ContentError::MissingProcedure {
                catalogue: catalogue.path().to_path_buf(),
                line: entry.line,
                id: entry.id.clone(),
                expected,
            });
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(catalogue
        .entries()
        .iter()
        .filter_map(|entry| by_id.remove(&entry.id))
        .collect())
}

/// Where the file of a procedure lives: `<content_dir>/<area>/<slug>.md`.
pub fn expected_path(content_dir: &Path, id: &ProcedureId) -> PathBuf {
    content_dir
        .join(id.area())
        .join(format!("{}.md", id.slug()))
}

fn procedure(
    catalogue: &Catalogue,
    content_dir: &Path,
    path: &Path,
    document: Document,
    facts: &BTreeMap<String, String>,
    seen: &HashMap<ProcedureId, Procedure>,
    problems: &mut Vec<ContentError>,
) -> Option<Procedure> {
    let before = problems.len();
    let file = path.to_path_buf();
    let front = document.front;
    let id = match ProcedureId::parse(&front.id.value) {
        Ok(id) => id,
        Err(_) => {
            problems.push(ContentError::BadValue {
                file,
                line: front.id.line,
                key: "id",
                expected: "must be area.name (lowercase letters, digits and dashes)",
            });
            return None;
        }
    };
    let Some(entry) = catalogue.get(&id) else {
        problems.push(ContentError::UnknownId {
            file,
            line: front.id.line,
            id: id.to_string(),
        });
        return None;
    };
    if let Some(other) = seen.get(&id) {
        problems.push(ContentError::DuplicateId {
            file: file.clone(),
            line: front.id.line,
            id: id.clone(),
            other: other.source.clone(),
        });
    }
    let expected = expected_path(content_dir, &id);
    if expected != path {
        problems.push(ContentError::MisplacedFile {
            file: file.clone(),
            line: front.id.line,
            id: id.clone(),
            expected,
        });
    }
    if front.area.value != id.area() {
        problems.push(ContentError::AreaMismatch {
            file: file.clone(),
            line: front.area.line,
            area: front.area.value.clone(),
            id: id.clone(),
        });
    }

    let mut fill = |text: &Located<String>| -> String {
        match placeholder::render(&text.value, facts, text.line) {
            Ok(rendered) => rendered,
            Err(found) => {
                problems.extend(found.into_iter().map(|p| placeholder_error(&file, p)));
                text.value.clone()
            }
        }
    };
    let title = fill(&front.title);
    let spoken_title = fill(&front.spoken_title);
    let menu_title = fill(&front.menu_title);
    let mut fill_all = |list: &Located<Vec<String>>| -> Vec<String> {
        list.value
            .iter()
            .map(|value| {
                fill(&Located {
                    value: value.clone(),
                    line: list.line,
                })
            })
            .collect()
    };
    let keywords = fill_all(&front.keywords);
    let questions = fill_all(&front.questions);
    let sections: [String; 7] = std::array::from_fn(|i| {
        let section = &document.sections[i];
        fill(&Located {
            value: section.text.clone(),
            line: section.first_line,
        })
    });
    let spoken = Procedure::compose_spoken(&sections);
    let words = speech::word_count(&spoken[Section::Risposta.index()]);
    if words > SPOKEN_ANSWER_WORD_LIMIT {
        problems.push(ContentError::SpokenAnswerTooLong {
            file: file.clone(),
            line: document.sections[Section::Risposta.index()].heading_line,
            words,
            limit: SPOKEN_ANSWER_WORD_LIMIT,
        });
    }
    if problems.len() > before {
        return None;
    }
    Some(Procedure {
        id,
        area: front.area.value,
        title,
        spoken_title,
        menu_title,
        catalogue_name: entry.procedure.clone(),
        line: front.line.value,
        appointment: front.appointment.value,
        keywords,
        questions,
        sections,
        spoken,
        source: file,
    })
}

fn placeholder_error(file: &Path, problem: PlaceholderProblem) -> ContentError {
    match problem {
        PlaceholderProblem::Undefined { line, key } => ContentError::UndefinedPlaceholder {
            file: file.to_path_buf(),
            line,
            key,
        },
        PlaceholderProblem::Broken { line, text } => ContentError::BrokenPlaceholder {
            file: file.to_path_buf(),
            line,
            text,
        },
    }
}

//! The catalogue of procedures every office answers (`catalogue.tsv`: `id`, `area`,
//! `procedure`), and the procedure id type.
//!
//! Parsing is pure: [`Catalogue::parse`] takes the file's text and names every bad line.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;

/// A procedure id, `<area>.<slug>`: lowercase letters, digits and dashes on both sides.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct ProcedureId(String);

/// Why a text is not a procedure id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "«{0}» non è un identificativo di procedura valido (atteso area.nome, minuscole e trattini)"
)]
pub struct InvalidProcedureId(pub String);

impl ProcedureId {
    pub fn parse(text: &str) -> Result<ProcedureId, InvalidProcedureId> {
        let valid_part = |part: &str| {
            !part.is_empty()
                && !part.starts_with('-')
                && !part.ends_with('-')
                && part
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        };
        match text.split_once('.') {
            Some((area, slug)) if valid_part(area) && valid_part(slug) => {
                Ok(ProcedureId(text.to_owned()))
            }
            _ => Err(InvalidProcedureId(text.to_owned())),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The area, the part before the dot.
    pub fn area(&self) -> &str {
        self.0.split_once('.').map_or("", |(area, _)| area)
    }

    /// The slug, the part after the dot (the file name without `.md`).
    pub fn slug(&self) -> &str {
        self.0.split_once('.').map_or("", |(_, slug)| slug)
    }
}

impl fmt::Display for ProcedureId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One catalogue line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogueEntry {
    pub id: ProcedureId,
    pub area: String,
    /// The procedure as the catalogue names it.
    pub procedure: String,
    /// The line of the catalogue file (1-based), for error messages.
    pub line: usize,
}

/// The catalogue: every procedure id an office must answer, in the catalogue's order.
#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    path: PathBuf,
    entries: Vec<CatalogueEntry>,
    by_id: BTreeMap<ProcedureId, usize>,
}

/// A bad catalogue line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogueError {
    #[error("{file}:{line}: the header must be `id<TAB>area<TAB>procedure`")]
    BadHeader { file: PathBuf, line: usize },
    #[error("{file}:{line}: expected three tab-separated columns (id, area, procedure)")]
    BadColumns { file: PathBuf, line: usize },
    #[error("{file}:{line}: {source}")]
    BadId {
        file: PathBuf,
        line: usize,
        source: InvalidProcedureId,
    },
    #[error("{file}:{line}: area `{area}` is not the prefix of id `{id}`")]
    AreaMismatch {
        file: PathBuf,
        line: usize,
        id: ProcedureId,
        area: String,
    },
    #[error("{file}:{line}: id `{id}` already listed on line {first_line}")]
    DuplicateId {
        file: PathBuf,
        line: usize,
        id: ProcedureId,
        first_line: usize,
    },
}

impl Catalogue {
    /// Parses the catalogue's text; `path` is only used to name the file in errors.
    pub fn parse(path: &Path, text: &str) -> Result<Catalogue, Vec<CatalogueError>> {
        let file = path.to_path_buf();
        let mut errors = Vec::new();
        let mut catalogue = Catalogue {
            path: file.clone(),
            ..Catalogue::default()
        };
        let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l));
        match lines.next() {
            Some((_, header)) if header.trim_end() == "id\tarea\tprocedure" => {}
            _ => errors.push(CatalogueError::BadHeader {
                file: file.clone(),
                line: 1,
            }),
        }
        for (line, text) in lines {
            if text.trim().is_empty() {
                continue;
            }
            let columns: Vec<&str> = text.trim_end_matches('\r').split('\t').collect();
            let [id, area, procedure] = columns[..] else {
                errors.push(CatalogueError::BadColumns {
                    file: file.clone(),
                    line,
                });
                continue;
            };
            let id = match ProcedureId::parse(id.trim()) {
                Ok(id) => id,
                Err(source) => {
                    errors.push(CatalogueError::BadId {
                        file: file.clone(),
                        line,
                        source,
                    });
                    continue;
                }
            };
            if id.area() != area.trim() {
                errors.push(CatalogueError::AreaMismatch {
                    file: file.clone(),
                    line,
                    id,
                    area: area.trim().to_owned(),
                });
                continue;
            }
            if let Some(&first) = catalogue.by_id.get(&id) {
                errors.push(CatalogueError::DuplicateId {
                    file: file.clone(),
                    line,
                    id,
                    first_line: catalogue.entries[first].line,
                });
                continue;
            }
            catalogue.by_id.insert(id.clone(), catalogue.entries.len());
            catalogue.entries.push(CatalogueEntry {
                id,
                area: area.trim().to_owned(),
                procedure: procedure.trim().to_owned(),
                line,
            });
        }
        if errors.is_empty() {
            Ok(catalogue)
        } else {
            Err(errors)
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn entries(&self) -> &[CatalogueEntry] {
        &self.entries
    }

    pub fn get(&self, id: &ProcedureId) -> Option<&CatalogueEntry> {
        self.by_id.get(id).map(|&i| &self.entries[i])
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The areas in the order they first appear.
    pub fn areas(&self) -> Vec<&str> {
        let mut areas: Vec<&str> = Vec::new();
        for entry in &self.entries {
            if !areas.contains(&entry.area.as_str()) {
                areas.push(&entry.area);
            }
        }
        areas
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn procedure_ids() {
        let cases = [
            ("identita.cie-rilascio", true),
            ("stato-civile.dat", true),
            ("identita", false),
            ("Identita.cie", false),
            ("identita.", false),
            (".cie", false),
            ("identita.cie rilascio", false),
            ("identita.-cie", false),
        ];
        for (text, valid) in cases {
            assert_eq!(ProcedureId::parse(text).is_ok(), valid, "{text}");
        }
        let id = ProcedureId::parse("stato-civile.dat").unwrap();
        assert_eq!((id.area(), id.slug()), ("stato-civile", "dat"));
    }

    #[test]
    fn catalogue_errors_name_the_line() {
        let text = "id\tarea\tprocedure\nanagrafe.aire\tanagrafe\tAIRE\nanagrafe.aire\tanagrafe\tAIRE\nx\ty\nscuola.nido\tanagrafe\tNido\n";
        let errors = Catalogue::parse(Path::new("c.tsv"), text).unwrap_err();
        let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            messages,
            [
                "c.tsv:3: id `anagrafe.aire` already listed on line 2",
                "c.tsv:4: expected three tab-separated columns (id, area, procedure)",
                "c.tsv:5: area `anagrafe` is not the prefix of id `scuola.nido`",
            ]
        );
    }

    #[test]
    fn the_shipped_catalogue_parses() {
        let text = include_str!("../catalogue.tsv");
        let catalogue = Catalogue::parse(Path::new("catalogue.tsv"), text).unwrap();
        assert_eq!(catalogue.len(), 103);
        assert_eq!(catalogue.areas().len(), 13);
    }
}

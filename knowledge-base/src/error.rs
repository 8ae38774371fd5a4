//! What can be wrong with the knowledge base on disk. Every problem names the file and the
//! line to fix; the loader collects all of them instead of stopping at the first.

use std::fmt;
use std::path::PathBuf;

use crate::catalogue::{CatalogueError, ProcedureId};
use crate::procedure::Section;

/// One problem in the content or the catalogue.
#[derive(Debug, thiserror::Error)]
pub enum ContentError {
    #[error("{}: cannot read: {source}", file.display())]
    Unreadable {
        file: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Catalogue(#[from] CatalogueError),
    #[error("{}:1: the file must start with a `+++` line opening the TOML front matter", file.display())]
    MissingFrontMatter { file: PathBuf },
    #[error("{}:{line}: the front matter opened here is never closed by a `+++` line", file.display())]
    UnclosedFrontMatter { file: PathBuf, line: usize },
    #[error("{}:{line}: the front matter is not valid TOML: {message}", file.display())]
    FrontMatterSyntax {
        file: PathBuf,
        line: usize,
        message: String,
    },
    #[error("{}:{line}: the front matter has no `{key}`", file.display())]
    MissingKey {
        file: PathBuf,
        line: usize,
        key: &'static str,
    },
    #[error("{}:{line}: unknown front matter key `{key}`", file.display())]
    UnknownKey {
        file: PathBuf,
        line: usize,
        key: String,
    },
    #[error("{}:{line}: `{key}` {expected}", file.display())]
    BadValue {
        file: PathBuf,
        line: usize,
        key: &'static str,
        expected: &'static str,
    },
    #[error("{}:{line}: id `{id}` is not in the catalogue", file.display())]
    UnknownId {
        file: PathBuf,
        line: usize,
        id: String,
    },
    #[error("{}:{line}: id `{id}` is already used by {}", file.display(), other.display())]
    DuplicateId {
        file: PathBuf,
        line: usize,
        id: ProcedureId,
        other: PathBuf,
    },
    #[error("{}:{line}: a file with id `{id}` must be at {}", file.display(), expected.display())]
    MisplacedFile {
        file: PathBuf,
        line: usize,
        id: ProcedureId,
        expected: PathBuf,
    },
    #[error("{}:{line}: area `{area}` does not match id `{id}`", file.display())]
    AreaMismatch {
        file: PathBuf,
        line: usize,
        area: String,
        id: ProcedureId,
    },
    #[error("{}:{line}: procedure `{id}` has no content file (expected {})", catalogue.display(), expected.display())]
    MissingProcedure {
        catalogue: PathBuf,
        line: usize,
        id: ProcedureId,
        expected: PathBuf,
    },
    #[error("{}:{line}: section `## {section}` is missing (expected here)", file.display())]
    MissingSection {
        file: PathBuf,
        line: usize,
        section: Section,
    },
    #[error("{}:{line}: unexpected section `## {heading}` (the sections are: {})", file.display(), SectionList)]
    UnexpectedSection {
        file: PathBuf,
        line: usize,
        heading: String,
    },
    #[error("{}:{line}: section `## {section}` appears a second time", file.display())]
    DuplicateSection {
        file: PathBuf,
        line: usize,
        section: Section,
    },
    #[error("{}:{line}: section `## {section}` must come before `## {before}`", file.display())]
    SectionOutOfOrder {
        file: PathBuf,
        line: usize,
        section: Section,
        before: Section,
    },
    #[error("{}:{line}: section `## {section}` is empty (if nothing applies, say so in one sentence)", file.display())]
    EmptySection {
        file: PathBuf,
        line: usize,
        section: Section,
    },
    #[error("{}:{line}: the spoken answer has {words} words once placeholders are filled in; the limit is {limit}", file.display())]
    SpokenAnswerTooLong {
        file: PathBuf,
        line: usize,
        words: usize,
        limit: usize,
    },
    #[error("{}:{line}: placeholder `{{{{{key}}}}}` is not defined: add it to [knowledge_base.facts]", file.display())]
    UndefinedPlaceholder {
        file: PathBuf,
        line: usize,
        key: String,
    },
    #[error("{}:{line}: broken placeholder in «{text}»: write `{{{{key}}}}` with a snake_case key", file.display())]
    BrokenPlaceholder {
        file: PathBuf,
        line: usize,
        text: String,
    },
}

struct SectionList;

impl fmt::Display for SectionList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headings: Vec<String> = Section::ALL
            .iter()
            .map(|s| format!("## {}", s.heading()))
            .collect();
        f.write_str(&headings.join(", "))
    }
}

impl ContentError {
    /// The file the problem is in.
    pub fn file(&self) -> PathBuf {
        match self {
            ContentError::Catalogue(error) => match error {
                CatalogueError::BadHeader { file, .. }
                | CatalogueError::BadColumns { file, .. }
                | CatalogueError::BadId { file, .. }
                | CatalogueError::AreaMismatch { file, .. }
                | CatalogueError::DuplicateId { file, .. } => file.clone(),
            },
            ContentError::MissingProcedure { catalogue, .. } => catalogue.clone(),
            ContentError::Unreadable { file, .. }
            | ContentError::MissingFrontMatter { file }
            | ContentError::UnclosedFrontMatter { file, .. }
            | ContentError::FrontMatterSyntax { file, .. }
            | ContentError::MissingKey { file, .. }
            | ContentError::UnknownKey { file, .. }
            | ContentError::BadValue { file, .. }
            | ContentError::UnknownId { file, .. }
            | ContentError::DuplicateId { file, .. }
            | ContentError::MisplacedFile { file, .. }
            | ContentError::AreaMismatch { file, .. }
            | ContentError::MissingSection { file, .. }
            | ContentError::UnexpectedSection { file, .. }
            | ContentError::DuplicateSection { file, .. }
            | ContentError::SectionOutOfOrder { file, .. }
            | ContentError::EmptySection { file, .. }
            | ContentError::SpokenAnswerTooLong { file, .. }
            | ContentError::UndefinedPlaceholder { file, .. }
            | ContentError::BrokenPlaceholder { file, .. } => file.clone(),
        }
    }
}

/// The knowledge base could not be loaded: every problem found, in file order.
#[derive(Debug, thiserror::Error)]
pub struct LoadError {
    pub problems: Vec<ContentError>,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.problems.len();
        write!(
            f,
            "the knowledge base has {count} problem{}:",
            if count == 1 { "" } else { "s" }
        )?;
        for problem in &self.problems {
            write!(f, "\n  {problem}")?;
        }
        Ok(())
    }
}

impl LoadError {
    /// The catalogue ids that have no content file (what the writers still owe).
    pub fn missing_procedures(&self) -> Vec<&ProcedureId> {
        self.problems
            .iter()
            .filter_map(|p| match p {
                ContentError::MissingProcedure { id, .. } => Some(id),
                _ => None,
            })
            .collect()
    }
}

//! One content file parsed: the TOML front matter between `+++` lines and the seven `## `
//! sections, each value with the line it came from. Pure: text in, document or problems out.

use std::path::Path;

use crate::error::ContentError;
use crate::procedure::{Appointment, Section, ServiceLine};

/// A value and the file line it was read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located<T> {
    pub value: T,
    pub line: usize,
}

/// The front matter, every key present and well typed.
#[derive(Debug, Clone)]
pub struct FrontMatter {
    pub id: Located<String>,
    pub area: Located<String>,
    pub title: Located<String>,
    pub spoken_title: Located<String>,
    pub menu_title: Located<String>,
    pub line: Located<ServiceLine>,
    pub appointment: Located<Appointment>,
    pub keywords: Located<Vec<String>>,
    pub questions: Located<Vec<String>>,
}

/// A section's Markdown and the line of its first body line.
#[derive(Debug, Clone)]
pub struct SectionText {
    pub heading_line: usize,
    pub first_line: usize,
    pub text: String,
}

/// A content file, parsed.
#[derive(Debug, Clone)]
pub struct Document {
    pub front: FrontMatter,
    /// In [`Section::ALL`] order.
    pub sections: [SectionText; 7],
}

const KEYS: [&str; 9] = [
    "id",
    "area",
    "title",
    "spoken_title",
    "menu_title",
    "line",
    "appointment",
    "keywords",
    "questions",
];

/// Parses a content file; `file` only names it in the problems.
pub fn parse(file: &Path, text: &str) -> Result<Document, Vec<ContentError>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines: Vec<&str> = text.lines().collect();
    let Some(open) = lines.iter().position(|l| !l.trim().is_empty()) else {
        return Err(vec![ContentError::MissingFrontMatter {
            file: file.to_path_buf(),
        }]);
    };
    if lines[open].trim_end() != "+++" {
        return Err(vec![ContentError::MissingFrontMatter {
            file: file.to_path_buf(),
        }]);
    }
    let Some(close) = (open + 1..lines.len()).find(|&i| lines[i].trim_end() == "+++") else {
        return Err(vec![ContentError::UnclosedFrontMatter {
            file: file.to_path_buf(),
            line: open + 1,
        }]);
    };
    // Line numbers are 1-based: lines[i] is line i + 1.
    let front_lines = &lines[open + 1..close];
    let mut problems = Vec::new();
    let front = front_matter(file, front_lines, open + 2, &mut problems);
    let sections = sections(file, &lines, close + 1, &mut problems);
    match (front, sections) {
        (Some(front), Some(sections)) if problems.is_empty() => Ok(Document { front, sections }),
        _ => Err(problems),
    }
}

fn front_matter(
    file: &Path,
    lines: &[&str],
    first_line: usize,
    problems: &mut Vec<ContentError>,
) -> Option<FrontMatter> {
    let source = lines.join("\n");
    let table = match source.parse::<toml::Table>() {
        Ok(table) => table,
        Err(error) => {
            let offset = error.span().map_or(0, |span| span.start);
            let line = first_line + source[..offset.min(source.len())].matches('\n').count();
            problems.push(ContentError::FrontMatterSyntax {
                file: file.to_path_buf(),
                line,
                message: error.message().trim().to_owned(),
            });
            return None;
        }
    };
    let key_line = |key: &str| -> usize {
        lines
            .iter()
            .position(|l| {
                l.trim_start()
                    .strip_prefix(key)
                    .is_some_and(|rest| rest.trim_start().starts_with('='))
            })
            .map_or(first_line, |i| first_line + i)
    };
    for key in table.keys() {
        if !KEYS.contains(&key.as_str()) {
            problems.push(ContentError::UnknownKey {
                file: file.to_path_buf(),
                line: key_line(key),
                key: key.clone(),
            });
        }
    }
    let mut reader = Reader {
        file,
        table: &table,
        problems,
        key_line: &key_line,
        missing_line: first_line.saturating_sub(1),
    };
    let id = reader.string("id");
    let area = reader.string("area");
    let title = reader.string("title");
    let spoken_title = reader.string("spoken_title");
    let menu_title = reader.string("menu_title");
    let line = reader.string("line").and_then(|l| {
        reader.map(
            "line",
            l,
            ServiceLine::parse,
            "must be one of anagrafe, tributi, sociale, tecnico, protocollo",
        )
    });
    let appointment = reader.string("appointment").and_then(|a| {
        reader.map(
            "appointment",
            a,
            Appointment::parse,
            "must be \"obbligatorio\", \"consigliato\" or \"non necessario\"",
        )
    });
    let keywords = reader.strings("keywords");
    let questions = reader.strings("questions");
    Some(FrontMatter {
        id: id?,
        area: area?,
        title: title?,
        spoken_title: spoken_title?,
        menu_title: menu_title?,
        line: line?,
        appointment: appointment?,
        keywords: keywords?,
        questions: questions?,
    })
}

struct Reader<'a, F: Fn(&str) -> usize> {
    file: &'a Path,
    table: &'a toml::Table,
    problems: &'a mut Vec<ContentError>,
    key_line: &'a F,
    missing_line: usize,
}

impl<F: Fn(&str) -> usize> Reader<'_, F> {
    fn bad(&mut self, key: &'static str, expected: &'static str) {
        self.problems.push(ContentError::BadValue {
            file: self.file.to_path_buf(),
            line: (self.key_line)(key),
            key,
            expected,
        });
    }

    fn value(&mut self, key: &'static str) -> Option<&toml::Value> {
        let value = self.table.get(key);
        if value.is_none() {
            self.problems.push(ContentError::MissingKey {
                file: self.file.to_path_buf(),
                line: self.missing_line,
                key,
            });
        }
        value
    }

    fn string(&mut self, key: &'static str) -> Option<Located<String>> {
        let value = self.value(key)?.as_str().map(str::trim).map(str::to_owned);
        match value {
            Some(value) if !value.is_empty() => Some(Located {
                value,
                line: (self.key_line)(key),
            }),
            _ => {
                self.bad(key, "must be a non-empty string");
                None
            }
        }
    }

    fn strings(&mut self, key: &'static str) -> Option<Located<Vec<String>>> {
        let array = self.value(key)?.as_array().cloned();
        let strings: Option<Vec<String>> = array.and_then(|a| {
            a.iter()
                .map(|v| v.as_str().map(|s| s.trim().to_owned()))
                .collect()
        });
        match strings {
            Some(strings) if !strings.is_empty() && strings.iter().all(|s| !s.is_empty()) => {
                Some(Located {
                    value: strings,
                    line: (self.key_line)(key),
                })
            }
            _ => {
                self.bad(key, "must be a non-empty list of non-empty strings");
                None
            }
        }
    }

    fn map<T>(
        &mut self,
        key: &'static str,
        text: Located<String>,
        parse: fn(&str) -> Option<T>,
        expected: &'static str,
    ) -> Option<Located<T>> {
        match parse(&text.value) {
            Some(value) => Some(Located {
                value,
                line: text.line,
            }),
            None => {
                self.bad(key, expected);
                None
            }
        }
    }
}

/// Splits the body (from index `start` of `lines`) into the seven sections.
fn sections(
    file: &Path,
    lines: &[&str],
    start: usize,
    problems: &mut Vec<ContentError>,
) -> Option<[SectionText; 7]> {
    let before = problems.len();
    let mut found: [Option<SectionText>; 7] = Default::default();
    let mut current: Option<Section> = None;
    let mut last_index: Option<usize> = None;
    for (i, raw) in lines.iter().enumerate().skip(start) {
        let line = i + 1;
        if let Some(heading) = raw.strip_prefix("## ") {
            let heading = heading.trim();
            let Some(section) = Section::from_heading(heading) else {
                problems.push(ContentError::UnexpectedSection {
                    file: file.to_path_buf(),
                    line,
                    heading: heading.to_owned(),
                });
                current = None;
                continue;
            };
            if found[section.index()].is_some() {
                problems.push(ContentError::DuplicateSection {
                    file: file.to_path_buf(),
                    line,
                    section,
                });
                current = None;
                continue;
            }
            if let Some(last) = last_index.filter(|&last| last > section.index()) {
                problems.push(ContentError::SectionOutOfOrder {
                    file: file.to_path_buf(),
                    line,
                    section,
                    before: Section::ALL[last],
                });
            }
            last_index = Some(last_index.map_or(section.index(), |l| l.max(section.index())));
            found[section.index()] = Some(SectionText {
                heading_line: line,
                first_line: line + 1,
                text: String::new(),
            });
            current = Some(section);
            continue;
        }
        if let Some(section) = current
            && let Some(text) = found[section.index()].as_mut()
        {
            text.text.push_str(raw);
            text.text.push('\n');
        }
    }
    let end_line = lines.len() + 1;
    for section in Section::ALL {
        match &mut found[section.index()] {
            None => {
                // Name the line where it should have been: the next present section's heading.
                let line = Section::ALL[section.index() + 1..]
                    .iter()
                    .find_map(|s| found[s.index()].as_ref().map(|t| t.heading_line))
                    .unwrap_or(end_line);
                problems.push(ContentError::MissingSection {
                    file: file.to_path_buf(),
                    line,
                    section,
                });
            }
            Some(text) => {
                let leading = text
                    .text
                    .lines()
                    .take_while(|l| l.trim().is_empty())
                    .count();
                text.first_line += leading;
                let body: Vec<&str> = text.text.lines().skip(leading).collect();
                text.text = body.join("\n").trim_end().to_owned();
                if text.text.trim().is_empty() {
                    problems.push(ContentError::EmptySection {
                        file: file.to_path_buf(),
                        line: text.heading_line,
                        section,
                    });
                }
            }
        }
    }
    if problems.len() > before {
        return None;
    }
    let sections = found.map(|s| {
        s.unwrap_or(SectionText {
            heading_line: 0,
            first_line: 0,
            text: String::new(),
        })
    });
    Some(sections)
}

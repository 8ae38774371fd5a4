//! A loaded procedure: its front matter, its seven sections with the local facts filled in,
//! and the same sections as plain text ready for the phone voice.

use std::fmt;
use std::path::PathBuf;

use serde::Serialize;

use crate::catalogue::ProcedureId;
use crate::speech;

/// The seven sections of a content file, in the order they must appear.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Section {
    /// `## Risposta`: the complete spoken answer.
    Risposta,
    /// `## Documenti`
    Documenti,
    /// `## Costi`
    Costi,
    /// `## Tempi`
    Tempi,
    /// `## Come prenotare`
    ComePrenotare,
    /// `## Dove`
    Dove,
    /// `## Testo completo`: the written text for clerks and the web (Markdown).
    TestoCompleto,
}

impl Section {
    pub const ALL: [Section; 7] = [
        Section::Risposta,
        Section::Documenti,
        Section::Costi,
        Section::Tempi,
        Section::ComePrenotare,
        Section::Dove,
        Section::TestoCompleto,
    ];

    /// The deeper sections a caller can ask for after the answer.
    pub const DEEPER: [Section; 5] = [
        Section::Documenti,
        Section::Costi,
        Section::Tempi,
        Section::ComePrenotare,
        Section::Dove,
    ];

    /// The heading text after `## `.
    pub fn heading(self) -> &'static str {
        match self {
            Section::Risposta => "Risposta",
            Section::Documenti => "Documenti",
            Section::Costi => "Costi",
            Section::Tempi => "Tempi",
            Section::ComePrenotare => "Come prenotare",
            Section::Dove => "Dove",
            Section::TestoCompleto => "Testo completo",
        }
    }

    /// The name used in URLs and JSON (`come-prenotare`).
    pub fn slug(self) -> &'static str {
        match self {
            Section::Risposta => "risposta",
            Section::Documenti => "documenti",
            Section::Costi => "costi",
            Section::Tempi => "tempi",
            Section::ComePrenotare => "come-prenotare",
            Section::Dove => "dove",
            Section::TestoCompleto => "testo-completo",
        }
    }

    pub fn from_heading(heading: &str) -> Option<Section> {
        Section::ALL.into_iter().find(|s| s.heading() == heading)
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Section {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.heading())
    }
}

/// The service line that handles a procedure at the counter and for consultations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ServiceLine {
    Anagrafe,
    Tributi,
    Sociale,
    Tecnico,
    Protocollo,
}

impl ServiceLine {
    pub const ALL: [ServiceLine; 5] = [
        ServiceLine::Anagrafe,
        ServiceLine::Tributi,
        ServiceLine::Sociale,
        ServiceLine::Tecnico,
        ServiceLine::Protocollo,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ServiceLine::Anagrafe => "anagrafe",
            ServiceLine::Tributi => "tributi",
            ServiceLine::Sociale => "sociale",
            ServiceLine::Tecnico => "tecnico",
            ServiceLine::Protocollo => "protocollo",
        }
    }

    pub fn parse(text: &str) -> Option<ServiceLine> {
        ServiceLine::ALL.into_iter().find(|l| l.as_str() == text)
    }
}

/// Whether the procedure needs a consultation appointment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Appointment {
    #[serde(rename = "obbligatorio")]
    Required,
    #[serde(rename = "consigliato")]
    Recommended,
    #[serde(rename = "non necessario")]
    NotNeeded,
}

impl Appointment {
    pub const ALL: [Appointment; 3] = [
        Appointment::Required,
        Appointment::Recommended,
        Appointment::NotNeeded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Appointment::Required => "obbligatorio",
            Appointment::Recommended => "consigliato",
            Appointment::NotNeeded => "non necessario",
        }
    }

    pub fn parse(text: &str) -> Option<Appointment> {
        Appointment::ALL.into_iter().find(|a| a.as_str() == text)
    }
}

/// One procedure, validated, with every placeholder filled in.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct Procedure {
    pub id: ProcedureId,
    pub area: String,
    pub title: String,
    /// What the phone says in "Vuole informazioni su ...?" (with its article).
    pub spoken_title: String,
    /// What the keypad menu says after "per ... prema 3".
    pub menu_title: String,
    /// The procedure as the catalogue names it.
    pub catalogue_name: String,
    pub line: ServiceLine,
    pub appointment: Appointment,
    pub keywords: Vec<String>,
    pub questions: Vec<String>,
    /// The Markdown of each section, in [`Section::ALL`] order.
    #[serde(skip)]
    pub sections: [String; 7],
    /// The sections as plain sentences for the phone voice, in [`Section::ALL`] order.
    #[serde(skip)]
    pub spoken: [String; 7],
    #[serde(skip)]
    pub source: PathBuf,
}

impl Procedure {
    /// The Markdown of a section (placeholders filled in).
    pub fn section(&self, section: Section) -> &str {
        &self.sections[section.index()]
    }

    /// A section as plain text ready for text-to-speech: no Markdown, list items as sentences.
    pub fn spoken(&self, section: Section) -> &str {
        &self.spoken[section.index()]
    }

    /// The spoken answer (the `## Risposta` section).
    pub fn spoken_answer(&self) -> &str {
        self.spoken(Section::Risposta)
    }

    /// The full written text (Markdown) for clerks and the web page.
    pub fn full_text(&self) -> &str {
        self.section(Section::TestoCompleto)
    }

    pub(crate) fn compose_spoken(sections: &[String; 7]) -> [String; 7] {
        std::array::from_fn(|i| speech::to_spoken(&sections[i]))
    }
}

#[cfg(test)]
impl Procedure {
    /// A procedure with placeholder text, for unit tests.
    pub(crate) fn for_test(id: &str, menu_title: &str) -> Procedure {
        let id = ProcedureId::parse(id).unwrap();
        let sections: [String; 7] = std::array::from_fn(|i| format!("Sezione {i}."));
        Procedure {
            area: id.area().to_owned(),
            title: menu_title.to_owned(),
            spoken_title: menu_title.to_lowercase(),
            menu_title: menu_title.to_owned(),
            catalogue_name: menu_title.to_owned(),
            line: ServiceLine::Anagrafe,
            appointment: Appointment::NotNeeded,
            keywords: Vec::new(),
            questions: Vec::new(),
            spoken: Procedure::compose_spoken(&sections),
            sections,
            source: PathBuf::new(),
            id,
        }
    }
}

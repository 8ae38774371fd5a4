//! What the phone dialog does with a search result: answer at once, ask the caller to
//! confirm, or offer the best three on the keypad.
//!
//! The thresholds were set on the evaluation questions (`eval/questions.tsv`, see
//! BENCHMARKS.md): an immediate answer must almost never be the wrong procedure, a
//! confirmation costs the caller one "sì", and a choice among three costs a keypress.
//!
//! | decision | when |
//! | --- | --- |
//! | [`DecisionKind::Answer`] | confidence ≥ [`ANSWER_CONFIDENCE`], margin ≥ [`ANSWER_MARGIN`] and, when speech was recognised, recogniser confidence ≥ [`ANSWER_RECOGNISER`] |
//! | [`DecisionKind::Confirm`] | otherwise, confidence ≥ [`CONFIRM_CONFIDENCE`] and margin ≥ [`CONFIRM_MARGIN`] |
//! | [`DecisionKind::ChooseAmong`] | otherwise, when there is at least one hit |
//! | [`DecisionKind::NoMatch`] | no hit, or the best confidence under [`NO_MATCH_CONFIDENCE`] |

use serde::Serialize;

use crate::catalogue::ProcedureId;

/// Answer at once from this confidence...
pub const ANSWER_CONFIDENCE: f32 = 0.70;
/// ...with at least this lead over the runner-up...
pub const ANSWER_MARGIN: f32 = 0.15;
/// ...and, for speech, at least this recogniser confidence.
pub const ANSWER_RECOGNISER: f32 = 0.60;
/// Ask "Vuole informazioni su ...?" from this confidence...
pub const CONFIRM_CONFIDENCE: f32 = 0.40;
/// ...with at least this lead over the runner-up.
pub const CONFIRM_MARGIN: f32 = 0.05;
/// Below this confidence nothing was understood: ask again or go to the keypad menu.
pub const NO_MATCH_CONFIDENCE: f32 = 0.15;

/// The decision without the procedures it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DecisionKind {
    Answer,
    Confirm,
    ChooseAmong,
    NoMatch,
}

/// The decision with its procedures. In JSON: `{"kind": "answer", "ids": ["..."]}`, `ids`
/// always a list (one id to answer or confirm, up to three to choose among, none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Read this procedure's answer.
    Answer(ProcedureId),
    /// Ask whether the caller means this procedure.
    Confirm(ProcedureId),
    /// Offer these (at most three, best first) on the keypad.
    ChooseAmong(Vec<ProcedureId>),
    /// Nothing fits: ask again or offer the menu.
    NoMatch,
}

impl Serialize for Decision {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct as _;
        let mut state = serializer.serialize_struct("Decision", 2)?;
        state.serialize_field("kind", &self.kind())?;
        state.serialize_field("ids", &self.ids())?;
        state.end()
    }
}

impl Decision {
    /// The procedures the decision names, best first.
    pub fn ids(&self) -> &[ProcedureId] {
        match self {
            Decision::Answer(id) | Decision::Confirm(id) => std::slice::from_ref(id),
            Decision::ChooseAmong(ids) => ids,
            Decision::NoMatch => &[],
        }
    }

    pub fn kind(&self) -> DecisionKind {
        match self {
            Decision::Answer(_) => DecisionKind::Answer,
            Decision::Confirm(_) => DecisionKind::Confirm,
            Decision::ChooseAmong(_) => DecisionKind::ChooseAmong,
            Decision::NoMatch => DecisionKind::NoMatch,
        }
    }
}

/// Decides from the best hit's confidence, its margin over the runner-up and, for speech, the
/// recogniser's confidence (all 0..1).
pub fn decide(confidence: f32, margin: f32, recogniser: Option<f32>) -> DecisionKind {
    let heard_well = recogniser.is_none_or(|r| r >= ANSWER_RECOGNISER);
    if confidence < NO_MATCH_CONFIDENCE {
        DecisionKind::NoMatch
    } else if confidence >= ANSWER_CONFIDENCE && margin >= ANSWER_MARGIN && heard_well {
        DecisionKind::Answer
    } else if confidence >= CONFIRM_CONFIDENCE && margin >= CONFIRM_MARGIN {
        DecisionKind::Confirm
    } else {
        DecisionKind::ChooseAmong
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_always_has_a_list_of_ids() {
        let id = ProcedureId::parse("identita.spid").unwrap();
        let cases = [
            (
                Decision::Answer(id.clone()),
                r#"{"kind":"answer","ids":["identita.spid"]}"#,
            ),
            (
                Decision::Confirm(id.clone()),
                r#"{"kind":"confirm","ids":["identita.spid"]}"#,
            ),
            (
                Decision::ChooseAmong(vec![id.clone(), id]),
                r#"{"kind":"choose_among","ids":["identita.spid","identita.spid"]}"#,
            ),
            (Decision::NoMatch, r#"{"kind":"no_match","ids":[]}"#),
        ];
        for (decision, json) in cases {
            assert_eq!(serde_json::to_string(&decision).unwrap(), json);
        }
    }

    #[test]
    fn thresholds() {
        use DecisionKind::*;
        let cases = [
            (0.95, 0.50, None, Answer),
            (0.95, 0.50, Some(0.9), Answer),
            (0.95, 0.50, Some(0.3), Confirm),
            (0.70, 0.15, None, Answer),
            (0.69, 0.50, None, Confirm),
            (0.90, 0.14, None, Confirm),
            (0.90, 0.04, None, ChooseAmong),
            (0.40, 0.05, None, Confirm),
            (0.39, 0.30, None, ChooseAmong),
            (0.15, 0.00, None, ChooseAmong),
            (0.14, 0.14, None, NoMatch),
            (0.0, 0.0, Some(1.0), NoMatch),
        ];
        for (confidence, margin, recogniser, expected) in cases {
            assert_eq!(
                decide(confidence, margin, recogniser),
                expected,
                "{confidence} {margin} {recogniser:?}"
            );
        }
    }
}

//! The phone dialog of Sportello.
//!
//! A dialog is written as the conversation the caller hears: say this, collect keys, branch.
//! It talks to the caller only through [`Channel`], so every flow can be tested with a scripted
//! fake caller and virtual time, with no SIP, RTP or socket in sight. The SIP gateway provides
//! the real implementation of [`Channel`] over a call and starts the dialog with [`run_call`].
//!
//! - [`channel`]: the call as the dialog sees it (play a prompt, collect keys, hang up).
//! - [`dialog`]: the runner ([`run_call`], [`DialogContext`], [`CallOutcome`]) and the verbs
//!   flows are written with.
//! - `flows`: the conversation itself (welcome, main menu, branches), one flow per file.
//! - [`speech`]: Italian text normalisation, speech synthesis (espeak-ng), prompts, WAV files.
//! - [`recognition`]: listening to the caller (end of utterance) and speech recognition on a
//!   bounded worker pool; whisper.cpp with the cargo feature `speech`.
//! - [`audio`]: G.711, resampling and levels, pure functions over samples.
//! - [`testing`]: a fake caller and a fake voice for dialog tests in virtual time.
//!
//! Nothing here opens a socket: ivr depends on ticketing (calendar, clock, tickets, agenda,
//! callbacks) and the knowledge base (answers, keypad menu), and knows no SIP.

pub mod audio;
pub mod channel;
pub mod dialog;
mod flows;
pub mod recognition;
pub mod speech;
pub mod testing;

pub use channel::{
    AnswerNotice, BargeIn, Channel, ChannelError, Connection, Key, KeyCollection, KeyRequest,
    OperatorLeg, Party, Playback,
};
pub use dialog::{
    CallInfo, CallOutcome, DialogContext, DialogSettings, Question, Services, run_call,
    run_call_with, run_question,
};
pub use flows::fixed_sentences;

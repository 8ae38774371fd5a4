//! The knowledge base over HTTP: the JSON API under `/api/kb` and the public Italian page
//! `/informazioni`, served from the handle's current knowledge base.

mod api;
mod page;
mod problem;

use axum::Router;
use axum::routing::get;

use crate::handle::KnowledgeBaseHandle;

pub use problem::Problem;

/// The routes of the knowledge base, to be merged into the product's router.
///
/// | route | what |
/// | --- | --- |
/// | `GET /api/kb/search?q=...&limit=5` | hits (id, title, confidence, margin) and the phone decision |
/// | `GET /api/kb/procedures` | every procedure, in catalogue order |
/// | `GET /api/kb/procedures/{id}` | one procedure with all its sections, written and spoken |
/// | `GET /api/kb/menu` | the keypad menu tree |
/// | `GET /api/kb/status` | loaded count, last reload, last error |
/// | `GET /informazioni?q=...` | the public search page |
/// | `GET /informazioni/{id}` | the public page of one procedure |
pub fn router(kb: KnowledgeBaseHandle) -> Router {
    Router::new()
        .route("/api/kb/search", get(api::search))
        .route("/api/kb/procedures", get(api::procedures))
        .route("/api/kb/procedures/{id}", get(api::procedure))
        .route("/api/kb/menu", get(api::menu))
        .route("/api/kb/status", get(api::status))
        .route("/informazioni", get(page::search))
        .route("/informazioni/{id}", get(page::procedure))
        .with_state(kb)
}

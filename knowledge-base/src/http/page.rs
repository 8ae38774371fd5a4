//! The public page `/informazioni`: search the answers and read a procedure. Plain
//! server-rendered HTML in Italian: works without JavaScript, labelled form, one `<h1>` per
//! page, every piece of content escaped, the full text rendered by [`crate::markdown`].

use std::fmt::Write as _;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

use crate::handle::KnowledgeBaseHandle;
use crate::knowledge_base::KnowledgeBase;
use crate::markdown::{escape_html, to_html};
use crate::menu::{Areas, MenuItem};
use crate::procedure::{Appointment, Section};

const RESULTS: usize = 8;
const MAX_QUESTION_CHARS: usize = 500;

#[derive(Debug, Deserialize)]
pub(super) struct SearchParams {
    q: Option<String>,
}

pub(super) async fn search(
    State(kb): State<KnowledgeBaseHandle>,
    params: Result<Query<SearchParams>, QueryRejection>,
) -> Html<String> {
    let question: String = params
        .ok()
        .and_then(|Query(p)| p.q)
        .unwrap_or_default()
        .trim()
        .chars()
        .take(MAX_QUESTION_CHARS)
        .collect();
    let current = kb.current();
    let mut body = String::new();
    body.push_str("<h1>Informazioni</h1>\n");
    body.push_str(
        "<p>Cerchi la pratica che le interessa: scriva la domanda con parole sue, per esempio \
         «quanto costa la carta d'identità» o «cambio di residenza».</p>\n",
    );
    search_form(&mut body, &question);
    if question.is_empty() {
        all_procedures(&mut body, &current);
    } else {
        results(&mut body, &current, &question);
    }
    let title = if question.is_empty() {
        "Informazioni".to_owned()
    } else {
        format!("{question} — Informazioni")
    };
    Html(layout(&title, &body))
}

fn search_form(body: &mut String, question: &str) {
    let _ = write!(
        body,
        "<form method=\"get\" action=\"/informazioni\" role=\"search\">\n\
         <label for=\"q\">La sua domanda</label>\n\
         <input type=\"search\" id=\"q\" name=\"q\" value=\"{}\" maxlength=\"{MAX_QUESTION_CHARS}\" autocomplete=\"off\">\n\
         <button type=\"submit\">Cerca</button>\n\
         </form>\n",
        escape_html(question)
    );
}

fn results(body: &mut String, kb: &KnowledgeBase, question: &str) {
    let results = kb.search(question, RESULTS);
    let _ = writeln!(body, "<section aria-labelledby=\"risultati\">");
    let _ = writeln!(
        body,
        "<h2 id=\"risultati\">Risultati per «{}»</h2>",
        escape_html(question)
    );
    if results.hits.is_empty() {
        body.push_str(
            "<p>Nessuna pratica trovata. Provi con altre parole, oppure scelga dall'elenco \
             delle <a href=\"/informazioni\">pratiche per argomento</a>.</p>\n",
        );
    } else {
        body.push_str("<ol class=\"risultati\">\n");
        for hit in &results.hits {
            let summary = kb
                .procedure(hit.id.as_str())
                .map(|p| shorten(p.spoken(Section::Risposta), 240))
                .unwrap_or_default();
            let _ = writeln!(
                body,
                "<li><a href=\"/informazioni/{}\">{}</a><p>{}</p></li>",
                escape_html(hit.id.as_str()),
                escape_html(&hit.title),
                escape_html(&summary)
            );
        }
        body.push_str("</ol>\n");
    }
    body.push_str("</section>\n");
}

fn all_procedures(body: &mut String, kb: &KnowledgeBase) {
    let areas = Areas::shipped().unwrap_or_default();
    body.push_str("<h2>Tutte le pratiche per argomento</h2>\n");
    let mut pending: Vec<&MenuItem> = kb.menu().items.iter().rev().collect();
    while let Some(item) = pending.pop() {
        if item.area.is_some() {
            area_section(body, kb, &areas, item);
        } else {
            // The top "altre scelte": its areas one by one.
            pending.extend(item.children.iter().rev());
        }
    }
}

/// An area's procedures, the area's own "altre scelte" flattened.
fn area_section(body: &mut String, kb: &KnowledgeBase, areas: &Areas, item: &MenuItem) {
    let title = item
        .area
        .as_deref()
        .and_then(|a| areas.name(a))
        .map_or(item.title.as_str(), |n| n.title.as_str());
    let _ = writeln!(body, "<h3>{}</h3>\n<ul>", escape_html(title));
    let mut stack = vec![item];
    let mut leaves = Vec::new();
    while let Some(node) = stack.pop() {
        if let Some(id) = &node.procedure {
            leaves.push(id);
        }
        stack.extend(node.children.iter().rev());
    }
    for id in leaves {
        if let Some(procedure) = kb.procedure(id.as_str()) {
            let _ = writeln!(
                body,
                "<li><a href=\"/informazioni/{}\">{}</a></li>",
                escape_html(id.as_str()),
                escape_html(&procedure.title)
            );
        }
    }
    body.push_str("</ul>\n");
}

pub(super) async fn procedure(
    State(kb): State<KnowledgeBaseHandle>,
    Path(id): Path<String>,
) -> Response {
    let current = kb.current();
    let Some(procedure) = current.procedure(&id) else {
        let mut body = String::from("<h1>Pagina non trovata</h1>\n");
        let _ = writeln!(
            body,
            "<p>Non esiste una pratica «{}». Cerchi con parole sue:</p>",
            escape_html(&id)
        );
        search_form(&mut body, "");
        return (
            StatusCode::NOT_FOUND,
            Html(layout("Pagina non trovata", &body)),
        )
            .into_response();
    };
    let mut body = String::new();
    let _ = writeln!(body, "<h1>{}</h1>", escape_html(&procedure.title));
    let appointment = match procedure.appointment {
        Appointment::Required => "Serve l'appuntamento.",
        Appointment::Recommended => "L'appuntamento è consigliato.",
        Appointment::NotNeeded => "Non serve l'appuntamento.",
    };
    let _ = writeln!(
        body,
        "<p class=\"nota\">{} Ufficio: {}.</p>",
        appointment,
        escape_html(procedure.line.as_str())
    );
    body.push_str("<section aria-labelledby=\"in-breve\">\n<h2 id=\"in-breve\">In breve</h2>\n");
    body.push_str(&to_html(procedure.section(Section::Risposta), 3));
    body.push_str("</section>\n");
    for section in Section::DEEPER {
        let anchor = section.slug();
        let _ = writeln!(
            body,
            "<section aria-labelledby=\"{anchor}\">\n<h2 id=\"{anchor}\">{}</h2>",
            section.heading()
        );
        body.push_str(&to_html(procedure.section(section), 3));
        body.push_str("</section>\n");
    }
    body.push_str(
        "<section aria-labelledby=\"testo-completo\">\n<h2 id=\"testo-completo\">Testo completo</h2>\n",
    );
    body.push_str(&to_html(procedure.full_text(), 3));
    body.push_str("</section>\n");
    body.push_str("<h2>Un'altra domanda?</h2>\n");
    search_form(&mut body, "");
    Html(layout(&procedure.title, &body)).into_response()
}

fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let cut: String = text.chars().take(max).collect();
    let cut = cut.rfind(' ').map_or(cut.as_str(), |space| &cut[..space]);
    format!("{cut}…")
}

fn layout(title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"it\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
         <a class=\"salta\" href=\"#contenuto\">Vai al contenuto</a>\n\
         <header><p><a href=\"/informazioni\">Sportello polifunzionale: informazioni</a></p></header>\n\
         <main id=\"contenuto\">\n{body}</main>\n\
         <footer><p>Le informazioni valgono per questo ufficio. Per un appuntamento chiami lo sportello o lo prenoti al telefono.</p></footer>\n\
         </body>\n</html>\n",
        title = escape_html(title),
    )
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;line-height:1.5;max-width:48rem;margin:0 auto;padding:1rem;color:#1a1a1a;background:#fff}\
a{color:#0b4f9c}a:focus,button:focus,input:focus{outline:3px solid #f5a623;outline-offset:2px}\
.salta{position:absolute;left:-999px}.salta:focus{left:1rem;top:1rem;background:#fff;padding:.5rem}\
label{display:block;font-weight:600;margin-bottom:.25rem}\
input[type=search]{font-size:1.1rem;padding:.5rem;width:min(100%,30rem);border:2px solid #555;border-radius:4px}\
button{font-size:1.1rem;padding:.5rem 1rem;margin-left:.5rem;background:#0b4f9c;color:#fff;border:0;border-radius:4px}\
.risultati li{margin-bottom:1rem}.nota{background:#eef4fb;padding:.5rem;border-left:4px solid #0b4f9c}\
footer{margin-top:2rem;border-top:1px solid #ccc;font-size:.9rem;color:#444}";

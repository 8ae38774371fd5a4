//! The knowledge base on fixture content: every loader error (one fixture each under
//! `tests/fixtures/errors/`), the mini knowledge base (search, menu, answers), the HTTP
//! routes on a real server, and hot reload.

mod support;

use std::path::Path;
use std::time::Duration;

use knowledge_base::{
    ContentSource, Decision, KnowledgeBase, KnowledgeBaseError, KnowledgeBaseHandle, Section,
};
use support::{fixtures, mini_source};

fn error_case(case: &str) -> Vec<String> {
    let dir = fixtures().join("errors");
    let source = ContentSource {
        content_dir: dir.join(case),
        catalogue: dir.join("catalogue.tsv"),
        facts: support::facts_table(&fixtures().join("mini-facts.toml")).unwrap(),
    };
    match KnowledgeBase::load(&source) {
        Ok(_) => Vec::new(),
        Err(KnowledgeBaseError::Load(error)) => {
            let prefix = format!("{}/", dir.display());
            error
                .problems
                .iter()
                .map(|p| p.to_string().replace(&prefix, ""))
                .collect()
        }
        Err(other) => vec![other.to_string()],
    }
}

#[test]
fn loader_errors_name_file_and_line() {
    let cases: &[(&str, &[&str])] = &[
        ("valid", &[]),
        (
            "missing-front-matter",
            &[
                "missing-front-matter/identita/cie-rilascio.md:1: the file must start with a `+++` line opening the TOML front matter",
            ],
        ),
        (
            "unclosed-front-matter",
            &[
                "unclosed-front-matter/identita/cie-rilascio.md:1: the front matter opened here is never closed by a `+++` line",
            ],
        ),
        (
            "front-matter-syntax",
            &[
                "front-matter-syntax/identita/cie-rilascio.md:4: the front matter is not valid TOML: missing opening quote, expected `\"`",
            ],
        ),
        (
            "missing-key",
            &["missing-key/identita/cie-rilascio.md:1: the front matter has no `menu_title`"],
        ),
        (
            "unknown-key",
            &["unknown-key/identita/cie-rilascio.md:8: unknown front matter key `tags`"],
        ),
        (
            "bad-value",
            &[
                "bad-value/identita/cie-rilascio.md:7: `line` must be one of anagrafe, tributi, sociale, tecnico, protocollo",
                "bad-value/identita/cie-rilascio.md:8: `appointment` must be \"obbligatorio\", \"consigliato\" or \"non necessario\"",
            ],
        ),
        (
            "unknown-id",
            &[
                "unknown-id/identita/cie-nuova.md:2: id `identita.cie-nuova` is not in the catalogue",
                "catalogue.tsv:2: procedure `identita.cie-rilascio` has no content file (expected unknown-id/identita/cie-rilascio.md)",
            ],
        ),
        (
            "missing-procedure",
            &[
                "catalogue.tsv:2: procedure `identita.cie-rilascio` has no content file (expected missing-procedure/identita/cie-rilascio.md)",
            ],
        ),
        (
            "duplicate-id",
            &[
                "duplicate-id/identita/copia.md:2: id `identita.cie-rilascio` is already used by duplicate-id/identita/cie-rilascio.md",
                "duplicate-id/identita/copia.md:2: a file with id `identita.cie-rilascio` must be at duplicate-id/identita/cie-rilascio.md",
            ],
        ),
        (
            "misplaced-file",
            &[
                "misplaced-file/anagrafe/cie-rilascio.md:2: a file with id `identita.cie-rilascio` must be at misplaced-file/identita/cie-rilascio.md",
                "catalogue.tsv:2: procedure `identita.cie-rilascio` has no content file (expected misplaced-file/identita/cie-rilascio.md)",
            ],
        ),
        (
            "area-mismatch",
            &[
                "area-mismatch/identita/cie-rilascio.md:3: area `anagrafe` does not match id `identita.cie-rilascio`",
            ],
        ),
        (
            "missing-section",
            &[
                "missing-section/identita/cie-rilascio.md:33: section `## Tempi` is missing (expected here)",
            ],
        ),
        (
            "unexpected-section",
            &[
                "unexpected-section/identita/cie-rilascio.md:41: unexpected section `## Dove andare` (the sections are: ## Risposta, ## Documenti, ## Costi, ## Tempi, ## Come prenotare, ## Dove, ## Testo completo)",
                "unexpected-section/identita/cie-rilascio.md:45: section `## Dove` is missing (expected here)",
            ],
        ),
        (
            "duplicate-section",
            &[
                "duplicate-section/identita/cie-rilascio.md:45: section `## Costi` appears a second time",
            ],
        ),
        (
            "section-out-of-order",
            &[
                "section-out-of-order/identita/cie-rilascio.md:33: section `## Costi` must come before `## Tempi`",
            ],
        ),
        (
            "empty-section",
            &[
                "empty-section/identita/cie-rilascio.md:29: section `## Costi` is empty (if nothing applies, say so in one sentence)",
            ],
        ),
        (
            "spoken-answer-too-long",
            &[
                "spoken-answer-too-long/identita/cie-rilascio.md:19: the spoken answer has 124 words once placeholders are filled in; the limit is 110",
            ],
        ),
        (
            "undefined-placeholder",
            &[
                "undefined-placeholder/identita/cie-rilascio.md:39: placeholder `{{telefono_anagrafe}}` is not defined: add it to [knowledge_base.facts]",
            ],
        ),
        (
            "broken-placeholder",
            &[
                "broken-placeholder/identita/cie-rilascio.md:43: broken placeholder in «{{indirizzo}.»: write `{{key}}` with a snake_case key",
            ],
        ),
        (
            "many",
            &[
                "many/identita/cie-altra.md:41: unexpected section `## Altro` (the sections are: ## Risposta, ## Documenti, ## Costi, ## Tempi, ## Come prenotare, ## Dove, ## Testo completo)",
                "many/identita/cie-altra.md:45: section `## Dove` is missing (expected here)",
                "many/identita/cie-rilascio.md:7: `line` must be one of anagrafe, tributi, sociale, tecnico, protocollo",
            ],
        ),
    ];
    let mut failures = Vec::new();
    for (case, expected) in cases {
        let actual = error_case(case);
        if actual != *expected {
            failures.push(format!(
                "{case}:\n  expected {expected:#?}\n  actual   {actual:#?}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn mini() -> KnowledgeBase {
    KnowledgeBase::load(&mini_source()).expect("the mini fixture loads")
}

#[test]
fn placeholders_are_filled_and_sections_spoken() {
    let kb = mini();
    let cie = kb.procedure("identita.cie-rilascio").unwrap();
    assert!(cie.spoken_answer().starts_with(
        "La carta d'identità elettronica si chiede al Comune di Esempio su appuntamento."
    ));
    assert_eq!(
        cie.spoken(Section::Documenti),
        "La vecchia carta d'identità. Una fototessera recente. La tessera sanitaria."
    );
    assert_eq!(
        cie.spoken(Section::Dove),
        "All'ufficio anagrafe, in Piazza del Municipio 1, Esempio."
    );
    let certificati = kb.procedure("anagrafe.certificati").unwrap();
    assert!(certificati.spoken(Section::Costi).contains("0,52 euro"));
}

#[test]
fn search_finds_the_procedure_asked_about() {
    let kb = mini();
    let cases = [
        ("quanto costa la carta d'identità", "identita.cie-rilascio"),
        ("carta di identita scaduta", "identita.cie-rilascio"),
        ("ho perso la carta d'identità", "identita.cie-smarrimento"),
        ("mi hanno rubato il documento", "identita.cie-smarrimento"),
        ("il bollettino della spazzatura", "tributi.tari-pagamento"),
        ("la tari", "tributi.tari-pagamento"),
        ("residenza nuova casa", "anagrafe.cambio-residenza"),
        ("resisdenza", "anagrafe.cambio-residenza"),
        ("stato di famiglia", "anagrafe.certificati"),
        ("a che ora aprite", "sportello.orari"),
        ("quando è aperto il comune", "sportello.orari"),
    ];
    for (question, expected) in cases {
        let results = kb.search(question, 3);
        let first = results.hits.first().map(|h| h.id.as_str());
        assert_eq!(first, Some(expected), "{question}: {results:#?}");
        let best = &results.hits[0];
        assert!((0.0..=1.0).contains(&best.confidence), "{question}");
        assert!(
            best.margin >= 0.0 && best.margin <= best.confidence,
            "{question}"
        );
    }
}

#[test]
fn search_without_words_finds_nothing() {
    let kb = mini();
    for question in ["", "   ", "buongiorno vorrei sapere", "?!"] {
        let results = kb.search(question, 3);
        assert!(results.hits.is_empty(), "{question}: {results:?}");
        assert_eq!(results.decision(None), Decision::NoMatch);
    }
}

#[test]
fn clear_question_is_answered_and_vague_one_offers_a_choice() {
    let kb = mini();
    let clear = kb.search("ho perso la carta d'identità, serve la denuncia?", 5);
    assert!(
        matches!(clear.decision(None), Decision::Answer(ref id) if id.as_str() == "identita.cie-smarrimento"),
        "{clear:#?}"
    );
    let vague = kb.search("quanto costa", 5);
    assert!(
        matches!(vague.decision(None), Decision::ChooseAmong(ref ids) if ids.len() >= 2),
        "{vague:#?}"
    );
}

#[test]
fn menu_has_the_mini_areas() {
    let kb = mini();
    let spoken: Vec<&str> = kb.menu().items.iter().map(|i| i.spoken.as_str()).collect();
    assert_eq!(
        spoken,
        [
            "orari, appuntamenti e contatti",
            "anagrafe e certificati",
            "carta d'identità e SPID",
            "tributi, TARI e IMU"
        ]
    );
    let cie = kb.menu().find(&[3, 1]).unwrap();
    assert_eq!(cie.spoken, "Carta d'identità");
}

#[test]
fn evaluation_reports_ranks_and_misses() {
    let kb = mini();
    let tsv = "question\texpected\nla carta d'identità è scaduta\tidentita.cie-rilascio\n\
               ho perso la carta\tidentita.cie-smarrimento,identita.cie-rilascio\n\
               orari del cimitero\tanagrafe.certificati\n";
    let report = knowledge_base::evaluate(&kb, tsv).unwrap();
    assert_eq!((report.count, report.top1), (3, 2));
    assert_eq!(report.misses.len(), 1);
    assert_eq!(report.misses[0].line, 4);
    let text = report.to_string();
    assert!(text.contains("top-1: 2 (66.7 %)"), "{text}");

    let errors = [
        ("question\tid\n", knowledge_base::EvalError::BadHeader),
        (
            "question\texpected\nsolo domanda\n",
            knowledge_base::EvalError::BadLine { line: 2 },
        ),
        (
            "question\texpected\ndomanda\tnon.esiste\n",
            knowledge_base::EvalError::UnknownId {
                line: 2,
                id: "non.esiste".into(),
            },
        ),
        ("question\texpected\n", knowledge_base::EvalError::Empty),
    ];
    for (tsv, expected) in errors {
        assert_eq!(
            knowledge_base::evaluate(&kb, tsv).unwrap_err(),
            expected,
            "{tsv}"
        );
    }
}

/// The router on a real server (port 0).
async fn serve(handle: KnowledgeBaseHandle) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, knowledge_base::router(handle))
            .await
            .unwrap();
    });
    format!("http://{address}")
}

#[tokio::test]
async fn http_api_and_page() {
    let handle = KnowledgeBaseHandle::load(mini_source()).unwrap();
    let base = serve(handle).await;
    let client = reqwest::Client::new();

    let search: serde_json::Value = client
        .get(format!("{base}/api/kb/search"))
        .query(&[("q", "ho perso la carta d'identità")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        search["hits"][0]["id"], "identita.cie-smarrimento",
        "{search}"
    );
    assert!(search["hits"][0]["confidence"].as_f64().unwrap() > 0.0);
    assert!(search["hits"][0]["margin"].is_number());
    assert!(search["decision"]["kind"].is_string(), "{search}");
    assert!(search["decision"]["ids"].is_array(), "{search}");

    let missing = client
        .get(format!("{base}/api/kb/search"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 400);
    assert_eq!(
        missing.headers()["content-type"],
        "application/problem+json"
    );
    let problem: serde_json::Value = missing.json().await.unwrap();
    assert!(
        problem["detail"].as_str().unwrap().contains("parametro q"),
        "{problem}"
    );

    let list: serde_json::Value = client
        .get(format!("{base}/api/kb/procedures"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list.as_array().unwrap().len(), 6);

    let detail: serde_json::Value = client
        .get(format!("{base}/api/kb/procedures/identita.cie-rilascio"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(detail["appointment"], "obbligatorio");
    assert_eq!(
        detail["sections"]["documenti"]["spoken"],
        "La vecchia carta d'identità. Una fototessera recente. La tessera sanitaria."
    );

    let unknown = client
        .get(format!("{base}/api/kb/procedures/nessuna.pratica"))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    assert_eq!(
        unknown.headers()["content-type"],
        "application/problem+json"
    );

    let menu: serde_json::Value = client
        .get(format!("{base}/api/kb/menu"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(menu["items"][0]["key"], 1);

    let status: serde_json::Value = client
        .get(format!("{base}/api/kb/status"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(status["loaded"], 6);
    assert!(status["last_error"].is_null());

    let page = client
        .get(format!("{base}/informazioni"))
        .query(&[("q", "<b>carta</b> d'identità")])
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("<html lang=\"it\">"));
    assert!(html.contains("<label for=\"q\">"));
    assert!(
        html.contains("&lt;b&gt;carta&lt;/b&gt;"),
        "the question is escaped"
    );
    assert!(!html.contains("<b>carta</b>"));
    assert!(html.contains("href=\"/informazioni/identita.cie-rilascio\""));

    let index = client
        .get(format!("{base}/informazioni"))
        .send()
        .await
        .unwrap();
    let html = index.text().await.unwrap();
    assert!(html.contains("Tutte le pratiche per argomento"));
    assert!(html.contains("href=\"/informazioni/sportello.orari\""));

    let procedure = client
        .get(format!("{base}/informazioni/identita.cie-rilascio"))
        .send()
        .await
        .unwrap();
    let html = procedure.text().await.unwrap();
    assert!(html.contains("<h1>Carta d&#39;identità elettronica: primo rilascio e rinnovo</h1>"));
    assert!(html.contains("<strong>carta d&#39;identità elettronica</strong>"));
    assert!(html.contains("<h3>Che cos&#39;è</h3>"));
    assert!(!html.contains("<script>"), "raw HTML never passes through");
    assert!(html.contains("&lt;script&gt;"));

    let not_found = client
        .get(format!("{base}/informazioni/nessuna.pratica"))
        .send()
        .await
        .unwrap();
    assert_eq!(not_found.status(), 404);
    assert!(not_found.text().await.unwrap().contains("lang=\"it\""));
}

/// Copies the mini fixture into a fresh directory the test may edit.
fn editable_copy(name: &str) -> ContentSource {
    let root = std::env::temp_dir().join(format!("kb-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let mini = mini_source();
    copy_dir(&mini.content_dir, &root.join("content"));
    std::fs::copy(&mini.catalogue, root.join("catalogue.tsv")).unwrap();
    ContentSource {
        content_dir: root.join("content"),
        catalogue: root.join("catalogue.tsv"),
        facts: mini.facts,
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[tokio::test]
async fn hot_reload_serves_new_content_and_keeps_the_old_on_errors() {
    let source = editable_copy("reload");
    let handle = KnowledgeBaseHandle::load(source.clone()).unwrap();
    let cancel = tokio_util::sync::CancellationToken::new();
    let mut attempts = handle.subscribe();
    let watcher = tokio::spawn(knowledge_base::reload::watch(
        handle.clone(),
        Duration::from_millis(50),
        cancel.clone(),
    ));
    let orari = source.content_dir.join("sportello/orari.md");
    let original = std::fs::read_to_string(&orari).unwrap();

    // A good edit is served.
    std::fs::write(
        &orari,
        original.replace("Orari e sede dello sportello", "Orari nuovi"),
    )
    .unwrap();
    tokio::time::timeout(Duration::from_secs(10), attempts.changed())
        .await
        .expect("reloaded within 10 s")
        .unwrap();
    assert_eq!(
        handle.current().procedure("sportello.orari").unwrap().title,
        "Orari nuovi polifunzionale"
    );
    assert_eq!(handle.status().reloads, 1);

    // A bad edit keeps the previous content and reports the error.
    std::fs::write(&orari, original.replace("## Costi", "## Prezzi")).unwrap();
    tokio::time::timeout(Duration::from_secs(10), attempts.changed())
        .await
        .expect("reload attempted within 10 s")
        .unwrap();
    let status = handle.status();
    let error = status.last_error.expect("the error is reported");
    assert!(error.contains("orari.md:"), "{error}");
    assert!(error.contains("## Prezzi"), "{error}");
    assert_eq!(
        handle.current().procedure("sportello.orari").unwrap().title,
        "Orari nuovi polifunzionale"
    );
    assert_eq!(handle.current().procedures().len(), 6);

    cancel.cancel();
    tokio::time::timeout(Duration::from_secs(5), watcher)
        .await
        .expect("the watcher stops when cancelled")
        .unwrap();
    let _ = std::fs::remove_dir_all(source.content_dir.parent().unwrap());
}

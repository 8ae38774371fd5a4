//! The small Markdown subset of the content files, and a safe HTML renderer for it.
//!
//! Blocks: headings (`#` to `######`), paragraphs, lists (`- `, `* `, `+ `, `1. `), quotes
//! (`> `, rendered as paragraphs) and simple pipe tables (rendered as lists of rows).
//! Inline: `**bold**`, `*italic*` / `_italic_`, `` `code` `` and `[text](url)` (only the text
//! is kept). Everything else is text, and every character of text is escaped: no raw HTML
//! ever passes through.

/// A block of a Markdown document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    Heading { level: u8, text: String },
    Paragraph(String),
    List { ordered: bool, items: Vec<String> },
}

/// Splits Markdown into blocks. Continuation lines of a list item join the item.
pub fn blocks(markdown: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut paragraph: Vec<&str> = Vec::new();
    let mut list: Option<(bool, Vec<String>)> = None;

    fn flush_paragraph(paragraph: &mut Vec<&str>, out: &mut Vec<Block>) {
        if !paragraph.is_empty() {
            out.push(Block::Paragraph(paragraph.join(" ")));
            paragraph.clear();
        }
    }
    fn flush_list(list: &mut Option<(bool, Vec<String>)>, out: &mut Vec<Block>) {
        if let Some((ordered, items)) = list.take() {
            out.push(Block::List { ordered, items });
        }
    }

    for raw in markdown.lines() {
        let line = raw.trim();
        if line.is_empty() {
            flush_paragraph(&mut paragraph, &mut out);
            flush_list(&mut list, &mut out);
            continue;
        }
        if let Some((level, text)) = heading(line) {
            flush_paragraph(&mut paragraph, &mut out);
            flush_list(&mut list, &mut out);
            out.push(Block::Heading {
                level,
                text: text.to_owned(),
            });
            continue;
        }
        if is_rule(line) || is_table_separator(line) {
            flush_paragraph(&mut paragraph, &mut out);
            continue;
        }
        let item = list_item(line).or_else(|| table_row(line).map(|row| (false, row)));
        if let Some((ordered, text)) = item {
            flush_paragraph(&mut paragraph, &mut out);
            match &mut list {
                Some((list_ordered, items)) if *list_ordered == ordered => items.push(text),
                _ => {
                    flush_list(&mut list, &mut out);
                    list = Some((ordered, vec![text]));
                }
            }
            continue;
        }
        let text = line.strip_prefix('>').map_or(line, str::trim_start);
        match &mut list {
            // An indented line right after an item continues it.
            Some((_, items)) if raw.starts_with([' ', '\t']) => {
                if let Some(last) = items.last_mut() {
                    last.push(' ');
                    last.push_str(text);
                }
            }
            _ => {
                flush_list(&mut list, &mut out);
                paragraph.push(text);
            }
        }
    }
    flush_paragraph(&mut paragraph, &mut out);
    flush_list(&mut list, &mut out);
    out
}

fn heading(line: &str) -> Option<(u8, &str)> {
    let hashes = line.chars().take_while(|&c| c == '#').count();
    if (1..=6).contains(&hashes) {
        let rest = &line[hashes..];
        if rest.starts_with(' ') {
            let level = u8::try_from(hashes).unwrap_or(6);
            return Some((level, rest.trim().trim_end_matches('#').trim_end()));
        }
    }
    None
}

fn is_rule(line: &str) -> bool {
    line.len() >= 3 && (line.chars().all(|c| c == '-') || line.chars().all(|c| c == '*'))
}

fn is_table_separator(line: &str) -> bool {
    line.starts_with('|') && line.chars().all(|c| matches!(c, '|' | '-' | ':' | ' '))
}

fn list_item(line: &str) -> Option<(bool, String)> {
    for bullet in ["- ", "* ", "+ "] {
        if let Some(rest) = line.strip_prefix(bullet) {
            return Some((false, rest.trim().to_owned()));
        }
    }
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    if digits > 0 && digits < 4 {
        let rest = &line[digits..];
        if let Some(rest) = rest.strip_prefix(". ").or_else(|| rest.strip_prefix(") ")) {
            return Some((true, rest.trim().to_owned()));
        }
    }
    None
}

/// A pipe table row becomes one item: its cells joined by commas.
fn table_row(line: &str) -> Option<String> {
    let inner = line.strip_prefix('|')?.strip_suffix('|')?;
    let cells: Vec<&str> = inner
        .split('|')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect();
    (!cells.is_empty()).then(|| cells.join(", "))
}

/// An inline span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inline {
    Text(String),
    Bold(String),
    Italic(String),
}

/// Splits inline Markdown into spans; links keep their text, code its content.
pub fn inlines(text: &str) -> Vec<Inline> {
    let mut out = Vec::new();
    let mut plain = String::new();
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        let delimited = |delimiter: &str| -> Option<(String, usize)> {
            let inner = rest.strip_prefix(delimiter)?;
            let end = inner.find(delimiter)?;
            let content = &inner[..end];
            if content.is_empty() || content.starts_with(' ') || content.ends_with(' ') {
                return None;
            }
            Some((content.to_owned(), delimiter.len() * 2 + end))
        };
        let span = if rest.starts_with("**") || rest.starts_with("__") {
            delimited(&rest[..2]).map(|(t, n)| (Inline::Bold(plain_text(&t)), n))
        } else if c == '*' || (c == '_' && !ends_with_alphanumeric(&plain)) {
            delimited(&rest[..1]).map(|(t, n)| (Inline::Italic(plain_text(&t)), n))
        } else if c == '`' {
            delimited("`").map(|(t, n)| (Inline::Text(t), n))
        } else if c == '[' {
            link(rest).map(|(t, n)| (Inline::Text(t), n))
        } else {
            None
        };
        match span {
            Some((span, consumed)) => {
                if !plain.is_empty() {
                    out.push(Inline::Text(std::mem::take(&mut plain)));
                }
                out.push(span);
                rest = &rest[consumed..];
            }
            None => {
                plain.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    if !plain.is_empty() {
        out.push(Inline::Text(plain));
    }
    out
}

fn ends_with_alphanumeric(text: &str) -> bool {
    text.chars().last().is_some_and(char::is_alphanumeric)
}

/// `[text](url)` → the text and the length consumed.
fn link(rest: &str) -> Option<(String, usize)> {
    let close = rest.find("](")?;
    let text = &rest[1..close];
    if text.contains('[') {
        return None;
    }
    let mut depth = 0usize;
    for (offset, c) in rest[close + 1..].char_indices() {
        match c {
            '(' => depth += 1,
            ')' if depth == 1 => return Some((text.to_owned(), close + 1 + offset + 1)),
            ')' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// Inline Markdown with the markers removed.
pub fn plain_text(text: &str) -> String {
    inlines(text)
        .into_iter()
        .map(|span| match span {
            Inline::Text(t) | Inline::Bold(t) | Inline::Italic(t) => t,
        })
        .collect()
}

/// Escapes text for HTML content and attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Renders Markdown as HTML. Headings are shifted so that the highest level used becomes
/// `min_heading` (a page that has its own `<h1>` passes 2).
pub fn to_html(markdown: &str, min_heading: u8) -> String {
    let blocks = blocks(markdown);
    let top = blocks
        .iter()
        .filter_map(|b| match b {
            Block::Heading { level, .. } => Some(*level),
            _ => None,
        })
        .min()
        .unwrap_or(1);
    let mut html = String::new();
    for block in blocks {
        match block {
            Block::Heading { level, text } => {
                let level = (level - top + min_heading).min(6);
                html.push_str(&format!("<h{level}>{}</h{level}>\n", inline_html(&text)));
            }
            Block::Paragraph(text) => {
                html.push_str(&format!("<p>{}</p>\n", inline_html(&text)));
            }
            Block::List { ordered, items } => {
                let tag = if ordered { "ol" } else { "ul" };
                html.push_str(&format!("<{tag}>\n"));
                for item in items {
                    html.push_str(&format!("<li>{}</li>\n", inline_html(&item)));
                }
                html.push_str(&format!("</{tag}>\n"));
            }
        }
    }
    html
}

fn inline_html(text: &str) -> String {
    inlines(text)
        .into_iter()
        .map(|span| match span {
            Inline::Text(t) => escape_html(&t),
            Inline::Bold(t) => format!("<strong>{}</strong>", escape_html(&t)),
            Inline::Italic(t) => format!("<em>{}</em>", escape_html(&t)),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_rendering() {
        let cases = [
            ("Un paragrafo.", "<p>Un paragrafo.</p>\n"),
            (
                "### Chi\n\nIl **titolare** o un *delegato*.",
                "<h2>Chi</h2>\n<p>Il <strong>titolare</strong> o un <em>delegato</em>.</p>\n",
            ),
            (
                "- uno\n- due\n  continua",
                "<ul>\n<li>uno</li>\n<li>due continua</li>\n</ul>\n",
            ),
            (
                "1. primo\n2. secondo",
                "<ol>\n<li>primo</li>\n<li>secondo</li>\n</ol>\n",
            ),
            (
                "<script>alert('x')</script> & co",
                "<p>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; co</p>\n",
            ),
            (
                "Vedi [il sito](javascript:alert(1)) ora",
                "<p>Vedi il sito ora</p>\n",
            ),
            ("**<b>**", "<p><strong>&lt;b&gt;</strong></p>\n"),
            (
                "codice_fiscale e 2 * 3 * 4",
                "<p>codice_fiscale e 2 * 3 * 4</p>\n",
            ),
            (
                "| voce | costo |\n|---|---|\n| CIE | 22,21 euro |",
                "<ul>\n<li>voce, costo</li>\n<li>CIE, 22,21 euro</li>\n</ul>\n",
            ),
        ];
        for (markdown, expected) in cases {
            assert_eq!(to_html(markdown, 2), expected, "{markdown}");
        }
    }

    #[test]
    fn plain_text_drops_markers() {
        assert_eq!(
            plain_text("La **marca da bollo** da `16 euro` [qui](x)"),
            "La marca da bollo da 16 euro qui"
        );
    }
}

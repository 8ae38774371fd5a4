//! Small helpers for the server-rendered pages: escaping and the common layout.

/// Escapes text for HTML element content and attribute values.
pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A complete Italian page. `body` must already be escaped where it holds data.
pub(super) fn page(title: &str, body: &str, extra_head: &str) -> String {
    format!(
        r##"<!doctype html>
<html lang="it">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>{STYLE}</style>
{extra_head}
</head>
<body>
<a class="skip" href="#main">Vai al contenuto</a>
<main id="main">
{body}
</main>
</body>
</html>"##,
        title = escape(title),
    )
}

const STYLE: &str = r#"
:root { --blue: #0b4f8a; --ink: #1a1a1a; --bg: #f5f7fa; font-family: "Titillium Web", system-ui, sans-serif; }
body { margin: 0; background: var(--bg); color: var(--ink); font-size: 1.15rem; }
main { max-width: 60rem; margin: 0 auto; padding: 1.5rem; }
h1 { color: var(--blue); }
a { color: var(--blue); }
.sr-only { position: absolute; left: -9999px; width: 1px; height: 1px; overflow: hidden; }
.skip { position: absolute; left: -999px; } .skip:focus { left: 1rem; top: 1rem; background: #fff; padding: .5rem; }
button, .button { font: inherit; font-size: 1.3rem; padding: .9rem 1.4rem; border-radius: .5rem; border: 2px solid var(--blue); background: var(--blue); color: #fff; cursor: pointer; text-decoration: none; display: inline-block; }
button.secondary { background: #fff; color: var(--blue); }
button:focus-visible, a:focus-visible, select:focus-visible, input:focus-visible { outline: 4px solid #f5a623; outline-offset: 2px; }
.lines { display: grid; grid-template-columns: repeat(auto-fit, minmax(16rem, 1fr)); gap: 1rem; list-style: none; padding: 0; }
.lines button { width: 100%; min-height: 6rem; font-size: 1.5rem; }
.notice { background: #fff3cd; border-left: 6px solid #f5a623; padding: 1rem; }
.error { background: #fde8e8; border-left: 6px solid #c0392b; padding: 1rem; }
.ok { background: #e6f4ea; border-left: 6px solid #1e7e34; padding: 1rem; }
table { border-collapse: collapse; width: 100%; background: #fff; }
th, td { text-align: left; padding: .5rem .8rem; border-bottom: 1px solid #ccd; }
label { display: block; margin: .6rem 0 .2rem; font-weight: 600; }
input, select { font: inherit; padding: .5rem; }
.actions { display: flex; flex-wrap: wrap; gap: .6rem; margin: 1rem 0; }
.actions form { margin: 0; }
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape(r#"<script>alert("x") & 'y'</script>"#),
            "&lt;script&gt;alert(&quot;x&quot;) &amp; &#39;y&#39;&lt;/script&gt;"
        );
        assert_eq!(escape("Sportello 3 · àèì"), "Sportello 3 · àèì");
    }
}

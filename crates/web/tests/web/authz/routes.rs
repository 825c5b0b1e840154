//! The routes that exist, read at test time so the table cannot fall behind: page routes
//! from the `.route(PATH, get(..).post(..))` calls in the web crate's sources, API routes
//! from the OpenAPI document the server serves.

use std::collections::BTreeSet;
use std::path::Path;

/// (method, path) as registered, e.g. ("POST", "/cases/{id}/act").
pub type RouteKey = (String, String);

const METHODS: [&str; 5] = ["get", "post", "put", "delete", "patch"];

/// Every route registered in `src/**/*.rs`, and how many `.route(` calls were read. Files
/// under `src/api/` are nested under `/api` (checked against `lib.rs`). A path that is not
/// a literal or a `&str` constant of its file (the hashed asset names) is kept as
/// `$NAME`, NAME its leading identifier.
pub fn registered() -> (BTreeSet<RouteKey>, usize) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let lib = std::fs::read_to_string(src.join("lib.rs")).unwrap();
    assert!(
        lib.contains(r#".nest("/api", api::router())"#),
        "the API is no longer nested at /api: update the route reader"
    );
    let mut files = Vec::new();
    collect(&src, &mut files);
    let mut out = BTreeSet::new();
    let mut calls = 0;
    for file in files {
        let text = strip_comments(&std::fs::read_to_string(&file).unwrap());
        let prefix = if file.starts_with(src.join("api")) {
            "/api"
        } else {
            ""
        };
        let mut rest = text.as_str();
        while let Some(at) = rest.find(".route(") {
            rest = &rest[at + ".route(".len()..];
            calls += 1;
            let args = balanced(rest);
            let (first, second) = split_top_comma(args);
            let path = resolve_path(first.trim(), &text);
            let path = if path.starts_with('$') {
                path
            } else {
                format!("{prefix}{path}")
            };
            for m in top_level_methods(second) {
                out.insert((m.to_ascii_uppercase(), path.clone()));
            }
        }
    }
    (out, calls)
}

/// The operations of the OpenAPI document.
pub fn documented(doc: &serde_json::Value) -> BTreeSet<RouteKey> {
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"]
        .as_object()
        .expect("paths in the OpenAPI document")
    {
        for m in METHODS {
            if item.get(m).is_some() {
                out.insert((m.to_ascii_uppercase(), path.clone()));
            }
        }
    }
    out
}

fn collect(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            collect(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// The source without comments, with raw strings and character literals blanked (`""`,
/// `'_'`), so that only plain string literals remain for the readers below.
fn strip_comments(s: &str) -> String {
    let b: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < b.len() && b[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            i += 2;
            while i + 1 < b.len() && !(b[i] == '*' && b[i + 1] == '/') {
                i += 1;
            }
            i += 2;
        } else if c == 'r' && (i == 0 || !ident(b[i - 1])) && matches!(next, Some('#' | '"')) {
            let hashes = b[i + 1..].iter().take_while(|c| **c == '#').count();
            if b.get(i + 1 + hashes) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            i += 2 + hashes;
            while i < b.len() && !(b[i] == '"' && b[i + 1..].iter().take(hashes).all(|c| *c == '#'))
            {
                i += 1;
            }
            i += 1 + hashes;
            out.push_str("\"\"");
        } else if c == '"' {
            out.push(c);
            i += 1;
            while i < b.len() && b[i] != '"' {
                if b[i] == '\\' {
                    out.push(b[i]);
                    i += 1;
                }
                out.push(b[i]);
                i += 1;
            }
            out.push('"');
            i += 1;
        } else if c == '\'' && next == Some('\\') {
            // An escaped character literal: '\'', '\\', '\n', '\u{..}'.
            let end = b[i + 3..].iter().position(|c| *c == '\'').unwrap_or(0);
            i += 3 + end + 1;
            out.push_str("'_'");
        } else if c == '\'' && b.get(i + 2) == Some(&'\'') {
            i += 3;
            out.push_str("'_'");
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// The text up to the parenthesis that closes the one just opened.
fn balanced(s: &str) -> &str {
    let mut depth = 0i32;
    let mut in_str = false;
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        if in_str {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_str = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_str = true,
            '(' | '{' | '[' => depth += 1,
            ')' | '}' | ']' if depth == 0 => return &s[..i],
            ')' | '}' | ']' => depth -= 1,
            _ => {}
        }
    }
    panic!("unbalanced .route( call");
}

/// Walks `s` at nesting depth 0 (outside strings), calling `f` with each byte offset.
fn top_level(s: &str, mut f: impl FnMut(usize, char) -> bool) {
    let mut depth = 0i32;
    let mut in_str = false;
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        if in_str {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_str = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_str = true,
            '(' | '{' | '[' => {
                if depth == 0 && !f(i, c) {
                    return;
                }
                depth += 1;
            }
            ')' | '}' | ']' => depth -= 1,
            _ if depth == 0 && !f(i, c) => return,
            _ => {}
        }
    }
}

fn split_top_comma(s: &str) -> (&str, &str) {
    let mut at = None;
    top_level(s, |i, c| {
        if c == ',' {
            at = Some(i);
            false
        } else {
            true
        }
    });
    let at = at.expect(".route( with one argument");
    (&s[..at], &s[at + 1..])
}

/// The method routers chained at the top of the second argument: `get(a).post(b).layer(..)`.
fn top_level_methods(s: &str) -> Vec<&'static str> {
    let mut found = Vec::new();
    top_level(s, |i, c| {
        if c == '(' {
            let before = s[..i].trim_end();
            let ident_start = before
                .rfind(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_'))
                .map_or(0, |p| p + 1);
            let ident = &before[ident_start..];
            if let Some(m) = METHODS.iter().find(|m| **m == ident) {
                found.push(*m);
            }
        }
        true
    });
    found
}

/// A literal's text, a `&str` constant of the file, or `$NAME` for anything else.
fn resolve_path(expr: &str, file: &str) -> String {
    if let Some(lit) = expr.strip_prefix('"').and_then(|e| e.strip_suffix('"')) {
        return lit.to_string();
    }
    let name: String = expr
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    let decl = format!("const {name}: &str = \"");
    if name.len() == expr.len()
        && let Some(at) = file.find(&decl)
    {
        let rest = &file[at + decl.len()..];
        return rest[..rest.find('"').unwrap()].to_string();
    }
    format!("${name}")
}

#[test]
fn the_route_reader_understands_chained_and_layered_methods() {
    assert_eq!(top_level_methods(" get(list).post(start)"), ["get", "post"]);
    assert_eq!(
        top_level_methods(
            "\n get(import_page)\n .post(import)\n .layer(DefaultBodyLimit::max(32 * 1024 * 1024)),\n"
        ),
        ["get", "post"]
    );
    assert_eq!(
        top_level_methods(r#" get(|| async { Redirect::to("/admin/items") })"#),
        ["get"]
    );
    assert_eq!(
        resolve_path(
            "PASSWORD_PAGE",
            r#"pub const PASSWORD_PAGE: &str = "/account/password";"#
        ),
        "/account/password"
    );
    assert_eq!(resolve_path("CSS_PATH.as_str()", ""), "$CSS_PATH");
    assert_eq!(
        strip_comments("a // .route(\"x\")\nb \"//c\""),
        "a \nb \"//c\""
    );
    assert_eq!(
        strip_comments("x('\"', r#\"a\"b\"#, '\\'', 'a, \"\\\"\")"),
        "x('_', \"\", '_', 'a, \"\\\"\")"
    );
}

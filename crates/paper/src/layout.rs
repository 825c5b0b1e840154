//! Line breaking for mixed Chinese and ASCII text in a fixed-width CJK font.

/// Width of a string in ems: ASCII is half-width, everything else full-width.
pub fn em_width(s: &str) -> f32 {
    s.chars().map(char_em).sum()
}

fn char_em(c: char) -> f32 {
    if c.is_ascii() { 0.5 } else { 1.0 }
}

/// Punctuation that must not begin a line (禁则); it hangs at the end of the previous one.
fn no_line_start(c: char) -> bool {
    "，。、；：？！）》」』”’〕】,.;:?!)".contains(c)
}

/// Punctuation that must not end a line: it moves down with what it opens.
fn no_line_end(c: char) -> bool {
    "（《「『“‘〔【(".contains(c)
}

/// Splits `s` into breakable units: a run of non-space ASCII stays whole (numbers, codes,
/// words), every other character is a unit of its own, and punctuation that may not start
/// a line is glued to the unit before it.
fn units(s: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut ascii_run = false;
    for c in s.chars() {
        let is_word = c.is_ascii() && !c.is_ascii_whitespace();
        // A space before closing punctuation would let the mark start a line: drop it.
        if no_line_start(c) && out.len() > 1 && out.last().is_some_and(|u| u.trim().is_empty()) {
            out.pop();
        }
        match out.last_mut() {
            Some(last)
                if (is_word && ascii_run) || no_line_start(c) || last.ends_with(no_line_end) =>
            {
                last.push(c)
            }
            _ => out.push(c.to_string()),
        }
        ascii_run = is_word;
    }
    out
}

/// Greedy line breaking to `width` ems, the first line indented by `indent` ems. Explicit
/// newlines start a new line; a unit wider than a whole line is cut by character.
pub fn wrap(s: &str, width: f32, indent: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for (n, para) in s.split('\n').enumerate() {
        let mut line = String::new();
        let mut avail = if n == 0 { width - indent } else { width };
        for u in units(para) {
            let w = em_width(&u);
            if em_width(&line) + w <= avail + 1e-3 {
                line.push_str(&u);
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line).trim_end().to_string());
                avail = width;
            }
            if w <= avail {
                line = u.trim_start().to_string();
            } else {
                for c in u.chars() {
                    if em_width(&line) + char_em(c) > avail {
                        lines.push(std::mem::take(&mut line));
                        avail = width;
                    }
                    line.push(c);
                }
            }
        }
        lines.push(line.trim_end().to_string());
    }
    lines
}

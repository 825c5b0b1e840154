//! Server-rendered SVG bar charts: no script, no CDN, readable by screen readers (role=img
//! with a label and a text table beside every chart on the page).

/// Escapes text for XML content and attributes.
fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A horizontal bar chart of `(label, value)` with the value printed at each bar's end.
pub fn bars(title: &str, data: &[(String, f64)], unit: &str) -> String {
    let max = data.iter().map(|(_, v)| *v).fold(0.0_f64, f64::max);
    let row = 28.0;
    let label_w = 200.0;
    let bar_w = 360.0;
    let height = row * data.len().max(1) as f64 + 10.0;
    let mut out = format!(
        r#"<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {height}" role="img" aria-label="{t}"><title>{t}</title>"#,
        w = label_w + bar_w + 90.0,
        t = xml(title)
    );
    for (i, (label, v)) in data.iter().enumerate() {
        let y = 5.0 + row * i as f64;
        let w = if max > 0.0 { bar_w * v / max } else { 0.0 };
        let shown: String = label.chars().take(14).collect();
        out.push_str(&format!(
            r##"<text x="{lx}" y="{ty}" text-anchor="end" font-size="13" fill="#1f2933">{l}</text><rect x="{bx}" y="{y}" width="{w:.1}" height="{h}" fill="#b3261e" rx="2"/><text x="{vx:.1}" y="{ty}" font-size="13" fill="#1f2933">{v}{unit}</text>"##,
            lx = label_w - 8.0,
            ty = y + 17.0,
            l = xml(&shown),
            bx = label_w,
            h = row - 8.0,
            vx = label_w + w + 6.0,
            v = if v.fract() == 0.0 { format!("{v:.0}") } else { format!("{v:.1}") },
            unit = xml(unit),
        ));
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn labels_are_escaped_and_bars_scale_to_the_largest() {
        let svg = super::bars("图<1>", &[("a<b".into(), 10.0), ("c".into(), 5.0)], "件");
        assert!(svg.contains("aria-label=\"图&lt;1&gt;\"") && svg.contains("a&lt;b"));
        assert!(svg.contains("width=\"360.0\"") && svg.contains("width=\"180.0\""));
    }
}

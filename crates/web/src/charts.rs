//! Server-rendered SVG bar charts: no script, no CDN, readable by screen readers (role=img
//! with a label and a text table beside every chart on the page).

/// Escapes text for XML content and attributes.
fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Width of the drawing in SVG units. The chart is drawn narrow, each label on its own line
/// above its bar, so that on a 390 px phone it is shown near 1:1 and its text stays ~13 px
/// (a wide drawing scaled down to a phone made 8 px labels); CSS caps its width on desktops.
const WIDTH: f64 = 380.0;
/// Labels longer than this are cut with "…"; the whole label is the row's `<title>`.
const LABEL_CHARS: usize = 26;

/// A horizontal bar chart of `(label, value)`: each label above its bar, the value at the
/// bar's end.
pub fn bars(title: &str, data: &[(String, f64)], unit: &str) -> String {
    let max = data.iter().map(|(_, v)| *v).fold(0.0_f64, f64::max);
    let row = 44.0;
    let bar_w = WIDTH - 70.0;
    let height = row * data.len().max(1) as f64 + 6.0;
    let mut out = format!(
        r#"<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{t}"><title>{t}</title>"#,
        t = xml(title)
    );
    for (i, (label, v)) in data.iter().enumerate() {
        let y = 4.0 + row * i as f64;
        let w = if max > 0.0 { bar_w * v / max } else { 0.0 };
        let shown: String = if label.chars().count() > LABEL_CHARS {
            label.chars().take(LABEL_CHARS - 1).chain(['…']).collect()
        } else {
            label.clone()
        };
        let value = if v.fract() == 0.0 {
            format!("{v:.0}")
        } else {
            format!("{v:.1}")
        };
        out.push_str(&format!(
            r##"<g><title>{full}：{value}{unit}</title><text x="0" y="{ty}" font-size="14" fill="#1f2933">{l}</text><rect x="0" y="{by}" width="{w:.1}" height="14" fill="#b3261e" rx="2"/><text x="{vx:.1}" y="{vy}" font-size="14" fill="#1f2933">{value}{unit}</text></g>"##,
            full = xml(label),
            ty = y + 14.0,
            l = xml(&shown),
            by = y + 20.0,
            vx = w + 6.0,
            vy = y + 32.0,
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
        assert!(svg.contains("width=\"310.0\"") && svg.contains("width=\"155.0\""));
        let long = "食品（含保健食品）经营许可核发（新办，含仅销售预包装食品备案）";
        let svg = super::bars("t", &[(long.into(), 1.0)], "件");
        assert!(
            svg.contains(&format!("<title>{long}：1件</title>")),
            "the whole name"
        );
        assert!(svg.contains("…</text>"), "cut on the drawing");
    }
}

//! Reading and writing one cell: lists one entry per line, parts split by `|`, coded values
//! by code, label or name, 是/否.

use domain::catalog::DayUnit;

pub(super) fn lines(s: &str) -> Vec<String> {
    s.lines()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

pub(super) fn join(v: &[String]) -> String {
    v.join("\n")
}

pub(super) fn coded<E: Copy>(
    s: &str,
    parse: fn(&str) -> Option<E>,
    what: &str,
    all: &[E],
    label: fn(E) -> &'static str,
) -> Result<E, String> {
    parse(s).ok_or_else(|| {
        let options: Vec<&str> = all.iter().map(|e| label(*e)).collect();
        format!("“{s}”不是有效的{what}，可选：{}", options.join("、"))
    })
}

pub(super) fn coded_list<E: Copy>(
    s: &str,
    parse: fn(&str) -> Option<E>,
    what: &str,
    all: &[E],
    label: fn(E) -> &'static str,
) -> Result<Vec<E>, String> {
    s.split(['\n', '、', ',', '，', ';', '；'])
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(|x| coded(x, parse, what, all, label))
        .collect()
}

pub(super) fn yes_no(s: &str) -> Result<bool, String> {
    match s.trim() {
        "是" | "Y" | "y" | "true" | "TRUE" | "1" => Ok(true),
        "否" | "N" | "n" | "false" | "FALSE" | "0" | "" => Ok(false),
        other => Err(format!("“{other}”应为“是”或“否”")),
    }
}

pub(super) fn yn(b: bool) -> String {
    if b { "是".into() } else { "否".into() }
}

pub(super) fn number(s: &str, what: &str) -> Result<u32, String> {
    let t = s.trim();
    // Spreadsheet programs store whole numbers as floats: accept "3.0".
    let t = t.strip_suffix(".0").unwrap_or(t);
    t.parse::<u32>()
        .map_err(|_| format!("{what}应为非负整数，实际为“{s}”"))
}

pub(super) fn parts(line: &str, n: usize) -> Vec<String> {
    let mut v: Vec<String> = line.splitn(n, '|').map(|p| p.trim().to_string()).collect();
    v.resize(n, String::new());
    v
}

pub(super) fn unit(s: &str) -> Result<DayUnit, String> {
    if s.trim().is_empty() {
        Ok(DayUnit::Working)
    } else {
        coded(s, DayUnit::parse, "时限单位", DayUnit::ALL, DayUnit::label)
    }
}

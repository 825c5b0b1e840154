//! Makes the catalog's coded enums from the code lists in data/codes.tsv, so the lists stay
//! data that can be checked against GB/T 39046 line by line. The file is plain tab-separated
//! text we write ourselves (no quoting, no escapes), so splitting on tabs reads it whole; a
//! line that does not fit stops the build with its line number.

use std::fmt::Write as _;
use std::{env, fs, path::Path};

fn main() {
    let src = "data/codes.tsv";
    println!("cargo::rerun-if-changed={src}");
    let text = fs::read_to_string(src).expect("data/codes.tsv is readable");
    let mut out = String::new();
    let mut open = false;
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let cells: Vec<&str> = line.split('\t').collect();
        match cells.as_slice() {
            ["enum", name, doc] => {
                if open {
                    out.push_str("} }\n");
                }
                writeln!(
                    out,
                    "coded_enum! {{ #[doc = {:?}] {name} {{",
                    format!(" {doc}")
                )
                .unwrap();
                open = true;
            }
            [variant, code, json, label] if open => {
                writeln!(out, "    {variant} = {code:?}, {json:?}, {label:?};").unwrap();
            }
            _ => panic!(
                "{src}:{}: expected `enum<TAB>Name<TAB>doc` or four cells",
                n + 1
            ),
        }
    }
    if open {
        out.push_str("} }\n");
    }
    let dest = Path::new(&env::var("OUT_DIR").unwrap()).join("codes.rs");
    fs::write(dest, out).expect("OUT_DIR is writable");
}

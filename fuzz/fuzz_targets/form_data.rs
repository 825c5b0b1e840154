//! Application form data: any values against a form of every field kind are judged without
//! a panic, and every problem names a field of the form or a key that was sent.
#![no_main]

use std::collections::BTreeMap;

use domain::workflow::{FieldKind, FormField, validate_form};
use libfuzzer_sys::fuzz_target;

fn field(key: &str, kind: FieldKind, options: &[&str]) -> FormField {
    FormField {
        key: key.into(),
        label: key.into(),
        kind,
        required: true,
        options: options.iter().map(|o| o.to_string()).collect(),
        help: String::new(),
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let form = [
        field("text", FieldKind::Text, &[]),
        field("number", FieldKind::Number, &[]),
        field("date", FieldKind::Date, &[]),
        field("select", FieldKind::Select, &["甲", "乙"]),
        field("id", FieldKind::IdNumber, &[]),
        field("phone", FieldKind::Phone, &[]),
        field("note", FieldKind::Multiline, &[]),
    ];
    // Lines of `key=value`, as a form posts them.
    let values: BTreeMap<String, String> = s
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    if let Err(problems) = validate_form(&form, &values) {
        for p in problems {
            let named = form.iter().any(|f| p.field == format!("form.{}", f.key))
                || values.keys().any(|k| p.field == format!("form.{k}"));
            assert!(named, "{p:?}");
        }
    }
});

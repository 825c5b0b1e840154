use super::*;
use domain::fixtures::sample_item;

fn two_items() -> Vec<ItemDefinition> {
    let a = crate::catalog::normalize(sample_item());
    let mut b = a.clone();
    b.code = "OTHER-CODE".into();
    b.fees.push(domain::catalog::Fee {
        name: "工本费".into(),
        amount: "20元".into(),
        basis: "价格主管部门批复".into(),
    });
    b.supports_online_payment = true;
    b.faq.push(domain::catalog::Faq {
        question: "要多久？".into(),
        answer: "10 个工作日".into(),
    });
    vec![a, b]
}

#[test]
fn xlsx_export_then_import_gives_back_the_same_definitions() {
    let defs = two_items();
    let (items, materials) = to_sheets(&defs);
    let bytes = write_xlsx(&items, &materials).unwrap();
    let (i2, m2) = read_xlsx(bytes).unwrap();
    assert_eq!(parse_sheets(&i2, &m2).unwrap(), defs);
}

#[test]
fn csv_export_then_import_gives_back_the_same_definitions() {
    let defs = two_items();
    let (items, materials) = to_sheets(&defs);
    let i2 = read_csv(&write_csv(&items).unwrap()).unwrap();
    let m2 = read_csv(&write_csv(&materials).unwrap()).unwrap();
    assert_eq!(parse_sheets(&i2, &m2).unwrap(), defs);
}

#[test]
fn a_file_that_is_not_excel_is_refused_with_a_clear_message() {
    let err = read_xlsx(b"hello, I am text".to_vec()).unwrap_err();
    match err {
        AppError::Validation(v) => assert!(
            v[0].message.contains("不是有效的 Excel"),
            "{}",
            v[0].message
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn missing_columns_are_named() {
    let (mut items, materials) = to_sheets(&two_items());
    for row in &mut items {
        row.remove(2); // 事项名称
    }
    let errs = parse_sheets(&items, &materials).unwrap_err();
    assert_eq!(errs.len(), 1);
    assert!(errs[0].message.contains("事项名称"), "{}", errs[0]);
}

#[test]
fn wrong_types_duplicates_and_orphan_materials_are_reported_by_row_and_column() {
    let (mut items, mut materials) = to_sheets(&two_items());
    let visits = items[0].iter().position(|h| h == "到现场次数").unwrap();
    items[1][visits] = "两次".into();
    let kind = items[0].iter().position(|h| h == "事项类型").unwrap();
    items[2][kind] = "许可证".into();
    let dup = items[1].clone();
    items.push(dup);
    let mut orphan = materials[1].clone();
    orphan[0] = "NO-SUCH".into();
    materials.push(orphan);
    let errs = parse_sheets(&items, &materials).unwrap_err();
    let found: Vec<(String, usize, String)> = errs
        .iter()
        .map(|e| (e.sheet.clone(), e.row, e.column.clone()))
        .collect();
    assert!(
        found.contains(&("事项".into(), 2, "到现场次数".into())),
        "{found:?}"
    );
    assert!(
        found.contains(&("事项".into(), 3, "事项类型".into())),
        "{found:?}"
    );
    assert!(
        found.contains(&("事项".into(), 4, "实施编码".into())),
        "{found:?}"
    );
    assert!(
        found.contains(&("材料".into(), 4, "实施编码".into())),
        "{found:?}"
    );
}

#[test]
fn rule_violations_point_at_the_spreadsheet_column() {
    let mut defs = two_items();
    defs[0].visits_reason.clear();
    let (items, materials) = to_sheets(&defs);
    let errs = parse_sheets(&items, &materials).unwrap_err();
    assert_eq!(errs[0].column, "到现场理由");
    assert_eq!(errs[0].row, 2);
}

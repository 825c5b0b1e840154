//! `onewindow bench import`: a catalog of N items shaped like a real county's (55-character
//! 实施编码, 主项 with 19 业务办理项 each, the demo's real items as templates with their
//! materials and forms) written to .xlsx, then imported as `onewindow import catalog` does:
//! read, every row checked, written in one transaction, published and indexed. Timed on a
//! fresh SQLite data directory, then again with the same file (all unchanged).

use std::time::Instant;

use domain::catalog::{ItemDefinition, NodeKind};

use crate::Rng;

/// `n` items: every 20th a 主项, the 19 after it its 业务办理项.
fn county_catalog(templates: &[ItemDefinition], n: usize) -> Vec<ItemDefinition> {
    let handling: Vec<&ItemDefinition> = templates
        .iter()
        .filter(|d| d.node != NodeKind::Main)
        .collect();
    let qualifiers = ["（新办）", "（变更）", "（延续）", "（注销）", "（补办）"];
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    let mut out = Vec::with_capacity(n);
    let mut main_code = String::new();
    for i in 0..n {
        let mut d = (*rng.pick(&handling)).clone();
        let group = i / 20;
        let code = |k: usize| {
            format!(
                "511A0138{group:06}-{}000000-000-1151130108337{group:05}-1-{k:02}",
                d.region
            )
        };
        if i % 20 == 0 {
            main_code = code(0);
            d.code = main_code.clone();
            d.node = NodeKind::Main;
            d.parent_code = String::new();
            d.name = format!("{}（第 {group} 组）", d.name);
        } else {
            d.code = code(i % 20);
            d.node = NodeKind::Handling;
            d.parent_code = main_code.clone();
            d.name = format!("{}{}（第 {group} 组）", d.name, rng.pick(&qualifiers));
        }
        d.basic_code = format!("000131{group:06}");
        out.push(d);
    }
    out
}

/// The county catalog of `n` items as an operator's workbook: its bytes and its material rows.
fn workbook(templates: &[ItemDefinition], n: usize) -> anyhow::Result<(Vec<u8>, usize)> {
    let defs = county_catalog(templates, n);
    let (sheet, materials) = app::exchange::to_sheets(&defs);
    let bytes = app::exchange::write_xlsx(&sheet, &materials).map_err(crate::explain)?;
    Ok((bytes, materials.len() - 1))
}

/// Reads and imports a workbook as `onewindow import catalog` does (published and indexed);
/// the seconds spent reading it, and what the import did.
async fn import_bytes(
    app: &app::App,
    bytes: Vec<u8>,
) -> anyhow::Result<(f64, app::exchange::ImportReport)> {
    let t = Instant::now();
    let (items_sheet, materials_sheet) = app::exchange::read_xlsx(bytes).map_err(crate::explain)?;
    let read = t.elapsed().as_secs_f64();
    let cap = app::auth::CatalogAdmin::command_line_unrestricted("bench");
    let r = app::exchange::import(
        app,
        &cap,
        &items_sheet,
        &materials_sheet,
        false,
        true,
        |_, _| {},
    )
    .await
    .map_err(crate::explain)?;
    anyhow::ensure!(
        r.errors.is_empty(),
        "the generated catalog has problems: {:?}",
        &r.errors[..3.min(r.errors.len())]
    );
    Ok((read, r))
}

/// Imports `n` real-shaped items into `app`.
pub(crate) async fn import_county(
    app: &app::App,
    templates: &[ItemDefinition],
    n: usize,
) -> anyhow::Result<()> {
    import_bytes(app, workbook(templates, n)?.0).await?;
    Ok(())
}

pub async fn run(items: usize, json: bool) -> anyhow::Result<()> {
    // The demo's regions, departments and items (the templates); its 168 items stay in the
    // catalog, so the index is rebuilt over them too.
    let (app, dir) = crate::demo_app("import").await?;
    let demo = app::demo::demo_data().map_err(|e| anyhow::anyhow!("{e}"))?;
    let (bytes, material_rows) = workbook(&demo.items, items)?;

    let mut runs = Vec::new();
    for label in ["first import (all new)", "same file again (all unchanged)"] {
        let t = Instant::now();
        let (read, r) = import_bytes(&app, bytes.clone()).await?;
        let total = t.elapsed().as_secs_f64();
        runs.push((label, read, total, r.created, r.unchanged));
    }
    let indexed = app.index.num_docs();
    let _ = std::fs::remove_dir_all(&dir);
    if json {
        let first = &runs[0];
        let again = &runs[1];
        println!(
            "{}",
            serde_json::json!({
                "items": items,
                "materials": material_rows,
                "xlsx_bytes": bytes.len(),
                "first_read_s": first.1,
                "first_total_s": first.2,
                "again_total_s": again.2,
                "indexed": indexed,
            })
        );
    } else {
        println!(
            "catalog import: {items} items, {} material rows, {:.1} MB of .xlsx",
            material_rows,
            bytes.len() as f64 / 1e6
        );
        for (label, read, total, created, unchanged) in &runs {
            println!(
                "  {label}: {total:.2} s in all (reading the workbook {read:.2} s); created {created}, unchanged {unchanged}"
            );
        }
        println!("  search index afterwards: {indexed} items");
    }
    Ok(())
}

//! `onewindow import …` and `onewindow export …`: the set-up of a real county (regions,
//! departments, staff, the everyday-language dictionary) and the catalog, from spreadsheets.
//! They open the database without the search index, so they run beside a running server;
//! the server picks up catalog and dictionary changes within seconds (it polls the catalog
//! generation), and a server started later rebuilds its index at start.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use app::App;
use app::exchange::{RowError, summarize};
use clap::Subcommand;

use crate::{bar, explain};

#[derive(Subcommand)]
pub enum ImportWhat {
    /// Import service items (sheets 事项 and 材料; see docs/CATALOG_LAYOUT.md).
    Catalog {
        file: PathBuf,
        /// Check every row and report, write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Keep imported items as drafts instead of publishing them.
        #[arg(long)]
        draft: bool,
        /// Only accept items of this region and below (default: the whole database).
        #[arg(long)]
        region: Option<String>,
    },
    /// Import existing licenses into the register (.xlsx or UTF-8 .csv with the columns
    /// 证照类型, 持证主体名称, 持证主体证件号码, 签发日期, then the type's fields by label).
    Licenses {
        file: PathBuf,
        #[arg(long)]
        dry_run: bool,
    },
    /// Regions below the shipped national list (columns 区划代码, 区划名称, 上级区划代码).
    Regions {
        file: PathBuf,
        #[arg(long)]
        dry_run: bool,
    },
    /// Departments, 实施机关 (部门编码, 部门名称, 所属区划, 统一社会信用代码, 部门简称, 联系电话,
    /// 办公地址, 上级部门编码).
    Departments {
        file: PathBuf,
        #[arg(long)]
        dry_run: bool,
    },
    /// Service points (场所编码, 场所名称, 类型: 政务服务中心 / 便民服务中心 / 便民服务站, 所属区划,
    /// 地址, 办公时间, 咨询电话, 坐标 as 纬度,经度).
    ServicePoints {
        file: PathBuf,
        #[arg(long)]
        dry_run: bool,
    },
    /// Staff accounts (登录名, 姓名, 角色, 所属区划, 所属部门编码, 手机号码). Each new account gets
    /// a one-time password, changed at first login, written to --passwords (never stored).
    Staff {
        file: PathBuf,
        #[arg(long)]
        dry_run: bool,
        /// Where to write the one-time passwords (CSV, readable by the owner only); without it
        /// they are printed.
        #[arg(long)]
        passwords: Option<PathBuf>,
    },
    /// The search dictionary (口语说法, 规范用语 with terms separated by 、).
    Synonyms {
        file: PathBuf,
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Subcommand)]
pub enum ExportWhat {
    /// Export every item's latest version in the import layout.
    Catalog { file: PathBuf },
    /// Export the search dictionary in its import layout.
    Synonyms { file: PathBuf },
}

/// Prints every problem, then the same mistakes counted together, and fails.
fn fail_with(errors: &[RowError], what: &str) -> anyhow::Result<()> {
    for e in errors.iter().take(500) {
        eprintln!("{e}");
    }
    if errors.len() > 500 {
        eprintln!("……另有 {} 处问题未逐条列出", errors.len() - 500);
    }
    let groups = summarize(errors);
    if groups.len() < errors.len() {
        eprintln!("\n问题汇总（相同问题合并）：");
        for g in &groups {
            eprintln!("  {g}");
        }
    }
    bail!("发现 {} 处问题，未写入任何{what}。", errors.len())
}

/// Prints what a set-up import did, or fails with its problems.
fn report(r: app::Result<app::setup::SetupReport>, what: &str) -> anyhow::Result<()> {
    let r = r.map_err(explain)?;
    if !r.errors.is_empty() {
        return fail_with(&r.errors, what);
    }
    counts(&r, what);
    Ok(())
}

fn counts(r: &app::setup::SetupReport, what: &str) {
    if r.dry_run {
        println!("检查通过：{} 行{what}（未写入，--dry-run）。", r.rows);
    } else {
        println!(
            "导入完成：新增 {}，更新 {}，未变 {}（共 {} 行{what}）。",
            r.added, r.updated, r.unchanged, r.rows
        );
    }
}

pub async fn import(app: &App, what: ImportWhat) -> anyhow::Result<()> {
    let admin = app::auth::SystemAdmin::command_line();
    match what {
        ImportWhat::Regions { file, dry_run } => {
            let sheet = app::setup::read_table(&file).map_err(explain)?;
            let r = app::setup::import_regions(app, &admin, &sheet, dry_run).await;
            report(r, "区划")?;
        }
        ImportWhat::Departments { file, dry_run } => {
            let sheet = app::setup::read_table(&file).map_err(explain)?;
            let r = app::setup::import_departments(app, &admin, &sheet, dry_run).await;
            report(r, "部门")?;
        }
        ImportWhat::ServicePoints { file, dry_run } => {
            let sheet = app::setup::read_table(&file).map_err(explain)?;
            let r = app::setup::import_service_points(app, &admin, &sheet, dry_run).await;
            report(r, "服务场所")?;
        }
        ImportWhat::Staff {
            file,
            dry_run,
            passwords,
        } => {
            let sheet = app::setup::read_table(&file).map_err(explain)?;
            let r = app::setup::import_staff(app, &admin, &sheet, dry_run)
                .await
                .map_err(explain)?;
            if !r.report.errors.is_empty() {
                return fail_with(&r.report.errors, "账号");
            }
            counts(&r.report, "工作人员");
            write_passwords(&r.passwords, passwords.as_deref())?;
        }
        ImportWhat::Synonyms { file, dry_run } => {
            let sheet = app::setup::read_table(&file).map_err(explain)?;
            let cap = app::auth::CatalogAdmin::command_line_unrestricted("command-line");
            let r = app::setup::import_synonyms(app, &cap, &sheet, dry_run).await;
            report(r, "同义词")?;
        }
        ImportWhat::Licenses { file, dry_run } => {
            let sheet = app::license_import::read_file(&file).map_err(explain)?;
            let r = app::license_import::import(app, sheet, dry_run)
                .await
                .map_err(explain)?;
            if !r.errors.is_empty() {
                return fail_with(&r.errors, "证照");
            }
            let verb = if dry_run {
                "检查通过，可导入"
            } else {
                "已导入"
            };
            println!(
                "{verb} {} 张证照；已在登记簿中的 {} 张未变。",
                r.imported, r.existing
            );
        }
        ImportWhat::Catalog {
            file,
            dry_run,
            draft,
            region,
        } => catalog(app, &file, dry_run, draft, region).await?,
    }
    Ok(())
}

async fn catalog(
    app: &App,
    file: &Path,
    dry_run: bool,
    draft: bool,
    region: Option<String>,
) -> anyhow::Result<()> {
    let (items, materials) = app::exchange::read_file(file).map_err(explain)?;
    let pb = bar(items.len().saturating_sub(1) as u64, "导入事项");
    let cap = match region {
        Some(r) => app::auth::CatalogAdmin::command_line("command-line", &r),
        None => app::auth::CatalogAdmin::command_line_unrestricted("command-line"),
    };
    let report =
        app::exchange::import(app, &cap, &items, &materials, dry_run, !draft, |done, _| {
            pb.set_position(done as u64)
        })
        .await
        .map_err(explain)?;
    pb.finish_and_clear();
    if !report.errors.is_empty() {
        return fail_with(&report.errors, "事项");
    }
    if dry_run {
        println!(
            "检查通过：事项 {} 条，材料 {} 条（未写入，--dry-run）。",
            report.items_read, report.materials_read
        );
        return Ok(());
    }
    println!(
        "导入完成：新建 {}，更新 {}，未变 {}。",
        report.created, report.updated, report.unchanged
    );
    if report.awaiting_review > 0 {
        println!(
            "其中 {} 个事项所在区划实行审核发布，已保存为草稿，须由事项管理员在网页上发布。",
            report.awaiting_review
        );
    }
    if report.incomplete > 0 {
        println!(
            "其中 {} 个事项缺少法定要素（待补充），已保存为草稿，补齐后才能发布；管理页“待补充”可按部门查看。",
            report.incomplete
        );
    }
    Ok(())
}

/// One-time passwords go to a file only its owner can read, or to the terminal.
fn write_passwords(list: &[app::auth::TemporaryPassword], to: Option<&Path>) -> anyhow::Result<()> {
    if list.is_empty() {
        return Ok(());
    }
    let mut out = String::from("登录名,姓名,一次性密码\n");
    for p in list {
        out.push_str(&format!("{},{},{}\n", p.login, p.name, p.password));
    }
    match to {
        Some(path) => {
            write_private(path, &out)?;
            println!(
                "{} 个账号的一次性密码已写入 {}（首次登录须修改；请分发后删除该文件）。",
                list.len(),
                path.display()
            );
        }
        None => {
            println!("一次性密码（首次登录须修改；只显示这一次）：");
            print!("{out}");
        }
    }
    Ok(())
}

fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    let mut f = o
        .open(path)
        .with_context(|| format!("无法写入 {}", path.display()))?;
    f.write_all(text.as_bytes())?;
    Ok(())
}

pub async fn export(app: &App, what: ExportWhat) -> anyhow::Result<()> {
    match what {
        ExportWhat::Catalog { file } => {
            let n = app::exchange::export(app, &file).await.map_err(explain)?;
            println!("已导出 {n} 个事项到 {}。", file.display());
        }
        ExportWhat::Synonyms { file } => {
            let sheet = app::setup::export_synonyms(app).await.map_err(explain)?;
            let bytes = match file.extension().and_then(|e| e.to_str()) {
                Some("xlsx") => app::exchange::write_sheet_xlsx("同义词", &sheet),
                Some("csv") => app::exchange::write_csv(&sheet),
                _ => bail!("导出文件名须以 .xlsx 或 .csv 结尾"),
            }
            .map_err(explain)?;
            std::fs::write(&file, bytes).with_context(|| format!("无法写入 {}", file.display()))?;
            println!("已导出 {} 条同义词到 {}。", sheet.len() - 1, file.display());
        }
    }
    Ok(())
}

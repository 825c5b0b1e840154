//! The knowledge base: articles versioned like items, searched with the same segmentation as
//! the catalog, flagged when a linked item changes, listed for review; the operator's
//! search-as-you-type over articles and the catalog; questions asked on item guides.

use domain::account::Role;
use domain::hotline::knowledge::{self as kb, Article, ArticleDraft, Question};
use search::knowledge::IndexedArticle;
use serde::{Deserialize, Serialize};
use store::hotline::knowledge as sk;

use super::staff;
use crate::auth::Actor;
use crate::{App, AppError, Hit, Result, SearchQuery};

pub(crate) fn today(app: &App) -> time::Date {
    domain::calendar::china_date(app.now())
}

fn indexed(a: &Article) -> IndexedArticle {
    IndexedArticle {
        id: a.id.clone(),
        question: a.question.clone(),
        answer: a.answer.clone(),
    }
}

/// Loads every current article into the search index.
pub async fn rebuild_index(app: &App) -> Result<usize> {
    let mut c = app.store.conn().await?;
    let all = sk::latest_articles(&mut c, None).await?;
    Ok(app.knowledge.rebuild(all.iter().map(indexed))?)
}

/// Tells the other nodes (PostgreSQL) that an article changed; this node's index has it
/// already, so it is not read back and indexed a second time here.
async fn announce(app: &App, id: &str) {
    crate::cluster::tell_others(app, crate::cluster::Change::Article { id: id.into() }).await;
}

/// Takes the latest version of article `id` into this node's index (another node, or this
/// one, saved it).
pub async fn reindex_article(app: &App, id: &str) -> Result<()> {
    let mut c = app.store.conn().await?;
    if let Some(a) = sk::article_version(&mut c, id, None).await? {
        app.knowledge.upsert(&indexed(&a))?;
    }
    Ok(())
}

/// An article save: the draft and the department that keeps it.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = HotlineSaveArticle))]
pub struct SaveArticle {
    #[serde(flatten)]
    pub draft: ArticleDraft,
    /// The owner department (department staff: their own).
    #[serde(default)]
    pub owner: String,
}

/// Whether `actor` may edit articles owned by `owner` for `regions`: the centre of a region
/// covering them all, or the owner department's own staff.
fn may_edit(s: &super::HotlineStaff, owner: &str, regions: &[String]) -> bool {
    // Never beyond one's own region: an article answers calls everywhere it applies.
    regions.iter().all(|r| s.scope.covers_region(r))
        && (s.is_centre() || s.scope.department.as_deref() == Some(owner))
}

/// Creates an article (`id` None) or a new version of one.
pub async fn save(
    app: &App,
    actor: &Actor,
    id: Option<&str>,
    req: &SaveArticle,
) -> Result<Article> {
    let s = staff(actor)?;
    let (valid_from, valid_to, review_by) =
        kb::check_article(&req.draft).map_err(AppError::Validation)?;
    let owner = match (&s.scope.department, req.owner.trim()) {
        (Some(d), "") => d.clone(),
        (_, o) if !o.is_empty() => o.to_string(),
        _ => return Err(AppError::field("owner", "required", "请选择负责维护的单位")),
    };
    let regions: Vec<String> = req
        .draft
        .regions
        .iter()
        .map(|r| r.trim().to_string())
        .collect();
    if !may_edit(&s, &owner, &regions) {
        return Err(AppError::Forbidden(
            "只能维护本单位或本热线区域的知识".into(),
        ));
    }
    let mut tx = app.store.begin().await?;
    if store::org::get_department(&mut tx, &owner).await.is_err() {
        return Err(AppError::field(
            "owner",
            "unknown",
            format!("单位 {owner} 不存在"),
        ));
    }
    for item in &req.draft.items {
        if store::catalog::find_item(&mut tx, item.trim())
            .await?
            .is_none()
        {
            return Err(AppError::field(
                "items",
                "unknown",
                format!("事项 {item} 不存在"),
            ));
        }
    }
    let (id, version) = match id {
        Some(id) => {
            let old = sk::article_version(&mut tx, id, None)
                .await?
                .ok_or_else(|| AppError::NotFound(format!("知识 {id}")))?;
            if !may_edit(&s, &old.owner, &old.regions) {
                return Err(AppError::Forbidden(
                    "只能维护本单位或本热线区域的知识".into(),
                ));
            }
            (old.id, old.version + 1)
        }
        None => (uuid::Uuid::now_v7().to_string(), 1),
    };
    let a = Article {
        id,
        version,
        question: req.draft.question.trim().to_string(),
        answer: req.draft.answer.trim().to_string(),
        regions,
        valid_from,
        valid_to,
        source: req.draft.source.trim().to_string(),
        items: req
            .draft
            .items
            .iter()
            .map(|i| i.trim().to_string())
            .collect(),
        owner,
        review_by,
        // Saving is the review.
        flagged: String::new(),
        updated_at: app.now(),
    };
    sk::save_article(&mut tx, &a, &s.id).await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    app.knowledge.upsert(&indexed(&a))?;
    announce(app, &a.id).await;
    Ok(a)
}

/// An article (the latest version, or one given) for staff.
pub async fn article(app: &App, actor: &Actor, id: &str, version: Option<i64>) -> Result<Article> {
    if !matches!(actor, Actor::Staff { .. }) {
        return Err(AppError::Forbidden("知识库仅限工作人员".into()));
    }
    let mut c = app.store.conn().await?;
    sk::article_version(&mut c, id, version)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("知识 {id}")))
}

/// Articles their keepers must look at: past the review day or flagged by a catalog change.
pub async fn due_for_review(app: &App, actor: &Actor) -> Result<Vec<Article>> {
    let s = staff(actor)?;
    let mut c = app.store.conn().await?;
    let day = today(app);
    let owner = if s.is_centre() {
        None
    } else {
        s.scope.department.as_deref()
    };
    Ok(sk::latest_articles(&mut c, owner)
        .await?
        .into_iter()
        .filter(|a| a.due_for_review(day))
        .filter(|a| may_edit(&s, &a.owner, &a.regions) || s.roles.contains(&Role::Supervisor))
        .collect())
}

/// Every current article in reach, for the knowledge-base page.
pub async fn list(app: &App, actor: &Actor) -> Result<Vec<Article>> {
    let s = staff(actor)?;
    let mut c = app.store.conn().await?;
    Ok(sk::latest_articles(&mut c, None)
        .await?
        .into_iter()
        .filter(|a| {
            s.is_centre()
                || may_edit(&s, &a.owner, &a.regions)
                || s.roles.contains(&Role::Supervisor)
        })
        .collect())
}

/// An article as the operator's desk lists it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = HotlineArticleBrief))]
pub struct ArticleBrief {
    pub id: String,
    pub version: i64,
    pub question: String,
    pub answer: String,
    pub source: String,
}

/// What the desk shows as the operator types.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = HotlineDeskResults))]
pub struct DeskResults {
    pub articles: Vec<ArticleBrief>,
    pub items: Vec<ItemBrief>,
}

/// A catalog item as the desk lists it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = HotlineItemBrief))]
pub struct ItemBrief {
    pub code: String,
    pub name: String,
    pub department_name: String,
    pub summary: String,
}

impl From<Hit> for ItemBrief {
    fn from(h: Hit) -> ItemBrief {
        ItemBrief {
            code: h.code,
            name: h.name,
            department_name: h.department_name,
            summary: h.summary,
        }
    }
}

/// Articles valid today for `region` and catalog items, for what was typed so far.
pub async fn desk_search(
    app: &App,
    actor: &Actor,
    text: &str,
    region: &str,
) -> Result<DeskResults> {
    let s = staff(actor)?;
    if !s.is_centre() {
        return Err(AppError::Forbidden("知识检索台仅限热线中心".into()));
    }
    let text = text.trim();
    if text.chars().count() > 100 {
        return Err(AppError::field("q", "too_long", "检索词不能超过 100 个字"));
    }
    if text.is_empty() {
        return Ok(DeskResults {
            articles: vec![],
            items: vec![],
        });
    }
    let hits = app.knowledge.search(text, 30)?;
    let day = today(app);
    let mut c = app.store.conn().await?;
    let mut articles = Vec::new();
    for h in hits {
        if articles.len() >= 8 {
            break;
        }
        if let Some(a) = sk::article_version(&mut c, &h.id, None).await?
            && a.applies(day, region)
        {
            articles.push(ArticleBrief {
                id: a.id,
                version: a.version,
                question: a.question,
                answer: a.answer,
                source: a.source,
            });
        }
    }
    drop(c);
    let q = SearchQuery {
        text: text.to_string(),
        regions: if region.is_empty() {
            vec![]
        } else {
            crate::org::serving_regions(region)?
        },
        near: vec![],
        department: None,
        audience: None,
        online_depth: None,
        limit: 5,
        offset: 0,
    };
    // On this worker, as every catalog search (`catalog::search` says why).
    let items = app
        .index
        .search(&q)?
        .hits
        .into_iter()
        .map(ItemBrief::from)
        .collect();
    Ok(DeskResults { articles, items })
}

/// Asks a question on an item's guide (a logged-in person).
pub async fn ask(app: &App, actor: &Actor, item: &str, text: &str) -> Result<Question> {
    let Actor::Applicant { id, .. } = actor else {
        return Err(match actor {
            Actor::Anonymous => AppError::Unauthenticated,
            _ => AppError::Forbidden("网上咨询由办事群众和企业提出".into()),
        });
    };
    let text = kb::check_question(text).map_err(AppError::Validation)?;
    let mut tx = app.store.begin().await?;
    let row = store::catalog::find_item(&mut tx, item)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("事项 {item}")))?;
    let q = Question {
        id: uuid::Uuid::now_v7().to_string(),
        item: row.code.clone(),
        department: row.department.clone(),
        text,
        asker: id.clone(),
        asked_at: app.now(),
        answer: String::new(),
        answered_at: None,
        public: false,
        article: None,
    };
    sk::insert_question(&mut tx, &q).await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(q)
}

/// A department's answer to a question.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = HotlineAnswerQuestion))]
pub struct AnswerQuestion {
    pub answer: String,
    /// Publish on the guide (with the asker hidden).
    #[serde(default)]
    pub public: bool,
    /// Also add it to the knowledge base.
    #[serde(default)]
    pub to_knowledge: bool,
}

/// Staff of the item's department who answer its questions.
fn answers_for(actor: &Actor, department: &str) -> bool {
    matches!(actor, Actor::Staff { roles, scope, .. }
        if scope.department.as_deref() == Some(department)
            && roles.iter().any(|r| matches!(r, Role::Reviewer | Role::Approver | Role::HotlineHandler)))
}

pub async fn answer(app: &App, actor: &Actor, id: &str, req: &AnswerQuestion) -> Result<Question> {
    let mut tx = app.store.begin().await?;
    let mut q = sk::get_question(&mut tx, id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("咨询 {id}")))?;
    if !answers_for(actor, &q.department) {
        return Err(AppError::Forbidden("只能答复本单位事项的咨询".into()));
    }
    if q.answered_at.is_some() {
        return Err(AppError::State("该咨询已答复".into()));
    }
    let mut p = domain::Problems::default();
    p.text("answer", &req.answer, "答复内容", 4000);
    p.into_result().map_err(AppError::Validation)?;
    let now = app.now();
    q.answer = req.answer.trim().to_string();
    q.answered_at = Some(now);
    q.public = req.public;
    let by = match actor {
        Actor::Staff { id, .. } => id.clone(),
        _ => String::new(),
    };
    let article = if req.to_knowledge {
        let item = store::catalog::find_item(&mut tx, &q.item).await?;
        let day = today(app);
        let a = Article {
            id: uuid::Uuid::now_v7().to_string(),
            version: 1,
            question: q.text.chars().take(300).collect(),
            answer: q.answer.clone(),
            regions: vec![item.map(|i| i.region).unwrap_or_default()],
            valid_from: day,
            valid_to: None,
            source: format!("网上咨询答复（事项 {}）", q.item),
            items: vec![q.item.clone()],
            owner: q.department.clone(),
            review_by: day.replace_year(day.year() + 1).unwrap_or(day),
            flagged: String::new(),
            updated_at: now,
        };
        sk::save_article(&mut tx, &a, &by).await?;
        q.article = Some(a.id.clone());
        Some(a)
    } else {
        None
    };
    if !sk::answer_question(&mut tx, &q, &by).await? {
        return Err(AppError::State("该咨询已答复".into()));
    }
    tx.commit().await.map_err(store::StoreError::from)?;
    if let Some(a) = article {
        app.knowledge.upsert(&indexed(&a))?;
        announce(app, &a.id).await;
    }
    Ok(q)
}

/// Answered public questions on a guide; the asker is never included.
pub async fn public_questions(app: &App, item: &str) -> Result<Vec<Question>> {
    let mut c = app.store.conn().await?;
    Ok(sk::public_questions(&mut c, item, 20)
        .await?
        .into_iter()
        .map(|mut q| {
            q.asker = String::new();
            q
        })
        .collect())
}

/// Questions for the actor's department (unanswered first), or the person's own.
pub async fn questions(app: &App, actor: &Actor) -> Result<Vec<Question>> {
    let mut c = app.store.conn().await?;
    match actor {
        Actor::Applicant { id, .. } => Ok(sk::questions_for(&mut c, None, Some(id), 100).await?),
        Actor::Staff { scope, .. } => {
            let d = scope
                .department
                .as_deref()
                .filter(|d| answers_for(actor, d))
                .ok_or_else(|| AppError::Forbidden("网上咨询由事项所属单位答复".into()))?;
            Ok(sk::questions_for(&mut c, Some(d), None, 100).await?)
        }
        Actor::Anonymous => Err(AppError::Unauthenticated),
    }
}

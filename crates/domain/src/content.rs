//! Content on the portal: 通知公告, 政策解读 (explaining a policy or an item, linked to them) and
//! news (新闻动态). An editor writes a draft and submits it; another editor reviews it and
//! publishes or returns it with a reason (no one publishes their own words); a published post
//! shows from its publication time until it expires, so a post may be scheduled ahead and
//! taken down by itself; an editor may withdraw it sooner and rework it as a new draft.

use serde::{Deserialize, Serialize};
use time::{OffsetDateTime, PrimitiveDateTime};

use crate::calendar::CHINA_OFFSET;
use crate::error::{FieldError, Problems};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PostKind {
    /// 通知公告.
    Notice,
    /// 政策解读: linked to at least one policy or item.
    Interpretation,
    /// 新闻动态.
    News,
}

impl PostKind {
    pub const ALL: &'static [PostKind] =
        &[PostKind::Notice, PostKind::Interpretation, PostKind::News];

    pub fn as_str(self) -> &'static str {
        match self {
            PostKind::Notice => "notice",
            PostKind::Interpretation => "interpretation",
            PostKind::News => "news",
        }
    }

    pub fn parse(s: &str) -> Option<PostKind> {
        PostKind::ALL.iter().copied().find(|k| k.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            PostKind::Notice => "通知公告",
            PostKind::Interpretation => "政策解读",
            PostKind::News => "新闻动态",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PostState {
    Draft,
    /// Submitted, waiting for a reviewer.
    InReview,
    /// Sent back by the reviewer with a reason.
    Returned,
    /// Approved: shown from `publish_at` until `expires_at`.
    Published,
    /// Taken down by an editor before it expired.
    Withdrawn,
}

impl PostState {
    pub const ALL: &'static [PostState] = &[
        PostState::Draft,
        PostState::InReview,
        PostState::Returned,
        PostState::Published,
        PostState::Withdrawn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PostState::Draft => "draft",
            PostState::InReview => "in_review",
            PostState::Returned => "returned",
            PostState::Published => "published",
            PostState::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(s: &str) -> Option<PostState> {
        PostState::ALL.iter().copied().find(|k| k.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            PostState::Draft => "草稿",
            PostState::InReview => "待审核",
            PostState::Returned => "已退回修改",
            PostState::Published => "已发布",
            PostState::Withdrawn => "已撤回",
        }
    }

    /// Whether the words may still be changed (a published post is withdrawn first).
    pub fn editable(self) -> bool {
        matches!(
            self,
            PostState::Draft | PostState::Returned | PostState::Withdrawn
        )
    }
}

/// What an editor may do to a post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Submit,
    /// Publish: by a reviewer who did not submit it.
    Approve,
    /// Back to the editor, with the reason.
    Return(String),
    Withdraw,
}

/// The state `action` leads to from `state`, or why it may not be taken. `reviewer_submitted`
/// says whether the one approving or returning is the one who submitted it.
pub fn transition(
    state: PostState,
    action: &Action,
    reviewer_submitted: bool,
) -> Result<PostState, FieldError> {
    use PostState as S;
    let refused = |msg: &str| Err(FieldError::new("state", "not_allowed", msg));
    match (action, state) {
        (Action::Submit, S::Draft | S::Returned) => Ok(S::InReview),
        (Action::Submit, _) => refused("只有草稿或退回的稿件可以提交审核"),
        (Action::Approve | Action::Return(_), S::InReview) if reviewer_submitted => {
            refused("稿件须由提交人以外的另一位编辑审核")
        }
        (Action::Approve, S::InReview) => Ok(S::Published),
        (Action::Return(reason), S::InReview) if reason.trim().is_empty() => Err(FieldError::new(
            "reason",
            "required",
            "退回时请写明需要修改的地方",
        )),
        (Action::Return(_), S::InReview) => Ok(S::Returned),
        (Action::Approve | Action::Return(_), _) => refused("只有待审核的稿件可以审核"),
        (Action::Withdraw, S::Published) => Ok(S::Withdrawn),
        (Action::Withdraw, _) => refused("只有已发布的稿件可以撤回"),
    }
}

/// Where a post stands for readers at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Showing {
    /// Not approved (or withdrawn): editors only.
    Hidden,
    /// Approved, its publication time not reached (定时发布).
    Scheduled,
    Shown,
    /// Past its expiry: kept, no longer on the portal.
    Expired,
}

impl Showing {
    /// `publish_at` and `expires_at` in Unix milliseconds; `expires_at` 0 never expires.
    pub fn of(state: PostState, publish_at: i64, expires_at: i64, now: i64) -> Showing {
        if state != PostState::Published {
            Showing::Hidden
        } else if now < publish_at {
            Showing::Scheduled
        } else if expires_at > 0 && now >= expires_at {
            Showing::Expired
        } else {
            Showing::Shown
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Showing::Hidden => "未发布",
            Showing::Scheduled => "定时发布",
            Showing::Shown => "公开中",
            Showing::Expired => "已过期下线",
        }
    }
}

/// What an editor writes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostDraft {
    pub kind: String,
    pub title: String,
    /// Plain text; blank lines separate paragraphs (no markup: nothing a reader's browser runs).
    pub body: String,
    /// The department that speaks (发布单位).
    pub department: String,
    pub region: String,
    /// Policies the post explains, by id.
    #[serde(default)]
    pub policies: Vec<String>,
    /// Catalog items it explains, by code.
    #[serde(default)]
    pub items: Vec<String>,
    /// 定时发布: `YYYY-MM-DDTHH:MM` in Beijing time; empty publishes on approval.
    #[serde(default)]
    pub publish_at: String,
    /// `YYYY-MM-DDTHH:MM` in Beijing time; empty never expires.
    #[serde(default)]
    pub expires_at: String,
    /// 置顶 in lists.
    #[serde(default)]
    pub pinned: bool,
}

/// A checked draft: its kind, its times in Unix milliseconds (0 where empty) and links, trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub kind: PostKind,
    pub publish_at: i64,
    pub expires_at: i64,
    pub policies: Vec<String>,
    pub items: Vec<String>,
}

pub const TITLE_MAX: usize = 80;
pub const BODY_MAX: usize = 20_000;

/// Parses a `datetime-local` value as Beijing time, to Unix milliseconds.
pub fn parse_local(s: &str) -> Option<i64> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
    let t = PrimitiveDateTime::parse(s.trim(), &fmt).ok()?;
    Some((t.assume_offset(CHINA_OFFSET).unix_timestamp_nanos() / 1_000_000) as i64)
}

/// The `datetime-local` value of Unix milliseconds, in Beijing time; empty for 0.
pub fn format_local(ms: i64) -> String {
    if ms == 0 {
        return String::new();
    }
    let fmt = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
    OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .map(|t| t.to_offset(CHINA_OFFSET).format(&fmt).unwrap_or_default())
        .unwrap_or_default()
}

fn trimmed(v: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in v.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        if !out.iter().any(|o| o == s) {
            out.push(s.to_string());
        }
    }
    out
}

impl PostDraft {
    /// Checks everything that does not need storage; every problem is named at its field.
    pub fn check(&self) -> Result<Checked, Vec<FieldError>> {
        let mut p = Problems::default();
        let kind = PostKind::parse(self.kind.trim());
        if kind.is_none() {
            p.push(
                "kind",
                "invalid",
                "请选择栏目：通知公告、政策解读或新闻动态",
            );
        }
        p.text("title", &self.title, "标题", TITLE_MAX);
        if self.body.trim().is_empty() {
            p.push("body", "required", "正文不能为空");
        } else if self.body.trim().chars().count() > BODY_MAX {
            p.push(
                "body",
                "too_long",
                format!("正文不能超过 {BODY_MAX} 个字符"),
            );
        }
        p.text("department", &self.department, "发布单位", 40);
        p.text("region", &self.region, "发布地区", 12);
        let mut time = |field: &str, v: &str| -> i64 {
            if v.trim().is_empty() {
                return 0;
            }
            parse_local(v).unwrap_or_else(|| {
                p.push(
                    field,
                    "invalid",
                    "时间格式应为 年-月-日T时:分，例如 2026-12-08T09:00",
                );
                0
            })
        };
        let publish_at = time("publish_at", &self.publish_at);
        let expires_at = time("expires_at", &self.expires_at);
        if expires_at > 0 && publish_at > 0 && expires_at <= publish_at {
            p.push("expires_at", "inconsistent", "下线时间应晚于发布时间");
        }
        let policies = trimmed(&self.policies);
        let items = trimmed(&self.items);
        if kind == Some(PostKind::Interpretation) && policies.is_empty() && items.is_empty() {
            p.push("policies", "required", "政策解读须关联至少一项政策或事项");
        }
        p.into_result()?;
        Ok(Checked {
            kind: kind.unwrap_or(PostKind::Notice),
            publish_at,
            expires_at,
            policies,
            items,
        })
    }
}

/// The paragraphs of a body, as readers see them.
pub fn paragraphs(body: &str) -> Vec<String> {
    body.split("\n\n")
        .map(|p| p.trim().replace('\r', ""))
        .filter(|p| !p.is_empty())
        .collect()
}

/// A few words of the body for lists and search results.
pub fn excerpt(body: &str, chars: usize) -> String {
    let flat: String = body.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= chars {
        flat
    } else {
        format!("{}…", flat.chars().take(chars).collect::<String>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn draft() -> PostDraft {
        PostDraft {
            kind: "notice".into(),
            title: "关于元旦期间政务服务大厅办公时间的通知".into(),
            body: "元旦期间大厅暂停现场服务。\n\n网上办事不受影响。".into(),
            department: "511600-ZWFW".into(),
            region: "511600".into(),
            ..PostDraft::default()
        }
    }

    fn fields(d: &PostDraft) -> Vec<(String, &'static str)> {
        d.check()
            .unwrap_err()
            .into_iter()
            .map(|e| (e.field, e.code))
            .collect()
    }

    #[test]
    fn a_draft_is_checked_field_by_field() {
        assert!(draft().check().is_ok());
        let mut d = draft();
        d.kind = "blog".into();
        d.title = " ".into();
        d.publish_at = "2026-12-08 09:00".into();
        assert_eq!(
            fields(&d),
            vec![
                ("kind".to_string(), "invalid"),
                ("title".to_string(), "required"),
                ("publish_at".to_string(), "invalid"),
            ]
        );
        let mut d = draft();
        d.publish_at = "2026-12-08T09:00".into();
        d.expires_at = "2026-12-08T09:00".into();
        assert_eq!(fields(&d), vec![("expires_at".to_string(), "inconsistent")]);
    }

    #[test]
    fn an_interpretation_explains_a_policy_or_an_item() {
        let mut d = draft();
        d.kind = "interpretation".into();
        d.policies = vec![" ".into()];
        assert_eq!(fields(&d), vec![("policies".to_string(), "required")]);
        d.items = vec!["X1".into(), " X1 ".into()];
        assert_eq!(d.check().unwrap().items, vec!["X1".to_string()]);
    }

    #[test]
    fn times_are_beijing_time() {
        let ms = parse_local("2026-12-08T09:00").unwrap();
        // 01:00 UTC.
        assert_eq!(ms, 1_796_691_600_000);
        assert_eq!(format_local(ms), "2026-12-08T09:00");
        assert_eq!(format_local(0), "");
    }

    #[test]
    fn no_one_reviews_what_they_submitted() {
        use PostState as S;
        assert_eq!(
            transition(S::Draft, &Action::Submit, false),
            Ok(S::InReview)
        );
        assert!(transition(S::InReview, &Action::Approve, true).is_err());
        assert_eq!(
            transition(S::InReview, &Action::Approve, false),
            Ok(S::Published)
        );
        let e = transition(S::InReview, &Action::Return(" ".into()), false).unwrap_err();
        assert_eq!(e.field, "reason");
        assert_eq!(
            transition(S::InReview, &Action::Return("改标题".into()), false),
            Ok(S::Returned)
        );
        assert!(transition(S::Published, &Action::Submit, false).is_err());
        assert_eq!(
            transition(S::Published, &Action::Withdraw, false),
            Ok(S::Withdrawn)
        );
    }

    fn any_state() -> impl Strategy<Value = PostState> {
        proptest::sample::select(PostState::ALL.to_vec())
    }

    fn any_action() -> impl Strategy<Value = Action> {
        prop_oneof![
            Just(Action::Submit),
            Just(Action::Approve),
            "[a-z ]{0,3}".prop_map(Action::Return),
            Just(Action::Withdraw),
        ]
    }

    proptest! {
        /// Only an approval by another person publishes, and only from review.
        #[test]
        fn publishing_needs_a_second_person(s in any_state(), a in any_action(), own in any::<bool>()) {
            if let Ok(PostState::Published) = transition(s, &a, own) {
                prop_assert_eq!(s, PostState::InReview);
                prop_assert!(!own);
                prop_assert_eq!(a, Action::Approve);
            }
        }

        /// A post is on the portal exactly when published, its time reached and not expired.
        #[test]
        fn shown_only_between_publication_and_expiry(
            s in any_state(),
            publish_at in 0i64..1000,
            expires_at in 0i64..1000,
            now in 0i64..1000,
        ) {
            let shown = Showing::of(s, publish_at, expires_at, now) == Showing::Shown;
            let expect = s == PostState::Published
                && publish_at <= now
                && (expires_at == 0 || now < expires_at);
            prop_assert_eq!(shown, expect);
        }

        /// Any parsed time formats back to what was typed.
        #[test]
        fn local_times_round_trip(y in 2000i32..2100, mo in 1u8..=12, d in 1u8..=28, h in 0u8..24, mi in 0u8..60) {
            let s = format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}");
            prop_assert_eq!(format_local(parse_local(&s).unwrap()), s);
        }
    }
}

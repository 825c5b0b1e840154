use proptest::prelude::*;

use super::*;

const BOTH: &[Channel] = &[Channel::Sms, Channel::Email];

#[test]
fn by_default_a_text_goes_to_the_accounts_phone_and_no_email() {
    let p = Prefs::default();
    assert_eq!(
        plan(&p, "13800001234", BOTH),
        [(Channel::Sms, "13800001234".to_string())]
    );
    assert!(plan(&p, "", BOTH).is_empty(), "no phone, no text");
    assert!(
        plan(&p, "13800001234", &[Channel::Email]).is_empty(),
        "no gateway, no text"
    );
}

#[test]
fn a_person_chooses_email_instead_of_texts() {
    let p = Prefs {
        sms: false,
        email: true,
        email_address: " wang@example.cn ".into(),
    };
    assert!(check(&p).is_ok());
    assert_eq!(
        plan(&p, "13800001234", BOTH),
        [(Channel::Email, "wang@example.cn".to_string())]
    );
}

#[test]
fn preferences_name_the_wrong_field() {
    let missing = Prefs {
        sms: true,
        email: true,
        email_address: String::new(),
    };
    let e = check(&missing).unwrap_err();
    assert_eq!(e[0].field, "email_address");
    assert!(e[0].message.contains("请填写邮箱"));
    for bad in [
        "wang",
        "wang@",
        "@example.cn",
        "wang@example",
        "wa ng@example.cn",
        "a@b@c.cn",
    ] {
        let p = Prefs {
            sms: false,
            email: true,
            email_address: bad.into(),
        };
        assert!(check(&p).is_err(), "{bad} passed");
    }
}

#[test]
fn the_rate_limit_counts_the_hour_and_the_day() {
    let l = Limits::default();
    assert!(l.allows(0, 0));
    assert!(l.allows(4, 19));
    assert!(!l.allows(5, 5));
    assert!(!l.allows(0, 20));
}

#[test]
fn a_message_is_retried_with_growing_waits_and_given_up_when_stale() {
    let l = Limits {
        give_up_minutes: 10,
        ..Limits::default()
    };
    assert_eq!(l.retry_at(0, 1, 1_000), Some(3_000));
    assert_eq!(l.retry_at(0, 3, 1_000), Some(9_000));
    assert_eq!(
        l.retry_at(0, 30, 100_000),
        Some(400_000),
        "waits stop at 5 minutes"
    );
    assert_eq!(
        l.retry_at(0, 1, 599_000),
        None,
        "past ten minutes: given up"
    );
}

#[test]
fn addresses_are_masked_for_staff() {
    assert_eq!(masked(Channel::Sms, "13800001234"), "138****1234");
    assert_eq!(
        masked(Channel::Email, "wang@example.cn"),
        "wa***@example.cn"
    );
}

#[test]
fn expiry_reminders_come_at_thirty_and_seven_days() {
    assert_eq!(expiry_window(30), Some((8, 30)));
    assert_eq!(expiry_window(7), Some((0, 7)));
    assert_eq!(expiry_window(15), None);
    assert_eq!(
        expiry_text("食品经营许可证", "JY1", "2026-12-10", 7),
        "您的食品经营许可证（编号 JY1）还有 7 天到期（2026-12-10），请及时办理延续或换领。"
    );
    assert!(expiry_text("营业执照", "X", "2026-12-03", 0).contains("今天到期"));
}

proptest! {
    /// Every number of days left from 0 to 30 falls in exactly one threshold's window.
    #[test]
    fn each_day_left_belongs_to_one_reminder(days in 0i64..=30) {
        let n = EXPIRY_THRESHOLDS
            .iter()
            .filter(|t| expiry_window(**t).is_some_and(|(lo, hi)| (lo..=hi).contains(&days)))
            .count();
        prop_assert_eq!(n, 1);
    }

    /// However long the notification, the text fits one template variable and keeps its start.
    #[test]
    fn sms_content_fits_and_keeps_the_start(text in "\\PC{0,200}") {
        let s = sms_content(&text);
        prop_assert!(s.chars().count() <= 60);
        let head: String = text.chars().take(59).collect();
        prop_assert!(s.starts_with(&head));
    }

    /// No plan ever sends on a channel the person turned off or the platform lacks.
    #[test]
    fn a_plan_respects_choices(sms in any::<bool>(), email in any::<bool>(), gateway in any::<bool>(), smtp in any::<bool>()) {
        let p = Prefs { sms, email, email_address: "li@example.cn".into() };
        let mut configured = Vec::new();
        if gateway { configured.push(Channel::Sms); }
        if smtp { configured.push(Channel::Email); }
        for (c, _) in plan(&p, "13912345678", &configured) {
            prop_assert!(configured.contains(&c));
            let chosen = match c { Channel::Sms => sms, Channel::Email => email };
            prop_assert!(chosen);
        }
        prop_assert_eq!(plan(&p, "13912345678", &configured).len(), usize::from(sms && gateway) + usize::from(email && smtp));
    }
}

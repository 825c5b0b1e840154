//! 邮寄送达: a result sent by courier. The window gives the recipient, the courier answers a
//! waybill number, then calls back with each scan (揽收, 运输, 派送, 签收); a signature (签收)
//! completes a case that is being issued by post.

use serde::{Deserialize, Serialize};

use crate::error::{FieldError, Problems};
use crate::ids::{mask_middle, validate_mobile};

/// Who the courier delivers to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Recipient {
    pub name: String,
    /// A mobile number (the courier texts it before delivery).
    pub phone: String,
    /// The full address, province to door number.
    pub address: String,
}

impl Recipient {
    /// Trimmed, with every problem named at its field.
    pub fn checked(name: &str, phone: &str, address: &str) -> Result<Recipient, Vec<FieldError>> {
        let mut p = Problems::default();
        p.text("recipient_name", name, "收件人", 30);
        if let Err(m) = validate_mobile(phone.trim()) {
            p.push("recipient_phone", "invalid", m);
        }
        p.text("recipient_address", address, "收件地址", 120);
        if !address.trim().is_empty() && address.trim().chars().count() < 6 {
            p.push(
                "recipient_address",
                "too_short",
                "收件地址请写到街道和门牌号",
            );
        }
        p.into_result()?;
        Ok(Recipient {
            name: name.trim().into(),
            phone: phone.trim().into(),
            address: address.trim().into(),
        })
    }

    /// As shown to staff other than the window that sent it: the surname, the phone's first
    /// three and last four digits, and the address up to its first ten characters.
    pub fn masked(&self) -> Recipient {
        let address: String = self.address.chars().take(10).collect();
        Recipient {
            name: mask_middle(&self.name, 1, 0),
            phone: mask_middle(&self.phone, 3, 4),
            address: if self.address.chars().count() > 10 {
                format!("{address}…")
            } else {
                address
            },
        }
    }
}

/// What a scan says of a shipment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// 已揽收.
    PickedUp,
    /// 运输中.
    InTransit,
    /// 派送中.
    OutForDelivery,
    /// 已签收.
    Signed,
    /// 派送失败 (the courier tries again or returns it).
    Failed,
    /// 已退回.
    Returned,
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Status::PickedUp => "已揽收",
            Status::InTransit => "运输中",
            Status::OutForDelivery => "派送中",
            Status::Signed => "已签收",
            Status::Failed => "派送失败",
            Status::Returned => "已退回",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Status::PickedUp => "picked_up",
            Status::InTransit => "in_transit",
            Status::OutForDelivery => "out_for_delivery",
            Status::Signed => "signed",
            Status::Failed => "failed",
            Status::Returned => "returned",
        }
    }

    pub fn from_name(s: &str) -> Option<Status> {
        [
            Status::PickedUp,
            Status::InTransit,
            Status::OutForDelivery,
            Status::Signed,
            Status::Failed,
            Status::Returned,
        ]
        .into_iter()
        .find(|x| x.name() == s)
    }
}

/// One tracking callback as the courier sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scan {
    pub waybill: String,
    /// The courier's sequence number for this waybill: a repeated one is the same scan sent
    /// again.
    pub seq: i64,
    pub status: Status,
    /// When the scan happened, Unix milliseconds.
    pub at_ms: i64,
    #[serde(default)]
    pub description: String,
    /// Who signed, on a signature.
    #[serde(default)]
    pub signer: String,
}

impl Scan {
    /// The scan's fields checked: a waybill, a non-negative sequence, short texts, and a
    /// signer on a signature.
    pub fn check(&self) -> Result<(), Vec<FieldError>> {
        let mut p = Problems::default();
        p.text("waybill", &self.waybill, "运单号", 40);
        if self.seq < 0 {
            p.push("seq", "invalid", "序号不能为负数");
        }
        if self.at_ms <= 0 {
            p.push("at_ms", "invalid", "扫描时间无效");
        }
        if self.description.chars().count() > 200 {
            p.push("description", "too_long", "描述不能超过 200 个字");
        }
        if self.status == Status::Signed {
            p.text("signer", &self.signer, "签收人", 30);
        }
        p.into_result()
    }
}

/// The shipment's state after its scans, whatever order they arrived in: the last scan by
/// sequence, except that a signature, once seen, stands (a late "in transit" does not undo it).
pub fn state_after(scans: &[Scan]) -> Option<Status> {
    if scans.iter().any(|s| s.status == Status::Signed) {
        return Some(Status::Signed);
    }
    scans.iter().max_by_key(|s| s.seq).map(|s| s.status)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn scan(seq: i64, status: Status) -> Scan {
        Scan {
            waybill: "EMS100".into(),
            seq,
            status,
            at_ms: 1_700_000_000_000 + seq,
            description: String::new(),
            signer: if status == Status::Signed {
                "本人".into()
            } else {
                String::new()
            },
        }
    }

    #[test]
    fn a_recipient_is_checked_field_by_field_and_masked_for_others() {
        let e = Recipient::checked(" ", "123", "四川").unwrap_err();
        let fields: Vec<_> = e.iter().map(|f| (f.field.as_str(), f.code)).collect();
        assert_eq!(
            fields,
            [
                ("recipient_name", "required"),
                ("recipient_phone", "invalid"),
                ("recipient_address", "too_short")
            ]
        );
        let r =
            Recipient::checked(" 张三 ", "13800001111", "四川省广安市广安区建设路 1 号").unwrap();
        assert_eq!(r.name, "张三");
        let m = r.masked();
        assert_eq!((m.name.as_str(), m.phone.as_str()), ("张*", "138****1111"));
        assert_eq!(m.address, "四川省广安市广安区建…");
    }

    #[test]
    fn a_signature_needs_a_signer_and_stands_against_later_scans() {
        let mut s = scan(3, Status::Signed);
        s.signer = String::new();
        assert_eq!(s.check().unwrap_err()[0].field, "signer");
        let scans = [
            scan(1, Status::PickedUp),
            scan(3, Status::Signed),
            scan(4, Status::InTransit),
        ];
        assert_eq!(state_after(&scans), Some(Status::Signed));
        assert_eq!(state_after(&[]), None);
        assert_eq!(
            Status::from_name("out_for_delivery"),
            Some(Status::OutForDelivery)
        );
        assert_eq!(Status::from_name("lost"), None);
    }

    proptest! {
        #[test]
        fn the_state_does_not_depend_on_arrival_order(
            statuses in proptest::collection::vec(0usize..6, 1..8),
            rotate in 0usize..8,
        ) {
            let all = [Status::PickedUp, Status::InTransit, Status::OutForDelivery, Status::Signed, Status::Failed, Status::Returned];
            let scans: Vec<Scan> = statuses.iter().enumerate().map(|(i, s)| scan(i as i64, all[*s])).collect();
            let mut shuffled = scans.clone();
            shuffled.rotate_left(rotate % scans.len());
            shuffled.reverse();
            prop_assert_eq!(state_after(&scans), state_after(&shuffled));
            if scans.iter().any(|s| s.status == Status::Signed) {
                prop_assert_eq!(state_after(&scans), Some(Status::Signed));
            }
        }
    }
}

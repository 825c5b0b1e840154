//! How a material is provided (提供方式), with the trust level each way carries.

use serde::{Deserialize, Serialize};
use time::Date;

/// How a material is provided, with its trust level (国办函〔2016〕108号).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "how", rename_all = "snake_case")]
pub enum Provision {
    Missing,
    /// Trust level C: uploaded by the applicant; `file` is the content hash.
    Uploaded {
        file: String,
        file_name: String,
        media_type: String,
    },
    /// Trust level B: the clerk checked the original at the window.
    CheckedOriginal {
        by: String,
    },
    /// Pending under 容缺受理, to be supplied by `due`.
    Pending {
        due: Date,
    },
    /// Trust level D: covered by the applicant's written commitment (告知承诺).
    Committed,
    /// The 告知承诺书 itself, signed by the applicant on the platform (`signer`, their name):
    /// no paper copy to upload.
    SignedOnline {
        signer: String,
    },
    /// Trust level A: an electronic license the applicant holds (免提交), attached with the
    /// reason for use recorded.
    License {
        /// 电子证照标识.
        license_id: String,
        type_name: String,
        number: String,
    },
    /// Trust level A: confirmed from a shared-data source (数据共享, 免提交), e.g. 公安人口库.
    Shared {
        source: String,
        /// What the source confirmed, in a line.
        summary: String,
    },
}

impl Provision {
    pub fn is_provided(&self) -> bool {
        matches!(
            self,
            Provision::Uploaded { .. }
                | Provision::CheckedOriginal { .. }
                | Provision::Committed
                | Provision::SignedOnline { .. }
                | Provision::License { .. }
                | Provision::Shared { .. }
        )
    }

    pub fn label(&self) -> &'static str {
        match self {
            Provision::Missing => "未提供",
            Provision::Uploaded { .. } => "已上传（C 级）",
            Provision::CheckedOriginal { .. } => "窗口核验原件（B 级）",
            Provision::Pending { .. } => "容缺待补",
            Provision::Committed => "承诺代替（D 级）",
            Provision::SignedOnline { .. } => "已在线签署",
            Provision::License { .. } => "电子证照（A 级，免提交）",
            Provision::Shared { .. } => "共享数据（A 级，免提交）",
        }
    }
}

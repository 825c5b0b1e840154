//! `onewindow kiosk-reader`: a simulated identity reader for tests and trials. It does what a
//! kiosk vendor's shell does after reading a card and comparing the face (docs/INTEGRATION.md):
//! posts the reading, signed with the kiosk's secret, to a running platform, and prints the
//! entry link to open in the kiosk's browser. It talks to the platform over HTTP only.

use clap::Args;
use domain::hall::reader::Reading;

#[derive(Args)]
pub struct KioskReader {
    /// The platform's address, e.g. http://127.0.0.1:8080.
    #[arg(long)]
    url: String,
    /// The kiosk's id, hall and secret as in the platform's `[[kiosks]]`.
    #[arg(long)]
    kiosk: String,
    #[arg(long)]
    hall: String,
    #[arg(long)]
    secret: String,
    /// Sign with HMAC-SHA256 instead of HMAC-SM3.
    #[arg(long)]
    sha256: bool,
    /// The card's name and ID number.
    #[arg(long)]
    name: String,
    #[arg(long)]
    id_number: String,
    /// Report that the face did not match the card.
    #[arg(long)]
    face_mismatch: bool,
}

pub async fn run(a: KioskReader) -> anyhow::Result<()> {
    let k = app::hall::kiosk::KioskConfig {
        id: a.kiosk,
        hall: a.hall.clone(),
        secret: a.secret,
        algorithm: if a.sha256 {
            domain::outbox::SignatureAlgorithm::HmacSha256
        } else {
            domain::outbox::SignatureAlgorithm::HmacSm3
        },
    };
    let reading = Reading {
        hall: a.hall,
        name: a.name,
        id_number: a.id_number,
        face_match: !a.face_mismatch,
        read_at: time::OffsetDateTime::now_utc().unix_timestamp(),
    };
    match app::hall::kiosk::post_reading(&a.url, &k, &reading).await {
        Ok(link) => {
            println!("{link}");
            Ok(())
        }
        Err(why) => Err(anyhow::anyhow!("平台未接受读卡报告：{why}")),
    }
}

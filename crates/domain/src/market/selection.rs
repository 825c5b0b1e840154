//! Choosing a job's winner among valid bids, by the job's method. The random draw ranks the
//! bidders by SM3 of the recorded seed and their credit code, so anyone with the published
//! seed and bidder list can re-run it with any SM3 tool (`echo -n "seed:code" | sm3sum`).

use serde::{Deserialize, Serialize};
use sm3::{Digest, Sm3};

use super::{Bid, Method};
use crate::error::FieldError;
use crate::payment::yuan;

/// One bidder's place in a draw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = MarketDrawEntry))]
pub struct DrawEntry {
    pub credit_code: String,
    /// SM3 of `seed:credit_code`, hex; the smallest wins.
    pub digest: String,
}

/// The outcome of a selection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Selected {
    pub winner: String,
    /// Why, in Chinese, for the public result.
    pub reason: String,
    /// The whole draw, in order (随机抽取 only).
    pub draw: Vec<DrawEntry>,
}

/// The bidders ranked by SM3 of `seed:credit_code`, smallest first.
pub fn draw<'a>(seed: &str, codes: impl IntoIterator<Item = &'a str>) -> Vec<DrawEntry> {
    let mut entries: Vec<DrawEntry> = codes
        .into_iter()
        .map(|code| DrawEntry {
            credit_code: code.to_string(),
            digest: hex::encode(Sm3::digest(format!("{seed}:{code}").as_bytes())),
        })
        .collect();
    entries.sort_by(|a, b| a.digest.cmp(&b.digest));
    entries
}

/// Price points in hundredths: the lowest price scores 60.00, others in proportion.
pub fn price_points(lowest: i64, price: i64) -> i64 {
    if price <= 0 {
        return 0;
    }
    (6000 * lowest) / price
}

/// Chooses the winner among `bids` (the valid ones, as taken) by `method`. `seed` is the
/// draw's seed (随机抽取), `choice` the buyer's pick (直接选取); 综合评价 needs every bid's
/// quality points.
pub fn select(
    method: Method,
    bids: &[Bid],
    seed: Option<&str>,
    choice: Option<&str>,
) -> Result<Selected, FieldError> {
    if bids.is_empty() {
        return Err(FieldError::new("bids", "no_bids", "没有有效报价，项目流标"));
    }
    // Ties go to the earlier bid, then the smaller credit code: nothing is left to chance
    // outside the draw.
    let earlier = |a: &&Bid, b: &&Bid| {
        a.placed_at
            .cmp(&b.placed_at)
            .then(a.credit_code.cmp(&b.credit_code))
    };
    match method {
        Method::Direct => {
            let code = choice.unwrap_or("").trim();
            let bid = bids.iter().find(|b| b.credit_code == code).ok_or_else(|| {
                FieldError::new("choice", "not_a_bidder", "请从报价机构中选择一家")
            })?;
            Ok(Selected {
                winner: bid.credit_code.clone(),
                reason: format!("采购人直接选取，报价 {}", yuan(bid.price)),
                draw: Vec::new(),
            })
        }
        Method::LowestPrice => {
            let bid = bids
                .iter()
                .min_by(|a, b| a.price.cmp(&b.price).then_with(|| earlier(a, b)))
                .expect("bids are not empty");
            Ok(Selected {
                winner: bid.credit_code.clone(),
                reason: format!("最低有效报价 {}", yuan(bid.price)),
                draw: Vec::new(),
            })
        }
        Method::Random => {
            let seed = seed.unwrap_or("").trim();
            if seed.is_empty() {
                return Err(FieldError::new("seed", "required", "随机抽取需要种子"));
            }
            let order = draw(seed, bids.iter().map(|b| b.credit_code.as_str()));
            Ok(Selected {
                winner: order[0].credit_code.clone(),
                reason: format!(
                    "在 {} 家报价机构中随机抽取（种子 {seed}，按 SM3(种子:信用代码) 从小到大）",
                    bids.len()
                ),
                draw: order,
            })
        }
        Method::Scored => {
            if let Some(b) = bids.iter().find(|b| b.quality.is_none_or(|q| q > 40)) {
                return Err(FieldError::new(
                    "quality",
                    "required",
                    format!("请为 {} 的报价打出 0 至 40 分的服务质量分", b.credit_code),
                ));
            }
            let lowest = bids.iter().map(|b| b.price).min().expect("not empty");
            let total =
                |b: &Bid| price_points(lowest, b.price) + i64::from(b.quality.unwrap_or(0)) * 100;
            let bid = bids
                .iter()
                .max_by(|a, b| {
                    total(a)
                        .cmp(&total(b))
                        .then(b.price.cmp(&a.price))
                        .then_with(|| earlier(b, a))
                })
                .expect("bids are not empty");
            let t = total(bid);
            Ok(Selected {
                winner: bid.credit_code.clone(),
                reason: format!(
                    "综合评价得分最高：{}.{:02} 分（报价 {}）",
                    t / 100,
                    t % 100,
                    yuan(bid.price)
                ),
                draw: Vec::new(),
            })
        }
    }
}

//! Service points (服务场所): where people are served in person, from the county's 政务服务中心
//! to a township's 便民服务中心 and a village's 便民服务站, with address, hours, phone and map
//! coordinates. Halls with windows and queues belong to a service point.

use serde::{Deserialize, Serialize};

use crate::error::{FieldError, Problems};
use crate::ids::RegionCode;

/// The kinds of service point, by the level they serve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PointKind {
    /// 政务服务中心 (县级以上的政务服务大厅).
    Center,
    /// 乡镇（街道）便民服务中心.
    Township,
    /// 村（社区）便民服务站.
    Village,
}

impl PointKind {
    pub const ALL: &'static [PointKind] =
        &[PointKind::Center, PointKind::Township, PointKind::Village];

    pub fn name(self) -> &'static str {
        match self {
            PointKind::Center => "center",
            PointKind::Township => "township",
            PointKind::Village => "village",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            PointKind::Center => "政务服务中心",
            PointKind::Township => "便民服务中心",
            PointKind::Village => "便民服务站",
        }
    }

    /// By its name or its label.
    pub fn parse(s: &str) -> Option<PointKind> {
        let s = s.trim();
        Self::ALL
            .iter()
            .copied()
            .find(|k| k.name() == s || k.label() == s)
    }
}

/// Latitude and longitude (WGS-84 degrees, as a map shows them).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Coordinates {
    pub latitude: f64,
    pub longitude: f64,
}

impl Coordinates {
    /// Whether the point lies within China's extent (a swapped or mistyped pair does not).
    pub fn in_china(&self) -> bool {
        (3.8..=53.6).contains(&self.latitude) && (73.4..=135.1).contains(&self.longitude)
    }

    /// Reads `纬度,经度` as typed (`30.4561, 106.6332`; a full-width comma too).
    pub fn parse(s: &str) -> Result<Coordinates, String> {
        let parts: Vec<&str> = s.split([',', '，']).map(str::trim).collect();
        let [lat, lng] = parts.as_slice() else {
            return Err(format!("坐标应写成“纬度,经度”，实际为“{s}”"));
        };
        let number = |v: &str, what: &str| {
            v.parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .ok_or_else(|| format!("{what}应为数字，实际为“{v}”"))
        };
        let c = Coordinates {
            latitude: number(lat, "纬度")?,
            longitude: number(lng, "经度")?,
        };
        if c.in_china() {
            Ok(c)
        } else {
            Err(format!(
                "坐标（纬度 {}，经度 {}）不在中国境内：请检查是否把经度和纬度写反",
                c.latitude, c.longitude
            ))
        }
    }

    /// `纬度,经度` with six decimals (about 0.1 m).
    pub fn text(&self) -> String {
        format!("{:.6},{:.6}", self.latitude, self.longitude)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServicePoint {
    pub code: String,
    pub name: String,
    pub kind: PointKind,
    /// The region it serves (GB/T 2260 or 统计用区划 code).
    pub region: String,
    pub address: String,
    /// 办公时间, as published (工作日 9:00-12:00，13:30-17:00).
    pub hours: String,
    pub phone: String,
    #[serde(default)]
    pub location: Option<Coordinates>,
}

impl ServicePoint {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut p = Problems::default();
        p.code("code", &self.code, "场所编码");
        p.text("name", &self.name, "场所名称", 100);
        p.text("address", &self.address, "地址", 200);
        p.text("hours", &self.hours, "办公时间", 200);
        let phone = self.phone.trim();
        if phone.is_empty() {
            p.push("phone", "required", "咨询电话不能为空");
        } else if phone.chars().filter(char::is_ascii_digit).count() < 5 {
            p.push(
                "phone",
                "invalid",
                format!("咨询电话“{phone}”太短：请写完整的号码（含区号）"),
            );
        } else if phone.len() > 40
            || !phone
                .chars()
                .all(|c| c.is_ascii_digit() || "-+() ".contains(c))
        {
            p.push("phone", "invalid", "咨询电话格式不正确，只能包含数字和“-”");
        }
        match RegionCode::parse(&self.region) {
            Err(e) => p.push("region", "invalid", format!("所属区划代码无效：{e}")),
            Ok(r) => {
                // A village station serves a village or community; a township centre a
                // township; a centre a county or above.
                let digits = r.as_str().len();
                let fits = match self.kind {
                    PointKind::Center => digits == 6,
                    PointKind::Township => digits == 9,
                    PointKind::Village => digits == 12,
                };
                if !fits {
                    p.push(
                        "region",
                        "inconsistent",
                        format!(
                            "{}须设在{}，“{}”不是",
                            self.kind.label(),
                            match self.kind {
                                PointKind::Center => "县级或以上区划（6 位代码）",
                                PointKind::Township => "乡镇、街道（9 位代码）",
                                PointKind::Village => "村、社区（12 位代码）",
                            },
                            r.as_str()
                        ),
                    );
                }
            }
        }
        if let Some(c) = &self.location
            && !c.in_china()
        {
            p.push(
                "location",
                "invalid",
                "坐标不在中国境内：请检查是否把经度和纬度写反",
            );
        }
        p.into_result()
    }
}

/// Great-circle distance in kilometres (haversine on a sphere of the earth's mean radius;
/// a few metres off at county scale, which a map of service points does not notice).
pub fn distance_km(a: Coordinates, b: Coordinates) -> f64 {
    const EARTH_RADIUS_KM: f64 = 6371.0;
    let (la1, la2) = (a.latitude.to_radians(), b.latitude.to_radians());
    let dlat = la2 - la1;
    let dlng = (b.longitude - a.longitude).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlng / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * h.sqrt().min(1.0).asin()
}

/// Whether published hours (`工作日 9:00-12:00，13:30-17:00`, `24小时`, `每天 8:30-18:00`)
/// are open at `time` on a day that is (`working`) or is not a working day; `None` when the
/// text names no time range to go by. Hours are free text typed by each site, so this reads
/// the common shapes rather than a grammar.
pub fn open_at(hours: &str, working: bool, time: time::Time) -> Option<bool> {
    let h = hours.replace('：', ":");
    if h.contains("24小时") || h.contains("24 小时") || h.contains("7×24") {
        return Some(true);
    }
    let every_day = h.contains("每天") || h.contains("全年") || h.contains("周一至周日");
    let ranges = time_ranges(&h);
    if ranges.is_empty() {
        return None;
    }
    if !working && !every_day {
        return Some(false);
    }
    Some(ranges.iter().any(|(s, e)| *s <= time && time < *e))
}

/// Every `H:MM-H:MM` in the text (a dash, a tilde or 至 between).
fn time_ranges(h: &str) -> Vec<(time::Time, time::Time)> {
    let chars: Vec<char> = h.chars().collect();
    let mut times = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == ':') {
                i += 1;
            }
            let t: String = chars[start..i].iter().collect();
            let sep = chars.get(i).copied();
            if let Some((hh, mm)) = t.split_once(':')
                && let (Ok(hh), Ok(mm)) = (hh.parse::<u8>(), mm.parse::<u8>())
                && let Ok(t) = time::Time::from_hms(hh.min(23), mm, 0)
            {
                times.push((t, sep, hh == 24));
            }
        } else {
            i += 1;
        }
    }
    times
        .windows(2)
        .filter(|w| matches!(w[0].1, Some('-' | '~' | '至' | '—' | '－')))
        .map(|w| {
            let end = if w[1].2 { time::Time::MAX } else { w[1].0 };
            (w[0].0, end)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn point() -> ServicePoint {
        ServicePoint {
            code: "511602-ZWZX".into(),
            name: "广安区政务服务中心".into(),
            kind: PointKind::Center,
            region: "511602".into(),
            address: "广安区金安大道一段".into(),
            hours: "工作日 9:00-17:00".into(),
            phone: "0826-2345678".into(),
            location: Some(Coordinates {
                latitude: 30.456,
                longitude: 106.633,
            }),
        }
    }

    fn fields(p: &ServicePoint) -> Vec<String> {
        p.validate()
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| e.field)
            .collect()
    }

    #[test]
    fn a_point_is_valid_at_its_level_only() {
        assert_eq!(point().validate(), Ok(()));
        let mut t = point();
        t.kind = PointKind::Township;
        assert_eq!(fields(&t), ["region"]);
        t.region = "511602001".into();
        assert_eq!(t.validate(), Ok(()));
        let mut v = point();
        v.kind = PointKind::Village;
        v.region = "511602001001".into();
        assert_eq!(v.validate(), Ok(()));
    }

    #[test]
    fn coordinates_are_read_as_typed_and_a_swapped_pair_is_named() {
        let c = Coordinates::parse(" 30.456 ， 106.633 ").unwrap();
        assert_eq!((c.latitude, c.longitude), (30.456, 106.633));
        assert!(
            Coordinates::parse("106.633,30.456")
                .unwrap_err()
                .contains("写反")
        );
        assert!(Coordinates::parse("三十,106").unwrap_err().contains("纬度"));
        assert!(Coordinates::parse("30.4").is_err());
        let mut p = point();
        p.location = Some(Coordinates {
            latitude: 106.6,
            longitude: 30.4,
        });
        assert_eq!(fields(&p), ["location"]);
        p.phone = "电话".into();
        p.code = "广安".into();
        assert_eq!(fields(&p), ["code", "phone", "location"]);
    }

    #[test]
    fn kinds_parse_by_name_or_label() {
        for k in PointKind::ALL {
            assert_eq!(PointKind::parse(k.name()), Some(*k));
            assert_eq!(PointKind::parse(k.label()), Some(*k));
        }
        assert_eq!(PointKind::parse("大厅"), None);
    }

    proptest! {
        /// Any point inside China's extent reads back from its text; any outside is refused.
        #[test]
        fn coordinates_round_trip_inside_china(lat in -90.0f64..90.0, lng in -180.0f64..180.0) {
            let c = Coordinates { latitude: lat, longitude: lng };
            match Coordinates::parse(&c.text()) {
                Ok(back) => {
                    prop_assert!(back.in_china());
                    prop_assert!((back.latitude - lat).abs() < 1e-6);
                    prop_assert!((back.longitude - lng).abs() < 1e-6);
                }
                Err(_) => {
                    let rounded = Coordinates {
                        latitude: (lat * 1e6).round() / 1e6,
                        longitude: (lng * 1e6).round() / 1e6,
                    };
                    prop_assert!(!rounded.in_china());
                }
            }
        }
    }

    #[test]
    fn distances_and_opening_hours_read_as_people_expect() {
        let guangan = Coordinates {
            latitude: 30.456,
            longitude: 106.633,
        };
        let chengdu = Coordinates {
            latitude: 30.657,
            longitude: 104.066,
        };
        let d = distance_km(guangan, chengdu);
        assert!((240.0..260.0).contains(&d), "{d}");
        assert_eq!(distance_km(guangan, guangan), 0.0);
        let t = |h, m| time::Time::from_hms(h, m, 0).unwrap();
        let hours = "工作日 9:00-12:00，13:30-17:00";
        assert_eq!(open_at(hours, true, t(10, 0)), Some(true));
        assert_eq!(open_at(hours, true, t(12, 30)), Some(false));
        assert_eq!(open_at(hours, false, t(10, 0)), Some(false));
        assert_eq!(open_at("每天 8:30~18:00", false, t(17, 59)), Some(true));
        assert_eq!(open_at("24小时自助服务", false, t(3, 0)), Some(true));
        assert_eq!(open_at("工作日 0:00-24:00", true, t(23, 30)), Some(true));
        assert_eq!(open_at("请电话预约", true, t(10, 0)), None);
    }
}

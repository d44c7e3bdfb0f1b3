//! Times as the inbox shows them: in the business's time zone (`sms.timezone`), with the UTC time
//! on hover (`title`) and machine-readable (`datetime`).

use jiff::tz::TimeZone;
use time::OffsetDateTime;

/// One moment, ready for `<time datetime="{{ iso }}" title="{{ utc }}">{{ local }}</time>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalTime {
    /// In the business's zone, with the zone's abbreviation: `2026-11-28 13:45 EST`.
    pub local: String,
    /// `2026-11-28 18:45 UTC`.
    pub utc: String,
    /// RFC 3339 in UTC.
    pub iso: String,
}

impl LocalTime {
    pub fn of(at: &OffsetDateTime, zone: &TimeZone) -> LocalTime {
        let instant = jiff::Timestamp::from_nanosecond(at.unix_timestamp_nanos())
            .unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        LocalTime {
            local: instant
                .to_zoned(zone.clone())
                .strftime("%Y-%m-%d %H:%M %Z")
                .to_string(),
            utc: super::inbox::when(at),
            iso: instant.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shown_in_the_business_zone_with_utc_beside() {
        let at = time::macros::datetime!(2026-11-28 18:45:30 UTC);
        let zone = TimeZone::get("America/New_York").unwrap();
        assert_eq!(
            LocalTime::of(&at, &zone),
            LocalTime {
                local: "2026-11-28 13:45 EST".into(),
                utc: "2026-11-28 18:45 UTC".into(),
                iso: "2026-11-28T18:45:30Z".into(),
            }
        );
        let summer = time::macros::datetime!(2026-07-01 12:00 UTC);
        assert_eq!(LocalTime::of(&summer, &zone).local, "2026-07-01 08:00 EDT");
        assert_eq!(
            LocalTime::of(&at, &TimeZone::UTC).local,
            "2026-11-28 18:45 UTC"
        );
    }
}

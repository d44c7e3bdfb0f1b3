//! Quiet hours: no automatic message goes out between two local times; it waits until they end.

use jiff::civil::Time;
use jiff::tz::TimeZone;
use time::OffsetDateTime;

#[derive(Debug, Clone, PartialEq)]
pub struct QuietHours {
    start: Time,
    end: Time,
    zone: TimeZone,
    zone_name: String,
}

impl QuietHours {
    /// `start` and `end` as HH:MM; the window may cross midnight (21:00 to 08:00).
    pub fn parse(
        start: &str,
        end: &str,
        zone: &str,
    ) -> Result<Self, (&'static str, String, &'static str)> {
        let time = |key: &'static str, text: &str| {
            Time::strptime("%H:%M", text.trim()).map_err(|_| {
                (
                    key,
                    text.to_string(),
                    "use HH:MM in 24-hour time, e.g. 21:00",
                )
            })
        };
        let start = time("sms.quiet_hours_start", start)?;
        let end = time("sms.quiet_hours_end", end)?;
        let tz = TimeZone::get(zone.trim()).map_err(|_| {
            (
                "sms.timezone",
                zone.to_string(),
                "use an IANA time zone name, e.g. America/New_York",
            )
        })?;
        Ok(QuietHours {
            start,
            end,
            zone: tz,
            zone_name: zone.trim().to_string(),
        })
    }

    pub fn describe(&self) -> String {
        format!(
            "{} to {} ({})",
            self.start.strftime("%H:%M"),
            self.end.strftime("%H:%M"),
            self.zone_name
        )
    }

    fn contains(&self, local: Time) -> bool {
        if self.start <= self.end {
            self.start <= local && local < self.end
        } else {
            local >= self.start || local < self.end
        }
    }

    /// `now` if it is outside quiet hours, else the moment they end.
    pub fn next_allowed(&self, now: OffsetDateTime) -> OffsetDateTime {
        let Ok(instant) = jiff::Timestamp::from_nanosecond(now.unix_timestamp_nanos()) else {
            return now;
        };
        let local = instant.to_zoned(self.zone.clone());
        if !self.contains(local.time()) {
            return now;
        }
        let mut end = local.date().to_datetime(self.end);
        if end <= local.datetime() {
            end = end.tomorrow().unwrap_or(end);
        }
        let Ok(end) = end.to_zoned(self.zone.clone()) else {
            return now;
        };
        OffsetDateTime::from_unix_timestamp_nanos(end.timestamp().as_nanosecond()).unwrap_or(now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn messages_wait_until_quiet_hours_end() {
        let quiet = QuietHours::parse("21:00", "08:00", "America/New_York").unwrap();
        // 03:00 UTC on 25 Nov 2026 is 22:00 in New York (UTC-5): quiet until 08:00 local = 13:00 UTC.
        assert_eq!(
            quiet.next_allowed(datetime!(2026-11-25 03:00 UTC)),
            datetime!(2026-11-25 13:00 UTC)
        );
        // 07:30 local (12:30 UTC) is still quiet.
        assert_eq!(
            quiet.next_allowed(datetime!(2026-11-25 12:30 UTC)),
            datetime!(2026-11-25 13:00 UTC)
        );
        // 15:00 UTC is 10:00 local: not quiet.
        assert_eq!(
            quiet.next_allowed(datetime!(2026-11-25 15:00 UTC)),
            datetime!(2026-11-25 15:00 UTC)
        );
    }

    #[test]
    fn a_window_within_one_day_works_too() {
        let quiet = QuietHours::parse("12:00", "13:30", "UTC").unwrap();
        assert_eq!(
            quiet.next_allowed(datetime!(2026-01-01 12:10 UTC)),
            datetime!(2026-01-01 13:30 UTC)
        );
        assert_eq!(
            quiet.next_allowed(datetime!(2026-01-01 13:30 UTC)),
            datetime!(2026-01-01 13:30 UTC)
        );
    }

    #[test]
    fn bad_settings_say_what_to_write() {
        assert_eq!(
            QuietHours::parse("9pm", "08:00", "UTC").unwrap_err().0,
            "sms.quiet_hours_start"
        );
        assert_eq!(
            QuietHours::parse("21:00", "08:00", "Mars/Olympus")
                .unwrap_err()
                .0,
            "sms.timezone"
        );
    }
}

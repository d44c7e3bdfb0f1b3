//! Business hours: when the team answers, so a person who asks for someone is told when to expect
//! them ("a person will reply here tomorrow after 09:00").

use jiff::civil::Time;
use jiff::tz::TimeZone;
use smsflow_agent::phrases::Opening;
use time::OffsetDateTime;

#[derive(Debug, Clone, PartialEq)]
pub struct BusinessHours {
    /// Open days, Monday first.
    days: [bool; 7],
    open: Time,
    close: Time,
    zone: TimeZone,
}

const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const HINT: &str =
    "write days and hours such as \"Mon-Fri 09:00-17:00\" or \"Mon,Wed,Sat 10:00-14:00\"";

impl BusinessHours {
    /// `"Mon-Fri 09:00-17:00"` in the IANA time zone `zone`. The error names the key, the value
    /// and what to write.
    pub fn parse(
        text: &str,
        zone: &str,
    ) -> Result<BusinessHours, (&'static str, String, &'static str)> {
        let bad = || ("sms.business_hours", text.to_string(), HINT);
        let (days_text, hours_text) = text.trim().split_once(' ').ok_or_else(bad)?;
        let day = |name: &str| {
            let name = name.trim().to_lowercase();
            DAYS.iter().position(|day| name.starts_with(day))
        };
        let mut days = [false; 7];
        for range in days_text.split(',') {
            let (first, last) = match range.split_once('-') {
                Some((first, last)) => (day(first), day(last)),
                None => (day(range), day(range)),
            };
            let (Some(first), Some(last)) = (first, last) else {
                return Err(bad());
            };
            let mut index = first;
            loop {
                days[index] = true;
                if index == last {
                    break;
                }
                index = (index + 1) % 7;
            }
        }
        let (open, close) = hours_text.trim().split_once('-').ok_or_else(bad)?;
        let time = |text: &str| Time::strptime("%H:%M", text.trim()).map_err(|_| bad());
        let (open, close) = (time(open)?, time(close)?);
        if open >= close {
            return Err(bad());
        }
        let zone = TimeZone::get(zone.trim()).map_err(|_| {
            (
                "sms.timezone",
                zone.to_string(),
                "use an IANA time zone name, e.g. America/New_York",
            )
        })?;
        Ok(BusinessHours {
            days,
            open,
            close,
            zone,
        })
    }

    /// `None` while the team is in; else when it next is.
    pub fn next_opening(&self, now: OffsetDateTime) -> Option<Opening> {
        let instant = jiff::Timestamp::from_nanosecond(now.unix_timestamp_nanos()).ok()?;
        let local = instant.to_zoned(self.zone.clone());
        let today = local.weekday().to_monday_zero_offset() as usize;
        let time = local.time();
        if self.days[today] && self.open <= time && time < self.close {
            return None;
        }
        let opens_later_today = self.days[today] && time < self.open;
        let days_ahead = if opens_later_today {
            0
        } else {
            (1..=7u8).find(|ahead| self.days[(today + *ahead as usize) % 7])?
        };
        Some(Opening {
            days_ahead,
            weekday: (today + days_ahead as usize) % 7,
            time: self.open.strftime("%H:%M").to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn the_next_opening_is_today_tomorrow_or_after_the_weekend() {
        let hours = BusinessHours::parse("Mon-Fri 09:00-17:00", "America/New_York").unwrap();
        // Wednesday 25 Nov 2026, 15:00 UTC = 10:00 in New York: open.
        assert_eq!(hours.next_opening(datetime!(2026-11-25 15:00 UTC)), None);
        let opening = |days_ahead, weekday| {
            Some(Opening {
                days_ahead,
                weekday,
                time: "09:00".into(),
            })
        };
        // 12:00 UTC = 07:00 local Wednesday: later today.
        assert_eq!(
            hours.next_opening(datetime!(2026-11-25 12:00 UTC)),
            opening(0, 2)
        );
        // 23:00 UTC = 18:00 local Wednesday: tomorrow (Thursday).
        assert_eq!(
            hours.next_opening(datetime!(2026-11-25 23:00 UTC)),
            opening(1, 3)
        );
        // Saturday noon local: Monday.
        assert_eq!(
            hours.next_opening(datetime!(2026-11-28 17:00 UTC)),
            opening(2, 0)
        );
    }

    #[test]
    fn day_lists_wrap_and_bad_settings_say_what_to_write() {
        let weekend = BusinessHours::parse("Sat-Sun 10:00-14:00", "UTC").unwrap();
        assert_eq!(
            weekend.days,
            [false, false, false, false, false, true, true]
        );
        let some = BusinessHours::parse("Mon,Wed,Fri-Sat 10:00-14:00", "UTC").unwrap();
        assert_eq!(some.days, [true, false, true, false, true, true, false]);
        for bad in [
            "weekdays",
            "Mon-Fri 9-5",
            "Mon-Fri 17:00-09:00",
            "Xyz 09:00-17:00",
        ] {
            assert_eq!(
                BusinessHours::parse(bad, "UTC").unwrap_err().0,
                "sms.business_hours",
                "{bad}"
            );
        }
        assert_eq!(
            BusinessHours::parse("Mon-Fri 09:00-17:00", "Mars/Olympus")
                .unwrap_err()
                .0,
            "sms.timezone"
        );
    }
}

//! How a time is stored. PostgreSQL keeps a `timestamptz`. SQLite keeps text, and compares and
//! sorts it as text: every time is written in UTC with exactly six fractional digits
//! (`2026-11-29T22:03:34.500000Z`), so that text order is time order in `ORDER BY`, in
//! comparisons such as `next_attempt_at <= $2` and in indexes. (RFC 3339 as sqlx writes it drops
//! trailing zeros and keeps the offset: `…:34.5Z` sorted after `…:34.51Z`, and `…+02:00` among
//! `…Z` times by its local clock.) Migration 0032 rewrote the times stored before.

use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::{Database, Encode, Postgres, Sqlite, Type};
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;
use time::{OffsetDateTime, UtcOffset};

const FIXED_WIDTH: &[BorrowedFormatItem<'_>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");

/// `time` as SQLite stores it (see the module's comment); sub-microsecond digits are dropped, as
/// PostgreSQL keeps microseconds too.
pub(crate) fn sqlite_text(time: OffsetDateTime) -> String {
    let time = time.to_offset(UtcOffset::UTC);
    let Some(year) = u32::try_from(time.year()).ok().filter(|year| *year <= 9999) else {
        return time
            .format(FIXED_WIDTH)
            .expect("a UTC time has every part the format needs");
    };
    // Written digit by digit: `format` reads its description anew at every call, and the pipeline
    // writes several times a text (measured: 1.7% of its instructions).
    let mut text = *b"0000-00-00T00:00:00.000000Z";
    let mut put = |end: usize, mut value: u32, width: usize| {
        for at in (end - width..end).rev() {
            text[at] = b'0' + (value % 10) as u8;
            value /= 10;
        }
    };
    put(4, year, 4);
    put(7, u32::from(u8::from(time.month())), 2);
    put(10, u32::from(time.day()), 2);
    put(13, u32::from(time.hour()), 2);
    put(16, u32::from(time.minute()), 2);
    put(19, u32::from(time.second()), 2);
    put(26, time.microsecond(), 6);
    String::from_utf8(text.to_vec()).expect("digits and separators are ASCII")
}

/// A time bound to a statement written for both databases: `.bind(StoredTime(at))`. Binding an
/// `OffsetDateTime` itself would write sqlx's variable-width RFC 3339 on SQLite.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StoredTime(pub(crate) OffsetDateTime);

impl<DB: Database> Type<DB> for StoredTime
where
    OffsetDateTime: Type<DB>,
{
    fn type_info() -> DB::TypeInfo {
        <OffsetDateTime as Type<DB>>::type_info()
    }

    fn compatible(ty: &DB::TypeInfo) -> bool {
        <OffsetDateTime as Type<DB>>::compatible(ty)
    }
}

impl Encode<'_, Sqlite> for StoredTime {
    fn encode_by_ref(
        &self,
        buf: &mut <Sqlite as Database>::ArgumentBuffer,
    ) -> Result<IsNull, BoxDynError> {
        Encode::<Sqlite>::encode(sqlite_text(self.0), buf)
    }
}

impl Encode<'_, Postgres> for StoredTime {
    fn encode_by_ref(
        &self,
        buf: &mut <Postgres as Database>::ArgumentBuffer,
    ) -> Result<IsNull, BoxDynError> {
        Encode::<Postgres>::encode_by_ref(&self.0, buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn text_order_is_time_order_within_a_second() {
        let times = [
            datetime!(2026-11-29 10:00:00 UTC),
            datetime!(2026-11-29 10:00:00.000_001 UTC),
            datetime!(2026-11-29 10:00:00.05 UTC),
            datetime!(2026-11-29 10:00:00.5 UTC),
            datetime!(2026-11-29 10:00:00.51 UTC),
            datetime!(2026-11-29 10:00:00.999_999 UTC),
            datetime!(2026-11-29 10:00:01 UTC),
        ];
        let texts: Vec<String> = times.iter().map(|time| sqlite_text(*time)).collect();
        let mut sorted = texts.clone();
        sorted.sort();
        assert_eq!(texts, sorted);
        assert!(texts.iter().all(|text| text.len() == 27), "{texts:?}");
        assert_eq!(texts[3], "2026-11-29T10:00:00.500000Z");
    }

    #[test]
    fn written_as_the_format_description_writes_it() {
        // Times from the year -1 (written by the description: not four digits) to 9999, to the
        // nanosecond, at offsets of -12 to +12 hours.
        let first = datetime!(-0001-03-01 00:00 UTC).unix_timestamp();
        let last = datetime!(9999-12-30 00:00 UTC).unix_timestamp();
        let mut seed: u64 = 0x5eed;
        for _ in 0..5_000 {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let second = first + i64::try_from(seed >> 24).unwrap() % (last - first);
            let nanosecond = i128::from(seed % 1_000_000_000);
            let hours = i8::try_from((seed >> 8) % 25).unwrap() - 12;
            let time = OffsetDateTime::from_unix_timestamp_nanos(
                i128::from(second) * 1_000_000_000 + nanosecond,
            )
            .unwrap()
            .to_offset(UtcOffset::from_hms(hours, 0, 0).unwrap());
            let described = time.to_offset(UtcOffset::UTC).format(FIXED_WIDTH).unwrap();
            assert_eq!(sqlite_text(time), described, "{time}");
        }
        let before_year_zero = datetime!(-0001-06-15 12:00 UTC);
        assert_eq!(
            sqlite_text(before_year_zero),
            before_year_zero.format(FIXED_WIDTH).unwrap()
        );
    }

    #[test]
    fn other_offsets_are_stored_in_utc() {
        assert_eq!(
            sqlite_text(datetime!(2026-11-29 10:30:00.25 +02:00)),
            "2026-11-29T08:30:00.250000Z"
        );
    }

    #[test]
    fn reads_back_as_the_same_time() {
        use time::format_description::well_known::Rfc3339;
        let time = datetime!(2026-11-29 10:00:00.5 UTC);
        assert_eq!(
            OffsetDateTime::parse(&sqlite_text(time), &Rfc3339).unwrap(),
            time
        );
    }
}

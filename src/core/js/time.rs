//! Time formats of the JetStream API: RFC 3339 timestamps, carried as
//! nanoseconds since the Unix epoch, and Go duration strings for TTL
//! headers.

use crate::core::{Error, Result, Status};

/// The JSON value Go writes for a zero `time.Time`; it maps to 0.
pub(crate) const ZERO_TIME: &str = "0001-01-01T00:00:00Z";

const NANOS_PER_SECOND: i64 = 1_000_000_000;
const SECONDS_PER_DAY: i64 = 86_400;

/// Days from 1970-01-01 to the given proleptic Gregorian date.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let year_of_era = y - era * 400;
    let month_from_march = (month + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// Year, month and day of the date `days` after 1970-01-01.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn invalid_time(text: &str) -> Error {
    Error::new(
        Status::InvalidArg,
        format!("invalid RFC 3339 time '{text}'"),
    )
}

fn number(text: &str, field: &str) -> Result<i64> {
    if field.is_empty() || !field.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid_time(text));
    }
    field.parse().map_err(|_| invalid_time(text))
}

/// Parses an RFC 3339 time such as `2024-05-01T10:20:30.123456789Z` or
/// `2024-05-01T12:20:30+02:00` into nanoseconds since the Unix epoch.
/// Go's zero time, `0001-01-01T00:00:00Z`, gives 0.
pub fn parse_rfc3339(text: &str) -> Result<i64> {
    if text == ZERO_TIME {
        return Ok(0);
    }
    let bytes = text.as_bytes();
    if bytes.len() < 20 || bytes[4] != b'-' || bytes[7] != b'-' || !matches!(bytes[10], b'T' | b't')
    {
        return Err(invalid_time(text));
    }
    if bytes[13] != b':' || bytes[16] != b':' {
        return Err(invalid_time(text));
    }
    let year = number(text, &text[0..4])?;
    let month = number(text, &text[5..7])?;
    let day = number(text, &text[8..10])?;
    let hour = number(text, &text[11..13])?;
    let minute = number(text, &text[14..16])?;
    let second = number(text, &text[17..19])?;
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return Err(invalid_time(text));
    }

    let mut rest = &text[19..];
    let mut fraction = 0i64;
    if let Some(after_dot) = rest.strip_prefix('.') {
        let digits = after_dot.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 || digits > 9 {
            return Err(invalid_time(text));
        }
        fraction = number(text, &after_dot[..digits])? * 10i64.pow(9 - digits as u32);
        rest = &after_dot[digits..];
    }

    let offset_seconds = match rest {
        "Z" | "z" => 0,
        _ => {
            let b = rest.as_bytes();
            if b.len() != 6 || !matches!(b[0], b'+' | b'-') || b[3] != b':' {
                return Err(invalid_time(text));
            }
            let magnitude = number(text, &rest[1..3])? * 3600 + number(text, &rest[4..6])? * 60;
            if b[0] == b'-' {
                -magnitude
            } else {
                magnitude
            }
        }
    };

    let seconds =
        days_from_civil(year, month, day) * SECONDS_PER_DAY + hour * 3600 + minute * 60 + second
            - offset_seconds;
    seconds
        .checked_mul(NANOS_PER_SECOND)
        .and_then(|n| n.checked_add(fraction))
        .ok_or_else(|| {
            Error::new(
                Status::InvalidArg,
                format!("time '{text}' is outside the range of nanoseconds since 1970 in 64 bits"),
            )
        })
}

/// Formats nanoseconds since the Unix epoch as an RFC 3339 UTC time with
/// the fraction trimmed of trailing zeros. 0 gives Go's zero time.
pub fn format_rfc3339(nanos: i64) -> String {
    if nanos == 0 {
        return ZERO_TIME.to_string();
    }
    let seconds = nanos.div_euclid(NANOS_PER_SECOND);
    let fraction = nanos.rem_euclid(NANOS_PER_SECOND);
    let (year, month, day) = civil_from_days(seconds.div_euclid(SECONDS_PER_DAY));
    let second_of_day = seconds.rem_euclid(SECONDS_PER_DAY);
    let mut out = format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
        second_of_day / 3600,
        second_of_day / 60 % 60,
        second_of_day % 60
    );
    if fraction > 0 {
        let digits = format!("{fraction:09}");
        out.push('.');
        out.push_str(digits.trim_end_matches('0'));
    }
    out.push('Z');
    out
}

/// Appends `value / unit` with its fraction, trailing zeros trimmed.
fn push_with_fraction(out: &mut String, value: u64, unit: u64) {
    out.push_str(&(value / unit).to_string());
    let remainder = value % unit;
    if remainder > 0 {
        let width = unit.ilog10() as usize;
        let digits = format!("{remainder:0width$}");
        out.push('.');
        out.push_str(digits.trim_end_matches('0'));
    }
}

/// Formats a duration in nanoseconds as Go's `time.Duration.String` does
/// (`1.5s`, `2m0s`, `1h0m0s`, `250ms`), which the server parses in the
/// `Nats-TTL` and `Nats-Schedule-TTL` headers.
pub fn format_go_duration(nanos: i64) -> String {
    let magnitude = nanos.unsigned_abs();
    let mut out = String::new();
    if nanos < 0 {
        out.push('-');
    }
    if magnitude == 0 {
        return "0s".to_string();
    }
    if magnitude < 1_000_000_000 {
        let (unit, suffix) = match magnitude {
            0..=999 => (1, "ns"),
            1_000..=999_999 => (1_000, "µs"),
            _ => (1_000_000, "ms"),
        };
        push_with_fraction(&mut out, magnitude, unit);
        out.push_str(suffix);
        return out;
    }
    let total_seconds = magnitude / 1_000_000_000;
    let hours = total_seconds / 3600;
    let minutes = total_seconds / 60 % 60;
    if hours > 0 {
        out.push_str(&format!("{hours}h{minutes}m"));
    } else if minutes > 0 {
        out.push_str(&format!("{minutes}m"));
    }
    push_with_fraction(&mut out, magnitude % 60_000_000_000, 1_000_000_000);
    out.push('s');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_round_trip() {
        let cases = [
            ("1970-01-01T00:00:00.000000001Z", 1),
            ("2021-06-02T14:30:05.5Z", 1_622_644_205_500_000_000),
            ("1969-12-31T23:59:59Z", -1_000_000_000),
        ];
        for (text, nanos) in cases {
            assert_eq!(parse_rfc3339(text).unwrap(), nanos, "{text}");
            assert_eq!(format_rfc3339(nanos), text, "{nanos}");
        }
    }

    #[test]
    fn rfc3339_offsets_and_zero() {
        assert_eq!(parse_rfc3339(ZERO_TIME).unwrap(), 0);
        assert_eq!(format_rfc3339(0), ZERO_TIME);
        assert_eq!(
            parse_rfc3339("2021-06-02T16:30:05.5+02:00").unwrap(),
            parse_rfc3339("2021-06-02T14:30:05.5Z").unwrap()
        );
    }

    #[test]
    fn rfc3339_rejects_garbage() {
        for text in [
            "",
            "2021-06-02",
            "2021-06-02T14:30:05",
            "2021-13-02T14:30:05Z",
            "2021-06-02T14:30:05.Z",
        ] {
            assert!(parse_rfc3339(text).is_err(), "{text}");
        }
    }

    #[test]
    fn go_durations() {
        let cases = [
            (0, "0s"),
            (999, "999ns"),
            (1_500, "1.5µs"),
            (250_000_000, "250ms"),
            (1_000_000_000, "1s"),
            (1_500_000_000, "1.5s"),
            (60_000_000_000, "1m0s"),
            (3_600_000_000_000, "1h0m0s"),
            (3_723_000_000_000, "1h2m3s"),
            (-2_000_000_000, "-2s"),
        ];
        for (nanos, text) in cases {
            assert_eq!(format_go_duration(nanos), text, "{nanos}");
        }
    }
}

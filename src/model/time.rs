//! Event times (SPEC §2: the author's clock, informational only) as text.

use std::time::Duration;
use std::time::UNIX_EPOCH;

/// RFC 3339 with milliseconds, UTC. Any `u64` works: a time past what a
/// calendar date can show is written as the raw milliseconds instead, since a
/// signed event may carry any time and must never make output fail.
pub fn rfc3339(ms: u64) -> String {
    // humantime formats dates up to the year 9999; beyond that it would panic.
    const LAST_MS: u64 = 253_402_300_799_999;
    if ms > LAST_MS {
        return format!("@{ms}ms");
    }
    humantime::format_rfc3339_millis(UNIX_EPOCH + Duration::from_millis(ms)).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_time_formats() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(253_402_300_799_999), "9999-12-31T23:59:59.999Z");
        assert_eq!(rfc3339(u64::MAX), format!("@{}ms", u64::MAX));
    }
}

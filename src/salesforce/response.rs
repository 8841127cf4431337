//! Reading what a Salesforce response says about itself before its body is decoded: an
//! error body capped in size, and a proxy's `Retry-After`. Shared by the API calls and the
//! token endpoint, below both.

use std::time::Duration;

use reqwest::header::HeaderMap;

/// The most of an error body Vitals reads: enough for any Salesforce error array, and a cap
/// on what a misbehaving proxy can make it hold (force-rs caps at 1 MiB too).
pub const MAX_ERROR_BODY: usize = 1024 * 1024;

/// Reads a body up to [`MAX_ERROR_BODY`] bytes and drops the rest.
pub(crate) async fn read_capped(
    mut response: reqwest::Response,
) -> Result<Vec<u8>, reqwest::Error> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        let room = MAX_ERROR_BODY.saturating_sub(body.len());
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if body.len() >= MAX_ERROR_BODY {
            break;
        }
    }
    Ok(body)
}

/// A `Retry-After` header as a delay: seconds, or an HTTP date from now. Salesforce sends
/// none (salesforce-api.md 9), but a proxy in front of it may.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = when.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let mut headers = HeaderMap::new();
        assert_eq!(retry_after(&headers), None);
        headers.insert("Retry-After", HeaderValue::from_static("7"));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(7)));
        headers.insert(
            "Retry-After",
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(
            retry_after(&headers),
            Some(Duration::ZERO),
            "a past date means now"
        );
        headers.insert("Retry-After", HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&headers), None);
    }
}

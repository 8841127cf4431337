//! What the API answers about its versions: the list of versions served
//! (`GET /services/data/`, no session, no usage header), the resources of one version
//! (`GET /services/data/vXX.X/`), and the release names of the versions (salesforce-api.md
//! 2.1). It reads nothing of the org: the answers depend on the version alone.

use axum::extract::Extension;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value as Json, json};

use crate::call::CallContext;

/// Oldest API version served; older ones answer 410 (salesforce-api.md 2.1).
pub const MIN_VERSION: u32 = 31;
/// Newest API version served: Summer '26, GA now (salesforce-api.md 2.1; Winter '27 = 68.0
/// is only in preview, so it answers 404 like any unknown version).
pub const MAX_VERSION: u32 = 67;

/// `GET /services/data/`: every served version, no auth, no usage header.
pub async fn versions() -> Response {
    let list: Vec<Json> = (MIN_VERSION..=MAX_VERSION)
        .map(|v| {
            json!({"label": release_label(v), "url": format!("/services/data/v{v}.0"), "version": format!("{v}.0")})
        })
        .collect();
    axum::Json(list).into_response()
}

/// The release name of an API version: 67.0 is Summer '26, 66.0 Spring '26, 65.0
/// Winter '26, 64.0 Summer '25, three releases a year (salesforce-api.md 2.1). Anchored on
/// 65.0 = Winter '26, so it does not move when [`MAX_VERSION`] does.
pub fn release_label(version: u32) -> String {
    let from_winter_26 = i64::from(version) - 65;
    let season = match from_winter_26.rem_euclid(3) {
        0 => "Winter",
        1 => "Spring",
        _ => "Summer",
    };
    let year = 26 + from_winter_26.div_euclid(3);
    format!("{season} '{year:02}")
}

/// `GET /services/data/vXX.X/`: the resources of a version.
pub async fn resources(Extension(call): Extension<CallContext>) -> Response {
    let v = &call.version;
    let mut map = Map::new();
    for name in ["limits", "query", "queryAll", "sobjects", "composite"] {
        map.insert(name.into(), json!(format!("/services/data/{v}/{name}")));
    }
    axum::Json(Json::Object(map)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_labels_follow_the_calendar() {
        assert_eq!(release_label(68), "Winter '27");
        assert_eq!(release_label(67), "Summer '26");
        assert_eq!(release_label(66), "Spring '26");
        assert_eq!(release_label(65), "Winter '26");
        assert_eq!(release_label(64), "Summer '25");
        assert_eq!(release_label(31), "Summer '14");
    }
}

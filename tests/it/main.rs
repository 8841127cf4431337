//! The one integration-test binary. Each module is one concern.

mod metadata_drift;

//! Tests of the planner: table-driven cases through one `check` helper, whole plans as insta
//! snapshots, hand-computed accounts, and properties over generated accounts.
//!
//! Every test scores its snapshot with the real engine (csm-nine) and plans from that
//! score, the way the sync does; `org` applies a plan to a snapshot the way the org and the
//! state store would, so that "plan, apply, plan again" can be checked.

mod cases;
mod fixture;
mod hand;
mod org;
mod properties;
mod snapshots;

//! Fault injection, asserted through the admin API's counts.

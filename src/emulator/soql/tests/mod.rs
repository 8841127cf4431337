//! Tests of the SOQL engine.

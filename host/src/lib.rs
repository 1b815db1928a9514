//! Host-side tooling (being written).

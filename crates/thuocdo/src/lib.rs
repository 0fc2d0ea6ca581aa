//! The `thuocdo` binary's library side: what the command line shares with the tests.

pub mod backup;
pub mod demo;

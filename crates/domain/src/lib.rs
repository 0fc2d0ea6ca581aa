//! The rules of Thước Đo, free of IO: administrative units with validity and lineage, roles and
//! their unit scopes, audit vocabulary and Vietnamese text conventions. Everything here is a pure
//! function of its inputs so it can be tested exhaustively and reused by every layer.

pub mod alerts;
pub mod audit;
pub mod auth;
pub mod calendar;
pub mod interviews;
pub mod invitations;
pub mod kiosks;
pub mod paper;
pub mod par;
pub mod portal;
pub mod procedures;
pub mod reports;
pub mod results;
pub mod sampling;
pub mod search;
pub mod sipas;
pub mod surveys;
pub mod text;
pub mod units;

//! The rules of Thước Đo, free of IO: administrative units with validity and lineage, roles and
//! their unit scopes, audit vocabulary and Vietnamese text conventions. Everything here is a pure
//! function of its inputs so it can be tested exhaustively and reused by every layer.

/// A closed list of codes with Vietnamese labels: `code()` is what is stored and put in
/// addresses, `label()` what people read, `parse()` the way back from a code.
macro_rules! vocabulary {
    ($name:ident { $($(#[$doc:meta])* $variant:ident = $code:literal, $label:literal;)* }) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, ::serde::Serialize, ::serde::Deserialize)]
        pub enum $name { $($(#[$doc])* $variant),* }

        impl $name {
            pub const ALL: &'static [$name] = &[$(Self::$variant),*];

            pub fn code(self) -> &'static str {
                match self { $(Self::$variant => $code),* }
            }

            pub fn label(self) -> &'static str {
                match self { $(Self::$variant => $label),* }
            }

            pub fn parse(code: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.code() == code)
            }
        }
    };
}

pub mod alerts;
pub mod audit;
pub mod auth;
pub mod calendar;
pub mod consultation;
pub mod interviews;
pub mod invitations;
pub mod kiosks;
pub mod paper;
pub mod par;
pub mod personal;
pub mod portal;
pub mod procedures;
pub mod qa;
pub mod reports;
pub mod results;
pub mod sampling;
pub mod search;
pub mod sipas;
pub mod sso;
pub mod surveys;
pub mod text;
pub mod units;
pub mod webhooks;

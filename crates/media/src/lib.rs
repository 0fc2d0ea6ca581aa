//! What officials upload to the portal, made safe before it is stored.
pub mod files;
pub mod images;
pub mod richtext;

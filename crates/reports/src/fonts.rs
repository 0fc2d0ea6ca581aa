//! The bundled fonts: Liberation Serif 2.1 (SIL Open Font License, in `fonts/`), whose letters
//! take the width of Times New Roman's, the typeface the decree names; it covers every
//! Vietnamese letter. They are embedded in each PDF, so the document prints the same anywhere.

pub const SERIF: [&[u8]; 4] = [
    include_bytes!("../fonts/LiberationSerif-Regular.ttf"),
    include_bytes!("../fonts/LiberationSerif-Bold.ttf"),
    include_bytes!("../fonts/LiberationSerif-Italic.ttf"),
    include_bytes!("../fonts/LiberationSerif-BoldItalic.ttf"),
];

/// The family a DOCX asks for: Word has it, and LibreOffice puts Liberation Serif in its place.
pub const DOCX_FAMILY: &str = "Times New Roman";

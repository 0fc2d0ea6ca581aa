//! A [`Document`] as DOCX, for the office that wants to edit before signing: the same parts in
//! the same places as the PDF (`official.typ`), in Word's own paragraphs and tables. Charts go
//! in as pictures drawn from the same SVG.

use std::io::Cursor;

use docx_rs::{
    AlignmentType, Docx, Header, LineSpacing, PageMargin, PageNum, Paragraph, Pic, Run, RunFonts, SpecialIndentType, Table, TableCell, TableRow, WidthType,
};

use crate::document::{Block, Document, appendix_label};
use crate::{ReportError, charts, fonts};

/// Twentieths of a point per millimetre.
const TWIPS_PER_MM: f32 = 1440.0 / 25.4;
/// A4 and the decree's margins, in twips.
const PAGE: (u32, u32) = (11906, 16838);
/// Text width: 210 mm less 30 mm and 15 mm.
const TEXT_WIDTH: usize = 9354;

fn mm(v: f32) -> i32 {
    (v * TWIPS_PER_MM).round() as i32
}

/// Half-points, as Word counts sizes.
fn pt(size: usize) -> usize {
    size * 2
}

fn run(text: &str, size: usize) -> Run {
    Run::new().add_text(text).size(pt(size))
}

/// A paragraph of the body: justified, first line indented 1 cm, 6 pt after.
fn body(runs: Vec<Run>) -> Paragraph {
    runs.into_iter()
        .fold(Paragraph::new(), Paragraph::add_run)
        .align(AlignmentType::Both)
        .indent(None, Some(SpecialIndentType::FirstLine(mm(10.0))), None, None)
        .line_spacing(LineSpacing::new().after(120))
}

fn centred(runs: Vec<Run>) -> Paragraph {
    runs.into_iter().fold(Paragraph::new(), Paragraph::add_run).align(AlignmentType::Center).line_spacing(LineSpacing::new().after(0))
}

/// A cell of a table without borders: the heading's two columns, the closing's two.
fn plain_cell(paragraphs: Vec<Paragraph>, share: f32) -> TableCell {
    let cell = TableCell::new().width((TEXT_WIDTH as f32 * share) as usize, WidthType::Dxa).clear_all_border();
    paragraphs.into_iter().fold(cell, TableCell::add_paragraph)
}

fn heading_lines(document: &Document) -> Table {
    let h = &document.heading;
    let mut left = Vec::new();
    left.extend(h.authority.lines().filter(|l| !l.is_empty()).map(|l| centred(vec![run(&l.to_uppercase(), 13)])));
    left.extend(h.issuer.lines().map(|l| centred(vec![run(&l.to_uppercase(), 13).bold()])));
    left.push(centred(vec![run("────────", 13)]));
    if !h.number.is_empty() {
        left.push(centred(vec![run(&h.number, 13)]));
    }
    let right = vec![
        centred(vec![run("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 13).bold()]),
        centred(vec![run("Độc lập - Tự do - Hạnh phúc", 14).bold().underline("single")]),
        centred(vec![run("", 14)]),
        centred(vec![run(&h.place_date, 14).italic()]),
    ];
    Table::without_borders(vec![TableRow::new(vec![plain_cell(left, 0.38), plain_cell(right, 0.62)])])
        .set_grid(vec![(TEXT_WIDTH as f32 * 0.38) as usize, (TEXT_WIDTH as f32 * 0.62) as usize])
}

fn table(t: &crate::document::Table) -> Table {
    let total: f32 = t.columns.iter().map(|c| c.width).sum::<f32>().max(1.0);
    let widths: Vec<usize> = t.columns.iter().map(|c| (TEXT_WIDTH as f32 * c.width / total) as usize).collect();
    let cell = |text: &str, width: usize, align: AlignmentType, bold: bool| {
        let r = run(text, 12);
        let r = if bold { r.bold() } else { r };
        TableCell::new().width(width, WidthType::Dxa).add_paragraph(Paragraph::new().add_run(r).align(align))
    };
    let header = TableRow::new(t.columns.iter().zip(&widths).map(|(c, w)| cell(&c.label, *w, AlignmentType::Center, true)).collect());
    let rows = t.rows.iter().map(|row| {
        TableRow::new(
            row.cells
                .iter()
                .zip(&t.columns)
                .zip(&widths)
                .map(|((text, c), w)| cell(text, *w, if c.numeric { AlignmentType::Right } else { AlignmentType::Left }, row.strong))
                .collect(),
        )
    });
    Table::new(std::iter::once(header).chain(rows).collect()).set_grid(widths)
}

/// A chart as a picture 15 cm wide, drawn at twice its size so that it prints sharp.
fn picture(svg: &str) -> Result<Paragraph, ReportError> {
    let (png, width, height) = charts::png(svg, 2.0)?;
    const WIDTH_EMU: u32 = 150 * 36_000;
    let height_emu = (WIDTH_EMU as f64 * height as f64 / width as f64) as u32;
    Ok(Paragraph::new().add_run(Run::new().add_image(Pic::new_with_dimensions(png, width, height).size(WIDTH_EMU, height_emu))).align(AlignmentType::Center))
}

fn blocks(mut docx: Docx, blocks: &[Block]) -> Result<Docx, ReportError> {
    for block in blocks {
        docx = match block {
            Block::Heading { level, text } => {
                let r = run(text, 14).bold();
                docx.add_paragraph(body(vec![if *level == 1 { r } else { r.italic() }]).keep_next(true).outline_lvl(usize::from(*level) - 1))
            }
            Block::Paragraph { text } => docx.add_paragraph(body(vec![run(text, 14)])),
            Block::Title { text } => docx.add_paragraph(centred(vec![run(text, 14).bold()]).line_spacing(LineSpacing::new().before(200).after(200))),
            Block::Basis { text } => docx.add_paragraph(body(vec![run(text, 14).italic()])),
            Block::Note { text } => docx.add_paragraph(body(vec![run(text, 12).italic()])),
            Block::Table(t) => {
                let caption = (!t.caption.is_empty()).then(|| centred(vec![run(&t.caption, 13).bold()]).keep_next(true));
                let docx = caption.into_iter().fold(docx, Docx::add_paragraph);
                docx.add_table(table(t)).add_paragraph(Paragraph::new())
            }
            Block::Figure(f) => docx.add_paragraph(picture(&f.svg)?.keep_next(true)).add_paragraph(centred(vec![run(&f.caption, 12).italic()])),
        };
    }
    Ok(docx)
}

fn closing(c: &crate::document::Closing) -> Table {
    let small = |text: String, size: usize| Paragraph::new().add_run(run(&text, size)).line_spacing(LineSpacing::new().after(0));
    let mut left = vec![Paragraph::new().add_run(run("Nơi nhận:", 12).bold().italic())];
    let last = c.recipients.len().saturating_sub(1);
    left.extend(c.recipients.iter().enumerate().map(|(i, r)| small(format!("- {r}{}", if i == last { "." } else { ";" }), 11)));
    let mut right: Vec<Paragraph> = c.authority.iter().map(|line| centred(vec![run(line, 14).bold()])).collect();
    right.extend((0..4).map(|_| centred(vec![run("", 14)])));
    right.push(centred(vec![run(&c.signer, 14).bold()]));
    Table::without_borders(vec![TableRow::new(vec![plain_cell(left, 0.5), plain_cell(right, 0.5)])]).set_grid(vec![TEXT_WIDTH / 2, TEXT_WIDTH / 2])
}

/// Writes the DOCX.
pub fn render(document: &Document) -> Result<Vec<u8>, ReportError> {
    let fonts = RunFonts::new().ascii(fonts::DOCX_FAMILY).hi_ansi(fonts::DOCX_FAMILY).cs(fonts::DOCX_FAMILY).east_asia(fonts::DOCX_FAMILY);
    // Page numbers at the top, centred, from the second page on.
    let number = Header::new().add_paragraph(Paragraph::new().add_page_num(PageNum::new()).align(AlignmentType::Center).size(pt(13)));
    let mut docx = Docx::new()
        .page_size(PAGE.0, PAGE.1)
        .page_margin(PageMargin::new().top(mm(20.0)).bottom(mm(20.0)).left(mm(30.0)).right(mm(15.0)).header(mm(10.0)).footer(mm(10.0)))
        .default_fonts(fonts)
        .default_size(pt(14))
        .header(number)
        .first_header(Header::new())
        .title_pg()
        .add_table(heading_lines(document))
        .add_paragraph(Paragraph::new());
    if !document.kind.is_empty() {
        docx = docx.add_paragraph(centred(vec![run(&document.kind, 14).bold()]));
    }
    if !document.subject.is_empty() {
        docx = docx.add_paragraph(centred(vec![run(&document.subject, 14).bold()])).add_paragraph(centred(vec![run("────────", 14)]));
    }
    docx = blocks(docx, &document.body)?;
    if let Some(c) = &document.closing {
        docx = docx.add_paragraph(Paragraph::new()).add_table(closing(c));
    }
    for (i, a) in document.appendices.iter().enumerate() {
        docx = docx
            .add_paragraph(centred(vec![run(&appendix_label(i), 14).bold()]).page_break_before(true))
            .add_paragraph(centred(vec![run(&a.title, 14).bold()]))
            .add_paragraph(centred(vec![run(&a.reference, 14).italic()]))
            .add_paragraph(Paragraph::new());
        docx = blocks(docx, &a.body)?;
    }
    let mut out = Cursor::new(Vec::new());
    docx.build().pack(&mut out).map_err(|e| ReportError::Layout(e.to_string()))?;
    Ok(out.into_inner())
}

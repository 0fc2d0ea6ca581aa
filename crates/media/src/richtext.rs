//! Rich text written by officials (an article's body) through ammonia, a maintained HTML
//! sanitiser: only the tags an article needs survive, no script, no event handler, no style, no
//! `javascript:` address; images only from the portal's own image store.

use std::collections::HashSet;

/// Where the portal serves its re-encoded images; an `<img>` pointing anywhere else is dropped,
/// so an article cannot make readers' browsers call another site.
pub const IMAGE_PATH: &str = "/anh/";

/// The body as it may be stored and shown.
pub fn sanitise(html: &str) -> String {
    let tags: HashSet<&str> = [
        "p",
        "br",
        "strong",
        "b",
        "em",
        "i",
        "u",
        "s",
        "sub",
        "sup",
        "h2",
        "h3",
        "h4",
        "ul",
        "ol",
        "li",
        "blockquote",
        "a",
        "img",
        "figure",
        "figcaption",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "caption",
        "hr",
    ]
    .into_iter()
    .collect();
    ammonia::Builder::default()
        .tags(tags)
        .generic_attributes(HashSet::new())
        .tag_attributes(
            [
                ("a", ["href", "title"].into_iter().collect()),
                ("img", ["src", "alt", "width", "height"].into_iter().collect()),
                ("th", ["scope"].into_iter().collect()),
            ]
            .into_iter()
            .collect(),
        )
        .url_schemes(["http", "https", "mailto", "tel"].into_iter().collect())
        .url_relative(ammonia::UrlRelative::PassThrough)
        .link_rel(Some("noopener noreferrer"))
        .attribute_filter(|element, attribute, value| match (element, attribute) {
            ("img", "src") if !value.starts_with(IMAGE_PATH) => None,
            ("img", "width" | "height") if !value.chars().all(|c| c.is_ascii_digit()) => None,
            _ => Some(value.into()),
        })
        .clean(html)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_and_their_contents_are_removed() {
        assert_eq!(sanitise("<p>Chào<script>alert(1)</script></p>"), "<p>Chào</p>");
        assert_eq!(sanitise("<style>body{display:none}</style><p>x</p>"), "<p>x</p>");
        assert_eq!(sanitise("<iframe src=\"https://evil.example\"></iframe><p>x</p>"), "<p>x</p>");
    }

    #[test]
    fn event_handlers_and_styles_are_stripped() {
        assert_eq!(sanitise("<p onclick=\"steal()\" style=\"position:fixed\">Tin</p>"), "<p>Tin</p>");
        assert_eq!(sanitise("<img src=\"/anh/ab/640\" onerror=\"x()\" alt=\"Ảnh\">"), "<img src=\"/anh/ab/640\" alt=\"Ảnh\">");
        assert_eq!(sanitise("<svg><g onload=\"x()\"></g></svg><p>y</p>"), "<p>y</p>");
    }

    #[test]
    fn only_safe_addresses_are_kept() {
        assert_eq!(sanitise("<a href=\"javascript:alert(1)\">bấm</a>"), "<a rel=\"noopener noreferrer\">bấm</a>");
        assert_eq!(sanitise("<a href=\"JaVaScRiPt:alert(1)\">b</a>"), "<a rel=\"noopener noreferrer\">b</a>");
        assert_eq!(sanitise("<a href=\"data:text/html,x\">b</a>"), "<a rel=\"noopener noreferrer\">b</a>");
        assert_eq!(
            sanitise("<a href=\"https://dichvucong.gov.vn\">Cổng DVC</a>"),
            "<a href=\"https://dichvucong.gov.vn\" rel=\"noopener noreferrer\">Cổng DVC</a>"
        );
        assert_eq!(sanitise("<img src=\"https://tracker.example/p.gif\">"), "<img>");
    }

    #[test]
    fn the_article_tags_survive_and_broken_html_is_closed() {
        let body = "<h2>Kết quả</h2><p>Tỉnh đạt <strong>85,2</strong> điểm<ul><li>một cửa";
        assert_eq!(sanitise(body), "<h2>Kết quả</h2><p>Tỉnh đạt <strong>85,2</strong> điểm</p><ul><li>một cửa</li></ul>");
        assert_eq!(sanitise("<table><tr><th scope=\"col\">Đơn vị</th></tr></table>"), "<table><tbody><tr><th scope=\"col\">Đơn vị</th></tr></tbody></table>");
    }
}

//! The `Link` response header (RFC 8288), as the Devopness API paginates with it.

/// The target of the link with relation `rel` (e.g. `next`), if any.
///
/// Accepts any number of links separated by commas, parameters in any order,
/// quoted or bare `rel` values holding several relations, and commas inside `<...>`.
pub fn find(header: &str, rel: &str) -> Option<String> {
    let mut rest = header;
    loop {
        let start = rest.find('<')?;
        let end = start + rest[start..].find('>')?;
        let target = rest[start + 1..end].trim();
        let after = &rest[end + 1..];
        // Parameters run until the next link, which starts with `<` after a comma.
        let params_end = after
            .match_indices(',')
            .find(|(i, _)| after[i + 1..].trim_start().starts_with('<'))
            .map(|(i, _)| i)
            .unwrap_or(after.len());
        let params = &after[..params_end];
        let has_rel = params.split(';').any(|p| {
            let Some((key, value)) = p.split_once('=') else {
                return false;
            };
            key.trim().eq_ignore_ascii_case("rel")
                && value
                    .trim()
                    .trim_matches('"')
                    .split_ascii_whitespace()
                    .any(|r| r.eq_ignore_ascii_case(rel))
        });
        if has_rel {
            return Some(target.to_owned());
        }
        rest = &after[params_end..];
    }
}

#[cfg(test)]
mod tests {
    use super::find;

    #[test]
    fn finds_each_relation() {
        let h = r#"<https://a/x?page=1&per_page=100>; rel="first", <https://a/x?page=3>; rel="next", <https://a/x?page=9>; rel=last"#;
        assert_eq!(
            find(h, "first").as_deref(),
            Some("https://a/x?page=1&per_page=100")
        );
        assert_eq!(find(h, "next").as_deref(), Some("https://a/x?page=3"));
        assert_eq!(find(h, "last").as_deref(), Some("https://a/x?page=9"));
        assert_eq!(find(h, "prev"), None);
    }

    #[test]
    fn odd_but_valid_shapes() {
        assert_eq!(
            find(r#"<https://a/b,c>; title="x, y"; rel="prev next""#, "next").as_deref(),
            Some("https://a/b,c")
        );
        assert_eq!(find("", "next"), None);
        assert_eq!(find("<unterminated; rel=next", "next"), None);
        assert_eq!(find("garbage, <u>;rel=next", "next").as_deref(), Some("u"));
    }
}

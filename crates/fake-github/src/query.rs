//! Query parameters (decoded by axum's `Query` into pairs, in order) and GitHub's pagination:
//! `page`/`per_page` and the `Link` header.

const DEFAULT_PER_PAGE: u64 = 30;
const MAX_PER_PAGE: u64 = 100;

/// The last value given for `key` (Rails reads the last one).
pub(crate) fn get<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .rev()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// Percent-encodes everything but RFC 3986's unreserved characters (so `,` is `%2C` and a
/// space `%20`, which keeps `Link` headers splittable on commas).
pub(crate) fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Page {
    pub number: u64,
    pub per_page: u64,
}

impl Page {
    /// GitHub's leniency: a missing or unusable `page` is 1, a missing or unusable
    /// `per_page` is 30, and `per_page` above 100 is 100.
    pub fn from_query(pairs: &[(String, String)]) -> Page {
        let number = get(pairs, "page")
            .and_then(|v| v.trim().parse::<u64>().ok())
            .filter(|n| *n >= 1)
            .unwrap_or(1);
        let per_page = get(pairs, "per_page")
            .and_then(|v| v.trim().parse::<u64>().ok())
            .filter(|n| *n >= 1)
            .map_or(DEFAULT_PER_PAGE, |n| n.min(MAX_PER_PAGE));
        Page { number, per_page }
    }

    /// The items of this page.
    pub fn slice<T: Clone>(&self, items: &[T]) -> Vec<T> {
        let start = self.number.saturating_sub(1).saturating_mul(self.per_page);
        let start = usize::try_from(start).unwrap_or(usize::MAX);
        let per_page = usize::try_from(self.per_page).unwrap_or(usize::MAX);
        items.iter().skip(start).take(per_page).cloned().collect()
    }

    /// GitHub's `Link` header, or `None` when everything fits on page 1. Each URL is `url`
    /// with the request's query, `page` moved to the end and set: `rel="prev"` and
    /// `rel="first"` after page 1, `rel="next"` and `rel="last"` before the last page.
    pub fn link_header(
        &self,
        url: &str,
        pairs: &[(String, String)],
        total: usize,
    ) -> Option<String> {
        let total = u64::try_from(total).unwrap_or(u64::MAX);
        let last = total.div_ceil(self.per_page).max(1);
        if self.number == 1 && last == 1 {
            return None;
        }
        let kept: Vec<String> = pairs
            .iter()
            .filter(|(k, _)| k != "page")
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect();
        let link = |n: u64, rel: &str| {
            let mut query = kept.clone();
            query.push(format!("page={n}"));
            format!("<{url}?{}>; rel=\"{rel}\"", query.join("&"))
        };
        let mut parts = Vec::new();
        if self.number > 1 {
            parts.push(link((self.number - 1).min(last), "prev"));
        }
        if self.number < last {
            parts.push(link(self.number + 1, "next"));
            parts.push(link(last, "last"));
        }
        if self.number > 1 {
            parts.push(link(1, "first"));
        }
        Some(parts.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(query: &str) -> Vec<(String, String)> {
        query
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn reads_the_last_value_and_encodes() {
        let pairs = parse("state=open&labels=a,b&state=all");
        assert_eq!(get(&pairs, "state"), Some("all"));
        assert_eq!(get(&pairs, "labels"), Some("a,b"));
        assert_eq!(get(&pairs, "x"), None);
        assert_eq!(encode("a,b c/é"), "a%2Cb%20c%2F%C3%A9");
    }

    #[test]
    fn pages() {
        let q = |s: &str| Page::from_query(&parse(s));
        assert_eq!(
            q(""),
            Page {
                number: 1,
                per_page: 30
            }
        );
        assert_eq!(
            q("per_page=500&page=3"),
            Page {
                number: 3,
                per_page: 100
            }
        );
        assert_eq!(
            q("per_page=0&page=0"),
            Page {
                number: 1,
                per_page: 30
            }
        );
        assert_eq!(
            q("per_page=x&page=-2"),
            Page {
                number: 1,
                per_page: 30
            }
        );
    }

    #[test]
    fn links() {
        let pairs = parse("labels=a,b&per_page=2&page=2");
        let page = Page::from_query(&pairs);
        assert_eq!(
            page.link_header("http://h/repositories/7/issues", &pairs, 5)
                .as_deref(),
            Some(
                "<http://h/repositories/7/issues?labels=a%2Cb&per_page=2&page=1>; rel=\"prev\", \
<http://h/repositories/7/issues?labels=a%2Cb&per_page=2&page=3>; rel=\"next\", \
<http://h/repositories/7/issues?labels=a%2Cb&per_page=2&page=3>; rel=\"last\", \
<http://h/repositories/7/issues?labels=a%2Cb&per_page=2&page=1>; rel=\"first\""
            )
        );
        let first = Page {
            number: 1,
            per_page: 2,
        };
        assert_eq!(first.link_header("u", &[], 2), None);
        assert_eq!(
            first.link_header("u", &[], 3).as_deref(),
            Some("<u?page=2>; rel=\"next\", <u?page=2>; rel=\"last\"")
        );
        let beyond = Page {
            number: 9,
            per_page: 2,
        };
        assert_eq!(
            beyond.link_header("u", &[], 3).as_deref(),
            Some("<u?page=2>; rel=\"prev\", <u?page=1>; rel=\"first\"")
        );
    }
}

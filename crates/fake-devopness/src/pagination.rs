//! Laravel-style pagination: `page` and `per_page` query parameters and a GitHub-style `Link`.

use crate::validation::Errors;

const DEFAULT_PER_PAGE: u64 = 15;
const MAX_PER_PAGE: u64 = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Page {
    pub number: u64,
    pub per_page: u64,
}

/// How the `Link` header is built; the non-normal modes are injected faults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LinkMode {
    Normal,
    /// rel="next" points at the page itself.
    Loop,
    /// rel="next" always points at the following page; no rel="last".
    Endless,
    /// The page starts one item early, as when, since the previous page was read, a
    /// concurrent write added an item ahead of it in the list's order: its first item is
    /// the previous page's last one again. The `Link` header is as usual; page 1 is as usual.
    Shifted,
}

/// Reads `page` and `per_page` (last occurrence wins, as in PHP), validated like
/// `page: integer|min:1`, `per_page: integer|min:1|max:100`.
pub(crate) fn parse(query: Option<&str>) -> Result<Page, Errors> {
    let mut page = None;
    let mut per_page = None;
    for pair in query.unwrap_or_default().split('&') {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        match key {
            "page" => page = Some(value),
            "per_page" => per_page = Some(value),
            _ => {}
        }
    }
    let mut errors = Errors::default();
    let number = integer(&mut errors, "page", page, 1, u64::MAX, 1);
    let per_page = integer(
        &mut errors,
        "per_page",
        per_page,
        1,
        MAX_PER_PAGE,
        DEFAULT_PER_PAGE,
    );
    if errors.is_empty() {
        Ok(Page { number, per_page })
    } else {
        Err(errors)
    }
}

fn integer(
    errors: &mut Errors,
    field: &str,
    value: Option<&str>,
    min: u64,
    max: u64,
    default: u64,
) -> u64 {
    let Some(raw) = value else {
        return default;
    };
    let label = field.replace('_', " ");
    match raw.trim().parse::<i128>() {
        Err(_) => errors.add(field, format!("The {label} field must be an integer.")),
        Ok(n) if n < i128::from(min) => {
            errors.add(field, format!("The {label} field must be at least {min}."))
        }
        Ok(n) if n > i128::from(max) => errors.add(
            field,
            format!("The {label} field must not be greater than {max}."),
        ),
        Ok(n) => return u64::try_from(n).unwrap_or(default),
    }
    default
}

impl Page {
    /// The items of this page (one early when `mode` is [`LinkMode::Shifted`]).
    pub fn slice<T: Clone>(&self, items: &[T], mode: LinkMode) -> Vec<T> {
        let mut start = self.number.saturating_sub(1).saturating_mul(self.per_page);
        if mode == LinkMode::Shifted {
            start = start.saturating_sub(1);
        }
        let start = usize::try_from(start).unwrap_or(usize::MAX);
        let per_page = usize::try_from(self.per_page).unwrap_or(usize::MAX);
        items.iter().skip(start).take(per_page).cloned().collect()
    }

    /// `<url>; rel="next", <url>; rel="last", <url>; rel="first", <url>; rel="prev"`, leaving out
    /// next on the last page and prev on the first, as Laravel's paginator links do.
    pub fn link_header(&self, base: &str, path: &str, total: usize, mode: LinkMode) -> String {
        let total = u64::try_from(total).unwrap_or(u64::MAX);
        let last = total.div_ceil(self.per_page).max(1);
        let url = |n: u64| format!("<{base}{path}?page={n}&per_page={}>", self.per_page);
        let next = match mode {
            LinkMode::Normal | LinkMode::Shifted => (self.number < last).then(|| self.number + 1),
            LinkMode::Loop => Some(self.number),
            LinkMode::Endless => Some(self.number.saturating_add(1)),
        };
        let mut parts = Vec::new();
        if let Some(n) = next {
            parts.push(format!("{}; rel=\"next\"", url(n)));
        }
        if mode != LinkMode::Endless {
            parts.push(format!("{}; rel=\"last\"", url(last)));
        }
        parts.push(format!("{}; rel=\"first\"", url(1)));
        if self.number > 1 {
            parts.push(format!("{}; rel=\"prev\"", url(self.number - 1)));
        }
        parts.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_limits() {
        assert_eq!(
            parse(None).ok(),
            Some(Page {
                number: 1,
                per_page: 15
            })
        );
        assert_eq!(
            parse(Some("per_page=100&page=3&x=y")).ok(),
            Some(Page {
                number: 3,
                per_page: 100
            })
        );
        for bad in [
            "per_page=101",
            "per_page=0",
            "page=0",
            "page=abc",
            "per_page=",
        ] {
            assert!(parse(Some(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_shifted_page_repeats_the_previous_pages_last_item() {
        let items: Vec<u32> = (0..5).collect();
        let page = |number| Page {
            number,
            per_page: 2,
        };
        assert_eq!(page(2).slice(&items, LinkMode::Normal), vec![2, 3]);
        assert_eq!(page(2).slice(&items, LinkMode::Shifted), vec![1, 2]);
        assert_eq!(page(1).slice(&items, LinkMode::Shifted), vec![0, 1]);
    }

    #[test]
    fn links() {
        let page = Page {
            number: 2,
            per_page: 100,
        };
        assert_eq!(
            page.link_header("http://h", "/p", 250, LinkMode::Normal),
            "<http://h/p?page=3&per_page=100>; rel=\"next\", <http://h/p?page=3&per_page=100>; rel=\"last\", \
<http://h/p?page=1&per_page=100>; rel=\"first\", <http://h/p?page=1&per_page=100>; rel=\"prev\""
        );
        let first = Page {
            number: 1,
            per_page: 15,
        };
        assert_eq!(
            first.link_header("http://h", "/p", 0, LinkMode::Normal),
            "<http://h/p?page=1&per_page=15>; rel=\"last\", <http://h/p?page=1&per_page=15>; rel=\"first\""
        );
    }
}

//! Injected faults: a queue of rules consumed in order, plus optional seeded random faults.

use std::time::Duration;

/// What goes wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultKind {
    /// Answer this status without doing the work. 502 and 504 come with an HTML page like a
    /// proxy's; other codes with a JSON `{"message": ...}` (and `Retry-After` when given).
    Status {
        code: u16,
        retry_after: Option<String>,
    },
    /// Do the work, then answer this status with a JSON error body.
    CommitThenStatus(u16),
    /// Do the work, then close the connection without any response.
    CommitThenDrop,
    /// Close the connection without doing anything.
    Drop,
    /// Sleep, then handle normally.
    Delay(Duration),
    /// 200 with an HTML page (`text/html`), without doing the work.
    HtmlBody,
    /// 200 with truncated JSON, without doing the work.
    MalformedJson,
    /// 200 with an empty body, without doing the work.
    EmptyBody,
    /// 200 with a JSON array of exactly that many bytes (at least 2), without doing the work.
    HugeBody(usize),
    /// A list whose `Link` rel="next" points back at the same page (other requests: normal).
    LinkLoop,
    /// A list whose every page N links to page N+1 forever and has no rel="last".
    EndlessLinks,
    /// A list page (after the first) served one item early, as when a concurrent write
    /// added an item ahead of it since the previous page was read: the previous page's
    /// last item is listed again. Rules are consumed by page 1 too (where nothing
    /// shifts), so a rule for page 2 needs `times(2)`.
    ShiftedPage,
    /// Handle normally, and answer with `X-RateLimit-Remaining: 0` and this
    /// `X-RateLimit-Reset`, however absurd (as a server or a proxy in between might).
    ResetHeader(String),
}

/// One rule: applies to the next `times` requests that match `method` and `path_contains`,
/// once `after` matching requests have passed unharmed. A request the rate limiter
/// refuses reaches no rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    /// `GET`, `POST`, ... (case-insensitive); `None` matches any method.
    pub method: Option<String>,
    /// A substring of the request path (without the query); `None` matches any path.
    pub path_contains: Option<String>,
    pub kind: FaultKind,
    pub times: usize,
    pub after: usize,
}

impl Fault {
    /// A rule for the next request, whatever it is.
    pub fn once(kind: FaultKind) -> Fault {
        Fault {
            method: None,
            path_contains: None,
            kind,
            times: 1,
            after: 0,
        }
    }

    /// Lets the first `n` matching requests pass unharmed.
    pub fn after(mut self, n: usize) -> Fault {
        self.after = n;
        self
    }

    pub fn times(mut self, times: usize) -> Fault {
        self.times = times;
        self
    }

    pub fn method(mut self, method: &str) -> Fault {
        self.method = Some(method.to_string());
        self
    }

    pub fn path_contains(mut self, part: &str) -> Fault {
        self.path_contains = Some(part.to_string());
        self
    }

    fn matches(&self, method: &str, path: &str) -> bool {
        self.times > 0
            && self
                .method
                .as_deref()
                .is_none_or(|m| m.eq_ignore_ascii_case(method))
            && self
                .path_contains
                .as_deref()
                .is_none_or(|p| path.contains(p))
    }
}

#[derive(Default)]
pub(crate) struct FaultPlan {
    rules: Vec<Fault>,
    random: Option<RandomFaults>,
}

struct RandomFaults {
    rng: XorShift,
    rate: f64,
    kinds: Vec<FaultKind>,
}

impl FaultPlan {
    pub fn push(&mut self, fault: Fault) {
        self.rules.push(fault);
    }

    pub fn set_random(&mut self, seed: u64, rate: f64, kinds: Vec<FaultKind>) {
        self.random = (rate > 0.0 && !kinds.is_empty()).then(|| RandomFaults {
            rng: XorShift::new(seed),
            rate,
            kinds,
        });
    }

    /// The fault for this request, if any: the first matching rule, else maybe a random one.
    pub fn take(&mut self, method: &str, path: &str) -> Option<FaultKind> {
        // A rule still letting requests pass counts this one and leaves it to the next.
        let index = self.rules.iter_mut().position(|r| {
            if !r.matches(method, path) {
                return false;
            }
            let passes = r.after > 0;
            r.after = r.after.saturating_sub(1);
            !passes
        });
        if let Some(index) = index {
            let rule = &mut self.rules[index];
            rule.times -= 1;
            let kind = rule.kind.clone();
            if rule.times == 0 {
                self.rules.remove(index);
            }
            return Some(kind);
        }
        let random = self.random.as_mut()?;
        if random.rng.next_f64() >= random.rate {
            return None;
        }
        let len = u64::try_from(random.kinds.len()).ok()?;
        let pick = usize::try_from(random.rng.next_u64() % len).ok()?;
        random.kinds.get(pick).cloned()
    }
}

/// xorshift64*: small, seeded, good enough for ids and fault dice.
#[derive(Clone)]
pub(crate) struct XorShift(u64);

impl Default for XorShift {
    fn default() -> Self {
        XorShift::new(0x9e37_79b9_7f4a_7c15)
    }
}

impl XorShift {
    pub fn new(seed: u64) -> XorShift {
        // Spread the seed (splitmix64 step) so that small seeds differ, and never use 0.
        let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        XorShift(if z == 0 { 1 } else { z })
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform in [0, 1).
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A JSON array of exactly `len` bytes (minimum 2): `[0,0,...,0]`, padded with a space.
pub(crate) fn huge_json(len: usize) -> String {
    let len = len.max(2);
    let inner = len - 2;
    let mut s = String::with_capacity(len);
    s.push('[');
    let numbers = inner.div_ceil(2);
    for i in 0..numbers {
        s.push_str(if i == 0 { "0" } else { ",0" });
    }
    if inner % 2 == 0 && inner > 0 {
        s.push(' ');
    }
    s.push(']');
    s
}

pub(crate) const HTML_PAGE: &str =
    "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<title>Devopness</title></head><body><h1>Something went wrong</h1>\
<p>We are having trouble loading this page.</p></body></html>\n";

pub(crate) const MALFORMED_JSON: &str =
    "[{\"id\":\"0190f5c4-7a1e-7000-8000-00000000\",\"name\":\"CI(build)\",\"type\":\"ou";

pub(crate) fn proxy_page(code: u16, reason: &str) -> String {
    format!(
        "<html>\r\n<head><title>{code} {reason}</title></head>\r\n<body>\r\n\
<center><h1>{code} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn huge_json_has_the_exact_length_and_parses() {
        for len in [0, 1, 2, 3, 4, 5, 6, 1000, 1001] {
            let s = huge_json(len);
            assert_eq!(s.len(), len.max(2), "{len}");
            assert!(serde_json::from_str::<serde_json::Value>(&s).is_ok(), "{s}");
        }
    }

    #[test]
    fn rules_are_consumed_in_order() {
        let mut plan = FaultPlan::default();
        plan.push(Fault::once(FaultKind::Drop).method("post"));
        plan.push(Fault::once(FaultKind::EmptyBody).times(2));
        assert_eq!(plan.take("GET", "/x"), Some(FaultKind::EmptyBody));
        assert_eq!(plan.take("POST", "/x"), Some(FaultKind::Drop));
        assert_eq!(plan.take("POST", "/x"), Some(FaultKind::EmptyBody));
        assert_eq!(plan.take("POST", "/x"), None);
    }

    #[test]
    fn random_faults_are_seeded() {
        let run = |seed| {
            let mut plan = FaultPlan::default();
            plan.set_random(seed, 0.3, vec![FaultKind::Drop, FaultKind::EmptyBody]);
            (0..200).map(|_| plan.take("GET", "/")).collect::<Vec<_>>()
        };
        let a = run(1);
        assert_eq!(a, run(1));
        let hits = a.iter().filter(|f| f.is_some()).count();
        assert!((30..90).contains(&hits), "{hits}");
    }
}

//! The checks behind the inputs: pure functions from a value to the value parsed,
//! or a message saying what is expected (the caller names the input).

use std::collections::BTreeSet;

use crate::contexts::{self, APPLICATION, ENVIRONMENT, PLACEHOLDERS};
use crate::hook::{Event, Header};
use crate::providers::{self, Provider};

use super::options::DEFAULT_DETAILS_URL;

pub use crate::contexts::CONTEXT_LIMIT;
/// Larger ids are not exact in JSON numbers.
pub const MAX_PIPELINE_ID: u64 = (1 << 53) - 1;
pub const MAX_PIPELINES: usize = 1000;

/// Digits only (no sign, no spaces), as a number.
pub fn whole_number(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// A boolean input, as the toolkit accepts them.
pub fn parse_bool(value: &str) -> Option<bool> {
    match value {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

/// Devopness's limits on a hook's request headers.
pub const HEADER_NAME_LIMIT: usize = 256;
pub const HEADER_VALUE_LIMIT: usize = 4096;

/// The `Name: value` lines of `extra-headers`, one per line, empty lines skipped.
/// Values are secrets: no message here repeats one.
pub fn parse_extra_headers(s: &str, provider: &dyn Provider) -> Result<Vec<Header>, String> {
    if s.contains('\r') {
        return Err(
            "must not contain carriage returns (header injection); one `Name: value` per line"
                .into(),
        );
    }
    let own = provider.own_header_values();
    let mut headers: Vec<Header> = Vec::new();
    for (number, line) in s
        .split('\n')
        .map(str::trim)
        .enumerate()
        .filter(|(_, l)| !l.is_empty())
    {
        let line_no = number + 1;
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| format!("line {line_no} has no `:`; expected `Name: value`"))?;
        let (name, value) = (name.trim(), value.trim());
        let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
        if name.is_empty() || name.len() > HEADER_NAME_LIMIT || !name.chars().all(token) {
            return Err(format!(
                "line {line_no}: the header name must be 1-{HEADER_NAME_LIMIT} letters, digits or `-`"
            ));
        }
        if value.is_empty()
            || value.len() > HEADER_VALUE_LIMIT
            || value.chars().any(char::is_control)
        {
            return Err(format!(
                "line {line_no} ({name}): the value must be 1-{HEADER_VALUE_LIMIT} characters without control characters"
            ));
        }
        // One the provider's request sends already, with the same value (a
        // `Content-Type: application/json` written before the hooks sent it): nothing to add.
        if own
            .iter()
            .any(|h| h.name.eq_ignore_ascii_case(name) && h.value == value)
        {
            continue;
        }
        if own
            .iter()
            .map(|h| &h.name)
            .chain(headers.iter().map(|h| &h.name))
            .any(|n| n.eq_ignore_ascii_case(name))
        {
            return Err(format!(
                "line {line_no}: `{name}` is set twice (the {} request already sets it, or an earlier line does)",
                provider.name()
            ));
        }
        headers.push(Header::new(name, value));
    }
    Ok(headers)
}

/// The `hook-name` template: `{event}` in it, no other placeholder than `{context}`,
/// `{environment}` and `{application}`, every expansion within Devopness's name limit
/// (placeholders filled per pipeline are checked again once filled in).
pub fn check_hook_name(template: &str, context: &str) -> Result<(), String> {
    check_text(template)?;
    if !template.contains("{event}") {
        return Err("must contain `{event}`, so the three hooks get different names".into());
    }
    let rest = contexts::without(
        template,
        &["{context}", "{event}", ENVIRONMENT, APPLICATION],
    );
    if rest.contains(['{', '}']) {
        return Err(
            "the only placeholders are `{context}`, `{event}`, `{environment}` and `{application}`"
                .into(),
        );
    }
    let fixed = contexts::without(template, &PLACEHOLDERS);
    let fixed_context = contexts::without(context, &PLACEHOLDERS);
    for event in Event::ALL {
        let name = providers::hook_name(&fixed, &fixed_context, event);
        if name.chars().count() > providers::HOOK_NAME_LIMIT {
            return Err(format!(
                "expands to `{name}`, over Devopness's {} characters",
                providers::HOOK_NAME_LIMIT
            ));
        }
    }
    Ok(())
}

/// Parses `pipeline-ids`: positive integers separated by commas, spaces or newlines.
pub fn parse_pipeline_ids(s: &str) -> Result<Vec<u64>, String> {
    parse_ids(s, "pipeline")
}

/// `application-ids`: the same rules as [`parse_pipeline_ids`].
pub fn parse_application_ids(s: &str) -> Result<Vec<u64>, String> {
    parse_ids(s, "application")
}

/// `project-ids`: the same rules as [`parse_pipeline_ids`].
pub fn parse_project_ids(s: &str) -> Result<Vec<u64>, String> {
    parse_ids(s, "project")
}

/// `environment-ids`: the same rules as [`parse_pipeline_ids`].
pub fn parse_environment_ids(s: &str) -> Result<Vec<u64>, String> {
    parse_ids(s, "environment")
}

/// Positive ids of `what` (`pipeline`, `application`) separated by commas, spaces or
/// newlines, each once, at most [`MAX_PIPELINES`].
fn parse_ids(s: &str, what: &str) -> Result<Vec<u64>, String> {
    let a = if what.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    let mut ids = Vec::new();
    let mut seen = BTreeSet::new();
    for token in s
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|t| !t.is_empty())
    {
        let shown = shorten(token);
        if !token.chars().all(|c| c.is_ascii_digit()) {
            return Err(format!(
                "`{shown}` is not {a} {what} id: expected positive whole numbers separated by commas, spaces or newlines"
            ));
        }
        let id = token
            .parse::<u64>()
            .ok()
            .filter(|id| *id <= MAX_PIPELINE_ID)
            .ok_or_else(|| format!("`{shown}` is too large for {a} {what} id"))?;
        if id == 0 {
            return Err(format!("`0` is not {a} {what} id: ids start at 1"));
        }
        if !seen.insert(id) {
            return Err(format!("{what} {id} is listed twice"));
        }
        ids.push(id);
    }
    if ids.is_empty() {
        return Err(format!("no {what} id given: expected e.g. `123, 456`"));
    }
    if ids.len() > MAX_PIPELINES {
        return Err(format!(
            "{} ids given, at most {MAX_PIPELINES} per run",
            ids.len()
        ));
    }
    Ok(ids)
}

fn shorten(s: &str) -> String {
    if s.chars().count() > 24 {
        format!("{}...", s.chars().take(24).collect::<String>())
    } else {
        s.to_owned()
    }
}

/// Text that ends up in a hook and in this program's log: one line, no control
/// characters, nothing that reads as a workflow command or an escape of one.
pub fn check_text(s: &str) -> Result<(), String> {
    if s.chars().any(char::is_control) {
        return Err("must be one line without control characters".into());
    }
    if s.contains("::") {
        return Err("must not contain `::` (reserved for workflow commands)".into());
    }
    let b = s.as_bytes();
    if b.windows(3)
        .any(|w| w[0] == b'%' && w[1].is_ascii_hexdigit() && w[2].is_ascii_hexdigit())
    {
        return Err("must not contain `%` escapes such as `%0A`".into());
    }
    Ok(())
}

/// The status context: one line, no `{{ }}` templates (it identifies the hooks), no
/// placeholder but `{environment}` and `{application}`, and within every provider's
/// limit: a context with placeholders is checked again for each pipeline, filled in.
pub fn check_context(context: &str) -> Result<(), String> {
    check_text(context)?;
    if context.contains("{{") || context.contains("}}") {
        return Err(
            "must be a fixed value without `{{ }}` templates: it identifies the hooks (`{environment}` and `{application}` are filled in per pipeline)".into(),
        );
    }
    let fixed = contexts::without(context, &PLACEHOLDERS);
    if fixed.contains(['{', '}']) {
        return Err("the only placeholders are `{environment}` and `{application}` (each pipeline's, from Devopness)".into());
    }
    let length = fixed.chars().count();
    if length > CONTEXT_LIMIT {
        return Err(if fixed.len() == context.len() {
            format!("at most {CONTEXT_LIMIT} characters (the limit every provider accepts); got {length}")
        } else {
            format!("at most {CONTEXT_LIMIT} characters once filled in (the limit every provider accepts); without its placeholders it already has {length}")
        });
    }
    Ok(())
}

/// Whether `host` is a loopback host (plain `http://` is allowed only there).
fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Checks an API base URL: https (http only on loopback), a host, no credentials,
/// no templates, query or fragment. Returns it without a trailing `/`.
pub fn check_api_url(value: &str) -> Result<String, String> {
    if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("must be a URL without spaces or control characters".into());
    }
    if value.contains("{{") || value.contains("}}") {
        return Err("must not contain `{{ }}` templates".into());
    }
    let url = url::Url::parse(value)
        .map_err(|e| format!("is not a URL ({e}); expected e.g. https://api.example.com"))?;
    check_url_parts(&url)?;
    if url.query().is_some() || url.fragment().is_some() {
        return Err("must not have a query (`?`) or fragment (`#`)".into());
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

fn check_url_parts(url: &url::Url) -> Result<(), String> {
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(url) => {}
        "http" => return Err("must use https:// (http:// only for a loopback host)".into()),
        other => return Err(format!("must use https://, not {other}://")),
    }
    if url.host().is_none() {
        return Err("has no host".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not carry credentials (user:password@); secrets belong in inputs fed from secrets".into());
    }
    Ok(())
}

/// The status link may hold Devopness templates; the rest must be a URL.
pub fn check_details_url(value: &str) -> Result<(), String> {
    check_text(value)?;
    if value.len() > 2048 {
        return Err("at most 2048 characters".into());
    }
    let mut plain = String::new();
    let mut rest = value;
    while let Some(start) = rest.find("{{") {
        let end = rest[start..]
            .find("}}")
            .ok_or("has a `{{` without a closing `}}`")?;
        plain.push_str(&rest[..start]);
        plain.push('x');
        rest = &rest[start + end + 2..];
    }
    plain.push_str(rest);
    if plain.contains(char::is_whitespace) {
        return Err("must not contain spaces outside `{{ }}` templates".into());
    }
    let url = url::Url::parse(&plain)
        .map_err(|e| format!("is not a URL ({e}); expected e.g. {DEFAULT_DETAILS_URL}"))?;
    check_url_parts(&url)
}

/// Parses PEM text into DER certificates; an error says what is wrong, for `what`. Text
/// around the blocks and blocks of other kinds (a key) are skipped, as TLS libraries do.
pub fn parse_pem_certificates(pem: &[u8], what: &str) -> Result<Vec<Vec<u8>>, String> {
    let blocks = pem::parse_many(pem).map_err(|e| format!("{what}: not valid PEM ({e})"))?;
    // The reader stops, silently, at a `-----BEGIN` that has no `-----END` after it.
    let begins = pem.windows(BEGIN.len()).filter(|w| *w == BEGIN).count();
    if begins > blocks.len() {
        return Err(format!(
            "{what}: not valid PEM (a `-----BEGIN` line without its `-----END` line)"
        ));
    }
    let certs: Vec<Vec<u8>> = blocks
        .into_iter()
        .filter(|b| b.tag() == "CERTIFICATE")
        .map(pem::Pem::into_contents)
        .collect();
    if certs.is_empty() {
        return Err(format!(
            "{what}: no `-----BEGIN CERTIFICATE-----` block found"
        ));
    }
    Ok(certs)
}

/// What opens a PEM block.
const BEGIN: &[u8] = b"-----BEGIN ";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pipeline_ids() {
        assert_eq!(parse_pipeline_ids("1 2,3\n\n4,"), Ok(vec![1, 2, 3, 4]));
        for bad in [
            "",
            " , ",
            "0",
            "-1",
            "1.5",
            "abc",
            "1,1",
            "99999999999999999999",
        ] {
            assert!(parse_pipeline_ids(bad).is_err(), "{bad:?} accepted");
            assert!(parse_application_ids(bad).is_err(), "{bad:?} accepted");
        }
        assert_eq!(
            parse_application_ids("x"),
            Err("`x` is not an application id: expected positive whole numbers separated by commas, spaces or newlines".into())
        );
        assert_eq!(
            parse_pipeline_ids("0"),
            Err("`0` is not a pipeline id: ids start at 1".into())
        );
    }

    #[test]
    fn urls() {
        assert!(check_api_url("http://127.0.0.1:8080").is_ok());
        assert!(check_api_url("http://localhost:1/").is_ok());
        for bad in [
            "http://example.com",
            "ftp://x",
            "https://u:p@x.com",
            "https://x.com/{{ a }}",
            "https://x.com/?a=1",
            "not a url",
            "https://x.com/\n",
        ] {
            assert!(check_api_url(bad).is_err(), "{bad:?} accepted");
        }
        assert!(check_details_url(DEFAULT_DETAILS_URL).is_ok());
        assert!(check_details_url("https://x/{{ a").is_err());
        assert!(check_details_url("https://x/a b").is_err());
    }

    #[test]
    fn text_that_could_forge_a_workflow_command_is_refused() {
        assert!(check_text("Deploy 50% done").is_ok());
        for bad in ["a\nb", "::error::x", "a%0A::x", "tab\there"] {
            assert!(check_text(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn pem_certificates_parse_and_anything_else_is_refused() {
        let cert = rcgen::generate_simple_self_signed(vec!["ca.test".to_owned()])
            .map(|c| c.cert)
            .expect("a test certificate");
        let pem = format!("{}\n{}", cert.pem(), cert.pem());
        let parsed = parse_pem_certificates(pem.as_bytes(), "PEM").expect("valid PEM");
        assert_eq!(parsed, vec![cert.der().to_vec(); 2]);
        let none = parse_pem_certificates(b"hello", "ca-certificate").expect_err("no block");
        assert!(none.starts_with("ca-certificate: no `-----BEGIN CERTIFICATE-----`"));
        let bad = b"-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n";
        assert!(parse_pem_certificates(bad, "PEM").is_err());
    }

    #[test]
    fn a_pem_cut_short_is_refused_not_read_in_part() {
        let cert = rcgen::generate_simple_self_signed(vec!["ca.test".to_owned()])
            .map(|c| c.cert)
            .expect("a test certificate");
        let pem = cert.pem();
        let cut = format!("{pem}{}", &pem[..pem.len() / 2]);
        let e = parse_pem_certificates(cut.as_bytes(), "PEM").expect_err("cut short");
        assert!(e.contains("without its `-----END` line"), "{e}");
        let e = parse_pem_certificates(&pem.as_bytes()[..pem.len() / 2], "PEM");
        assert!(e.is_err_and(|e| e.starts_with("PEM: not valid PEM")));
    }

    #[test]
    fn an_extra_header_the_provider_sends_already_is_refused_unless_it_is_the_same() {
        use crate::providers::{BITBUCKET, GITHUB, GITLAB};
        for provider in [GITHUB, GITLAB, BITBUCKET] {
            // Written before the hooks sent it themselves: accepted, and not sent twice.
            let same = parse_extra_headers("content-type: application/json\nX-Proxy: 1", provider);
            let names: Vec<String> = same
                .unwrap_or_default()
                .into_iter()
                .map(|h| h.name)
                .collect();
            assert_eq!(names, ["X-Proxy"], "{}", provider.name());
            let other = parse_extra_headers("Content-Type: text/plain", provider);
            assert!(
                other.is_err_and(|e| e.contains("set twice") && !e.contains("text/plain")),
                "{}",
                provider.name()
            );
        }
        assert!(parse_extra_headers("X-A: 1\nx-a: 1", GITHUB).is_err());
    }
}

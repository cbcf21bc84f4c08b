//! The action's inputs: read from `INPUT_*` variables (hyphens kept, as the runner
//! passes them) with envy, then validated all at once into a [`Config`]. Nothing
//! here does I/O; every problem names the input and says what is expected.

use std::collections::{BTreeSet, HashMap};
use std::fmt;

use serde::Deserialize;

use crate::hook::Header;
use crate::providers::{self, Provider, StatusSettings};

/// One problem with one input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    pub input: String,
    pub message: String,
}

impl InputError {
    pub fn new(input: &str, message: impl Into<String>) -> Self {
        InputError {
            input: input.to_owned(),
            message: message.into(),
        }
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "input `{}`: {}", self.input, self.message)
    }
}

/// A value that must never be printed: `Debug` shows `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// What the run does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Create missing hooks and repair drifted ones.
    Apply,
    /// Read only: report missing, drifted and duplicate hooks and delivery health.
    Check,
    /// Delete the managed hooks (teardown).
    Remove,
}

impl Mode {
    const NAMES: [(&'static str, Mode); 3] = [
        ("apply", Mode::Apply),
        ("check", Mode::Check),
        ("remove", Mode::Remove),
    ];

    pub fn name(self) -> &'static str {
        Mode::NAMES
            .iter()
            .find(|(_, m)| *m == self)
            .map_or("apply", |(n, _)| n)
    }
}

/// What the run does, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunOptions {
    pub mode: Mode,
    /// Print the plan, write nothing (apply, remove).
    pub dry_run: bool,
    /// Delete every duplicate, not only exact copies (apply).
    pub prune_duplicates: bool,
    /// Exit 2 when check finds drift.
    pub fail_on_drift: bool,
    /// Read each managed hook's recent deliveries (check).
    pub check_deliveries: bool,
}

/// The drift tracking issue (check mode).
#[derive(Debug, Clone)]
pub struct DriftIssue {
    pub github_token: Secret,
    /// GITHUB_API_URL, or https://api.github.com.
    pub api_url: String,
    /// `owner/name` of the repository the issue lives in.
    pub repository: String,
}

pub const DEFAULT_API_URL: &str = "https://api.devopness.com";
pub const DEFAULT_CONTEXT: &str = "ci/devopness(build)";
pub const DEFAULT_DETAILS_URL: &str = "https://app.devopness.com/actions/{{ action.id }}";
pub const DEFAULT_DESCRIPTION_STARTED: &str = "Deploy started on Devopness";
pub const DEFAULT_DESCRIPTION_FAILED: &str = "Deploy failed on Devopness";
pub const DEFAULT_DESCRIPTION_COMPLETED: &str = "Deploy completed on Devopness";
pub const DEFAULT_MAX_CONCURRENCY: usize = 25;
/// The same value must fit every provider (Bitbucket's key limit).
pub const CONTEXT_LIMIT: usize = 40;
/// Larger ids are not exact in JSON numbers.
pub const MAX_PIPELINE_ID: u64 = (1 << 53) - 1;
pub const MAX_PIPELINES: usize = 1000;
pub const MAX_CONCURRENCY: usize = 64;

/// The validated inputs of one run.
#[derive(Clone)]
pub struct Config {
    pub api_token: Secret,
    pub pipeline_ids: Vec<u64>,
    pub api_url: String,
    pub provider: &'static dyn Provider,
    pub status: StatusSettings,
    pub options: RunOptions,
    pub max_concurrency: usize,
    /// Overall deadline of the run.
    pub timeout: std::time::Duration,
    /// `drift-issue: true` with its token.
    pub drift_issue: Option<DriftIssue>,
    /// `ca-certificate`, as DER certificates.
    pub ca_certificates: Vec<Vec<u8>>,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("api_token", &self.api_token)
            .field("pipeline_ids", &self.pipeline_ids)
            .field("api_url", &self.api_url)
            .field("provider", &self.provider.name())
            .field("status", &self.status)
            .field("options", &self.options)
            .field("max_concurrency", &self.max_concurrency)
            .field("timeout", &self.timeout)
            .field("drift_issue", &self.drift_issue)
            .finish()
    }
}

/// The inputs as the runner passes them: every declared input, empty when not given.
#[derive(Debug, Default, Deserialize)]
struct RawInputs {
    #[serde(rename = "api-token")]
    api_token: Option<String>,
    #[serde(rename = "pipeline-ids")]
    pipeline_ids: Option<String>,
    #[serde(rename = "api-url")]
    api_url: Option<String>,
    repository: Option<String>,
    #[serde(rename = "provider-api-url")]
    provider_api_url: Option<String>,
    context: Option<String>,
    #[serde(rename = "details-url")]
    details_url: Option<String>,
    #[serde(rename = "description-started")]
    description_started: Option<String>,
    #[serde(rename = "description-failed")]
    description_failed: Option<String>,
    #[serde(rename = "description-completed")]
    description_completed: Option<String>,
    mode: Option<String>,
    #[serde(rename = "max-concurrency")]
    max_concurrency: Option<String>,
    provider: Option<String>,
    #[serde(rename = "extra-headers")]
    extra_headers: Option<String>,
    #[serde(rename = "hook-name")]
    hook_name: Option<String>,
    #[serde(rename = "only-when-commit")]
    only_when_commit: Option<String>,
    #[serde(rename = "gitlab-ref")]
    gitlab_ref: Option<String>,
    #[serde(rename = "dry-run")]
    dry_run: Option<String>,
    #[serde(rename = "prune-duplicates")]
    prune_duplicates: Option<String>,
    #[serde(rename = "fail-on-drift")]
    fail_on_drift: Option<String>,
    #[serde(rename = "check-deliveries")]
    check_deliveries: Option<String>,
    #[serde(rename = "drift-issue")]
    drift_issue: Option<String>,
    #[serde(rename = "github-token")]
    github_token: Option<String>,
    #[serde(rename = "timeout-seconds")]
    timeout_seconds: Option<String>,
    #[serde(rename = "ca-certificate")]
    ca_certificate: Option<String>,
}

/// The raw secret inputs (`api-token`, `github-token`), untrimmed, so they can be
/// masked before anything is printed.
pub fn raw_tokens(vars: &[(String, String)]) -> Vec<&str> {
    vars.iter()
        .filter(|(k, _)| {
            k.eq_ignore_ascii_case("INPUT_API-TOKEN")
                || k.eq_ignore_ascii_case("INPUT_GITHUB-TOKEN")
        })
        .map(|(_, v)| v.as_str())
        .collect()
}

pub const DEFAULT_TIMEOUT_SECONDS: u64 = 120;
pub const MAX_TIMEOUT_SECONDS: u64 = 3600;

/// Reads and validates every input. All problems are returned at once.
pub fn read(vars: &[(String, String)]) -> Result<Config, Vec<InputError>> {
    let raw: RawInputs = envy::prefixed("INPUT_")
        .from_iter(vars.iter().cloned())
        .map_err(|e| vec![InputError::new("inputs", e.to_string())])?;
    let env: HashMap<&str, &str> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let env_fn = |name: &str| env.get(name).map(|v| v.to_string());
    let mut errors = Vec::new();

    // Trimmed, empty meaning absent (the runner passes "" for inputs left out).
    let given = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };

    let api_token = match given(&raw.api_token) {
        None => {
            errors.push(InputError::new(
                "api-token",
                "required: pass your Devopness API token, e.g. `api-token: ${{ secrets.DEVOPNESS_API_TOKEN }}`",
            ));
            String::new()
        }
        Some(t) if t.chars().any(|c| c.is_whitespace() || c.is_control()) => {
            errors.push(InputError::new(
                "api-token",
                "must be one line with no spaces or control characters; check the secret for a stray newline",
            ));
            String::new()
        }
        Some(t) => t,
    };

    let pipeline_ids = match given(&raw.pipeline_ids) {
        None => {
            errors.push(InputError::new(
                "pipeline-ids",
                "required: one or more Devopness pipeline ids, e.g. `123, 456`",
            ));
            Vec::new()
        }
        Some(s) => parse_pipeline_ids(&s).unwrap_or_else(|e| {
            errors.push(InputError::new("pipeline-ids", e));
            Vec::new()
        }),
    };

    let api_url = check_api_url(
        "api-url",
        &given(&raw.api_url).unwrap_or_else(|| DEFAULT_API_URL.into()),
    )
    .unwrap_or_else(|e| {
        errors.push(e);
        String::new()
    });

    let provider: &'static dyn Provider = match given(&raw.provider) {
        None => providers::ALL[0],
        Some(name) => providers::by_name(&name).unwrap_or_else(|| {
            errors.push(InputError::new(
                "provider",
                format!("expected one of: {}", providers::names().join(", ")),
            ));
            providers::ALL[0]
        }),
    };
    let is_default_provider = provider.name() == providers::ALL[0].name();

    // GITHUB_REPOSITORY names a GitHub repository: the default only for GitHub.
    let repository = given(&raw.repository).or_else(|| {
        env_fn("GITHUB_REPOSITORY")
            .map(|r| r.trim().to_owned())
            .filter(|r| !r.is_empty() && is_default_provider)
    });
    let repository = match repository {
        None => {
            errors.push(InputError::new(
                "repository",
                format!(
                    "not set: pass the {} repository (`repository: ...`){}",
                    provider.name(),
                    if is_default_provider {
                        ", or run inside GitHub Actions where GITHUB_REPOSITORY is set"
                    } else {
                        ""
                    }
                ),
            ));
            String::new()
        }
        Some(r) => {
            if let Err(e) = check_text(&r).and_then(|()| provider.check_repository(&r)) {
                errors.push(InputError::new("repository", e));
            }
            r
        }
    };

    let provider_api_url = check_api_url(
        "provider-api-url",
        &given(&raw.provider_api_url).unwrap_or_else(|| provider.default_api_url(&env_fn)),
    )
    .unwrap_or_else(|e| {
        errors.push(e);
        String::new()
    });

    let context = given(&raw.context).unwrap_or_else(|| DEFAULT_CONTEXT.into());
    if let Err(e) = check_context(&context) {
        errors.push(InputError::new("context", e));
    }

    let details_url = given(&raw.details_url).unwrap_or_else(|| DEFAULT_DETAILS_URL.into());
    if let Err(e) = check_details_url(&details_url) {
        errors.push(InputError::new("details-url", e));
    }

    let mut description = |name: &str, value: &Option<String>, default: &str| {
        let d = given(value).unwrap_or_else(|| default.into());
        if let Err(e) = check_text(&d) {
            errors.push(InputError::new(name, e));
        }
        d
    };
    let description_started = description(
        "description-started",
        &raw.description_started,
        DEFAULT_DESCRIPTION_STARTED,
    );
    let description_failed = description(
        "description-failed",
        &raw.description_failed,
        DEFAULT_DESCRIPTION_FAILED,
    );
    let description_completed = description(
        "description-completed",
        &raw.description_completed,
        DEFAULT_DESCRIPTION_COMPLETED,
    );

    let mode = match given(&raw.mode) {
        None => Mode::Apply,
        Some(m) => Mode::NAMES
            .iter()
            .find(|(name, _)| *name == m)
            .map(|(_, mode)| *mode)
            .unwrap_or_else(|| {
                let names: Vec<_> = Mode::NAMES.iter().map(|(n, _)| *n).collect();
                errors.push(InputError::new(
                    "mode",
                    format!("expected one of: {}", names.join(", ")),
                ));
                Mode::Apply
            }),
    };

    let max_concurrency = match given(&raw.max_concurrency) {
        None => DEFAULT_MAX_CONCURRENCY,
        Some(s) => match whole_number(&s) {
            Some(n) if (1..=MAX_CONCURRENCY as u64).contains(&n) => n as usize,
            _ => {
                errors.push(InputError::new(
                    "max-concurrency",
                    format!("expected a whole number from 1 to {MAX_CONCURRENCY}"),
                ));
                DEFAULT_MAX_CONCURRENCY
            }
        },
    };

    let extra_headers = given(&raw.extra_headers)
        .map(|s| {
            parse_extra_headers(&s, provider).unwrap_or_else(|e| {
                errors.push(InputError::new("extra-headers", e));
                Vec::new()
            })
        })
        .unwrap_or_default();

    let hook_name = given(&raw.hook_name).unwrap_or_else(|| providers::DEFAULT_HOOK_NAME.into());
    if let Err(e) = check_hook_name(&hook_name, &context) {
        errors.push(InputError::new("hook-name", e));
    }

    let mut boolean =
        |name: &str, value: &Option<String>, default: bool| match given(value).as_deref() {
            None => default,
            Some(v) => parse_bool(v).unwrap_or_else(|| {
                errors.push(InputError::new(
                    name,
                    "expected true or false (true, True, TRUE, false, False, FALSE)",
                ));
                false
            }),
        };
    let only_when_commit = boolean("only-when-commit", &raw.only_when_commit, false);
    let gitlab_ref = boolean("gitlab-ref", &raw.gitlab_ref, false);
    let options = RunOptions {
        mode,
        dry_run: boolean("dry-run", &raw.dry_run, false),
        prune_duplicates: boolean("prune-duplicates", &raw.prune_duplicates, false),
        fail_on_drift: boolean("fail-on-drift", &raw.fail_on_drift, true),
        check_deliveries: boolean("check-deliveries", &raw.check_deliveries, true),
    };
    let want_issue = boolean("drift-issue", &raw.drift_issue, false);
    let github_token = given(&raw.github_token);
    if github_token
        .as_deref()
        .is_some_and(|t| t.chars().any(|c| c.is_whitespace() || c.is_control()))
    {
        errors.push(InputError::new(
            "github-token",
            "must be one line with no spaces or control characters",
        ));
    }
    let drift_issue = match (want_issue, github_token) {
        (false, _) => None,
        (true, _) if mode != Mode::Check => {
            errors.push(InputError::new(
                "drift-issue",
                "works with `mode: check` only",
            ));
            None
        }
        (true, None) => {
            errors.push(InputError::new(
                "github-token",
                "required with `drift-issue: true`: pass `github-token: ${{ github.token }}` and grant `issues: write`",
            ));
            None
        }
        (true, Some(token)) => {
            let api_url = check_api_url(
                "GITHUB_API_URL",
                // The issue lives on GitHub: its API URL is GitHub's default.
                &providers::ALL[0].default_api_url(&env_fn),
            )
            .unwrap_or_else(|e| {
                errors.push(e);
                String::new()
            });
            // The issue lives in this workflow's repository.
            let issue_repo = env_fn("GITHUB_REPOSITORY")
                .map(|r| r.trim().to_owned())
                .filter(|r| !r.is_empty())
                .or_else(|| is_default_provider.then(|| repository.clone()))
                .unwrap_or_default();
            if let Err(e) = providers::ALL[0].check_repository(&issue_repo) {
                errors.push(InputError::new(
                    "drift-issue",
                    format!("needs GITHUB_REPOSITORY (the repository to open the issue in): {e}"),
                ));
            }
            Some(DriftIssue {
                github_token: Secret(token),
                api_url,
                repository: issue_repo,
            })
        }
    };
    let timeout_seconds = match given(&raw.timeout_seconds) {
        None => DEFAULT_TIMEOUT_SECONDS,
        Some(s) => match whole_number(&s) {
            Some(n) if (1..=MAX_TIMEOUT_SECONDS).contains(&n) => n,
            _ => {
                errors.push(InputError::new(
                    "timeout-seconds",
                    format!("expected a whole number of seconds from 1 to {MAX_TIMEOUT_SECONDS}"),
                ));
                DEFAULT_TIMEOUT_SECONDS
            }
        },
    };
    let ca_certificates = match given(&raw.ca_certificate) {
        None => Vec::new(),
        Some(pem) => {
            crate::http::parse_pem_certificates(pem.as_bytes(), "PEM").unwrap_or_else(|e| {
                errors.push(InputError::new("ca-certificate", e));
                Vec::new()
            })
        }
    };
    if gitlab_ref && provider.name() != "gitlab" {
        errors.push(InputError::new(
            "gitlab-ref",
            "only applies with `provider: gitlab`",
        ));
    }

    let status = StatusSettings {
        api_url: provider_api_url,
        repository,
        context,
        details_url,
        description_started,
        description_failed,
        description_completed,
        extra_headers,
        hook_name,
        only_when_commit,
        gitlab_ref,
    };
    errors.extend(provider.check_limits(&status));

    if errors.is_empty() {
        Ok(Config {
            api_token: Secret(api_token),
            pipeline_ids,
            api_url,
            provider,
            status,
            options,
            max_concurrency,
            timeout: std::time::Duration::from_secs(timeout_seconds),
            drift_issue,
            ca_certificates,
        })
    } else {
        Err(errors)
    }
}

/// Digits only (no sign, no spaces), as a number.
fn whole_number(s: &str) -> Option<u64> {
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
    let own = provider.own_headers();
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
        if own
            .iter()
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

/// The values of `extra-headers`, leniently, for masking before validation.
pub fn extra_header_values(vars: &[(String, String)]) -> Vec<&str> {
    vars.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("INPUT_EXTRA-HEADERS"))
        .map(|(_, v)| {
            v.split(['\n', '\r'])
                .filter_map(|l| l.split_once(':'))
                .map(|(_, value)| value.trim())
                .filter(|value| !value.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

fn check_hook_name(template: &str, context: &str) -> Result<(), String> {
    check_text(template)?;
    if !template.contains("{event}") {
        return Err("must contain `{event}`, so the three hooks get different names".into());
    }
    let rest = template.replace("{context}", "").replace("{event}", "");
    if rest.contains(['{', '}']) {
        return Err("the only placeholders are `{context}` and `{event}`".into());
    }
    for event in crate::hook::Event::ALL {
        let name = providers::hook_name(template, context, event);
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
    let mut ids = Vec::new();
    let mut seen = BTreeSet::new();
    for token in s
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|t| !t.is_empty())
    {
        let shown = shorten(token);
        if !token.chars().all(|c| c.is_ascii_digit()) {
            return Err(format!(
                "`{shown}` is not a pipeline id: expected positive whole numbers separated by commas, spaces or newlines"
            ));
        }
        let id = token
            .parse::<u64>()
            .ok()
            .filter(|id| *id <= MAX_PIPELINE_ID)
            .ok_or_else(|| format!("`{shown}` is too large for a pipeline id"))?;
        if id == 0 {
            return Err("`0` is not a pipeline id: ids start at 1".into());
        }
        if !seen.insert(id) {
            return Err(format!("pipeline {id} is listed twice"));
        }
        ids.push(id);
    }
    if ids.is_empty() {
        return Err("no pipeline id given: expected e.g. `123, 456`".into());
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

fn check_context(context: &str) -> Result<(), String> {
    check_text(context)?;
    if context.chars().count() > CONTEXT_LIMIT {
        return Err(format!(
            "at most {CONTEXT_LIMIT} characters (the limit every provider accepts); got {}",
            context.chars().count()
        ));
    }
    if context.contains("{{") || context.contains("}}") {
        return Err(
            "must be a fixed value without `{{ }}` templates: it identifies the hooks".into(),
        );
    }
    Ok(())
}

/// Whether `host` is a loopback host (plain `http://` is allowed only there).
fn is_loopback(url: &reqwest::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Checks an API base URL: https (http only on loopback), a host, no credentials,
/// no templates, query or fragment. Returns it without a trailing `/`.
pub fn check_api_url(input: &str, value: &str) -> Result<String, InputError> {
    let err = |m: &str| InputError::new(input, m.to_owned());
    if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(err("must be a URL without spaces or control characters"));
    }
    if value.contains("{{") || value.contains("}}") {
        return Err(err("must not contain `{{ }}` templates"));
    }
    let url = reqwest::Url::parse(value).map_err(|e| {
        err(&format!(
            "is not a URL ({e}); expected e.g. https://api.example.com"
        ))
    })?;
    check_url_parts(&url).map_err(|m| err(&m))?;
    if url.query().is_some() || url.fragment().is_some() {
        return Err(err("must not have a query (`?`) or fragment (`#`)"));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

fn check_url_parts(url: &reqwest::Url) -> Result<(), String> {
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
fn check_details_url(value: &str) -> Result<(), String> {
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
    let url = reqwest::Url::parse(&plain)
        .map_err(|e| format!("is not a URL ({e}); expected e.g. {DEFAULT_DETAILS_URL}"))?;
    check_url_parts(&url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn minimal() -> Vec<(String, String)> {
        vars(&[
            ("INPUT_API-TOKEN", " tok "),
            ("INPUT_PIPELINE-IDS", "123, 456\n789"),
            ("GITHUB_REPOSITORY", "octo/app"),
            // Declared inputs left out arrive as empty strings.
            ("INPUT_API-URL", ""),
            ("INPUT_CONTEXT", ""),
        ])
    }

    #[test]
    fn defaults_fill_what_is_left_out() {
        let c = read(&minimal()).expect("valid");
        assert_eq!(c.api_token.expose(), "tok");
        assert_eq!(c.pipeline_ids, vec![123, 456, 789]);
        assert_eq!(c.api_url, "https://api.devopness.com");
        assert_eq!(c.status.api_url, "https://api.github.com");
        assert_eq!(c.status.repository, "octo/app");
        assert_eq!(c.status.context, "ci/devopness(build)");
        assert_eq!(c.options.mode, Mode::Apply);
        assert!(c.options.fail_on_drift && c.options.check_deliveries && !c.options.dry_run);
        assert!(!format!("{c:?}").contains("tok\""));
    }

    #[test]
    fn github_enterprise_api_url_comes_from_the_runner() {
        let mut v = minimal();
        v.push((
            "GITHUB_API_URL".into(),
            "https://ghe.example.com/api/v3/".into(),
        ));
        let c = read(&v).expect("valid");
        assert_eq!(c.status.api_url, "https://ghe.example.com/api/v3");
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let v = vars(&[
            ("INPUT_PIPELINE-IDS", "1,x"),
            ("INPUT_MODE", "destroy"),
            ("INPUT_CONTEXT", &"c".repeat(41)),
            ("INPUT_API-URL", "http://api.devopness.com"),
        ]);
        let errors = read(&v).expect_err("invalid");
        let inputs: Vec<_> = errors.iter().map(|e| e.input.as_str()).collect();
        assert_eq!(
            inputs,
            vec![
                "api-token",
                "pipeline-ids",
                "api-url",
                "repository",
                "context",
                "mode"
            ]
        );
    }

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
        }
    }

    #[test]
    fn urls() {
        assert!(check_api_url("api-url", "http://127.0.0.1:8080").is_ok());
        assert!(check_api_url("api-url", "http://localhost:1/").is_ok());
        for bad in [
            "http://example.com",
            "ftp://x",
            "https://u:p@x.com",
            "https://x.com/{{ a }}",
            "https://x.com/?a=1",
            "not a url",
            "https://x.com/\n",
        ] {
            assert!(check_api_url("api-url", bad).is_err(), "{bad:?} accepted");
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
}

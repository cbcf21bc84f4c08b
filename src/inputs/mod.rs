//! The options of a run: one table ([`OPTIONS`]: name, default, kind, secrecy,
//! description), values read from a source ([`RawValues`]; today the action's
//! `INPUT_*` variables), and one validation into a [`Config`] that reports every
//! problem at once, each naming the input and saying what is expected. Pure: the
//! environment comes in as values, nothing here does I/O.
//!
//! The validation is split by concern: the Devopness side (token, pipelines, API,
//! CAs), the status the hooks post, how the run goes (mode and switches), and the
//! drift issue.

mod checks;
mod collect;
mod options;
mod source;

use std::fmt;

use crate::providers::{self, Provider, Setting, StatusSettings};

pub use checks::{
    check_api_url, check_text, parse_bool, parse_extra_headers, parse_pem_certificates,
    parse_pipeline_ids, CONTEXT_LIMIT, HEADER_NAME_LIMIT, HEADER_VALUE_LIMIT, MAX_PIPELINES,
    MAX_PIPELINE_ID,
};
pub use options::{
    Input, Kind, OptionSpec, Secrecy, DEFAULT_API_URL, DEFAULT_CONTEXT,
    DEFAULT_DESCRIPTION_COMPLETED, DEFAULT_DESCRIPTION_FAILED, DEFAULT_DESCRIPTION_STARTED,
    DEFAULT_DETAILS_URL, DEFAULT_MAX_CONCURRENCY, DEFAULT_TIMEOUT_SECONDS, MAX_CONCURRENCY,
    MAX_TIMEOUT_SECONDS, OPTIONS,
};
pub use source::{action_input_var, RawValues};

use checks::{check_context, check_details_url, check_hook_name};
use collect::Collector;
use Input as I;

/// One problem with one input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    pub input: Input,
    pub message: String,
}

impl InputError {
    pub fn new(input: Input, message: impl Into<String>) -> Self {
        InputError {
            input,
            message: message.into(),
        }
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "input `{}`: {}", self.input.name(), self.message)
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
    /// The `mode` value, as in the option table's choices.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Apply => "apply",
            Mode::Check => "check",
            Mode::Remove => "remove",
        }
    }

    pub fn from_name(name: &str) -> Option<Mode> {
        [Mode::Apply, Mode::Check, Mode::Remove]
            .into_iter()
            .find(|m| m.name() == name)
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

/// The secret values among the action's inputs (see [`RawValues::secrets`]), so
/// they can be masked before anything is printed.
pub fn secrets(vars: &[(String, String)]) -> Vec<String> {
    RawValues::from_action_inputs(vars)
        .secrets()
        .into_iter()
        .map(str::to_owned)
        .collect()
}

/// Reads the action's inputs from `vars` (with the rest of the environment) and
/// validates them. All problems are returned at once.
pub fn read(vars: &[(String, String)]) -> Result<Config, Vec<InputError>> {
    let env = |name: &str| {
        vars.iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    validate(&RawValues::from_action_inputs(vars), &env)
}

/// Validates the values of every option; `env` is the platform's environment
/// (`GITHUB_REPOSITORY`, `GITHUB_API_URL`). All problems are returned at once.
pub fn validate(
    raw: &RawValues,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Config, Vec<InputError>> {
    let mut c = Collector::new(raw);
    let devopness = devopness(&mut c);
    let provider = c
        .choice(I::Provider, providers::by_name)
        .unwrap_or(providers::GITHUB);
    let status = status_settings(&mut c, provider, env);
    let options = run_options(&mut c);
    let max_concurrency = c.number(I::MaxConcurrency, "a whole number") as usize;
    let timeout_seconds = c.number(I::TimeoutSeconds, "a whole number of seconds");
    let drift_issue = drift_issue(&mut c, options.mode, provider, &status.repository, env);
    for limit in provider.check_limits(&status) {
        c.push(input_of(limit.setting), limit.message);
    }
    c.finish(Config {
        api_token: devopness.api_token,
        pipeline_ids: devopness.pipeline_ids,
        api_url: devopness.api_url,
        provider,
        status,
        options,
        max_concurrency,
        timeout: std::time::Duration::from_secs(timeout_seconds),
        drift_issue,
        ca_certificates: devopness.ca_certificates,
    })
}

/// What it takes to talk to Devopness.
struct Devopness {
    api_token: Secret,
    pipeline_ids: Vec<u64>,
    api_url: String,
    ca_certificates: Vec<Vec<u8>>,
}

/// The Devopness side: the token, the pipelines, the API and the CAs to trust.
fn devopness(c: &mut Collector) -> Devopness {
    let token = c.required(
        I::ApiToken,
        "pass your Devopness API token, e.g. `api-token: ${{ secrets.DEVOPNESS_API_TOKEN }}`",
    );
    let api_token = c.token(I::ApiToken, token, "; check the secret for a stray newline");
    let pipeline_ids = match c.required(
        I::PipelineIds,
        "one or more Devopness pipeline ids, e.g. `123, 456`",
    ) {
        "" => Vec::new(),
        ids => c
            .check(I::PipelineIds, parse_pipeline_ids(ids))
            .unwrap_or_default(),
    };
    let api_url = c.url(I::ApiUrl, c.value(I::ApiUrl));
    let ca_certificates = c
        .given(I::CaCertificate)
        .and_then(|pem| {
            let certs = parse_pem_certificates(pem.as_bytes(), "PEM");
            c.check(I::CaCertificate, certs)
        })
        .unwrap_or_default();
    Devopness {
        api_token: Secret(api_token.to_owned()),
        pipeline_ids,
        api_url,
        ca_certificates,
    }
}

/// The input that sets a provider-limited setting.
fn input_of(setting: Setting) -> Input {
    match setting {
        Setting::Context => I::Context,
        Setting::DetailsUrl => I::DetailsUrl,
        Setting::Description(crate::hook::Event::Started) => I::DescriptionStarted,
        Setting::Description(crate::hook::Event::Failed) => I::DescriptionFailed,
        Setting::Description(crate::hook::Event::Completed) => I::DescriptionCompleted,
    }
}

/// `GITHUB_REPOSITORY`: the repository of the workflow that runs the action.
fn workflow_repository(env: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    env("GITHUB_REPOSITORY")
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty())
}

/// The status the hooks post, and where: repository, provider API, context, link,
/// descriptions, headers, hook names and conditions.
fn status_settings(
    c: &mut Collector,
    provider: &'static dyn Provider,
    env: &dyn Fn(&str) -> Option<String>,
) -> StatusSettings {
    let repository = repository(c, provider, env);
    let default_api_url = provider.default_api_url(env);
    let api_url = c.url(
        I::ProviderApiUrl,
        c.given(I::ProviderApiUrl).unwrap_or(&default_api_url),
    );
    let context = c.value(I::Context).to_owned();
    c.check(I::Context, check_context(&context));
    let details_url = c.value(I::DetailsUrl).to_owned();
    c.check(I::DetailsUrl, check_details_url(&details_url));
    let [description_started, description_failed, description_completed] = [
        I::DescriptionStarted,
        I::DescriptionFailed,
        I::DescriptionCompleted,
    ]
    .map(|input| {
        let description = c.value(input).to_owned();
        c.check(input, check_text(&description));
        description
    });
    let extra_headers = c
        .given(I::ExtraHeaders)
        .and_then(|s| c.check(I::ExtraHeaders, parse_extra_headers(s, provider)))
        .unwrap_or_default();
    let hook_name = c.value(I::HookName).to_owned();
    c.check(I::HookName, check_hook_name(&hook_name, &context));
    let only_when_commit = c.boolean(I::OnlyWhenCommit);
    let gitlab_ref = c.boolean(I::GitlabRef);
    if gitlab_ref && !provider.takes_source_ref() {
        c.push(I::GitlabRef, "only applies with `provider: gitlab`");
    }
    StatusSettings {
        api_url,
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
    }
}

/// The repository the statuses go to: the input, else (GitHub only, since it names
/// a GitHub repository) the workflow's own.
fn repository(
    c: &mut Collector,
    provider: &dyn Provider,
    env: &dyn Fn(&str) -> Option<String>,
) -> String {
    let on_github = providers::same(provider, providers::GITHUB);
    let repository = c
        .given(I::Repository)
        .map(str::to_owned)
        .or_else(|| on_github.then(|| workflow_repository(env)).flatten());
    let Some(repository) = repository else {
        let hint = if on_github {
            ", or run inside GitHub Actions where GITHUB_REPOSITORY is set"
        } else {
            ""
        };
        c.push(
            I::Repository,
            format!("not set: pass the {} repository{hint}", provider.name()),
        );
        return String::new();
    };
    let valid = check_text(&repository).and_then(|()| provider.check_repository(&repository));
    c.check(I::Repository, valid);
    repository
}

/// What the run does: the mode and its switches.
fn run_options(c: &mut Collector) -> RunOptions {
    RunOptions {
        mode: c.choice(I::Mode, Mode::from_name).unwrap_or(Mode::Apply),
        dry_run: c.boolean(I::DryRun),
        prune_duplicates: c.boolean(I::PruneDuplicates),
        fail_on_drift: c.boolean(I::FailOnDrift),
        check_deliveries: c.boolean(I::CheckDeliveries),
    }
}

/// The drift issue (`drift-issue: true`, check mode only): on GitHub, in the
/// workflow's repository, with `github-token`.
fn drift_issue(
    c: &mut Collector,
    mode: Mode,
    provider: &dyn Provider,
    repository: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Option<DriftIssue> {
    let wanted = c.boolean(I::DriftIssue);
    let token = c
        .given(I::GithubToken)
        .map(|t| c.token(I::GithubToken, t, ""));
    let token = match (wanted, token) {
        (false, _) => return None,
        (true, _) if mode != Mode::Check => {
            c.push(I::DriftIssue, "works with `mode: check` only");
            return None;
        }
        (true, None) => {
            c.push(
                I::GithubToken,
                "required with `drift-issue: true`: pass `github-token: ${{ github.token }}` and grant `issues: write`",
            );
            return None;
        }
        (true, Some(token)) => token,
    };
    let github = providers::GITHUB;
    let api_url = check_api_url(&github.default_api_url(env))
        .map_err(|e| format!("needs GITHUB_API_URL to be GitHub's API URL: it {e}"));
    let api_url = c.check(I::DriftIssue, api_url).unwrap_or_default();
    let issue_repository = workflow_repository(env)
        .or_else(|| providers::same(provider, github).then(|| repository.to_owned()))
        .unwrap_or_default();
    let valid = github
        .check_repository(&issue_repository)
        .map_err(|e| format!("needs GITHUB_REPOSITORY (the repository to open the issue in): {e}"));
    c.check(I::DriftIssue, valid);
    Some(DriftIssue {
        github_token: Secret(token.to_owned()),
        api_url,
        repository: issue_repository,
    })
}

#[cfg(test)]
mod tests {
    use super::source::tests::vars;
    use super::*;

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
        let inputs: Vec<_> = errors.iter().map(|e| e.input.name()).collect();
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
}

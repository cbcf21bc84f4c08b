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
use crate::targets::TargetInputs;

pub use checks::{
    check_api_url, check_context, check_text, parse_application_ids, parse_bool,
    parse_environment_ids, parse_extra_headers, parse_pem_certificates, parse_pipeline_ids,
    parse_project_ids, CONTEXT_LIMIT, HEADER_NAME_LIMIT, HEADER_VALUE_LIMIT, MAX_PIPELINES,
    MAX_PIPELINE_ID,
};
pub use options::{
    Input, Kind, OptionSpec, Secrecy, DEFAULT_API_URL, DEFAULT_CONTEXT,
    DEFAULT_DESCRIPTION_COMPLETED, DEFAULT_DESCRIPTION_FAILED, DEFAULT_DESCRIPTION_STARTED,
    DEFAULT_DETAILS_URL, DEFAULT_MAX_CONCURRENCY, DEFAULT_TIMEOUT_SECONDS, MAX_CONCURRENCY,
    MAX_TIMEOUT_SECONDS, OPTIONS,
};
pub use source::{action_input_var, RawValues};

use checks::{check_details_url, check_hook_name};
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
    /// `pipeline-ids` (may be empty when another list names pipelines).
    pub pipeline_ids: Vec<u64>,
    /// `application-ids` (may be empty when another list names pipelines).
    pub application_ids: Vec<u64>,
    /// `project-ids`: every application of each project's live environments.
    pub project_ids: Vec<u64>,
    /// `environment-ids`: every application of each environment.
    pub environment_ids: Vec<u64>,
    pub api_url: String,
    /// The provider of the pipelines named only in `pipeline-ids`: the input, else GitHub.
    pub provider: &'static dyn Provider,
    /// The status every hook posts. Its repository and API URL are those of the pipelines
    /// named only in `pipeline-ids` (the repository is empty without any); each
    /// application's pipelines get theirs from `targets`.
    pub status: StatusSettings,
    /// What the inputs and the platform say about where statuses go.
    pub targets: TargetInputs,
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
            .field("application_ids", &self.application_ids)
            .field("api_url", &self.api_url)
            .field("provider", &self.provider.name())
            .field("status", &self.status)
            .field("targets", &self.targets)
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
    let provider_input = c.choice(I::Provider, providers::by_name);
    // The platform's own provider: where statuses go when nothing else says.
    let platform = c.suggested(I::Provider).and_then(providers::by_name);
    let scope = Scope {
        provider_input,
        platform,
        provider: provider_input.or(platform).unwrap_or(providers::GITHUB),
        standalone: devopness.ids.names_pipelines,
        applications: devopness.ids.names_applications,
    };
    let (status, targets) = status_settings(&mut c, &scope, env);
    let options = run_options(&mut c);
    let max_concurrency = c.number(I::MaxConcurrency, "a whole number") as usize;
    let timeout_seconds = c.number(I::TimeoutSeconds, "a whole number of seconds");
    let provider = scope.provider;
    let drift_issue = drift_issue(&mut c, options.mode, provider, &status.repository, env);
    let mut limits: Vec<(Input, String)> = Vec::new();
    // Placeholders are filled in per pipeline, and checked again then.
    let fixed = StatusSettings {
        context: crate::contexts::without(&status.context, &crate::contexts::PLACEHOLDERS),
        ..status.clone()
    };
    for p in scope.possible() {
        for limit in p.check_limits(&fixed) {
            let problem = (input_of(limit.setting), limit.message);
            // One problem per input: a value refused already is not judged again.
            if !c.refused(problem.0) && !limits.contains(&problem) {
                limits.push(problem);
            }
        }
    }
    for (input, message) in limits {
        c.push(input, message);
    }
    c.finish(Config {
        api_token: devopness.api_token,
        pipeline_ids: devopness.ids.pipelines,
        application_ids: devopness.ids.applications,
        project_ids: devopness.ids.projects,
        environment_ids: devopness.ids.environments,
        api_url: devopness.api_url,
        provider,
        status,
        targets,
        options,
        max_concurrency,
        timeout: std::time::Duration::from_secs(timeout_seconds),
        drift_issue,
        ca_certificates: devopness.ca_certificates,
    })
}

/// Which pipelines the run names, and what is known of their provider before any
/// application is read.
struct Scope {
    /// The `provider` input, when given.
    provider_input: Option<&'static dyn Provider>,
    /// The platform's own provider (a GitLab job's `gitlab`), when it suggests one.
    platform: Option<&'static dyn Provider>,
    /// The provider of pipelines named only in `pipeline-ids`.
    provider: &'static dyn Provider,
    /// `pipeline-ids` is given.
    standalone: bool,
    /// `application-ids` is given.
    applications: bool,
}

impl Scope {
    /// The providers the statuses may go to: the input's; without it, every provider (each
    /// pipeline's application names its own). The settings must fit each.
    fn possible(&self) -> Vec<&'static dyn Provider> {
        match self.provider_input {
            Some(p) => vec![p],
            None => providers::ALL.to_vec(),
        }
    }
}

/// What it takes to talk to Devopness.
struct Devopness {
    api_token: Secret,
    ids: Ids,
    api_url: String,
    ca_certificates: Vec<Vec<u8>>,
}

/// The ids that name the pipelines: `pipeline-ids`, and the lists that find them
/// through Devopness (`application-ids`, `project-ids`, `environment-ids`).
#[derive(Default)]
struct Ids {
    pipelines: Vec<u64>,
    applications: Vec<u64>,
    projects: Vec<u64>,
    environments: Vec<u64>,
    /// `pipeline-ids` is given (valid or not).
    names_pipelines: bool,
    /// Applications are found through Devopness: `application-ids`, `project-ids` or
    /// `environment-ids` is given (valid or not).
    names_applications: bool,
}

/// Reads the four id lists; at least one must be given, together at most
/// [`MAX_PIPELINES`] ids.
fn ids(c: &mut Collector) -> Ids {
    let mut list = |input: Input, parse: fn(&str) -> Result<Vec<u64>, String>| {
        c.given(input)
            .and_then(|ids| c.check(input, parse(ids)))
            .unwrap_or_default()
    };
    let ids = Ids {
        applications: list(I::ApplicationIds, parse_application_ids),
        projects: list(I::ProjectIds, parse_project_ids),
        environments: list(I::EnvironmentIds, parse_environment_ids),
        pipelines: list(I::PipelineIds, parse_pipeline_ids),
        names_pipelines: c.given(I::PipelineIds).is_some(),
        names_applications: [I::ApplicationIds, I::ProjectIds, I::EnvironmentIds]
            .into_iter()
            .any(|input| c.given(input).is_some()),
    };
    if !ids.names_applications && !ids.names_pipelines {
        c.push(
            I::PipelineIds,
            "required: `application-ids` (e.g. `42`: its deploy pipelines, repository and provider come from Devopness), `project-ids` or `environment-ids` (every application of them), `pipeline-ids` (e.g. `123, 456`), or several",
        );
    }
    overflow(c, &ids);
    ids
}

/// More than [`MAX_PIPELINES`] ids in all: reported against the first id list given (in
/// the inputs' order), naming the others given with it.
fn overflow(c: &mut Collector, ids: &Ids) {
    let lists = [
        (I::ApplicationIds, ids.applications.len()),
        (I::ProjectIds, ids.projects.len()),
        (I::EnvironmentIds, ids.environments.len()),
        (I::PipelineIds, ids.pipelines.len()),
    ];
    let count: usize = lists.iter().map(|(_, n)| n).sum();
    let given: Vec<Input> = lists
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(input, _)| *input)
        .collect();
    let Some((first, others)) = given.split_first().filter(|_| count > MAX_PIPELINES) else {
        return;
    };
    let names: Vec<String> = others.iter().map(|i| format!("`{}`", i.name())).collect();
    let with = match names.split_last() {
        None => String::new(),
        Some((last, [])) => format!("together with {last}, "),
        Some((last, rest)) => format!("together with {} and {last}, ", rest.join(", ")),
    };
    c.push(
        *first,
        format!("{count} ids given, {with}at most {MAX_PIPELINES} per run"),
    );
}

/// The Devopness side: the token, the pipelines, the API and the CAs to trust.
fn devopness(c: &mut Collector) -> Devopness {
    let token = c.required(
        I::ApiToken,
        "pass your Devopness API token, e.g. `api-token: ${{ secrets.DEVOPNESS_API_TOKEN }}`",
    );
    let api_token = c.token(I::ApiToken, token, "; check the secret for a stray newline");
    let ids = ids(c);
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
        ids,
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
/// descriptions, headers, hook names and conditions; with what the inputs say about
/// each application's target.
fn status_settings(
    c: &mut Collector,
    scope: &Scope,
    env: &dyn Fn(&str) -> Option<String>,
) -> (StatusSettings, TargetInputs) {
    let provider = scope.provider;
    let repository = repository(c, scope, env);
    let targets = target_inputs(c, scope, env);
    let api_url = targets.api_url(provider).to_owned();
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
        .and_then(|s| {
            let parsed = scope
                .possible()
                .into_iter()
                .map(|p| parse_extra_headers(s, p))
                .collect::<Result<Vec<_>, String>>()
                .map(|mut all| all.pop().unwrap_or_default());
            c.check(I::ExtraHeaders, parsed)
        })
        .unwrap_or_default();
    let hook_name = c.value(I::HookName).to_owned();
    c.check(I::HookName, check_hook_name(&hook_name, &context));
    let only_when_commit = c.boolean(I::OnlyWhenCommit);
    let gitlab_ref = c.boolean(I::GitlabRef);
    if gitlab_ref && !scope.possible().iter().any(|p| p.takes_source_ref()) {
        c.push(I::GitlabRef, "only applies with `provider: gitlab`");
    }
    let status = StatusSettings {
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
    };
    (status, targets)
}

/// The `repository` and `provider` inputs as given, `GITHUB_REPOSITORY`, and each
/// provider's status API (`provider-api-url`, else the provider's default).
fn target_inputs(
    c: &mut Collector,
    scope: &Scope,
    env: &dyn Fn(&str) -> Option<String>,
) -> TargetInputs {
    let given_url = c.given(I::ProviderApiUrl);
    if given_url.is_some() && scope.applications && scope.provider_input.is_none() {
        c.push(
            I::ProviderApiUrl,
            "with `application-ids`, `project-ids` or `environment-ids`, also set `provider`: the provider whose API this is (every pipeline of the run then posts there)",
        );
    }
    let given_url = given_url.map(|url| c.url(I::ProviderApiUrl, url));
    let mut wanted = scope.possible();
    if !wanted.iter().any(|p| providers::same(*p, scope.provider)) {
        wanted.push(scope.provider);
    }
    // The platform's API (a self-managed GitLab's `CI_API_V4_URL`) is its own provider's.
    let platform_url = scope
        .platform
        .zip(c.suggested(I::ProviderApiUrl))
        .map(|(p, url)| (p, c.url(I::ProviderApiUrl, url)));
    let api_urls = wanted
        .into_iter()
        .map(|p| {
            let url = given_url
                .clone()
                .or_else(|| {
                    let (platform, url) = platform_url.as_ref()?;
                    providers::same(*platform, p).then(|| url.clone())
                })
                .unwrap_or_else(|| c.url(I::ProviderApiUrl, &p.default_api_url(env)));
            (p.name(), url)
        })
        .collect();
    TargetInputs {
        repository: c.given(I::Repository).map(str::to_owned),
        provider: scope.provider_input,
        api_urls,
    }
}

/// The repository of the pipelines named only in `pipeline-ids`, until their
/// applications say otherwise: the input, else (GitHub only, since it names a GitHub
/// repository) the workflow's own. Empty when no pipeline is named that way, or when
/// neither is known (each pipeline's application is read first then). A given value is checked against the provider it
/// is known to be for; with only `application-ids` and no `provider` input, that is
/// each application's, checked once it is read.
fn repository(c: &mut Collector, scope: &Scope, env: &dyn Fn(&str) -> Option<String>) -> String {
    let provider = scope.provider;
    let on_github = providers::same(provider, providers::GITHUB);
    let given = c.given(I::Repository).map(str::to_owned);
    // The platform's own repository counts for its own provider only.
    let platform = scope
        .platform
        .filter(|p| providers::same(*p, provider))
        .and(c.suggested(I::Repository))
        .map(str::to_owned);
    if let Some(given) = &given {
        let known = scope.standalone || scope.provider_input.is_some();
        let valid = check_text(given).and_then(|()| {
            if known {
                provider.check_repository(given)
            } else {
                Ok(())
            }
        });
        c.check(I::Repository, valid);
    }
    if !scope.standalone {
        return given.unwrap_or_default();
    }
    if let Some(platform) = platform.as_ref().filter(|_| given.is_none()) {
        let valid = check_text(platform).and_then(|()| provider.check_repository(platform));
        c.check(I::Repository, valid);
    }
    // Without one, each pipeline's statuses go to its application's repository.
    given
        .or(platform)
        .or_else(|| on_github.then(|| workflow_repository(env)).flatten())
        .unwrap_or_default()
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
            vec!["api-token", "pipeline-ids", "api-url", "context", "mode"]
        );
    }

    fn errors_of(pairs: &[(&str, &str)]) -> Vec<String> {
        read(&vars(pairs))
            .err()
            .unwrap_or_default()
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn too_many_ids_in_all_are_reported_against_the_first_list_given() {
        let list = |from: u64, n: u64| {
            (from..from + n)
                .map(|id| id.to_string())
                .collect::<Vec<_>>()
                .join(",")
        };
        let (pipelines, environments, projects) = (list(1, 600), list(1, 500), list(1, 3));
        let errors = errors_of(&[
            ("INPUT_API-TOKEN", "tok"),
            ("INPUT_PIPELINE-IDS", &pipelines),
            ("INPUT_ENVIRONMENT-IDS", &environments),
            ("GITHUB_REPOSITORY", "o/r"),
        ]);
        assert_eq!(
            errors,
            ["input `environment-ids`: 1100 ids given, together with `pipeline-ids`, at most 1000 per run"]
        );
        let errors = errors_of(&[
            ("INPUT_API-TOKEN", "tok"),
            ("INPUT_PIPELINE-IDS", &pipelines),
            ("INPUT_ENVIRONMENT-IDS", &environments),
            ("INPUT_PROJECT-IDS", &projects),
            // Refused on its own: not the list the count is reported against.
            ("INPUT_APPLICATION-IDS", "x"),
            ("GITHUB_REPOSITORY", "o/r"),
        ]);
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert_eq!(
            errors[1],
            "input `project-ids`: 1103 ids given, together with `environment-ids` and `pipeline-ids`, at most 1000 per run"
        );
    }

    #[test]
    fn application_ids_alone_need_no_repository_or_provider() {
        let c = read(&vars(&[
            ("INPUT_API-TOKEN", "tok"),
            ("INPUT_APPLICATION-IDS", "42\n43"),
            ("INPUT_REPOSITORY", "group/sub/project"),
            ("INPUT_GITLAB-REF", "true"),
        ]))
        .expect("valid");
        assert_eq!(c.application_ids, vec![42, 43]);
        assert!(c.pipeline_ids.is_empty());
        assert!(c.targets.provider.is_none());
        // A GitLab path, to be checked against each application's provider.
        assert_eq!(c.targets.repository.as_deref(), Some("group/sub/project"));
        let urls: Vec<&str> = c.targets.api_urls.iter().map(|(p, _)| *p).collect();
        assert_eq!(urls, ["github", "gitlab", "bitbucket"]);
        assert_eq!(
            c.targets.api_url(providers::GITLAB),
            "https://gitlab.com/api/v4"
        );
    }

    #[test]
    fn at_least_one_of_pipeline_ids_and_application_ids() {
        let errors = errors_of(&[("INPUT_API-TOKEN", "tok"), ("GITHUB_REPOSITORY", "o/r")]);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(
            errors[0].starts_with("input `pipeline-ids`: required: `application-ids`"),
            "{errors:?}"
        );
        let errors = errors_of(&[
            ("INPUT_API-TOKEN", "tok"),
            ("INPUT_APPLICATION-IDS", "4, x"),
            ("INPUT_PIPELINE-IDS", "5"),
            ("GITHUB_REPOSITORY", "o/r"),
        ]);
        assert_eq!(
            errors,
            ["input `application-ids`: `x` is not an application id: expected positive whole numbers separated by commas, spaces or newlines"]
        );
    }

    #[test]
    fn what_applications_cannot_settle_before_they_are_read() {
        // A provider API for every pipeline needs to say which provider it is.
        let errors = errors_of(&[
            ("INPUT_API-TOKEN", "tok"),
            ("INPUT_APPLICATION-IDS", "4"),
            (
                "INPUT_PROVIDER-API-URL",
                "https://gitlab.example.com/api/v4",
            ),
        ]);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].contains("also set `provider`"), "{errors:?}");
        // Settings must fit every provider an application may be on.
        let errors = errors_of(&[
            ("INPUT_API-TOKEN", "tok"),
            ("INPUT_APPLICATION-IDS", "4"),
            ("INPUT_DESCRIPTION-STARTED", &"d".repeat(200)),
        ]);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(
            errors[0].starts_with("input `description-started`"),
            "{errors:?}"
        );
        // With `pipeline-ids` too and no repository, each pipeline's application says.
        let errors = errors_of(&[
            ("INPUT_API-TOKEN", "tok"),
            ("INPUT_APPLICATION-IDS", "4"),
            ("INPUT_PIPELINE-IDS", "5"),
            ("INPUT_PROVIDER", "gitlab"),
        ]);
        assert!(errors.is_empty(), "{errors:?}");
        // And a given provider settles the repository's form at once.
        let errors = errors_of(&[
            ("INPUT_API-TOKEN", "tok"),
            ("INPUT_APPLICATION-IDS", "4"),
            ("INPUT_PROVIDER", "github"),
            ("INPUT_REPOSITORY", "a/b/c"),
        ]);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].starts_with("input `repository`"), "{errors:?}");
    }
}

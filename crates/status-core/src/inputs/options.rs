//! The one table of options. Every source of values (today the action's `INPUT_*`
//! variables; a command line and its environment variables later) reads the same
//! names, and one validation turns them into a `Config`. `action.yml` declares the
//! same inputs with the same defaults, required flags and descriptions; a test holds
//! the two together.

/// One option, by what it means (its name is in the table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Input {
    ApiToken,
    ApplicationIds,
    ProjectIds,
    EnvironmentIds,
    PipelineIds,
    ApiUrl,
    Repository,
    ProviderApiUrl,
    Context,
    DetailsUrl,
    DescriptionStarted,
    DescriptionFailed,
    DescriptionCompleted,
    Mode,
    DryRun,
    PruneDuplicates,
    FailOnDrift,
    CheckDeliveries,
    DriftIssue,
    GithubToken,
    TimeoutSeconds,
    CaCertificate,
    MaxConcurrency,
    Provider,
    ExtraHeaders,
    HookName,
    OnlyWhenCommit,
    GitlabRef,
}

/// What kind of value an option takes (the parser it goes through, and what a
/// help text can say about it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// One line of text.
    Text,
    /// Text of several lines.
    Lines,
    /// `true` or `false`, spelled as the toolkit accepts them.
    Boolean,
    /// A whole number from `min` to `max`.
    Number { min: u64, max: u64 },
    /// One of these words.
    Choice(&'static [&'static str]),
    /// An `https://` URL (`http://` only for a loopback host).
    Url,
    /// Ids separated by commas, spaces or newlines.
    List,
}

/// Whether an option's value may be printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Secrecy {
    Public,
    /// The whole value is a secret.
    Secret,
    /// `Name: value` lines whose values are secrets.
    HeaderValues,
}

/// One row of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OptionSpec {
    pub input: Input,
    /// The name, as in `action.yml` (`pipeline-ids`).
    pub name: &'static str,
    /// The value used when the option is not given; `""` when there is none (or it
    /// depends on the provider or the platform, as the description says).
    pub default: &'static str,
    /// Whether `action.yml` marks it required.
    pub required: bool,
    pub secret: Secrecy,
    pub kind: Kind,
    /// The description, as in `action.yml`.
    pub description: &'static str,
}

pub const DEFAULT_API_URL: &str = "https://api.devopness.com";
pub const DEFAULT_CONTEXT: &str = "ci/devopness(build)";
pub const DEFAULT_DETAILS_URL: &str = "https://app.devopness.com/actions/{{ action.id }}";
pub const DEFAULT_DESCRIPTION_STARTED: &str = "Deploy started on Devopness";
pub const DEFAULT_DESCRIPTION_FAILED: &str = "Deploy failed on Devopness";
pub const DEFAULT_DESCRIPTION_COMPLETED: &str = "Deploy completed on Devopness";
pub const DEFAULT_MAX_CONCURRENCY: usize = 50;
pub const MAX_CONCURRENCY: usize = 64;
pub const DEFAULT_TIMEOUT_SECONDS: u64 = 180;
pub const MAX_TIMEOUT_SECONDS: u64 = 3600;
/// The `mode` values.
pub const MODES: &[&str] = &["apply", "check", "remove"];
/// The `provider` values (the providers module has one module per name).
pub const PROVIDERS: &[&str] = &["github", "gitlab", "bitbucket"];

const fn option(input: Input, name: &'static str, default: &'static str, kind: Kind) -> OptionSpec {
    OptionSpec {
        input,
        name,
        default,
        required: false,
        secret: Secrecy::Public,
        kind,
        description: "",
    }
}

impl OptionSpec {
    const fn required(mut self) -> Self {
        self.required = true;
        self
    }

    const fn secret(mut self, secret: Secrecy) -> Self {
        self.secret = secret;
        self
    }

    const fn describe(mut self, description: &'static str) -> Self {
        self.description = description;
        self
    }
}

use Input as I;

/// Every option, in the order of `action.yml`.
pub const OPTIONS: &[OptionSpec] = &[
    option(I::ApiToken, "api-token", "", Kind::Text)
        .required()
        .secret(Secrecy::Secret)
        .describe("Devopness API token (pass it from a secret). Masked before anything is printed."),
    option(I::ApplicationIds, "application-ids", "", Kind::List)
        .describe("One or more Devopness application ids, separated by commas, spaces or newlines. Each application's deploy pipelines get the hooks, posting to the application's repository on its source provider."),
    option(I::ProjectIds, "project-ids", "", Kind::List)
        .describe("One or more Devopness project ids, separated by commas, spaces or newlines. Every deploy pipeline of every application of each project's live (not archived) environments gets the hooks, posting to its application's repository."),
    option(I::EnvironmentIds, "environment-ids", "", Kind::List)
        .describe("One or more Devopness environment ids, separated by commas, spaces or newlines. Every deploy pipeline of every application of each environment gets the hooks, posting to its application's repository."),
    option(I::PipelineIds, "pipeline-ids", "", Kind::List)
        .describe("One or more Devopness deploy pipeline ids, separated by commas, spaces or newlines. Each posts to its application's repository. Give this, application-ids, project-ids, environment-ids, or several."),
    option(I::ApiUrl, "api-url", DEFAULT_API_URL, Kind::Url)
        .describe("Devopness API base URL."),
    option(I::Repository, "repository", "", Kind::Text)
        .describe("The repository whose commits get the statuses, defaulting to each pipeline's application's; for a pipeline of no application on GitHub, this workflow's repository (GITHUB_REPOSITORY). GitHub: owner/name. GitLab: the project path (group/sub/project) or numeric id. Bitbucket: workspace/repo_slug."),
    option(I::ProviderApiUrl, "provider-api-url", "", Kind::Url)
        .describe("Where Devopness sends the status requests. GitHub: GITHUB_API_URL (so GitHub Enterprise Server works unchanged), else https://api.github.com. GitLab: https://gitlab.com/api/v4 (self-managed: https://HOST/api/v4). Bitbucket: https://api.bitbucket.org/2.0."),
    option(I::Context, "context", DEFAULT_CONTEXT, Kind::Text)
        .describe("The status context (at most 40 characters). The default is the one the Devopness guide uses, so hooks made by hand from the guide are adopted, not duplicated."),
    option(I::DetailsUrl, "details-url", DEFAULT_DETAILS_URL, Kind::Text)
        .describe("The link shown on the status. Devopness templates such as {{ action.id }} are allowed."),
    option(I::DescriptionStarted, "description-started", DEFAULT_DESCRIPTION_STARTED, Kind::Text)
        .describe("Status description when a deploy starts (at most 140 characters)."),
    option(I::DescriptionFailed, "description-failed", DEFAULT_DESCRIPTION_FAILED, Kind::Text)
        .describe("Status description when a deploy fails (at most 140 characters)."),
    option(I::DescriptionCompleted, "description-completed", DEFAULT_DESCRIPTION_COMPLETED, Kind::Text)
        .describe("Status description when a deploy completes (at most 140 characters)."),
    option(I::Mode, "mode", "apply", Kind::Choice(MODES))
        .describe("apply: create missing hooks and repair edited ones. check: read only, report missing, drifted and duplicate hooks and failing deliveries. remove: delete the managed hooks."),
    option(I::DryRun, "dry-run", "false", Kind::Boolean)
        .describe("true with apply or remove: print the plan (with the request bodies) and write nothing."),
    option(I::PruneDuplicates, "prune-duplicates", "false", Kind::Boolean)
        .describe("apply: also delete hooks that post the same status but differ (the correct one, else the oldest, is kept). Exact copies are always removed."),
    option(I::FailOnDrift, "fail-on-drift", "true", Kind::Boolean)
        .describe("check: exit 2 when drift is found."),
    option(I::CheckDeliveries, "check-deliveries", "true", Kind::Boolean)
        .describe("check: read each managed hook's recent deliveries and count failing ones as drift."),
    option(I::DriftIssue, "drift-issue", "false", Kind::Boolean)
        .describe("check: open one issue labelled devopness-drift in this repository while drift persists (updated, reopened), and close it once in sync. Needs github-token with issues: write."),
    option(I::GithubToken, "github-token", "", Kind::Text)
        .secret(Secrecy::Secret)
        .describe("Token for the drift issue: pass the workflow's github.token (with permissions issues: write). Masked."),
    option(I::TimeoutSeconds, "timeout-seconds", "180", Kind::Number { min: 1, max: MAX_TIMEOUT_SECONDS })
        .describe("Overall deadline of the run, in seconds (each request also times out on its own)."),
    option(I::CaCertificate, "ca-certificate", "", Kind::Lines)
        .describe("Extra CA certificate(s), PEM, trusted besides the bundled roots (a corporate proxy or a private CA). SSL_CERT_FILE is honoured too."),
    option(I::MaxConcurrency, "max-concurrency", "50", Kind::Number { min: 1, max: MAX_CONCURRENCY as u64 })
        .describe("How many pipelines are handled at the same time (1 to 64). A rate limit the API announces is respected whatever this is."),
    option(I::Provider, "provider", "", Kind::Choice(PROVIDERS))
        .describe("The source provider that receives the statuses: github, gitlab or bitbucket. Defaults to the application's, else github."),
    option(I::ExtraHeaders, "extra-headers", "", Kind::Lines)
        .secret(Secrecy::HeaderValues)
        .describe("Extra request headers for every hook, one `Name: value` per line (for proxies or provider features). Values are treated as secrets."),
    option(I::HookName, "hook-name", crate::providers::DEFAULT_HOOK_NAME, Kind::Text)
        .describe("Template for hook names, with {context} and {event} (started, failed, completed); at most 60 characters once expanded."),
    option(I::OnlyWhenCommit, "only-when-commit", "false", Kind::Boolean)
        .describe("true: hooks fire only for deploys triggered by an incoming hook (which carry a commit hash), not for deploys started by hand. Confirm with a delivery check that your Devopness evaluates the condition."),
    option(I::GitlabRef, "gitlab-ref", "false", Kind::Boolean)
        .describe("GitLab only. true: also send `ref` from the incoming hook's source_ref variable."),
];

impl Input {
    /// This option's row of the table.
    pub fn spec(self) -> &'static OptionSpec {
        // Every variant has a row (a unit test checks it); the first row is never used.
        OPTIONS
            .iter()
            .find(|o| o.input == self)
            .unwrap_or(&OPTIONS[0])
    }

    /// The option's name, as in `action.yml`.
    pub fn name(self) -> &'static str {
        self.spec().name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_input_has_one_row_and_names_are_unique() {
        for (i, o) in OPTIONS.iter().enumerate() {
            assert_eq!(o.input.spec(), o, "{} is not its own row", o.name);
            assert!(
                OPTIONS[i + 1..]
                    .iter()
                    .all(|p| p.name != o.name && p.input != o.input),
                "{} twice",
                o.name
            );
            assert!(!o.description.is_empty(), "{} has no description", o.name);
        }
        assert_eq!(OPTIONS.len(), 28);
    }

    #[test]
    fn numeric_defaults_agree_with_the_constants() {
        assert_eq!(
            Input::MaxConcurrency.spec().default,
            DEFAULT_MAX_CONCURRENCY.to_string()
        );
        assert_eq!(
            Input::TimeoutSeconds.spec().default,
            DEFAULT_TIMEOUT_SECONDS.to_string()
        );
    }

    #[test]
    fn every_default_is_a_value_of_its_kind() {
        for o in OPTIONS {
            match o.kind {
                Kind::Boolean => assert!(matches!(o.default, "true" | "false"), "{}", o.name),
                Kind::Number { min, max } => {
                    let n: u64 = o.default.parse().expect("a number");
                    assert!((min..=max).contains(&n), "{}", o.name);
                }
                // An empty default: the value comes from elsewhere (`provider`: the
                // application's).
                Kind::Choice(names) => assert!(
                    o.default.is_empty() || names.contains(&o.default),
                    "{}",
                    o.name
                ),
                Kind::Text | Kind::Lines | Kind::Url | Kind::List => {}
            }
        }
        for name in MODES {
            assert_eq!(
                super::super::Mode::from_name(name).map(|m| m.name()),
                Some(*name)
            );
        }
    }

    #[test]
    fn the_provider_choices_are_the_providers() {
        let names: Vec<&str> = crate::providers::ALL.iter().map(|p| p.name()).collect();
        assert_eq!(names, PROVIDERS);
        // Left out, the provider is the application's, else GitHub (`inputs::validate`).
        assert_eq!(Input::Provider.spec().default, "");
    }
}

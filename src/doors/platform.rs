//! Where the binary runs, read from the environment the platform sets: a GitHub
//! container action, a GitHub Actions `run:` step, a GitLab CI/CD job, a Bitbucket
//! Pipelines pipe or step, or a terminal. The platform decides where option values
//! come from and how the report is written, and suggests the provider, repository and
//! provider API URL the statuses go to. Pure: a function of the variables only.

/// The platform the binary runs on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Platform {
    /// A GitHub container action: `GITHUB_ACTIONS=true` and the runner's `INPUT_*`
    /// variables. Options come from the inputs, the log speaks workflow commands.
    GitHubAction,
    /// The command line inside a GitHub Actions `run:` step (no `INPUT_*`).
    GitHubStep {
        repository: Option<String>,
        api_url: Option<String>,
    },
    /// A GitLab CI/CD job (`GITLAB_CI=true`).
    GitLabJob {
        /// `CI_PROJECT_PATH`: `group/sub/project`.
        project: Option<String>,
        /// `CI_API_V4_URL`: the instance's own API, so self-managed GitLab works.
        api_url: Option<String>,
    },
    /// Bitbucket Pipelines (`BITBUCKET_REPO_FULL_NAME` set).
    Bitbucket {
        /// `workspace/repo_slug`.
        repository: String,
        /// Inside a pipe (`BITBUCKET_PIPE_STORAGE_DIR` set): the pipe's variables are
        /// read without the `DEVOPNESS_` prefix, lists as `NAME_COUNT`, `NAME_0`, ...
        pipe: bool,
        /// `BITBUCKET_PIPE_SHARED_STORAGE_DIR`: where a pipe leaves its outputs.
        shared_storage: Option<String>,
    },
    /// Anything else: a person at a terminal, or a CI this program does not know.
    Terminal,
}

/// A value the platform suggests, and the variable it was read from (so a problem
/// with it names that variable).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggested {
    pub value: String,
    pub from: &'static str,
}

fn suggest(value: &Option<String>, from: &'static str) -> Option<Suggested> {
    value.clone().map(|value| Suggested { value, from })
}

/// What the platform suggests when an option is not given. The repository and API
/// URL only apply when the provider in use is the suggested one.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PlatformDefaults {
    /// The `provider` value; `None` where nothing says where statuses go.
    pub provider: Option<Suggested>,
    pub repository: Option<Suggested>,
    pub provider_api_url: Option<Suggested>,
}

impl PlatformDefaults {
    /// The suggested provider's name.
    pub fn provider_name(&self) -> Option<&str> {
        self.provider.as_ref().map(|p| p.value.as_str())
    }
}

/// Reads the platform from the environment.
pub fn detect(vars: &[(String, String)]) -> Platform {
    let get = |name: &str| {
        vars.iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let github = get("GITHUB_ACTIONS").as_deref() == Some("true");
    if github && vars.iter().any(|(k, _)| k.starts_with("INPUT_")) {
        return Platform::GitHubAction;
    }
    if get("GITLAB_CI").as_deref() == Some("true") {
        return Platform::GitLabJob {
            project: get("CI_PROJECT_PATH"),
            api_url: get("CI_API_V4_URL"),
        };
    }
    if let Some(repository) = get("BITBUCKET_REPO_FULL_NAME") {
        return Platform::Bitbucket {
            repository,
            pipe: get("BITBUCKET_PIPE_STORAGE_DIR").is_some(),
            shared_storage: get("BITBUCKET_PIPE_SHARED_STORAGE_DIR"),
        };
    }
    if github {
        return Platform::GitHubStep {
            repository: get("GITHUB_REPOSITORY"),
            api_url: get("GITHUB_API_URL"),
        };
    }
    Platform::Terminal
}

impl Platform {
    /// Whether options come from the action's `INPUT_*` variables (and the log
    /// speaks workflow commands) rather than from flags and `DEVOPNESS_*` variables.
    pub fn is_action(&self) -> bool {
        *self == Platform::GitHubAction
    }

    /// Whether variables without the `DEVOPNESS_` prefix are options (a Bitbucket pipe).
    pub fn is_pipe(&self) -> bool {
        matches!(self, Platform::Bitbucket { pipe: true, .. })
    }

    /// A short name for messages.
    pub fn describe(&self) -> &'static str {
        match self {
            Platform::GitHubAction => "GitHub Actions (container action)",
            Platform::GitHubStep { .. } => "GitHub Actions (run step)",
            Platform::GitLabJob { .. } => "GitLab CI/CD job",
            Platform::Bitbucket { pipe: true, .. } => "Bitbucket Pipelines pipe",
            Platform::Bitbucket { pipe: false, .. } => "Bitbucket Pipelines step",
            Platform::Terminal => "terminal",
        }
    }

    /// The provider, repository and provider API URL this platform suggests. The
    /// container action keeps its historical behaviour (`provider` defaults to github,
    /// the GitHub provider reads `GITHUB_REPOSITORY` and `GITHUB_API_URL`).
    pub fn defaults(&self) -> PlatformDefaults {
        let provider = |name: &str, from| {
            Some(Suggested {
                value: name.to_owned(),
                from,
            })
        };
        match self {
            Platform::GitHubAction => PlatformDefaults {
                provider: provider("github", "GITHUB_ACTIONS"),
                ..PlatformDefaults::default()
            },
            Platform::GitHubStep {
                repository,
                api_url,
            } => PlatformDefaults {
                provider: provider("github", "GITHUB_ACTIONS"),
                repository: suggest(repository, "GITHUB_REPOSITORY"),
                provider_api_url: suggest(api_url, "GITHUB_API_URL"),
            },
            Platform::GitLabJob { project, api_url } => PlatformDefaults {
                provider: provider("gitlab", "GITLAB_CI"),
                repository: suggest(project, "CI_PROJECT_PATH"),
                provider_api_url: suggest(api_url, "CI_API_V4_URL"),
            },
            Platform::Bitbucket { repository, .. } => PlatformDefaults {
                provider: provider("bitbucket", "BITBUCKET_REPO_FULL_NAME"),
                repository: suggest(&Some(repository.clone()), "BITBUCKET_REPO_FULL_NAME"),
                provider_api_url: None,
            },
            Platform::Terminal => PlatformDefaults::default(),
        }
    }

    /// Where a Bitbucket pipe leaves its outputs for later pipes, if anywhere.
    pub fn shared_storage(&self) -> Option<&str> {
        match self {
            Platform::Bitbucket {
                shared_storage: Some(dir),
                pipe: true,
                ..
            } => Some(dir),
            _ => None,
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Environment pairs for a test (shared by the other front-door modules' tests).
    pub(crate) fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// What GitLab sets in every job (docs/ci-platforms.md).
    fn gitlab_job() -> Vec<(String, String)> {
        vars(&[
            ("CI", "true"),
            ("GITLAB_CI", "true"),
            ("CI_PROJECT_PATH", "group/sub/project"),
            ("CI_PROJECT_ID", "42"),
            ("CI_API_V4_URL", "https://gitlab.example.com/api/v4"),
            ("CI_SERVER_URL", "https://gitlab.example.com"),
            ("CI_COMMIT_SHA", "0123456789abcdef0123456789abcdef01234567"),
            ("CI_PIPELINE_SOURCE", "push"),
        ])
    }

    fn bitbucket_step() -> Vec<(String, String)> {
        vars(&[
            ("CI", "true"),
            ("BITBUCKET_REPO_FULL_NAME", "team/app"),
            ("BITBUCKET_WORKSPACE", "team"),
            ("BITBUCKET_REPO_SLUG", "app"),
            ("BITBUCKET_BUILD_NUMBER", "7"),
        ])
    }

    #[test]
    fn a_github_container_action_is_known_by_its_inputs() {
        let v = vars(&[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_REPOSITORY", "octo/app"),
            ("INPUT_PIPELINE-IDS", "1"),
        ]);
        assert_eq!(detect(&v), Platform::GitHubAction);
        assert!(detect(&v).is_action());
        assert_eq!(detect(&v).defaults().provider_name(), Some("github"));
    }

    #[test]
    fn a_run_step_on_github_is_the_command_line_with_github_defaults() {
        let v = vars(&[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_REPOSITORY", "octo/app"),
            ("GITHUB_API_URL", "https://ghe.example.com/api/v3"),
        ]);
        let p = detect(&v);
        assert!(!p.is_action());
        let d = p.defaults();
        assert_eq!(d.provider_name(), Some("github"));
        assert_eq!(
            d.repository,
            Some(Suggested {
                value: "octo/app".into(),
                from: "GITHUB_REPOSITORY"
            })
        );
        assert_eq!(
            d.provider_api_url,
            Some(Suggested {
                value: "https://ghe.example.com/api/v3".into(),
                from: "GITHUB_API_URL"
            })
        );
    }

    #[test]
    fn a_gitlab_job_defaults_to_its_project_and_its_instance() {
        let p = detect(&gitlab_job());
        assert_eq!(p.describe(), "GitLab CI/CD job");
        assert!(!p.is_action() && !p.is_pipe());
        let d = p.defaults();
        assert_eq!(d.provider_name(), Some("gitlab"));
        assert_eq!(
            d.repository,
            Some(Suggested {
                value: "group/sub/project".into(),
                from: "CI_PROJECT_PATH"
            })
        );
        assert_eq!(
            d.provider_api_url,
            Some(Suggested {
                value: "https://gitlab.example.com/api/v4".into(),
                from: "CI_API_V4_URL"
            })
        );
    }

    #[test]
    fn bitbucket_step_and_pipe() {
        let step = detect(&bitbucket_step());
        assert!(!step.is_pipe());
        assert_eq!(step.shared_storage(), None);
        assert_eq!(step.defaults().provider_name(), Some("bitbucket"));
        let repository = step.defaults().repository.map(|r| (r.value, r.from));
        assert_eq!(
            repository,
            Some(("team/app".into(), "BITBUCKET_REPO_FULL_NAME"))
        );
        assert_eq!(step.defaults().provider_api_url, None);

        let mut v = bitbucket_step();
        v.extend(vars(&[
            ("BITBUCKET_PIPE_STORAGE_DIR", "/opt/atlassian/pipelines/agent/build/.bitbucket/pipelines/generated/pipeline/pipes/me/pipe"),
            ("BITBUCKET_PIPE_SHARED_STORAGE_DIR", "/shared"),
        ]));
        let pipe = detect(&v);
        assert!(pipe.is_pipe());
        assert_eq!(pipe.describe(), "Bitbucket Pipelines pipe");
        assert_eq!(pipe.shared_storage(), Some("/shared"));
    }

    #[test]
    fn anything_else_is_a_terminal_with_no_defaults() {
        for v in [
            vars(&[]),
            vars(&[("CI", "true")]),
            vars(&[("GITLAB_CI", "false"), ("CI_PROJECT_PATH", "g/p")]),
            vars(&[("BITBUCKET_REPO_FULL_NAME", " ")]),
            vars(&[("GITHUB_ACTIONS", "false"), ("INPUT_MODE", "check")]),
            // INPUT_ alone is not GitHub: a shell may have anything exported.
            vars(&[("INPUT_PIPELINE-IDS", "1")]),
        ] {
            assert_eq!(detect(&v), Platform::Terminal, "{v:?}");
            assert_eq!(detect(&v).defaults(), PlatformDefaults::default());
        }
    }

    #[test]
    fn the_container_action_wins_over_other_ci_variables() {
        let mut v = gitlab_job();
        v.extend(vars(&[("GITHUB_ACTIONS", "true"), ("INPUT_MODE", "")]));
        assert_eq!(detect(&v), Platform::GitHubAction);
    }
}

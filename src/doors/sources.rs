//! Where a command-line run's option values come from, and which one wins: a flag,
//! then a secret's file (`--api-token-file`), then the environment: `DEVOPNESS_` and
//! the option's name in upper snake case (`DEVOPNESS_PIPELINE_IDS`); inside a
//! Bitbucket pipe also the plain name (`PIPELINE_IDS`) and Bitbucket's lists
//! (`PIPELINE_IDS_COUNT=2`, `PIPELINE_IDS_0`, `PIPELINE_IDS_1`). An empty value is
//! no value, as with the action's inputs; an empty flag (`--repository=`) also hides
//! the option's variable. Each value keeps its origin, so a problem names the option
//! the way the user wrote it.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::doors::cli::{self, ArgError, ArgSpec, CommandLine};
use crate::doors::platform::PlatformDefaults;

/// The prefix of every option's environment variable.
pub const ENV_PREFIX: &str = "DEVOPNESS_";
/// Longest Bitbucket list read (`NAME_COUNT`).
pub const MAX_LIST_ITEMS: usize = 1000;
/// Largest secret file read (a token is far smaller; this is a wrong file).
pub const MAX_SECRET_FILE: u64 = 64 * 1024;

/// Where a value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// `--name` on the command line.
    Flag,
    /// `--name-file PATH`.
    File(PathBuf),
    /// An environment variable, by its name.
    Env(String),
}

/// One option's value, and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Given {
    pub name: &'static str,
    pub value: String,
    pub origin: Origin,
}

impl Given {
    /// How the user wrote this option: `--mode`, `--api-token-file F`, `DEVOPNESS_MODE`.
    pub fn spelled(&self) -> String {
        match &self.origin {
            Origin::Flag => format!("--{}", self.name),
            Origin::File(path) => {
                format!("{} {}", cli::secret_file_flag(self.name), path.display())
            }
            Origin::Env(var) => var.clone(),
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Flag => f.write_str("command line"),
            Origin::File(p) => write!(f, "file {}", p.display()),
            Origin::Env(v) => write!(f, "environment variable {v}"),
        }
    }
}

/// The environment variable of an option: `DEVOPNESS_PIPELINE_IDS`.
pub fn env_var(name: &str) -> String {
    format!("{ENV_PREFIX}{}", cli::upper_snake(name))
}

/// The flags' values.
pub fn from_flags(line: &CommandLine) -> Vec<Given> {
    line.values
        .iter()
        .map(|(name, value)| Given {
            name,
            value: value.clone(),
            origin: Origin::Flag,
        })
        .collect()
}

/// Reads the secret files named on the command line (the shell's one file read).
/// The value is the file's text without its final line break.
pub fn read_secret_files(line: &CommandLine) -> (Vec<Given>, Vec<ArgError>) {
    let mut values = Vec::new();
    let mut errors = Vec::new();
    for (name, path) in &line.secret_files {
        match read_secret_file(path) {
            Ok(value) => values.push(Given {
                name,
                value,
                origin: Origin::File(path.clone()),
            }),
            Err(message) => errors.push(ArgError {
                option: format!("{} {}", cli::secret_file_flag(name), path.display()),
                message,
            }),
        }
    }
    (values, errors)
}

fn read_secret_file(path: &Path) -> Result<String, String> {
    let size = std::fs::metadata(path)
        .map_err(|e| format!("cannot read it: {e}"))?
        .len();
    if size > MAX_SECRET_FILE {
        return Err(format!(
            "is {size} bytes, over {MAX_SECRET_FILE}: not a secret's file"
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read it: {e}"))?;
    let text = String::from_utf8(bytes).map_err(|_| "is not UTF-8 text".to_owned())?;
    if text.trim().is_empty() {
        return Err("is empty".into());
    }
    let text = text.strip_suffix('\n').unwrap_or(&text);
    Ok(text.strip_suffix('\r').unwrap_or(text).to_owned())
}

/// The options' values among the environment variables. `pipe`: also the plain names
/// and Bitbucket's `NAME_COUNT` lists.
pub fn from_env(
    vars: &[(String, String)],
    specs: &[ArgSpec],
    pipe: bool,
) -> (Vec<Given>, Vec<ArgError>) {
    let mut values = Vec::new();
    let mut errors = Vec::new();
    for spec in specs {
        let prefixed = env_var(spec.name);
        let mut found = Vec::new();
        let names = if pipe {
            vec![prefixed.clone(), cli::upper_snake(spec.name)]
        } else {
            vec![prefixed.clone()]
        };
        for var in names {
            match read_var(vars, &var, pipe) {
                Ok(Some(given)) => found.push((var, given)),
                Ok(None) => {}
                Err(e) => errors.push(e),
            }
        }
        match found.as_slice() {
            [] => {}
            [(a, va), (b, vb), ..] if va != vb => errors.push(ArgError {
                option: format!("{a} / {b}"),
                message: "both are set, to different values: keep one".into(),
            }),
            [(var, value), ..] => values.push(Given {
                name: spec.name,
                value: value.clone(),
                origin: Origin::Env(var.clone()),
            }),
        }
    }
    (values, errors)
}

/// One variable (or, in a pipe, its `_COUNT` list); empty means not set.
fn read_var(vars: &[(String, String)], var: &str, lists: bool) -> Result<Option<String>, ArgError> {
    let get = |name: &str| {
        vars.iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let count_var = format!("{var}_COUNT");
    let count = get(&count_var).filter(|_| lists);
    let Some(count) = count else {
        return Ok(get(var).filter(|v| !v.trim().is_empty()).map(str::to_owned));
    };
    let err = |message: String| ArgError {
        option: count_var.clone(),
        message,
    };
    let n: usize = count
        .trim()
        .parse()
        .ok()
        .filter(|n| *n <= MAX_LIST_ITEMS)
        .ok_or_else(|| {
            err(format!(
                "expected a whole number from 0 to {MAX_LIST_ITEMS}"
            ))
        })?;
    let mut items = Vec::with_capacity(n);
    for i in 0..n {
        let item = get(&format!("{var}_{i}"))
            .ok_or_else(|| err(format!("is {n}, but {var}_{i} is not set")))?;
        items.push(item);
    }
    let joined = items.join("\n");
    Ok(Some(joined).filter(|v| !v.trim().is_empty()))
}

/// The platform's suggestions: its provider, repository and provider API URL, unless the
/// user names another provider (`provider`, if given). They are fallbacks, not values:
/// they say where statuses go when nothing else does (never over an application's own
/// repository), and the API URL is the platform's provider's only.
pub fn from_platform(defaults: &PlatformDefaults, provider: Option<&str>) -> Vec<Given> {
    let suggested = defaults.provider_name();
    if suggested.is_none() || provider.is_some_and(|p| Some(p.trim()) != suggested) {
        return Vec::new();
    }
    [
        ("provider", &defaults.provider),
        ("repository", &defaults.repository),
        ("provider-api-url", &defaults.provider_api_url),
    ]
    .into_iter()
    .filter_map(|(name, s)| {
        s.as_ref().map(|s| Given {
            name,
            value: s.value.clone(),
            origin: Origin::Env(s.from.to_owned()),
        })
    })
    .collect()
}

/// One value per option: the first source that gives it wins (pass the flags first).
/// An empty value is no value, but an empty flag (`--repository=`) still decides: the
/// option is not set, whatever its variable says, so a script can ask for the default
/// whatever the environment holds. The result holds no empty flag, so a later merge
/// (the platform's suggestions) still fills the option in.
pub fn merge(sources: Vec<Vec<Given>>) -> Vec<Given> {
    let mut out: Vec<Given> = Vec::new();
    let mut decided: Vec<&'static str> = Vec::new();
    for given in sources.into_iter().flatten() {
        if decided.contains(&given.name) {
            continue;
        }
        if given.value.trim().is_empty() {
            if given.origin == Origin::Flag {
                decided.push(given.name);
            }
            continue;
        }
        decided.push(given.name);
        out.push(given);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doors::cli::tests::SPECS;
    use crate::doors::platform::tests::vars;

    fn value<'a>(given: &'a [Given], name: &str) -> Option<&'a str> {
        given
            .iter()
            .find(|g| g.name == name)
            .map(|g| g.value.as_str())
    }

    #[test]
    fn prefixed_variables_outside_a_pipe_and_plain_names_ignored() {
        let v = vars(&[
            ("DEVOPNESS_PIPELINE_IDS", "1,2"),
            ("DEVOPNESS_MODE", " "),
            ("MODE", "remove"),
            ("PIPELINE_IDS_COUNT", "1"),
            ("PIPELINE_IDS_0", "9"),
            ("DEVOPNESS_API_TOKEN", "tok"),
        ]);
        let (given, errors) = from_env(&v, SPECS, false);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(value(&given, "pipeline-ids"), Some("1,2"));
        assert_eq!(
            value(&given, "mode"),
            None,
            "empty is not set; MODE is not read"
        );
        assert_eq!(value(&given, "api-token"), Some("tok"));
        assert_eq!(given[0].spelled(), "DEVOPNESS_API_TOKEN");
    }

    #[test]
    fn a_pipe_reads_plain_names_and_bitbucket_lists() {
        let v = vars(&[
            ("PIPELINE_IDS_COUNT", "2"),
            ("PIPELINE_IDS_0", "11"),
            ("PIPELINE_IDS_1", "12"),
            ("MODE", "check"),
            ("DEVOPNESS_API_TOKEN", "tok"),
            ("API_TOKEN", "tok"),
        ]);
        let (given, errors) = from_env(&v, SPECS, true);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(value(&given, "pipeline-ids"), Some("11\n12"));
        assert_eq!(value(&given, "mode"), Some("check"));
        let mode = given.iter().find(|g| g.name == "mode").map(Given::spelled);
        assert_eq!(mode.as_deref(), Some("MODE"));
        // The same value under both names is no conflict; the prefixed name is reported.
        assert_eq!(given[0].spelled(), "DEVOPNESS_API_TOKEN");
    }

    #[test]
    fn a_pipe_list_must_be_whole_and_names_must_agree() {
        let v = vars(&[
            ("PIPELINE_IDS_COUNT", "3"),
            ("PIPELINE_IDS_0", "11"),
            ("PIPELINE_IDS_2", "13"),
            ("DEVOPNESS_MODE", "check"),
            ("MODE", "apply"),
            ("DRY_RUN_COUNT", "many"),
        ]);
        let (given, errors) = from_env(&v, SPECS, true);
        assert!(given.is_empty(), "{given:?}");
        let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            vec![
                "PIPELINE_IDS_COUNT: is 3, but PIPELINE_IDS_1 is not set",
                "DEVOPNESS_MODE / MODE: both are set, to different values: keep one",
                "DRY_RUN_COUNT: expected a whole number from 0 to 1000",
            ]
        );
        let (given, errors) =
            from_env(&vars(&[("DEVOPNESS_PIPELINE_IDS_COUNT", "0")]), SPECS, true);
        assert!(given.is_empty() && errors.is_empty());
    }

    #[test]
    fn a_flag_wins_over_a_file_over_the_environment() {
        let flags = vec![Given {
            name: "mode",
            value: "check".into(),
            origin: Origin::Flag,
        }];
        let file = vec![Given {
            name: "api-token",
            value: "from-file".into(),
            origin: Origin::File("/t".into()),
        }];
        let (env, _) = from_env(
            &vars(&[
                ("DEVOPNESS_MODE", "remove"),
                ("DEVOPNESS_API_TOKEN", "from-env"),
                ("DEVOPNESS_DRY_RUN", "true"),
            ]),
            SPECS,
            false,
        );
        let merged = merge(vec![flags, file, env]);
        assert_eq!(value(&merged, "mode"), Some("check"));
        assert_eq!(value(&merged, "api-token"), Some("from-file"));
        assert_eq!(value(&merged, "dry-run"), Some("true"));
        assert_eq!(merged.len(), 3);
        let token = merged.iter().find(|g| g.name == "api-token");
        assert_eq!(
            token.map(Given::spelled).as_deref(),
            Some("--api-token-file /t")
        );
    }

    #[test]
    fn an_empty_flag_means_not_set_whatever_the_variable_says() {
        let flags = |args: &[&str]| match cli::parse(args.iter().map(Into::into), SPECS) {
            Ok(cli::Command::Run(line)) => from_flags(&line),
            other => panic!("{args:?}: {other:?}"),
        };
        let (env, errors) = from_env(
            &vars(&[
                ("DEVOPNESS_MODE", "remove"),
                ("DEVOPNESS_DRY_RUN", "true"),
                ("DEVOPNESS_PIPELINE_IDS", "9"),
                ("DEVOPNESS_DESCRIPTION_STARTED", "from the environment"),
            ]),
            SPECS,
            false,
        );
        assert!(errors.is_empty(), "{errors:?}");
        let merged = merge(vec![
            flags(&["--mode=", "--dry-run=", "--pipeline-ids=1"]),
            env.clone(),
        ]);
        assert_eq!(value(&merged, "mode"), None, "--mode= hides DEVOPNESS_MODE");
        assert_eq!(value(&merged, "dry-run"), None);
        assert_eq!(value(&merged, "pipeline-ids"), Some("1"));
        // Options without a flag still come from the environment.
        assert_eq!(
            value(&merged, "description-started"),
            Some("from the environment")
        );
        // An empty variable hides nothing.
        let (empty, _) = from_env(&vars(&[("DEVOPNESS_MODE", "")]), SPECS, false);
        assert_eq!(value(&merge(vec![empty, env]), "mode"), Some("remove"));
        // An empty flag is no value: a later source (the platform's default) fills in.
        let platform = vec![Given {
            name: "mode",
            value: "check".into(),
            origin: Origin::Env("PLATFORM".into()),
        }];
        let merged = merge(vec![merged, platform]);
        assert_eq!(value(&merged, "mode"), Some("check"));
    }

    #[test]
    fn the_platform_suggests_last_and_only_for_its_own_provider() {
        let gitlab = crate::doors::platform::detect(&vars(&[
            ("GITLAB_CI", "true"),
            ("CI_PROJECT_PATH", "g/p"),
            ("CI_API_V4_URL", "https://gl.example.com/api/v4"),
        ]))
        .defaults();
        let all = from_platform(&gitlab, None);
        let spelled: Vec<(&str, String)> = all.iter().map(|g| (g.name, g.spelled())).collect();
        assert_eq!(
            spelled,
            vec![
                ("provider", "GITLAB_CI".to_owned()),
                ("repository", "CI_PROJECT_PATH".to_owned()),
                ("provider-api-url", "CI_API_V4_URL".to_owned()),
            ]
        );
        assert_eq!(from_platform(&gitlab, Some("gitlab")).len(), 3);
        // Statuses for another provider: GitLab's project says nothing about them.
        assert!(from_platform(&gitlab, Some("github")).is_empty());
        // A terminal suggests nothing.
        assert!(from_platform(&PlatformDefaults::default(), None).is_empty());
        // A flag still wins over the platform.
        let flag = vec![Given {
            name: "repository",
            value: "g/other".into(),
            origin: Origin::Flag,
        }];
        let merged = merge(vec![flag, all]);
        assert_eq!(value(&merged, "repository"), Some("g/other"));
        assert_eq!(value(&merged, "provider"), Some("gitlab"));
    }

    #[test]
    fn secret_files_lose_their_final_line_break_only() {
        let dir = tempfile::tempdir().expect("tempdir");
        let good = dir.path().join("token");
        std::fs::write(&good, "dvp_tok\r\n").expect("write");
        let big = dir.path().join("big");
        std::fs::write(&big, vec![b'a'; MAX_SECRET_FILE as usize + 1]).expect("write");
        let empty = dir.path().join("empty");
        std::fs::write(&empty, " \n").expect("write");
        let line = CommandLine {
            values: Vec::new(),
            secret_files: vec![
                ("api-token", good.clone()),
                ("github-token", dir.path().join("absent")),
                ("extra-headers", big),
                ("other-token", empty),
            ],
        };
        let (given, errors) = read_secret_files(&line);
        assert_eq!(value(&given, "api-token"), Some("dvp_tok"));
        assert_eq!(given[0].origin, Origin::File(good));
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(errors[0].option.starts_with("--github-token-file "));
        assert!(errors[0].message.starts_with("cannot read it"));
        assert!(errors[1].message.contains("not a secret's file"));
        assert_eq!(errors[2].message, "is empty");
    }
}

//! The command line's front door, for every platform but the GitHub container action:
//! a terminal, a GitLab job, a Bitbucket pipe or step, a GitHub `run:` step. The
//! options are the option table's (the action's inputs, same names and meanings);
//! their values come from flags, secret files, `DEVOPNESS_*` variables (in a pipe also
//! the plain names) and last the platform's own defaults; one validation, the
//! table's, reports every problem at once, each naming the option as the user wrote
//! it. Nothing is sent before every problem is fixed.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use crate::doors::actions_io::Log;
use crate::doors::cli::{self, ArgError, ArgForm, ArgSpec, Command};
use crate::doors::help::{self, HelpRow, HelpSection};
use crate::doors::output_files::{self, OutputFiles, PIPE_FOLDER};
use crate::doors::platform::Platform;
use crate::doors::sources::{self, Given};
use status_core::inputs::{self, Config, Input, InputError, Kind, RawValues, Secrecy, OPTIONS};
use status_core::report::markdown::md_cell;

/// Options of the command line only (not action inputs): where outputs go.
pub struct FileOption {
    pub name: &'static str,
    pub description: &'static str,
}

pub const OUTPUT_JSON: &str = "output-json";
pub const OUTPUT_DOTENV: &str = "output-dotenv";
pub const SUMMARY_FILE: &str = "summary-file";

/// The output files, in the order `--help` lists them.
pub const FILE_OPTIONS: &[FileOption] = &[
    FileOption {
        name: OUTPUT_JSON,
        description: "Write the outputs (created, updated, ..., drift, hooks) to FILE as one JSON object.",
    },
    FileOption {
        name: OUTPUT_DOTENV,
        description: "Write the outputs to FILE as a dotenv report for GitLab's artifacts:reports:dotenv: one name=value line each, the JSON lists (hooks, pipelines) left out.",
    },
    FileOption {
        name: SUMMARY_FILE,
        description: "Write the Markdown report to FILE.",
    },
];

/// How the command line writes an option of the table.
fn form(kind: Kind, secret: Secrecy) -> ArgForm {
    match (kind, secret) {
        (_, Secrecy::Secret | Secrecy::HeaderValues) => ArgForm::Secret,
        (Kind::Boolean, _) => ArgForm::Switch,
        (Kind::List, _) => ArgForm::List,
        _ => ArgForm::Value,
    }
}

/// Every option the command line knows: the table's, then the output files.
pub fn arg_specs() -> Vec<ArgSpec> {
    OPTIONS
        .iter()
        .map(|o| ArgSpec {
            name: o.name,
            form: form(o.kind, o.secret),
        })
        .chain(FILE_OPTIONS.iter().map(|f| ArgSpec {
            name: f.name,
            form: ArgForm::Value,
        }))
        .collect()
}

/// What the command line asks for.
#[derive(Debug)]
pub enum Start {
    /// Print this (`--help`, `--version`) and exit 0.
    Print(String),
    /// Refused: every problem, and the summary file if one was named.
    Refused {
        problems: Vec<ArgError>,
        summary: Option<PathBuf>,
    },
    /// Run with this configuration, writing these files.
    Run(Box<Ready>),
}

/// A validated run.
#[derive(Debug)]
pub struct Ready {
    pub config: Config,
    pub files: OutputFiles,
}

/// Reads and validates the command line and the environment. `secret` is called
/// with every secret value before anything can be printed.
pub fn start(
    args: Vec<OsString>,
    vars: &[(String, String)],
    platform: &Platform,
    secret: &mut dyn FnMut(&str),
) -> Start {
    let specs = arg_specs();
    let (line, mut problems) = match cli::parse(args, &specs) {
        Ok(Command::Help) => return Start::Print(help_text(platform)),
        Ok(Command::Version) => return Start::Print(version_text()),
        Ok(Command::Run(line)) => (line, Vec::new()),
        Err(refused) => (refused.partial, refused.errors),
    };
    let (from_files, file_problems) = sources::read_secret_files(&line);
    problems.extend(file_problems);
    let (from_env, env_problems) = sources::from_env(vars, &specs, platform.is_pipe());
    problems.extend(env_problems);
    let given = sources::merge(vec![sources::from_flags(&line), from_files, from_env]);
    let provider = given
        .iter()
        .find(|g| g.name == "provider")
        .map(|g| g.value.clone());
    // The platform's provider, repository and API: fallbacks, never over an application's.
    let suggested = sources::from_platform(&platform.defaults(), provider.as_deref());
    let raw = raw_values(&given).suggesting(&table_values(&suggested));
    for value in raw.secrets() {
        secret(value);
        secret(value.trim());
    }
    // Problems are named as the user, or the platform, spelled the value.
    let given = sources::merge(vec![given, suggested]);
    let files = output_files(&given, platform, &mut problems);
    match inputs::validate(&raw, &|_| None) {
        Ok(config) if problems.is_empty() => Start::Run(Box::new(Ready { config, files })),
        Ok(_) => Start::Refused {
            problems,
            summary: files.summary,
        },
        Err(errors) => {
            problems.extend(errors.iter().map(|e| named(e, &given)));
            Start::Refused {
                problems,
                summary: files.summary,
            }
        }
    }
}

/// The table's options among the values (the output files are not the table's).
fn raw_values(given: &[Given]) -> RawValues {
    RawValues::of(&table_values(given))
}

/// Each value of an option of the table, by its input.
fn table_values(given: &[Given]) -> Vec<(Input, &str)> {
    given
        .iter()
        .filter_map(|g| {
            OPTIONS
                .iter()
                .find(|o| o.name == g.name)
                .map(|o| (o.input, g.value.as_str()))
        })
        .collect()
}

/// A validation error, naming the option as the user gave it (or could give it).
fn named(e: &InputError, given: &[Given]) -> ArgError {
    let spec = e.input.spec();
    match given.iter().find(|g| g.name == spec.name) {
        Some(g) => ArgError {
            option: g.spelled(),
            message: e.message.clone(),
        },
        None if spec.secret != Secrecy::Public => ArgError {
            option: format!(
                "{} / {}",
                cli::secret_file_flag(spec.name),
                sources::env_var(spec.name)
            ),
            message: format!(
                "{}; it is never taken on the command line: set {} or pass {} FILE",
                e.message
                    .split(": pass")
                    .next()
                    .unwrap_or(&e.message)
                    .trim_end_matches(':'),
                sources::env_var(spec.name),
                cli::secret_file_flag(spec.name)
            ),
        },
        None => ArgError {
            option: format!("--{} / {}", spec.name, sources::env_var(spec.name)),
            message: e.message.clone(),
        },
    }
}

/// The output files asked for (in a Bitbucket pipe, by default in the shared pipe
/// storage). A file whose folder does not exist is refused now, before any write.
fn output_files(given: &[Given], platform: &Platform, problems: &mut Vec<ArgError>) -> OutputFiles {
    let file = |name: &str| {
        given
            .iter()
            .find(|g| g.name == name)
            .map(|g| (g.spelled(), PathBuf::from(g.value.trim())))
    };
    let mut check = |found: Option<(String, PathBuf)>| {
        let (spelled, path) = found?;
        let folder = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if !folder.is_dir() {
            problems.push(ArgError {
                option: spelled,
                message: format!("the folder {} does not exist", folder.display()),
            });
            return None;
        }
        Some(path)
    };
    let asked = OutputFiles {
        json: check(file(OUTPUT_JSON)),
        dotenv: check(file(OUTPUT_DOTENV)),
        summary: check(file(SUMMARY_FILE)),
    };
    match platform.shared_storage() {
        Some(dir) => asked.or(OutputFiles::in_pipe_storage(Path::new(dir))),
        None => asked,
    }
}

/// Reports a refused command line: each problem, then what to do; the Markdown
/// report too when a summary file was named.
pub fn report_refused(problems: &[ArgError], summary: Option<&Path>, log: &Log) {
    for p in problems {
        log.error(Some(&p.option), &p.message);
    }
    log.error(
        None,
        &format!(
            "{} problem(s) with the options; nothing was sent to Devopness. Fix them and run again (--help lists the options).",
            problems.len()
        ),
    );
    if let Some(path) = summary {
        let mut md = String::from(
            "## Devopness status hooks\n\nNothing was done: the options are invalid.\n\n",
        );
        for p in problems {
            md.push_str(&format!("- {}\n", md_cell(&p.to_string())));
        }
        if let Err(e) = output_files::write(path, &log.secrets().redact(&md)) {
            log.warning(None, &format!("could not write {}: {e}", path.display()));
        }
    }
}

pub fn version_text() -> String {
    format!("{} {}\n", env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION"))
}

/// `--help`, from the option table.
pub fn help_text(platform: &Platform) -> String {
    let head = format!(
        "{} {}\nKeeps the three Devopness outgoing hooks that post commit statuses (deploy started,\nfailed, completed) on each listed deploy pipeline: creates missing ones, repairs\nedited ones, or checks and reports drift.\n\nUsage: {} [OPTIONS]\n\nRunning on: {}.",
        env!("CARGO_PKG_NAME"),
        env!("CARGO_PKG_VERSION"),
        env!("CARGO_PKG_NAME"),
        platform.describe()
    );
    let options = OPTIONS.iter().map(|o| option_row(o, platform)).collect();
    let files = FILE_OPTIONS
        .iter()
        .map(|f| HelpRow {
            usage: format!("--{} FILE", f.name),
            description: f.description.to_owned(),
            default: (platform.shared_storage().is_some())
                .then(|| format!("$BITBUCKET_PIPE_SHARED_STORAGE_DIR/{PIPE_FOLDER}/...")),
            env: Some(sources::env_var(f.name)),
        })
        .collect();
    let sections = [
        HelpSection {
            title: "Options (the GitHub Action's inputs, same names and meanings)",
            rows: options,
        },
        HelpSection {
            title: "Output files",
            rows: files,
        },
    ];
    help::render(&head, &sections, HELP_TAIL)
}

const HELP_TAIL: &str = "\
A flag wins over its environment variable; an empty one (--repository=) means the
default, whatever the variable says. Booleans: --dry-run means true,
--fail-on-drift=false says false. Secrets (api-token, github-token, extra-headers)
are never read from the command line, where every process can see them: set the
variable or name a file with --NAME-file. In a Bitbucket pipe the variables may also
be written without DEVOPNESS_ (PIPELINE_IDS), and a list as NAME_COUNT, NAME_0, ...

Defaults follow the platform: in a GitLab job the provider is gitlab, the repository
$CI_PROJECT_PATH and the provider API $CI_API_V4_URL; in Bitbucket Pipelines the
provider is bitbucket and the repository $BITBUCKET_REPO_FULL_NAME; in a GitHub
Actions step github and $GITHUB_REPOSITORY. In a terminal, --provider and
--repository say where the statuses go, or --application-ids (an application knows
its repository and provider, and wins over the platform's).

Exit status: 0 done (check: in sync), 1 an error (a bad option too; nothing is sent
then), 2 check found drift (unless --fail-on-drift=false).

  -h, --help      print this
  -V, --version   print the version";

/// One table option in the help.
fn option_row(o: &inputs::OptionSpec, platform: &Platform) -> HelpRow {
    let value = match o.kind {
        Kind::Boolean => "[=true|false]".to_owned(),
        Kind::Choice(names) => format!(" {}", names.join("|")),
        Kind::Number { .. } => " N".to_owned(),
        Kind::Url => " URL".to_owned(),
        Kind::List => " LIST".to_owned(),
        Kind::Text | Kind::Lines => " TEXT".to_owned(),
    };
    let secret = o.secret != Secrecy::Public;
    let usage = if secret {
        format!("{} FILE", cli::secret_file_flag(o.name))
    } else {
        format!("--{}{value}", o.name)
    };
    let mut description = o.description.to_owned();
    if secret {
        description.push_str(&format!(
            " From {} or a file, never from the command line.",
            sources::env_var(o.name)
        ));
    }
    if o.required {
        description.push_str(" Required.");
    }
    HelpRow {
        usage,
        description,
        default: help_default(o, platform),
        env: Some(sources::env_var(o.name)),
    }
}

/// The default `--help` shows: the platform's where it has one.
fn help_default(o: &inputs::OptionSpec, platform: &Platform) -> Option<String> {
    let d = platform.defaults();
    let suggested = match o.name {
        "provider" => Some(d.provider.as_ref().map_or_else(
            || "none in a terminal".to_owned(),
            |s| format!("{} (from {})", s.value, s.from),
        )),
        "repository" => d
            .repository
            .map(|s| format!("{} (from {})", s.value, s.from)),
        "provider-api-url" => d
            .provider_api_url
            .map(|s| format!("{} (from {})", s.value, s.from)),
        _ => None,
    };
    suggested.or_else(|| (!o.default.is_empty()).then(|| o.default.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doors::platform::tests::vars;

    fn args(list: &[&str]) -> Vec<OsString> {
        list.iter().map(OsString::from).collect()
    }

    fn start_with(a: &[&str], v: &[(&str, &str)]) -> (Start, Vec<String>) {
        let vars = vars(v);
        let platform = crate::doors::platform::detect(&vars);
        let mut secrets = Vec::new();
        let start = start(args(a), &vars, &platform, &mut |s| {
            secrets.push(s.to_owned())
        });
        (start, secrets)
    }

    fn problems(start: Start) -> Vec<String> {
        match start {
            Start::Refused { problems, .. } => problems.iter().map(ToString::to_string).collect(),
            other => panic!("not refused: {other:?}"),
        }
    }

    #[test]
    fn every_table_option_is_on_the_command_line() {
        let specs = arg_specs();
        for o in OPTIONS {
            assert!(specs.iter().any(|s| s.name == o.name), "{}", o.name);
        }
        let secret: Vec<&str> = specs
            .iter()
            .filter(|s| s.form == ArgForm::Secret)
            .map(|s| s.name)
            .collect();
        assert_eq!(secret, vec!["api-token", "github-token", "extra-headers"]);
    }

    #[test]
    fn a_terminal_run_from_flags_and_environment() {
        let (start, secrets) = start_with(
            &["--pipeline-ids", "1,2", "--provider=gitlab", "--dry-run"],
            &[
                ("DEVOPNESS_API_TOKEN", "dvp_token_value"),
                ("DEVOPNESS_REPOSITORY", "group/project"),
                ("DEVOPNESS_MODE", "apply"),
                ("DEVOPNESS_DRY_RUN", "false"),
            ],
        );
        let Start::Run(ready) = start else {
            panic!("{start:?}")
        };
        assert_eq!(ready.config.pipeline_ids, vec![1, 2]);
        assert_eq!(ready.config.provider.name(), "gitlab");
        assert_eq!(ready.config.status.repository, "group/project");
        assert_eq!(ready.config.status.api_url, "https://gitlab.com/api/v4");
        assert!(
            ready.config.options.dry_run,
            "the flag wins over the variable"
        );
        assert_eq!(ready.config.api_token.expose(), "dvp_token_value");
        assert!(secrets.contains(&"dvp_token_value".to_owned()));
        assert_eq!(ready.files, OutputFiles::default());
    }

    #[test]
    fn a_terminal_leaves_where_statuses_go_to_each_pipelines_application() {
        let ready = |args: &[&str], vars: &[(&str, &str)]| match start_with(args, vars).0 {
            Start::Run(ready) => ready,
            other => panic!("{other:?}"),
        };
        // Nothing says where: each pipeline's application does, once read.
        let alone = ready(&["--pipeline-ids", "1"], &[("DEVOPNESS_API_TOKEN", "t")]);
        assert_eq!(alone.config.status.repository, "");
        assert_eq!(alone.config.targets.provider.map(|p| p.name()), None);
        // A GITHUB_REPOSITORY left in a shell means nothing outside GitHub Actions.
        let shell = ready(
            &["--pipeline-ids", "1", "--provider", "github"],
            &[("DEVOPNESS_API_TOKEN", "t"), ("GITHUB_REPOSITORY", "o/r")],
        );
        assert_eq!(shell.config.status.repository, "");
        // Given, they win.
        let given = ready(
            &[
                "--pipeline-ids",
                "1",
                "--provider",
                "gitlab",
                "--repository",
                "g/p",
            ],
            &[("DEVOPNESS_API_TOKEN", "t")],
        );
        assert_eq!(given.config.status.repository, "g/p");
    }

    #[test]
    fn a_gitlab_job_defaults_to_its_project_and_instance() {
        let (start, _) = start_with(
            &["--pipeline-ids", "7", "--output-dotenv", "devopness.env"],
            &[
                ("GITLAB_CI", "true"),
                ("CI_PROJECT_PATH", "group/sub/project"),
                ("CI_API_V4_URL", "https://gitlab.example.com/api/v4"),
                ("DEVOPNESS_API_TOKEN", "t"),
            ],
        );
        let Start::Run(ready) = start else {
            panic!("{start:?}")
        };
        assert_eq!(ready.config.provider.name(), "gitlab");
        assert_eq!(ready.config.status.repository, "group/sub/project");
        assert_eq!(
            ready.config.status.api_url,
            "https://gitlab.example.com/api/v4"
        );
        assert_eq!(ready.files.dotenv, Some(PathBuf::from("devopness.env")));
    }

    #[test]
    fn every_problem_at_once_each_named_as_given() {
        let shown = problems(
            start_with(
                &[
                    "--mode",
                    "destroy",
                    "--api-token",
                    "dvp_on_argv",
                    "--output-json",
                    "/nonexistent/o.json",
                ],
                &[
                    ("GITLAB_CI", "true"),
                    ("CI_PROJECT_PATH", "not a path"),
                    ("DEVOPNESS_PIPELINE_IDS", "1,x"),
                    ("DEVOPNESS_TIMEOUT_SECONDS", "0"),
                ],
            )
            .0,
        );
        let named: Vec<&str> = shown
            .iter()
            .map(|s| s.split(": ").next().unwrap_or(""))
            .collect();
        assert_eq!(
            named,
            vec![
                "--api-token",
                "--output-json",
                "--api-token-file / DEVOPNESS_API_TOKEN",
                "DEVOPNESS_PIPELINE_IDS",
                "CI_PROJECT_PATH",
                "--mode",
                "DEVOPNESS_TIMEOUT_SECONDS",
            ],
            "{shown:?}"
        );
        assert!(
            shown[2].contains("never taken on the command line"),
            "{shown:?}"
        );
        assert!(!shown.iter().any(|s| s.contains("dvp_on_argv")));
    }

    #[test]
    fn a_pipe_reads_plain_names_and_writes_to_its_storage() {
        let (start, _) = start_with(
            &[],
            &[
                ("BITBUCKET_REPO_FULL_NAME", "team/app"),
                ("BITBUCKET_PIPE_STORAGE_DIR", "/tmp"),
                ("BITBUCKET_PIPE_SHARED_STORAGE_DIR", "/shared"),
                ("DEVOPNESS_API_TOKEN", "t"),
                ("PIPELINE_IDS_COUNT", "2"),
                ("PIPELINE_IDS_0", "3"),
                ("PIPELINE_IDS_1", "4"),
                ("MODE", "check"),
            ],
        );
        let Start::Run(ready) = start else {
            panic!("{start:?}")
        };
        assert_eq!(ready.config.pipeline_ids, vec![3, 4]);
        assert_eq!(ready.config.provider.name(), "bitbucket");
        assert_eq!(ready.config.status.repository, "team/app");
        assert_eq!(ready.config.options.mode, inputs::Mode::Check);
        assert_eq!(
            ready.files.dotenv,
            Some(PathBuf::from("/shared/devopness-status-hooks/outputs.env"))
        );
    }

    #[test]
    fn help_lists_every_option_with_its_default_and_variable() {
        let text = help_text(&Platform::Terminal);
        for o in OPTIONS {
            let flag = if o.secret == Secrecy::Public {
                format!("--{}", o.name)
            } else {
                cli::secret_file_flag(o.name)
            };
            assert!(text.contains(&format!("  {flag}")), "{flag} missing");
            assert!(text.contains(&format!("[env: {}]", sources::env_var(o.name))));
        }
        assert!(text.contains("--mode apply|check|remove\n"));
        assert!(text.contains("[default: apply]"));
        assert!(text.contains("[default: none in a terminal]"));
        assert!(!text.contains("--api-token TEXT"));
        let gitlab = help_text(&Platform::GitLabJob {
            project: Some("g/p".into()),
            api_url: None,
        });
        assert!(gitlab.contains("[default: g/p (from CI_PROJECT_PATH)]"));
        assert!(version_text().starts_with("devopness-status-hooks "));
        for line in text.lines() {
            assert!(line.chars().count() <= help::WIDTH, "{line}");
        }
    }
}

//! The command line: `--name value` (or `--name=value`) per option, named as in
//! `action.yml`; booleans as bare switches (`--dry-run`, `--fail-on-drift=false`).
//! Secrets are never read from argv (every process on the machine can read it): the
//! option itself is refused, and `--NAME-file FILE` names a file holding the value.
//!
//! Parsed with lexopt: it only splits the arguments; which options exist, their forms
//! and their help come from the option table, so there is one list of options. Every
//! problem is collected, none stops the parse; `--help` and `--version` win.

use std::ffi::OsString;
use std::fmt;
use std::path::PathBuf;

/// How an option is written on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgForm {
    /// A boolean: `--name` means true, `--name=false` says it.
    Switch,
    /// One value; giving it twice is an error.
    Value,
    /// A list: each `--name` adds values.
    List,
    /// A secret: refused on the command line; `--name-file FILE` reads it from a file.
    Secret,
}

/// One option as the parser sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArgSpec {
    pub name: &'static str,
    pub form: ArgForm,
}

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Run(CommandLine),
    Help,
    Version,
}

/// The option values the command line gives.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommandLine {
    /// Values by option name, in the order given (a list's values joined by newlines).
    pub values: Vec<(&'static str, String)>,
    /// Files that hold a secret option's value (`--api-token-file`), by option name.
    pub secret_files: Vec<(&'static str, PathBuf)>,
}

impl CommandLine {
    pub fn value(&self, name: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// One problem with the command line. It never repeats a value that might be a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArgError {
    /// The option as written (`--mode`), or `argument` for a stray value.
    pub option: String,
    pub message: String,
}

impl fmt::Display for ArgError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.option, self.message)
    }
}

/// The suffix that names a secret option's file.
pub const FILE_SUFFIX: &str = "-file";

/// The flag that names the file of a secret option (`--api-token-file`).
pub fn secret_file_flag(name: &str) -> String {
    format!("--{name}{FILE_SUFFIX}")
}

/// The command line refused: every problem, and what could be read anyway (so the
/// other sources' problems can be reported with these, all at once).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub errors: Vec<ArgError>,
    pub partial: CommandLine,
}

/// Parses the arguments after the program name.
pub fn parse(
    args: impl IntoIterator<Item = OsString>,
    specs: &[ArgSpec],
) -> Result<Command, Refused> {
    let mut parser = lexopt::Parser::from_args(args);
    let mut line = CommandLine::default();
    let mut errors = Vec::new();
    loop {
        let arg = match parser.next() {
            Ok(Some(arg)) => arg,
            Ok(None) => break,
            Err(e) => {
                errors.push(lexopt_error(e));
                continue;
            }
        };
        match arg {
            lexopt::Arg::Short('h') | lexopt::Arg::Long("help") => return Ok(Command::Help),
            lexopt::Arg::Short('V') | lexopt::Arg::Long("version") => {
                return Ok(Command::Version)
            }
            lexopt::Arg::Long(name) => {
                let name = name.to_owned();
                if let Err(e) = long(&name, &mut parser, specs, &mut line) {
                    errors.push(e);
                }
            }
            lexopt::Arg::Short(c) => errors.push(ArgError {
                option: format!("-{c}"),
                message: "unknown option; options are spelled out (`--mode check`), see --help"
                    .into(),
            }),
            // Not repeated: a stray value may be a secret typed in the wrong place.
            lexopt::Arg::Value(_) => errors.push(ArgError {
                option: "argument".into(),
                message: "a value without an option before it: every value follows its option (`--pipeline-ids 1,2`), and a switch takes its value after `=` (`--dry-run=false`)".into(),
            }),
        }
    }
    if errors.is_empty() {
        Ok(Command::Run(line))
    } else {
        Err(Refused {
            errors,
            partial: line,
        })
    }
}

/// One `--name` and its value.
fn long(
    name: &str,
    parser: &mut lexopt::Parser,
    specs: &[ArgSpec],
    line: &mut CommandLine,
) -> Result<(), ArgError> {
    let flag = format!("--{name}");
    let err = |message: String| ArgError {
        option: flag.clone(),
        message,
    };
    if let Some(spec) = specs.iter().find(|s| s.name == name) {
        return match spec.form {
            ArgForm::Switch => {
                let value = match parser.optional_value() {
                    Some(v) => utf8(v).map_err(err)?,
                    None => "true".to_owned(),
                };
                set(line, spec.name, value, false).map_err(err)
            }
            ArgForm::Value | ArgForm::List => {
                let value = value(parser, specs).map_err(err)?;
                set(line, spec.name, value, spec.form == ArgForm::List).map_err(err)
            }
            ArgForm::Secret => {
                swallow_value(parser);
                Err(err(format!(
                    "secrets are not read from the command line, where every process on the machine can read them; set DEVOPNESS_{} or pass {} FILE. If a real secret was typed here, consider it exposed.",
                    upper_snake(name),
                    secret_file_flag(name)
                )))
            }
        };
    }
    let secret = name
        .strip_suffix(FILE_SUFFIX)
        .and_then(|base| specs.iter().find(|s| s.name == base))
        .filter(|s| s.form == ArgForm::Secret);
    if let Some(spec) = secret {
        let path = PathBuf::from(
            parser
                .value()
                .map_err(|_| err("needs a file name".into()))?,
        );
        if line.secret_files.iter().any(|(n, _)| *n == spec.name) {
            return Err(err("given more than once".into()));
        }
        line.secret_files.push((spec.name, path));
        return Ok(());
    }
    // An unknown option's value might be a secret under a misspelt name: drop it unseen.
    swallow_value(parser);
    let hint = specs
        .iter()
        .find(|s| s.name == name.replace('_', "-").to_ascii_lowercase())
        .map(|s| format!(" (did you mean --{}?)", s.name))
        .unwrap_or_default();
    Err(err(format!("unknown option{hint}; see --help")))
}

/// Drops the value of an option that takes none here (`=value`, or the next
/// argument unless it is an option), so no message can repeat it: it may be a secret.
fn swallow_value(parser: &mut lexopt::Parser) {
    if parser.optional_value().is_none() {
        if let Some(mut rest) = parser.try_raw_args() {
            rest.next_if(|a| !a.to_string_lossy().starts_with('-'));
        }
    }
}

/// The value after `--name`: `=value` or the next argument, unless that is an option.
fn value(parser: &mut lexopt::Parser, specs: &[ArgSpec]) -> Result<String, String> {
    if let Some(v) = parser.optional_value() {
        return utf8(v);
    }
    let is_option = |a: &std::ffi::OsStr| {
        let a = a.to_string_lossy();
        a.strip_prefix("--").is_some_and(|n| {
            let n = n.split('=').next().unwrap_or("");
            n == "help"
                || n == "version"
                || specs
                    .iter()
                    .any(|s| s.name == n || n.strip_suffix(FILE_SUFFIX) == Some(s.name))
        })
    };
    let next = parser
        .try_raw_args()
        .and_then(|mut rest| rest.next_if(|a| !is_option(a)));
    match next {
        Some(v) => utf8(v),
        None => Err("needs a value".into()),
    }
}

fn set(
    line: &mut CommandLine,
    name: &'static str,
    value: String,
    list: bool,
) -> Result<(), String> {
    match line.values.iter_mut().find(|(n, _)| *n == name) {
        Some((_, old)) if list => {
            old.push('\n');
            old.push_str(&value);
            Ok(())
        }
        Some(_) => Err("given more than once".into()),
        None => {
            line.values.push((name, value));
            Ok(())
        }
    }
}

fn utf8(v: OsString) -> Result<String, String> {
    v.into_string()
        .map_err(|_| "the value is not valid UTF-8".to_owned())
}

fn lexopt_error(e: lexopt::Error) -> ArgError {
    // Values are not repeated: one might be a secret.
    let (option, message) = match e {
        lexopt::Error::MissingValue { option } => {
            (option.unwrap_or_default(), "needs a value".to_owned())
        }
        lexopt::Error::UnexpectedValue { option, .. } => (option, "takes no value".to_owned()),
        lexopt::Error::UnexpectedOption(o) => (o, "unknown option; see --help".to_owned()),
        other => ("argument".to_owned(), shorten(&other.to_string())),
    };
    ArgError { option, message }
}

/// The option's name in upper snake case: `pipeline-ids` -> `PIPELINE_IDS`.
pub fn upper_snake(name: &str) -> String {
    name.replace(['-', ' '], "_").to_ascii_uppercase()
}

fn shorten(s: &str) -> String {
    if s.chars().count() > 40 {
        format!("{}...", s.chars().take(40).collect::<String>())
    } else {
        s.to_owned()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A small option set for tests (shared with `sources`' tests).
    pub(crate) const SPECS: &[ArgSpec] = &[
        ArgSpec {
            name: "api-token",
            form: ArgForm::Secret,
        },
        ArgSpec {
            name: "pipeline-ids",
            form: ArgForm::List,
        },
        ArgSpec {
            name: "mode",
            form: ArgForm::Value,
        },
        ArgSpec {
            name: "dry-run",
            form: ArgForm::Switch,
        },
        ArgSpec {
            name: "fail-on-drift",
            form: ArgForm::Switch,
        },
        ArgSpec {
            name: "description-started",
            form: ArgForm::Value,
        },
    ];

    fn run(args: &[&str]) -> Result<Command, Vec<ArgError>> {
        parse(args.iter().map(OsString::from), SPECS).map_err(|r| r.errors)
    }

    fn line(args: &[&str]) -> CommandLine {
        match run(args) {
            Ok(Command::Run(l)) => l,
            other => panic!("{args:?}: {other:?}"),
        }
    }

    fn errors(args: &[&str]) -> Vec<ArgError> {
        run(args).expect_err("refused")
    }

    #[test]
    fn values_switches_and_lists() {
        let l = line(&[
            "--pipeline-ids",
            "1,2",
            "--mode=check",
            "--dry-run",
            "--fail-on-drift=false",
            "--pipeline-ids=3",
            "--description-started",
            "- deploying",
        ]);
        assert_eq!(l.value("pipeline-ids"), Some("1,2\n3"));
        assert_eq!(l.value("mode"), Some("check"));
        assert_eq!(l.value("dry-run"), Some("true"));
        assert_eq!(l.value("fail-on-drift"), Some("false"));
        assert_eq!(l.value("description-started"), Some("- deploying"));
        assert_eq!(line(&[]), CommandLine::default());
    }

    #[test]
    fn help_and_version_win() {
        assert_eq!(run(&["--help"]), Ok(Command::Help));
        assert_eq!(run(&["-h"]), Ok(Command::Help));
        assert_eq!(run(&["--mode", "x", "--version"]), Ok(Command::Version));
        assert_eq!(run(&["-V"]), Ok(Command::Version));
    }

    #[test]
    fn a_secret_is_refused_on_argv_and_never_repeated() {
        for args in [
            &["--api-token", "dvp_secret_value"][..],
            &["--api-token=dvp_secret_value"][..],
            &["--api_token=dvp_secret_value"][..],
            &["--api-tokn", "dvp_secret_value"][..],
        ] {
            let e = errors(args);
            let shown = format!("{e:?}");
            assert!(!shown.contains("dvp_secret_value"), "{args:?}: {shown}");
        }
        let e = errors(&["--api-token", "dvp_secret_value", "--mode", "check"]);
        assert_eq!(e.len(), 1, "{e:?}");
        assert_eq!(e[0].option, "--api-token");
        assert!(e[0].message.contains("DEVOPNESS_API_TOKEN"));
        assert!(e[0].message.contains("--api-token-file FILE"));
        let e = errors(&["--api_token=x"]);
        assert!(e[0].message.contains("did you mean --api-token?"), "{e:?}");
    }

    #[test]
    fn a_secret_file_is_named_not_read() {
        let l = line(&["--api-token-file", "/run/secrets/token"]);
        assert_eq!(
            l.secret_files,
            vec![("api-token", PathBuf::from("/run/secrets/token"))]
        );
        assert!(errors(&["--mode-file", "x"])[0]
            .message
            .starts_with("unknown option"));
        assert_eq!(
            errors(&["--api-token-file"])[0].message,
            "needs a file name"
        );
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let e = errors(&[
            "--mode",
            "check",
            "--mode",
            "apply",
            "-x",
            "stray",
            "--bogus=1",
            "--dry-run",
            "--pipeline-ids",
        ]);
        let options: Vec<&str> = e.iter().map(|e| e.option.as_str()).collect();
        assert_eq!(
            options,
            vec!["--mode", "-x", "argument", "--bogus", "--pipeline-ids"]
        );
        assert_eq!(e[0].message, "given more than once");
        assert_eq!(e[4].message, "needs a value");
        assert!(e[2].message.starts_with("a value without an option"));
    }

    #[test]
    fn what_could_be_read_is_kept_with_the_problems() {
        let refused = parse(
            ["--mode", "check", "--bogus", "--pipeline-ids=1"].map(OsString::from),
            SPECS,
        )
        .expect_err("refused");
        assert_eq!(refused.errors.len(), 1);
        assert_eq!(refused.partial.value("mode"), Some("check"));
        assert_eq!(refused.partial.value("pipeline-ids"), Some("1"));
    }

    #[test]
    fn an_option_is_not_taken_as_the_value_before_it() {
        let e = errors(&["--mode", "--dry-run"]);
        assert_eq!(e.len(), 1);
        assert_eq!(
            (e[0].option.as_str(), e[0].message.as_str()),
            ("--mode", "needs a value")
        );
        // A value that merely starts with `--` but names no option is a value.
        assert_eq!(line(&["--mode", "--x"]).value("mode"), Some("--x"));
        // A switch's value goes after `=`; a separate word is not its value.
        let e = errors(&["--dry-run", "false"]);
        assert_eq!(e[0].option, "argument");
    }

    #[test]
    fn names_in_upper_snake_case() {
        assert_eq!(upper_snake("pipeline-ids"), "PIPELINE_IDS");
        assert_eq!(upper_snake("mode"), "MODE");
        assert_eq!(secret_file_flag("api-token"), "--api-token-file");
    }
}

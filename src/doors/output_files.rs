//! The outputs as files, for platforms other than GitHub Actions: `--output-json`
//! (one JSON object), `--output-dotenv` (GitLab's `artifacts:reports:dotenv`, whose
//! rules are strict: one `KEY=value` per line, keys of ASCII letters, digits and `_`,
//! one-line values, no quoting, under 5 KB) and `--summary-file` (the Markdown
//! report). Formatting is pure; [`write`] is the one write.

use std::fmt;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde_json::Value;

/// GitLab refuses a dotenv report of 5 KB or more.
pub const DOTENV_LIMIT: usize = 5 * 1024;
/// Outputs left out of the dotenv report: the JSON lists of hooks and pipelines grow
/// with the run (past GitLab's 5 KB limit from about 60 pipelines) and are no use as a
/// variable; both are in the JSON file.
pub const NOT_IN_DOTENV: &[&str] = &["hooks", "pipelines"];
/// The files a Bitbucket pipe leaves in `$BITBUCKET_PIPE_SHARED_STORAGE_DIR`, under a
/// folder named for the pipe, for later pipes and steps.
pub const PIPE_FOLDER: &str = "devopness-status-hooks";
pub const PIPE_JSON: &str = "outputs.json";
pub const PIPE_DOTENV: &str = "outputs.env";
pub const PIPE_SUMMARY: &str = "summary.md";

/// The files asked for (`None`: not written).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutputFiles {
    pub json: Option<PathBuf>,
    pub dotenv: Option<PathBuf>,
    pub summary: Option<PathBuf>,
}

impl OutputFiles {
    /// Where a Bitbucket pipe writes when not told otherwise.
    pub fn in_pipe_storage(shared: &Path) -> OutputFiles {
        let dir = shared.join(PIPE_FOLDER);
        OutputFiles {
            json: Some(dir.join(PIPE_JSON)),
            dotenv: Some(dir.join(PIPE_DOTENV)),
            summary: Some(dir.join(PIPE_SUMMARY)),
        }
    }

    /// Each file given here, else the one in `fallback`.
    pub fn or(self, fallback: OutputFiles) -> OutputFiles {
        OutputFiles {
            json: self.json.or(fallback.json),
            dotenv: self.dotenv.or(fallback.dotenv),
            summary: self.summary.or(fallback.summary),
        }
    }
}

/// The outputs as one JSON object: counts as numbers, `changed` and `drift` as
/// booleans, `hooks` as the list itself (each output's value is read as JSON when it
/// is a number, boolean, list or object, else kept as a string).
pub fn json_object(outputs: &[(&str, String)]) -> String {
    let map: serde_json::Map<String, Value> = outputs
        .iter()
        .map(|(name, value)| {
            let typed = match serde_json::from_str::<Value>(value) {
                Ok(
                    v @ (Value::Number(_) | Value::Bool(_) | Value::Array(_) | Value::Object(_)),
                ) => v,
                _ => Value::String(value.clone()),
            };
            ((*name).to_owned(), typed)
        })
        .collect();
    let mut text = Value::Object(map).to_string();
    text.push('\n');
    text
}

/// A value or name GitLab's dotenv report cannot carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DotenvError {
    BadKey(String),
    MultiLine(String),
    TooLarge(usize),
}

impl fmt::Display for DotenvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DotenvError::BadKey(k) => write!(
                f,
                "output name {k:?} is not a dotenv key (ASCII letters, digits and _ only)"
            ),
            DotenvError::MultiLine(k) => {
                write!(f, "output {k} has a line break; dotenv values are one line")
            }
            DotenvError::TooLarge(n) => write!(
                f,
                "the dotenv report would be {n} bytes; GitLab takes under {DOTENV_LIMIT}"
            ),
        }
    }
}

/// The outputs as a GitLab dotenv report: `name=value` lines, the JSON lists left out.
pub fn dotenv(outputs: &[(&str, String)]) -> Result<String, DotenvError> {
    let mut text = String::new();
    for (name, value) in outputs.iter().filter(|(n, _)| !NOT_IN_DOTENV.contains(n)) {
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return Err(DotenvError::BadKey((*name).to_owned()));
        }
        if value.contains(['\n', '\r', '\0']) {
            return Err(DotenvError::MultiLine((*name).to_owned()));
        }
        text.push_str(name);
        text.push('=');
        text.push_str(value);
        text.push('\n');
    }
    if text.len() >= DOTENV_LIMIT {
        return Err(DotenvError::TooLarge(text.len()));
    }
    Ok(text)
}

/// Writes `text` to `path`, replacing what was there (the folder must exist, except
/// the pipe's own folder in its storage, which is made).
pub fn write(path: &Path, text: &str) -> io::Result<()> {
    if let Some(dir) = path
        .parent()
        .filter(|d| d.file_name().is_some_and(|n| n == PIPE_FOLDER))
    {
        std::fs::create_dir_all(dir)?;
    }
    let mut file = std::fs::File::create(path)?;
    file.write_all(text.as_bytes())?;
    file.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outputs() -> Vec<(&'static str, String)> {
        vec![
            ("created", "6".into()),
            ("changed", "true".into()),
            ("drift", "false".into()),
            ("note", "null".into()),
            (
                "hooks",
                r#"[{"pipeline_id":1,"event":"action.started","result":"created"}]"#.into(),
            ),
        ]
    }

    #[test]
    fn json_keeps_the_types() {
        let v: Value = serde_json::from_str(&json_object(&outputs())).expect("JSON");
        assert_eq!(v["created"], 6);
        assert_eq!(v["changed"], true);
        assert_eq!(v["drift"], false);
        assert_eq!(v["note"], "null");
        assert_eq!(v["hooks"][0]["event"], "action.started");
    }

    #[test]
    fn dotenv_follows_gitlabs_rules() {
        let text = dotenv(&outputs()).expect("valid");
        assert_eq!(text, "created=6\nchanged=true\ndrift=false\nnote=null\n");
        for line in text.lines() {
            let (key, value) = line.split_once('=').expect("KEY=value");
            assert!(key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'));
            assert!(!value.is_empty());
        }
        assert_eq!(
            dotenv(&[("a-b", "1".into())]),
            Err(DotenvError::BadKey("a-b".into()))
        );
        assert_eq!(
            dotenv(&[("a", "1\n2".into())]),
            Err(DotenvError::MultiLine("a".into()))
        );
        let big = "x".repeat(DOTENV_LIMIT);
        assert!(matches!(
            dotenv(&[("a", big)]),
            Err(DotenvError::TooLarge(_))
        ));
    }

    #[test]
    fn the_json_lists_stay_out_of_the_dotenv_however_many_pipelines() {
        let entry = r#"{"application_id":null,"pipeline_id":123456,"provider":"github","repository":"octo-org/my-app"}"#;
        let pipelines = format!("[{}]", vec![entry; 500].join(","));
        let mut all = outputs();
        all.push(("pipelines", pipelines));
        let text = dotenv(&all).expect("500 pipelines still make a valid dotenv report");
        assert_eq!(text, "created=6\nchanged=true\ndrift=false\nnote=null\n");
    }

    #[test]
    fn a_pipe_writes_into_its_own_folder_of_the_shared_storage() {
        let dir = tempfile::tempdir().expect("tempdir");
        let files = OutputFiles {
            json: Some(dir.path().join("mine.json")),
            ..OutputFiles::default()
        }
        .or(OutputFiles::in_pipe_storage(dir.path()));
        assert_eq!(files.json, Some(dir.path().join("mine.json")));
        let env = files.dotenv.expect("dotenv in the storage");
        assert_eq!(env, dir.path().join("devopness-status-hooks/outputs.env"));
        write(&env, "a=1\n").expect("folder made, file written");
        write(&env, "b=2\n").expect("replaced");
        assert_eq!(std::fs::read_to_string(&env).ok().as_deref(), Some("b=2\n"));
        // Any other missing folder is the user's mistake, reported, not made.
        assert!(write(&dir.path().join("nope/x.json"), "{}").is_err());
    }
}

//! GitHub Actions I/O: workflow commands on stdout, the `GITHUB_OUTPUT` file and the
//! step summary, written exactly the way the runner reads them
//! (see `docs/runner.md`).
//!
//! Every line this program prints goes through [`Log`], which escapes user-controlled
//! text so that no input can forge a workflow command, and redacts registered secrets
//! as `***` (defence in depth: the runner masks them too, local runs do not).

use std::fmt::Write as _;
use std::fs::OpenOptions;
use std::io::{self, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};

use crate::doors::terminal::{self, Level};
use status_core::report::log::Line;

/// Escapes a command message: `%` first, then CR and LF. The runner also reads the
/// older `##[command]` form anywhere in a line, so `##[` is broken up too.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
        .replace("##[", "##%5B")
}

/// Escapes a command property value: as [`escape_data`] plus `:` and `,`.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// The secrets this run must never print. Shared by every writer of the run.
#[derive(Clone, Default)]
pub struct Secrets(Arc<Mutex<Vec<String>>>);

impl Secrets {
    pub fn add(&self, secret: &str) {
        if secret.is_empty() {
            return;
        }
        if let Ok(mut list) = self.0.lock() {
            list.push(secret.to_owned());
            // Longest first, so a secret containing another is replaced whole.
            list.sort_by_key(|s| std::cmp::Reverse(s.len()));
        }
    }

    /// Replaces every registered secret in `text` by `***`.
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_owned();
        if let Ok(list) = self.0.lock() {
            for secret in list.iter() {
                if out.contains(secret.as_str()) {
                    out = out.replace(secret.as_str(), "***");
                }
            }
        }
        out
    }
}

/// How the log is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// GitHub Actions: workflow commands (`::error::`, `::group::`, `::add-mask::`).
    Workflow,
    /// For people (a terminal, GitLab, Bitbucket): `error: ...` lines and headings,
    /// coloured or not (see [`crate::doors::terminal`]).
    Plain { colour: bool },
}

/// The step's log: workflow commands and plain lines on stdout.
#[derive(Clone)]
pub struct Log {
    secrets: Secrets,
    out: Arc<Mutex<Box<dyn Write + Send>>>,
    style: Style,
}

impl Log {
    pub fn stdout(secrets: Secrets) -> Self {
        Self::to_writer(secrets, Box::new(io::stdout()))
    }

    pub fn to_writer(secrets: Secrets, out: Box<dyn Write + Send>) -> Self {
        Log {
            secrets,
            out: Arc::new(Mutex::new(out)),
            style: Style::Workflow,
        }
    }

    /// The same log, written in `style`.
    pub fn with_style(mut self, style: Style) -> Self {
        self.style = style;
        self
    }

    pub fn style(&self) -> Style {
        self.style
    }

    pub fn secrets(&self) -> &Secrets {
        &self.secrets
    }

    fn line(&self, line: &str) {
        if let Ok(mut out) = self.out.lock() {
            // A failure to write the log cannot be reported anywhere else.
            let _ = writeln!(out, "{line}");
            let _ = out.flush();
        }
    }

    /// Registers `secret` and tells the runner to mask it, line by line, before
    /// anything else can print it.
    pub fn add_mask(&self, secret: &str) {
        let mut values = vec![secret];
        if secret.contains(['\n', '\r']) {
            values.extend(secret.split(['\n', '\r']).map(str::trim));
        }
        for value in values.into_iter().filter(|v| !v.is_empty()) {
            self.secrets.add(value);
            // Not redacted: this is the one line that must carry the value. Off
            // GitHub nothing reads it, so nothing is printed.
            if self.style == Style::Workflow {
                self.line(&format!("::add-mask::{}", escape_data(value)));
            }
        }
    }

    fn command(&self, name: &str, title: Option<&str>, message: &str) {
        if let Style::Plain { colour } = self.style {
            let level = match name {
                "error" => Level::Error,
                "warning" => Level::Warning,
                "group" => Level::Heading,
                _ => Level::Notice,
            };
            let title = title.map(|t| self.secrets.redact(t));
            let message = self.secrets.redact(message);
            self.line(&terminal::line(level, title.as_deref(), &message, colour));
            return;
        }
        let message = escape_data(&self.secrets.redact(message));
        match title {
            Some(t) => {
                let title = escape_property(&self.secrets.redact(t));
                self.line(&format!("::{name} title={title}::{message}"));
            }
            None => self.line(&format!("::{name}::{message}")),
        }
    }

    pub fn error(&self, title: Option<&str>, message: &str) {
        self.command("error", title, message);
    }

    pub fn warning(&self, title: Option<&str>, message: &str) {
        self.command("warning", title, message);
    }

    pub fn notice(&self, title: Option<&str>, message: &str) {
        self.command("notice", title, message);
    }

    pub fn group(&self, title: &str) {
        self.command("group", None, title);
    }

    pub fn endgroup(&self) {
        if self.style == Style::Workflow {
            self.line("::endgroup::");
        }
    }

    /// One line of a report's log.
    pub fn emit(&self, line: Line) {
        match line {
            Line::Group(title) => self.group(&title),
            Line::EndGroup => self.endgroup(),
            Line::Info(message) => self.info(&message),
            Line::Warning { title, message } => self.warning(title.as_deref(), &message),
            Line::Error { title, message } => self.error(title.as_deref(), &message),
            Line::Notice(message) => self.notice(None, &message),
        }
    }

    /// A plain log line, escaped like a command message. A line that would start
    /// with `::` (the runner trims leading space before looking) gets a `| ` prefix,
    /// so it can never start a command.
    pub fn info(&self, message: &str) {
        if let Style::Plain { colour } = self.style {
            let message = self.secrets.redact(message);
            self.line(&terminal::line(Level::Info, None, &message, colour));
            return;
        }
        let message = escape_data(&self.secrets.redact(message));
        if message.trim_start().starts_with("::") {
            self.line(&format!("| {message}"));
        } else {
            self.line(&message);
        }
    }
}

/// Writes outputs to `path` (the `GITHUB_OUTPUT` file): `name=value` for one-line
/// values, `name<<DELIM` blocks with a random delimiter for the rest.
pub fn write_outputs(path: &Path, outputs: &[(&str, String)]) -> io::Result<()> {
    let mut text = String::new();
    for (name, value) in outputs {
        text.push_str(&format_output(name, value)?);
    }
    append(path, &text)
}

/// One output in the runner's file-command format.
pub fn format_output(name: &str, value: &str) -> io::Result<String> {
    if name.is_empty() || name.contains(['=', '<', '\n', '\r']) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("invalid output name {name:?}"),
        ));
    }
    if !value.contains(['\n', '\r']) {
        return Ok(format!("{name}={value}\n"));
    }
    // A fresh random delimiter almost never occurs in the value; if it does, draw again.
    for _ in 0..8 {
        let delimiter = format!("ghadelimiter_{}", uuid::Uuid::new_v4());
        if !value.contains(&delimiter) {
            let mut s = String::new();
            let _ = write!(s, "{name}<<{delimiter}\n{value}\n{delimiter}\n");
            return Ok(s);
        }
    }
    Err(io::Error::other(format!(
        "output {name}: its value contains every delimiter drawn"
    )))
}

/// Largest step summary the runner accepts (1 MiB).
pub const SUMMARY_LIMIT: usize = 1024 * 1024;

/// Appends Markdown to the step summary file, cut to the runner's limit.
pub fn write_summary(path: &Path, markdown: &str) -> io::Result<()> {
    let text = if markdown.len() > SUMMARY_LIMIT {
        let note = "\n\n_Summary cut to GitHub's 1 MiB limit._\n";
        let mut end = SUMMARY_LIMIT - note.len();
        while !markdown.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}{note}", &markdown[..end])
    } else {
        markdown.to_owned()
    };
    append(path, &text)
}

fn append(path: &Path, text: &str) -> io::Result<()> {
    let mut file = OpenOptions::new().create(true).append(true).open(path)?;
    file.write_all(text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Default)]
    struct Buf(Arc<Mutex<Vec<u8>>>);
    impl Write for Buf {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            self.0
                .lock()
                .map_err(|_| io::Error::other("poisoned"))?
                .write(b)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    impl Buf {
        fn text(&self) -> String {
            String::from_utf8_lossy(&self.0.lock().map(|b| b.clone()).unwrap_or_default())
                .into_owned()
        }
    }

    fn log() -> (Log, Buf) {
        let buf = Buf::default();
        (
            Log::to_writer(Secrets::default(), Box::new(buf.clone())),
            buf,
        )
    }

    #[test]
    fn escapes_percent_first_then_line_breaks() {
        assert_eq!(escape_data("50%\r\n"), "50%25%0D%0A");
        assert_eq!(escape_property("a:b,c%"), "a%3Ab%2Cc%25");
    }

    #[test]
    fn a_message_cannot_forge_a_command() {
        let (log, buf) = log();
        log.error(Some("in:put"), "bad\n::add-mask::x");
        log.info("::set-output name=x::y");
        let text = buf.text();
        assert_eq!(text.lines().count(), 2, "{text}");
        assert!(text.starts_with("::error title=in%3Aput::bad%0A::add-mask::x\n"));
        assert!(text.lines().nth(1).is_some_and(|l| l.starts_with("| ::")));
        log.info("x ##[stop-commands]zz");
        assert!(buf.text().ends_with("x ##%5Bstop-commands]zz\n"));
    }

    #[test]
    fn masks_each_line_and_redacts_afterwards() {
        let (log, buf) = log();
        log.add_mask("ab\ncd");
        log.info("token ab\ncd and cd");
        let text = buf.text();
        assert!(text.contains("::add-mask::ab%0Acd\n"));
        assert!(text.contains("::add-mask::ab\n"));
        assert!(text.contains("::add-mask::cd\n"));
        assert!(text.ends_with("token *** and ***\n"), "{text}");
    }

    #[test]
    fn the_plain_style_speaks_to_people_and_still_redacts() {
        let buf = Buf::default();
        let log = Log::to_writer(Secrets::default(), Box::new(buf.clone()))
            .with_style(Style::Plain { colour: false });
        log.add_mask("s3cret");
        log.group("Pipeline 1");
        log.info("created (hook h1)\n::error::forged");
        log.endgroup();
        log.warning(Some("Pipeline 1"), "token s3cret refused");
        log.error(None, "bad \x1b[2J");
        log.notice(None, "dry run");
        assert_eq!(
            buf.text(),
            "Pipeline 1\ncreated (hook h1)^J::error::forged\nwarning: Pipeline 1: token *** refused\nerror: bad ^[[2J\nnote: dry run\n"
        );
    }

    #[test]
    fn one_line_and_multi_line_outputs() {
        assert_eq!(format_output("a", "1=2").ok().as_deref(), Some("a=1=2\n"));
        let multi = format_output("b", "x\ny").unwrap_or_default();
        let mut lines = multi.lines();
        let head = lines.next().unwrap_or_default();
        let delim = head.strip_prefix("b<<").unwrap_or_default();
        assert!(delim.starts_with("ghadelimiter_"));
        assert_eq!(lines.collect::<Vec<_>>(), vec!["x", "y", delim]);
        assert!(format_output("a=b", "v").is_err());
    }

    #[test]
    fn summary_is_cut_to_the_limit() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("summary.md");
        write_summary(&path, &"é".repeat(SUMMARY_LIMIT)).expect("write");
        let written = std::fs::read_to_string(&path).expect("read");
        assert!(written.len() <= SUMMARY_LIMIT);
        assert!(written.ends_with("limit._\n"));
    }
}

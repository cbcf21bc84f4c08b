//! The plain report for people, off GitHub Actions: `error: ...`, `warning: ...`
//! lines and headings instead of workflow commands, colour only on a terminal (and
//! never with `NO_COLOR` set, or `TERM=dumb`). Text from the API or the user is
//! neutralised first: control characters (escape sequences that would drive the
//! terminal or forge GitLab's log sections, line breaks that would forge a line) are
//! shown in caret notation, Unicode direction overrides as `<U+202E>`, and what a
//! GitHub runner would read as a command (a line starting with `::`, `##[` anywhere)
//! is broken up, since a `run:` step's stdout is still read by the runner.

use std::fmt::Write as _;

/// What a line says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Error,
    Warning,
    Notice,
    /// A heading (a pipeline), where GitHub would open a group.
    Heading,
    Info,
}

/// Whether to colour the report: only on a terminal, and `NO_COLOR` (any non-empty
/// value, no-color.org) or `TERM=dumb` turn it off.
pub fn wants_colour(stdout_is_terminal: bool, vars: &[(String, String)]) -> bool {
    let get = |name: &str| {
        vars.iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    stdout_is_terminal && get("NO_COLOR").is_none_or(str::is_empty) && get("TERM") != Some("dumb")
}

/// `text` made inert for a terminal and for a CI log reader (see the module doc).
pub fn neutralise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\t' => out.push('\t'),
            '\u{7f}' => out.push_str("^?"),
            c if (c as u32) < 0x20 => {
                out.push('^');
                out.push(char::from(b'@' + c as u8));
            }
            c if c.is_control()
                || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}') =>
            {
                let _ = write!(out, "<U+{:04X}>", c as u32);
            }
            c => out.push(c),
        }
    }
    let out = out.replace("##[", "## [");
    if out.trim_start().starts_with("::") {
        format!("| {out}")
    } else {
        out
    }
}

const RED: &str = "\x1b[1;31m";
const YELLOW: &str = "\x1b[1;33m";
const CYAN: &str = "\x1b[36m";
const BOLD: &str = "\x1b[1m";
const RESET: &str = "\x1b[0m";

/// One report line (without its line break). `title` and `message` are neutralised
/// here; the colour codes are added after, so only this program's own codes remain.
pub fn line(level: Level, title: Option<&str>, message: &str, colour: bool) -> String {
    let paint = |code: &str, text: &str| {
        if colour {
            format!("{code}{text}{RESET}")
        } else {
            text.to_owned()
        }
    };
    let message = neutralise(message);
    let titled = match title {
        Some(t) => format!("{}: {message}", neutralise(t)),
        None => message,
    };
    match level {
        Level::Error => format!("{} {titled}", paint(RED, "error:")),
        Level::Warning => format!("{} {titled}", paint(YELLOW, "warning:")),
        Level::Notice => format!("{} {titled}", paint(CYAN, "note:")),
        Level::Heading => paint(BOLD, &titled),
        Level::Info => titled,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doors::platform::tests::vars;

    #[test]
    fn colour_only_on_a_terminal_and_never_with_no_color() {
        assert!(wants_colour(true, &vars(&[("TERM", "xterm-256color")])));
        assert!(wants_colour(true, &vars(&[("NO_COLOR", "")])));
        assert!(!wants_colour(false, &vars(&[])));
        assert!(!wants_colour(true, &vars(&[("NO_COLOR", "1")])));
        assert!(!wants_colour(true, &vars(&[("TERM", "dumb")])));
    }

    #[test]
    fn api_text_cannot_drive_the_terminal_or_forge_lines() {
        let hostile = "ok\x1b[2J\x1b]0;pwned\x07\r\nerror: fake\x00\u{9b}31m\u{202e}txt\x7f";
        let shown = neutralise(hostile);
        assert!(!shown.chars().any(|c| c.is_control()), "{shown:?}");
        assert_eq!(
            shown,
            "ok^[[2J^[]0;pwned^G^M^Jerror: fake^@<U+009B>31m<U+202E>txt^?"
        );
        // GitLab's collapsible sections need a real ESC and CR.
        let section = neutralise("\x1b[0Ksection_start:1:x\r\x1b[0KHeader");
        assert!(!section.contains('\x1b') && !section.contains('\r'));
    }

    #[test]
    fn nothing_reads_as_a_github_command() {
        assert_eq!(neutralise("::error::x"), "| ::error::x");
        assert_eq!(neutralise("  ::add-mask::x"), "|   ::add-mask::x");
        assert_eq!(neutralise("a ##[error]b"), "a ## [error]b");
        assert_eq!(neutralise("Deploy 50% done: ok"), "Deploy 50% done: ok");
    }

    #[test]
    fn lines_are_plain_words_and_colour_is_ours_only() {
        assert_eq!(
            line(Level::Error, Some("Pipeline 7"), "HTTP 500", false),
            "error: Pipeline 7: HTTP 500"
        );
        assert_eq!(line(Level::Warning, None, "w", false), "warning: w");
        assert_eq!(line(Level::Notice, None, "dry run", false), "note: dry run");
        assert_eq!(
            line(Level::Heading, None, "Pipeline 7", false),
            "Pipeline 7"
        );
        assert_eq!(
            line(Level::Error, None, "bad\x1b[0m", true),
            "\x1b[1;31merror:\x1b[0m bad^[[0m"
        );
        let heading = line(Level::Heading, None, "P", true);
        assert_eq!(heading, "\x1b[1mP\x1b[0m");
    }
}

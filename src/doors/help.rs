//! `--help`: a text rendered from rows (the option table's, see `front_door`), so it
//! lists every option with its default and its environment variable and cannot go
//! stale. Pure.

/// One option in the help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelpRow {
    /// As typed: `--mode apply|check|remove`, `--api-token-file FILE`.
    pub usage: String,
    pub description: String,
    /// `None`: no default (required, or nothing happens without it).
    pub default: Option<String>,
    /// The environment variable, if one is read.
    pub env: Option<String>,
}

/// A titled group of options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelpSection {
    pub title: &'static str,
    pub rows: Vec<HelpRow>,
}

/// Width the descriptions are wrapped to.
pub const WIDTH: usize = 88;
const INDENT: &str = "      ";

/// The whole help: `head` (name, what it does, usage), the sections, then `tail`.
pub fn render(head: &str, sections: &[HelpSection], tail: &str) -> String {
    let mut out = String::from(head.trim_end());
    out.push_str("\n\n");
    for section in sections {
        out.push_str(section.title);
        out.push_str(":\n");
        for row in &section.rows {
            out.push_str("  ");
            out.push_str(&row.usage);
            out.push('\n');
            for line in wrap(&row.description, WIDTH - INDENT.len()) {
                push_line(&mut out, &line);
            }
            let facts: Vec<String> = [
                row.default.as_ref().map(|d| format!("[default: {d}]")),
                row.env.as_ref().map(|e| format!("[env: {e}]")),
            ]
            .into_iter()
            .flatten()
            .collect();
            let joined = facts.join(" ");
            if INDENT.len() + joined.chars().count() <= WIDTH {
                if !joined.is_empty() {
                    push_line(&mut out, &joined);
                }
            } else {
                for fact in &facts {
                    push_line(&mut out, fact);
                }
            }
        }
        out.push('\n');
    }
    out.push_str(tail.trim_end());
    out.push('\n');
    out
}

fn push_line(out: &mut String, line: &str) {
    out.push_str(INDENT);
    out.push_str(line);
    out.push('\n');
}

/// Words into lines of at most `width` characters (a longer word gets its own line).
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let len = line.chars().count();
        if len > 0 && len + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_at_word_boundaries() {
        assert_eq!(wrap("a bb ccc dddd", 6), vec!["a bb", "ccc", "dddd"]);
        assert_eq!(wrap("  ", 6), Vec::<String>::new());
        assert_eq!(
            wrap("averyveryverylongword x", 6),
            vec!["averyveryverylongword", "x"]
        );
    }

    #[test]
    fn each_option_shows_its_default_and_its_variable() {
        let text = render(
            "tool 1.0\n\nUsage: tool [OPTIONS]\n",
            &[HelpSection {
                title: "Options",
                rows: vec![
                    HelpRow {
                        usage: "--mode apply|check".into(),
                        description: "What to do.".into(),
                        default: Some("apply".into()),
                        env: Some("DEVOPNESS_MODE".into()),
                    },
                    HelpRow {
                        usage: "--pipeline-ids LIST".into(),
                        description: "Ids.".into(),
                        default: None,
                        env: None,
                    },
                ],
            }],
            "Exit codes: 0 ok.",
        );
        assert_eq!(
            text,
            "tool 1.0\n\nUsage: tool [OPTIONS]\n\nOptions:\n  --mode apply|check\n      What to do.\n      [default: apply] [env: DEVOPNESS_MODE]\n  --pipeline-ids LIST\n      Ids.\n\nExit codes: 0 ok.\n"
        );
        for line in text.lines() {
            assert!(line.chars().count() <= WIDTH, "{line}");
        }
    }
}

//! The declared inputs of `action.yml` and their defaults, so the binary gets what the
//! runner gives a container action: every declared input, as `INPUT_<NAME>` with the
//! name upper-cased and hyphens kept, set to the workflow's value or else the default
//! (`""` when there is none).
//!
//! A minimal reader for this file's flat shape (`inputs:` at column 0, each input at two
//! spaces, its `default:` at four), not a YAML parser.

/// `(name, default)` for each declared input, in file order.
pub fn declared_inputs(text: &str) -> Vec<(String, String)> {
    let mut inputs: Vec<(String, String)> = Vec::new();
    let mut in_inputs = false;
    for line in text.lines() {
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        if !line.starts_with(' ') {
            in_inputs = line.trim_end() == "inputs:";
            continue;
        }
        if !in_inputs {
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        let content = line.trim();
        if indent == 2 {
            if let Some(name) = content.strip_suffix(':') {
                inputs.push((name.to_string(), String::new()));
            }
        } else if indent == 4 {
            if let (Some(value), Some(last)) = (content.strip_prefix("default:"), inputs.last_mut())
            {
                last.1 = scalar(value.trim());
            }
        }
    }
    inputs
}

/// A one-line YAML scalar: double-quoted, single-quoted or plain.
fn scalar(s: &str) -> String {
    if s.len() >= 2 && s.starts_with('"') && s.ends_with('"') {
        let inner = &s[1..s.len() - 1];
        let mut out = String::new();
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            if c == '\\' {
                match chars.next() {
                    Some('n') => out.push('\n'),
                    Some('t') => out.push('\t'),
                    Some(other) => out.push(other),
                    None => out.push('\\'),
                }
            } else {
                out.push(c);
            }
        }
        out
    } else if s.len() >= 2 && s.starts_with('\'') && s.ends_with('\'') {
        s[1..s.len() - 1].replace("''", "'")
    } else {
        // A plain scalar ends at " #" (a comment).
        s.split(" #").next().unwrap_or("").trim().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_names_and_defaults() {
        let text = "name: x\ninputs:\n  api-token:\n    description: \"a: b\"\n    required: true\n  mode:\n    description: default: not this\n    default: apply\n  hook-name:\n    default: \"{context}: {event}\"\n  q:\n    default: 'it''s'\n  n:\n    default: \"10\" \noutputs:\n  hooks:\n    default: no\n";
        let got = declared_inputs(text);
        let want: Vec<(String, String)> = [
            ("api-token", ""),
            ("mode", "apply"),
            ("hook-name", "{context}: {event}"),
            ("q", "it's"),
            ("n", "10"),
        ]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        assert_eq!(got, want);
    }
}

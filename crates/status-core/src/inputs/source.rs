//! Where the options' values come from. Today one source: the action's inputs as the
//! runner passes them, `INPUT_<NAME>` (the name upper-cased, hyphens kept), every
//! declared input present and empty when left out without a default. Whatever the
//! source, the values land in [`RawValues`], keyed by the table's [`Input`], and go
//! through the same validation.

use super::options::{Input, Secrecy, OPTIONS};

/// The values given for the options, as given (untrimmed), and what the platform suggests
/// where they are silent.
#[derive(Debug, Clone, Default)]
pub struct RawValues {
    values: Vec<(Input, String)>,
    /// The platform's own provider, repository and provider API URL (a GitLab job's
    /// `CI_PROJECT_PATH`, ...): where statuses go when nothing else says, never a value
    /// that overrides an application's.
    suggested: Vec<(Input, String)>,
}

impl RawValues {
    /// The action's inputs among `vars` (names compared without regard to case; of
    /// two variables for one input, the later counts, and both are masked).
    pub fn from_action_inputs(vars: &[(String, String)]) -> RawValues {
        let values = vars
            .iter()
            .filter_map(|(k, v)| {
                let option = OPTIONS
                    .iter()
                    .find(|o| k.eq_ignore_ascii_case(&action_input_var(o.name)))?;
                Some((option.input, v.clone()))
            })
            .collect();
        RawValues {
            values,
            suggested: Vec::new(),
        }
    }

    /// Values for some options (tests, and sources that build them one by one).
    pub fn of(values: &[(Input, &str)]) -> RawValues {
        RawValues {
            values: values.iter().map(|(i, v)| (*i, (*v).to_owned())).collect(),
            suggested: Vec::new(),
        }
    }

    /// The same values, with the platform's suggestions.
    pub fn suggesting(mut self, suggested: &[(Input, &str)]) -> RawValues {
        self.suggested = suggested
            .iter()
            .map(|(i, v)| (*i, (*v).to_owned()))
            .collect();
        self
    }

    /// What the platform suggests for the option (trimmed; empty is no suggestion).
    pub fn suggested(&self, input: Input) -> Option<&str> {
        self.suggested
            .iter()
            .rev()
            .find(|(i, _)| *i == input)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    }

    /// The value as given, untrimmed.
    pub fn raw(&self, input: Input) -> Option<&str> {
        self.values
            .iter()
            .rev()
            .find(|(i, _)| *i == input)
            .map(|(_, v)| v.as_str())
    }

    /// The value trimmed; empty means not given (the runner passes "" for an input
    /// left out).
    pub fn given(&self, input: Input) -> Option<&str> {
        self.raw(input).map(str::trim).filter(|v| !v.is_empty())
    }

    /// Every secret among the values, before any validation, so each can be masked
    /// before anything is printed: whole secret values (untrimmed), and the values
    /// of `Name: value` lines.
    pub fn secrets(&self) -> Vec<&str> {
        let mut out = Vec::new();
        for (input, value) in &self.values {
            match input.spec().secret {
                Secrecy::Public => {}
                Secrecy::Secret => out.push(value.as_str()),
                Secrecy::HeaderValues => out.extend(
                    value
                        .split(['\n', '\r'])
                        .filter_map(|l| l.split_once(':'))
                        .map(|(_, v)| v.trim())
                        .filter(|v| !v.is_empty()),
                ),
            }
        }
        out
    }
}

/// The runner's variable for an input: `INPUT_` and the name upper-cased, spaces
/// turned into `_`, hyphens kept.
pub fn action_input_var(name: &str) -> String {
    format!("INPUT_{}", name.replace(' ', "_").to_uppercase())
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// Environment variables from pairs.
    pub(in crate::inputs) fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn action_inputs_are_read_by_name_with_hyphens_and_empty_means_absent() {
        let raw = RawValues::from_action_inputs(&vars(&[
            ("INPUT_PIPELINE-IDS", " 1, 2 "),
            ("input_api-url", "https://x"),
            ("INPUT_CONTEXT", "  "),
            ("INPUT_PIPELINE_IDS", "not this one"),
            ("PIPELINE-IDS", "nor this"),
            ("input_mode", "check"),
            ("INPUT_MODE", "remove"),
        ]));
        assert_eq!(raw.given(Input::Mode), Some("remove"));
        assert_eq!(raw.raw(Input::Provider), None);
        assert_eq!(raw.given(Input::PipelineIds), Some("1, 2"));
        assert_eq!(raw.raw(Input::PipelineIds), Some(" 1, 2 "));
        assert_eq!(raw.given(Input::ApiUrl), Some("https://x"));
        assert_eq!(raw.given(Input::Context), None);
        assert_eq!(raw.raw(Input::Context), Some("  "));
    }

    #[test]
    fn secrets_come_from_the_table() {
        let raw = RawValues::of(&[
            (Input::ApiToken, " tok \n"),
            (Input::GithubToken, "ght"),
            (
                Input::ExtraHeaders,
                "X-A: one\r\nX-B:two\nnot a header\nX-C:   ",
            ),
            (Input::Context, "not secret"),
        ]);
        assert_eq!(raw.secrets(), vec![" tok \n", "ght", "one", "two"]);
        let twice = RawValues::from_action_inputs(&vars(&[
            ("INPUT_api-token", "first-token"),
            ("INPUT_API-TOKEN", "second-token"),
        ]));
        assert_eq!(twice.given(Input::ApiToken), Some("second-token"));
        assert_eq!(twice.secrets(), vec!["first-token", "second-token"]);
    }
}

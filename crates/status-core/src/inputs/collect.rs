//! The error collector: small typed parsers over [`RawValues`] that record a problem
//! and carry on with the table's default, so one pass reports every problem at once.

use super::checks::{check_api_url, parse_bool, whole_number};
use super::options::{Input, Kind};
use super::source::RawValues;
use super::InputError;

/// Reads values for the validation and keeps every problem found.
pub struct Collector<'a> {
    raw: &'a RawValues,
    errors: Vec<InputError>,
}

impl<'a> Collector<'a> {
    pub fn new(raw: &'a RawValues) -> Self {
        Collector {
            raw,
            errors: Vec::new(),
        }
    }

    /// The problems found so far, or `value` when there are none.
    pub fn finish<T>(self, value: T) -> Result<T, Vec<InputError>> {
        if self.errors.is_empty() {
            Ok(value)
        } else {
            Err(self.errors)
        }
    }

    /// Records a problem with `input`.
    pub fn push(&mut self, input: Input, message: impl Into<String>) {
        self.errors.push(InputError::new(input, message));
    }

    /// Whether a problem with `input` is already recorded.
    pub fn refused(&self, input: Input) -> bool {
        self.errors.iter().any(|e| e.input == input)
    }

    /// Records the error of `result`, if any, and passes its value on.
    pub fn check<T>(&mut self, input: Input, result: Result<T, String>) -> Option<T> {
        result.map_err(|e| self.push(input, e)).ok()
    }

    /// The value given (trimmed; empty is not given).
    pub fn given(&self, input: Input) -> Option<&'a str> {
        self.raw.given(input)
    }

    /// What the platform suggests where the value is not given.
    pub fn suggested(&self, input: Input) -> Option<&'a str> {
        self.raw.suggested(input)
    }

    /// The value given, else the table's default.
    pub fn value(&self, input: Input) -> &'a str {
        self.given(input).unwrap_or(input.spec().default)
    }

    /// A value that must be given; `hint` says what to pass. `""` when missing.
    pub fn required(&mut self, input: Input, hint: &str) -> &'a str {
        self.given(input).unwrap_or_else(|| {
            self.push(input, format!("required: {hint}"));
            ""
        })
    }

    /// A token: one line with no spaces or control characters. `""` when bad.
    pub fn token(&mut self, input: Input, value: &'a str, advice: &str) -> &'a str {
        if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
            self.push(
                input,
                format!("must be one line with no spaces or control characters{advice}"),
            );
            return "";
        }
        value
    }

    /// `true` or `false`; the default when not given or not a boolean.
    pub fn boolean(&mut self, input: Input) -> bool {
        let default = parse_bool(input.spec().default).unwrap_or(false);
        match self.given(input) {
            None => default,
            Some(v) => parse_bool(v).unwrap_or_else(|| {
                self.push(
                    input,
                    "expected true or false (true, True, TRUE, false, False, FALSE)",
                );
                default
            }),
        }
    }

    /// A whole number within the table's bounds; `what` names the unit in the
    /// message (`"a whole number of seconds"`). The default when not given or bad.
    pub fn number(&mut self, input: Input, what: &str) -> u64 {
        let spec = input.spec();
        let (min, max) = match spec.kind {
            Kind::Number { min, max } => (min, max),
            _ => (0, u64::MAX),
        };
        let default = whole_number(spec.default).unwrap_or(min);
        match self.given(input) {
            None => default,
            Some(s) => match whole_number(s) {
                Some(n) if (min..=max).contains(&n) => n,
                _ => {
                    self.push(input, format!("expected {what} from {min} to {max}"));
                    default
                }
            },
        }
    }

    /// One of the table's words, turned into a value by `of`; the default when not
    /// given or not one of them. `None` when the table's default is empty (the value
    /// then comes from elsewhere) and no valid word was given.
    pub fn choice<T>(&mut self, input: Input, of: impl Fn(&str) -> Option<T>) -> Option<T> {
        let spec = input.spec();
        let names: &[&str] = match spec.kind {
            Kind::Choice(names) => names,
            _ => &[],
        };
        let pick = |name: &str| names.contains(&name).then(|| of(name)).flatten();
        match self.given(input) {
            None => pick(spec.default),
            Some(name) => pick(name).or_else(|| {
                self.push(input, format!("expected one of: {}", names.join(", ")));
                pick(spec.default)
            }),
        }
    }

    /// An API base URL (see [`check_api_url`]), without a trailing `/`.
    pub fn url(&mut self, input: Input, value: &str) -> String {
        self.check(input, check_api_url(value)).unwrap_or_default()
    }
}

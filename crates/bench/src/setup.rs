//! Before measuring: the binary (where, how big, static or not), the inputs every run
//! gets (action.yml's declared inputs with their defaults, then `--input`), and notes
//! for the report's header.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::action_yml;
use crate::args::Args;

/// The CA bundle the image carries besides the binary.
pub const CA_BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";

/// What is known before the first run.
pub struct Setup {
    pub binary: PathBuf,
    /// Its size in bytes.
    pub size: u64,
    /// No dynamic loader named in it.
    pub is_static: bool,
    /// Size of [`CA_BUNDLE`], when there is one.
    pub ca_bundle: Option<u64>,
    /// Every declared input with its default, then the `--input` overrides.
    pub base_inputs: Vec<(String, String)>,
    /// The max-concurrency the binary gets when the bench does not force one.
    pub default_label: String,
    /// Lines for the report's header.
    pub header: Vec<String>,
}

/// Sets `name` to `value` in `inputs`, adding it when absent.
pub fn set(inputs: &mut Vec<(String, String)>, name: &str, value: String) {
    match inputs.iter_mut().find(|(n, _)| n == name) {
        Some(slot) => slot.1 = value,
        None => inputs.push((name.to_string(), value)),
    }
}

impl Setup {
    /// `Err`: the binary is missing (usage error).
    pub fn new(args: &Args) -> Result<Setup, String> {
        let binary = locate(&args.binary);
        let size = std::fs::metadata(&binary)
            .map(|m| m.len())
            .map_err(|e| {
                format!(
                    "no binary at {} ({e}): build it first with `cargo build --release`, or pass --binary",
                    binary.display()
                )
            })?;
        let is_static = std::fs::read(&binary)
            .map(|b| !b.windows(8).any(|w| w == b"/lib64/l" || w == b"/lib/ld-"))
            .unwrap_or(false);
        let mut header = Vec::new();
        let action_yml = locate(&args.action_yml);
        let mut base_inputs = declared_inputs(&action_yml, &mut header);
        for input in &args.input {
            set(&mut base_inputs, &input.name, input.value.clone());
            header.push(format!("input override: {}={}", input.name, input.value));
        }
        let default_label = base_inputs
            .iter()
            .find(|(n, _)| n == "max-concurrency")
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
            .map_or("default".to_string(), |v| format!("{v} (default)"));
        if let Some(warning) = stale(&binary, &action_yml) {
            header.push(warning);
        }
        if args.concurrency == Some(1) {
            header.push("note: --concurrency 1 makes the main runs sequential too".into());
        }
        Ok(Setup {
            binary,
            size,
            is_static,
            ca_bundle: std::fs::metadata(CA_BUNDLE).ok().map(|m| m.len()),
            base_inputs,
            default_label,
            header,
        })
    }
}

fn declared_inputs(action_yml: &Path, header: &mut Vec<String>) -> Vec<(String, String)> {
    match std::fs::read_to_string(action_yml) {
        Ok(text) => {
            let inputs = action_yml::declared_inputs(&text);
            header.push(format!(
                "inputs: the {} declared in {} with their defaults, as the runner sets them",
                inputs.len(),
                action_yml.display()
            ));
            inputs
        }
        Err(e) => {
            header.push(format!(
                "inputs: {} unreadable ({e}); only the inputs the bench sets are passed",
                action_yml.display()
            ));
            Vec::new()
        }
    }
}

/// A warning when the binary is older than the sources beside action.yml.
fn stale(binary: &Path, action_yml: &Path) -> Option<String> {
    let built = std::fs::metadata(binary).and_then(|m| m.modified()).ok()?;
    let root = action_yml.parent()?;
    let src = if root.as_os_str().is_empty() {
        PathBuf::from("src")
    } else {
        root.join("src")
    };
    (newest(&src)? > built).then(|| {
        format!(
            "WARNING: {} is older than {}: rebuild it with `cargo build --release`",
            binary.display(),
            src.display()
        )
    })
}

/// A path as given, else (when relative and missing) under the workspace root.
fn locate(path: &Path) -> PathBuf {
    if path.exists() || path.is_absolute() {
        return path.to_path_buf();
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let candidate = root.join(path);
    if candidate.exists() {
        candidate
    } else {
        path.to_path_buf()
    }
}

/// The newest modification time of the files under `dir`.
fn newest(dir: &Path) -> Option<SystemTime> {
    let mut latest: Option<SystemTime> = None;
    for entry in std::fs::read_dir(dir).ok()?.flatten() {
        let path = entry.path();
        let t = if path.is_dir() {
            newest(&path)
        } else {
            entry.metadata().and_then(|m| m.modified()).ok()
        };
        latest = latest.max(t);
    }
    latest
}

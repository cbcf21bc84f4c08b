//! What the crate boundary cannot check. That the core (`crates/status-core`) imports
//! nothing of the action's crate, the compiler checks; that it calls no I/O of std, its
//! `clippy.toml`. Left here: no I/O crate (async runtime, HTTP, TLS) in the core's
//! dependencies; inside each crate, no two modules import each other, directly or
//! round a cycle (the modules of `src/doors/` count one by one); and the README's layout
//! table names every module of both crates once, and nothing that is not there.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The two crates' sources, as the README names them.
const CRATES: [&str; 2] = ["crates/status-core/src", "src"];

/// Folders that only group modules: each module in them is a node of its own.
const GROUPS: [&str; 1] = ["doors"];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn entries(dir: &Path) -> Vec<PathBuf> {
    let list = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let mut out: Vec<PathBuf> = list.flatten().map(|e| e.path()).collect();
    out.sort();
    out
}

/// A crate's modules (`inputs`, `doors::cli`), each with its files.
fn modules(src: &str) -> BTreeMap<String, Vec<PathBuf>> {
    let mut out = BTreeMap::new();
    let mut add = |name: String, path: PathBuf| {
        let files = if path.is_dir() {
            rust_files(&path)
        } else {
            vec![path]
        };
        out.insert(name, files);
    };
    for path in entries(&root().join(src)) {
        let name = stem(&path);
        if name == "lib" || name == "main" {
            continue;
        }
        if path.is_dir() && GROUPS.contains(&name.as_str()) {
            for inner in entries(&path) {
                if stem(&inner) != "mod" {
                    add(format!("{name}::{}", stem(&inner)), inner);
                }
            }
        } else {
            add(name, path);
        }
    }
    assert!(!out.is_empty(), "no modules in {src}");
    out
}

fn stem(path: &Path) -> String {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    name.trim_end_matches(".rs").to_owned()
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for path in entries(dir) {
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}

/// The modules of its own crate a source names: `crate::x`, `crate::doors::y` (also
/// inside `use crate::{x, doors::{y, z}}`). Comment lines are skipped.
fn references(source: &str) -> BTreeSet<String> {
    let code: Vec<&str> = source
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect();
    let code = code.join("\n");
    let mut out = BTreeSet::new();
    for (i, _) in code.match_indices("crate::") {
        paths(&code[i + "crate::".len()..], "", &mut out);
    }
    out.retain(|m| !m.is_empty() && !GROUPS.contains(&m.as_str()));
    out
}

/// The module named at the start of `rest` (a path, or a `{...}` group of paths), with
/// `prefix` (`doors::`) before it.
fn paths(rest: &str, prefix: &str, out: &mut BTreeSet<String>) {
    let Some(group) = rest.strip_prefix('{') else {
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        let after = &rest[name.len()..];
        if prefix.is_empty() && GROUPS.contains(&name.as_str()) {
            if let Some(inner) = after.strip_prefix("::") {
                return paths(inner, &format!("{name}::"), out);
            }
        }
        out.insert(format!("{prefix}{name}"));
        return;
    };
    // The group's top-level paths: split at commas outside nested braces.
    let (mut depth, mut start) = (0, 0);
    for (j, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth > 0 => depth -= 1,
            ',' | '}' if depth == 0 => {
                paths(group[start..j].trim(), prefix, out);
                if c == '}' {
                    return;
                }
                start = j + 1;
            }
            _ => {}
        }
    }
}

/// Each module's references to the other modules of its crate.
fn graph(src: &str) -> BTreeMap<String, BTreeSet<String>> {
    let modules = modules(src);
    modules
        .iter()
        .map(|(name, files)| {
            let mut refs = BTreeSet::new();
            for file in files {
                refs.extend(references(&read(file)));
            }
            refs.retain(|r| r != name && modules.contains_key(r));
            (name.clone(), refs)
        })
        .collect()
}

/// A cycle through `node`, found depth first: a module met again while on the path.
fn cycle(
    node: &str,
    graph: &BTreeMap<String, BTreeSet<String>>,
    path: &mut Vec<String>,
    done: &mut BTreeSet<String>,
) -> Option<Vec<String>> {
    if let Some(i) = path.iter().position(|p| p == node) {
        let mut found = path[i..].to_vec();
        found.push(node.to_owned());
        return Some(found);
    }
    if !done.insert(node.to_owned()) {
        return None;
    }
    path.push(node.to_owned());
    for next in &graph[node] {
        if let Some(found) = cycle(next, graph, path, done) {
            return Some(found);
        }
    }
    path.pop();
    None
}

#[test]
fn the_reference_scanner_reads_every_form() {
    let refs = references(
        "use crate::a::B;\nuse crate::{b, c::{D, E}, doors::{f, g::H}};\n// crate::commented\nlet x = crate::e::f();\nuse crate::doors::h;\n",
    );
    let want: BTreeSet<String> = ["a", "b", "c", "e", "doors::f", "doors::g", "doors::h"]
        .map(str::to_owned)
        .into();
    assert_eq!(refs, want);
}

#[test]
fn a_cycle_is_found() {
    let graph: BTreeMap<String, BTreeSet<String>> =
        [("a", vec!["b"]), ("b", vec!["c"]), ("c", vec!["a"])]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.into_iter().map(str::to_owned).collect()))
            .collect();
    let found = cycle("a", &graph, &mut Vec::new(), &mut BTreeSet::new());
    assert_eq!(
        found,
        Some(["a", "b", "c", "a"].map(str::to_owned).to_vec())
    );
}

#[test]
fn no_import_cycle_inside_a_crate() {
    for src in CRATES {
        let graph = graph(src);
        let mut done = BTreeSet::new();
        for node in graph.keys() {
            if let Some(found) = cycle(node, &graph, &mut Vec::new(), &mut done) {
                panic!("import cycle in {src}: {}", found.join(" -> "));
            }
        }
    }
}

#[test]
fn the_readme_layout_table_names_every_module_once() {
    let mut want = BTreeSet::new();
    for src in CRATES {
        for name in modules(src).keys() {
            let path = format!("{src}/{}", name.replace("::", "/"));
            let dir = root().join(&path).is_dir();
            want.insert(if dir {
                format!("{path}/")
            } else {
                format!("{path}.rs")
            });
        }
    }
    let mut seen = BTreeSet::new();
    for line in read(&root().join("README.md")).lines() {
        // | `src/doors/cli.rs` | the command line ... |
        let Some(cell) = line.split('|').nth(1).map(str::trim) else {
            continue;
        };
        let Some(path) = cell.strip_prefix('`').and_then(|c| c.strip_suffix('`')) else {
            continue;
        };
        let listed = CRATES
            .iter()
            .any(|src| path.starts_with(&format!("{src}/")));
        let module = !path.ends_with("/lib.rs") && !path.ends_with("/main.rs");
        if listed && module && path != "src/doors/" {
            assert!(seen.insert(path.to_owned()), "README names {path} twice");
        }
    }
    assert_eq!(seen, want, "README's layout table vs the modules on disk");
}

/// Crates that do I/O or belong to an HTTP or TLS stack: none may be in the core's tree.
const IO_CRATES: [&str; 17] = [
    "tokio",
    "mio",
    "hyper",
    "reqwest",
    "rustls",
    "octocrab",
    "tower",
    "http",
    "h2",
    "bytes",
    "futures",
    "socket2",
    "ring",
    "aws-lc",
    "openssl",
    "native-tls",
    "webpki",
];

/// Whether `name` is one of [`IO_CRATES`] or of its family (`tokio-rustls`, `http-body`).
fn io_crate(name: &str) -> bool {
    IO_CRATES.iter().any(|io| {
        name == *io || name.starts_with(&format!("{io}-")) || name.starts_with(&format!("{io}_"))
    })
}

/// Cargo.lock's packages: `name version` -> its dependencies' `name version`. An entry
/// of `dependencies` names the version only when the lock holds the name twice.
fn lock() -> BTreeMap<String, Vec<String>> {
    let text = read(&root().join("Cargo.lock"));
    let mut packages: Vec<(String, String, Vec<String>)> = Vec::new();
    for block in text.split("[[package]]").skip(1) {
        let field = |key: &str| {
            block
                .lines()
                .find_map(|l| l.strip_prefix(&format!("{key} = \"")))
                .map(|v| v.trim_end_matches('"').to_owned())
                .unwrap_or_default()
        };
        let deps = block
            .split_once("dependencies = [")
            .map(|(_, rest)| rest.split(']').next().unwrap_or_default())
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.trim().strip_prefix('"'))
            .map(|d| {
                d.split(" (")
                    .next()
                    .unwrap_or(d)
                    .trim_end_matches(['"', ','])
                    .to_owned()
            })
            .collect();
        packages.push((field("name"), field("version"), deps));
    }
    let id = |dep: &str| {
        let found = packages
            .iter()
            .find(|(name, version, _)| dep == name || dep == format!("{name} {version}"));
        found.map(|(name, version, _)| format!("{name} {version}"))
    };
    packages
        .iter()
        .map(|(name, version, deps)| {
            let deps = deps
                .iter()
                .map(|d| id(d).unwrap_or_else(|| panic!("{d}?")))
                .collect();
            (format!("{name} {version}"), deps)
        })
        .collect()
}

/// The names in a `[dependencies]` table of a Cargo.toml (not dev- or build-).
fn normal_dependencies(manifest: &str) -> Vec<String> {
    let mut inside = false;
    let mut out = Vec::new();
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            inside = line == "[dependencies]";
        } else if inside && !line.starts_with('#') {
            if let Some((name, _)) = line.split_once('=') {
                out.push(name.trim().to_owned());
            }
        }
    }
    out
}

/// Every crate the core can reach through its normal dependencies. Cargo.lock lists a
/// package's dependencies for the features the whole workspace turns on, so this is
/// the core's tree or more, never less.
fn core_tree() -> BTreeSet<String> {
    let lock = lock();
    let manifest = read(&root().join("crates/status-core/Cargo.toml"));
    let mut todo: Vec<String> = normal_dependencies(&manifest)
        .iter()
        .map(|name| {
            let ids: Vec<&String> = lock
                .keys()
                .filter(|id| id.split(' ').next() == Some(name))
                .collect();
            assert_eq!(ids.len(), 1, "{name} in Cargo.lock: {ids:?}");
            ids[0].clone()
        })
        .collect();
    let mut seen = BTreeSet::new();
    while let Some(id) = todo.pop() {
        if seen.insert(id.clone()) {
            todo.extend(lock[&id].iter().cloned());
        }
    }
    seen
}

#[test]
fn the_core_depends_on_no_io_crate() {
    let tree = core_tree();
    assert!(
        tree.iter().any(|id| id.starts_with("serde_json ")),
        "{tree:?}"
    );
    let io: Vec<&String> = tree
        .iter()
        .filter(|id| io_crate(id.split(' ').next().unwrap_or_default()))
        .collect();
    assert!(
        io.is_empty(),
        "crates/status-core reaches I/O crates: {io:?}"
    );
}

#[test]
fn the_io_crate_check_knows_the_families() {
    for name in [
        "tokio",
        "tokio-rustls",
        "hyper-util",
        "rustls-pki-types",
        "http-body",
        "futures-util",
        "aws-lc-sys",
    ] {
        assert!(io_crate(name), "{name}");
    }
    for name in ["serde", "serde_json", "url", "pem", "base64", "httpdate"] {
        assert!(!io_crate(name), "{name}");
    }
}

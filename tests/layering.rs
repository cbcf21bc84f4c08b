//! The layering `src/lib.rs` states, checked against the sources: every module is
//! listed once, as core or shell; no core module names a shell module (`crate::x`
//! anywhere in its files, `use` or inline, its unit tests included); the modules'
//! references have no cycle; and the README's module table puts each module on the
//! side `lib.rs` does.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Core,
    Shell,
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The modules of `lib.rs`, by the `// Core` and `// Shell` comments above them.
fn modules() -> BTreeMap<String, Side> {
    let mut side = None;
    let mut out = BTreeMap::new();
    for line in read(&root().join("src/lib.rs")).lines() {
        let line = line.trim();
        if line.starts_with("// Core") {
            side = Some(Side::Core);
        } else if line.starts_with("// Shell") {
            side = Some(Side::Shell);
        }
        let name = line
            .strip_prefix("pub mod ")
            .or_else(|| line.strip_prefix("mod "))
            .and_then(|rest| rest.strip_suffix(';'));
        if let Some(name) = name {
            let side = side.unwrap_or_else(|| panic!("module {name} is under no side in lib.rs"));
            assert!(out.insert(name.to_owned(), side).is_none(), "{name} twice");
        }
    }
    assert!(!out.is_empty(), "no modules found in lib.rs");
    out
}

/// The files of a module: `src/NAME.rs`, or everything under `src/NAME/`.
fn files(name: &str) -> Vec<PathBuf> {
    let file = root().join(format!("src/{name}.rs"));
    if file.is_file() {
        return vec![file];
    }
    let mut out = Vec::new();
    let mut dirs = vec![root().join("src").join(name)];
    while let Some(dir) = dirs.pop() {
        let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    assert!(!out.is_empty(), "module {name} has no files");
    out
}

/// The crate's modules a source names: `crate::x` (also inside `use crate::{x, y}`).
/// Comment lines are skipped.
fn references(source: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let code: Vec<&str> = source
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect();
    let code = code.join("\n");
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    for (i, _) in code.match_indices("crate::") {
        let rest = &code[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // Top-level names of the group: split at commas outside nested braces.
            let mut depth = 0;
            let mut start = 0;
            for (j, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => {
                        out.insert(ident(group[start..j].trim()));
                        break;
                    }
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        out.insert(ident(group[start..j].trim()));
                        start = j + 1;
                    }
                    _ => {}
                }
            }
        } else {
            out.insert(ident(rest));
        }
    }
    out.retain(|m| !m.is_empty());
    out
}

/// Each module's references to the other modules.
fn graph(modules: &BTreeMap<String, Side>) -> BTreeMap<String, BTreeSet<String>> {
    modules
        .keys()
        .map(|name| {
            let mut refs = BTreeSet::new();
            for file in files(name) {
                refs.extend(references(&read(&file)));
            }
            refs.retain(|r| r != name && modules.contains_key(r));
            (name.clone(), refs)
        })
        .collect()
}

#[test]
fn the_reference_scanner_reads_every_form() {
    let refs = references(
        "use crate::a::B;\nuse crate::{b, c::{D, E}, d};\n// crate::commented\nlet x = crate::e::f();\n",
    );
    let want: BTreeSet<String> = ["a", "b", "c", "d", "e"].map(str::to_owned).into();
    assert_eq!(refs, want);
}

#[test]
fn no_core_module_names_a_shell_module() {
    let modules = modules();
    let mut wrong = Vec::new();
    for (name, refs) in graph(&modules) {
        if modules[&name] != Side::Core {
            continue;
        }
        for r in refs {
            if modules[&r] == Side::Shell {
                wrong.push(format!("{name} (core) -> {r} (shell)"));
            }
        }
    }
    assert!(wrong.is_empty(), "core imports shell: {wrong:#?}");
}

#[test]
fn no_import_cycle() {
    let graph = graph(&modules());
    // Depth-first search; a module met again while still on the path closes a cycle.
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|p| p == node) {
            let mut cycle = path[i..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in &graph[node] {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        if let Some(cycle) = visit(node, &graph, &mut Vec::new(), &mut done) {
            panic!("import cycle: {}", cycle.join(" -> "));
        }
    }
}

#[test]
fn the_readme_module_table_agrees_with_lib_rs() {
    let modules = modules();
    let readme = read(&root().join("README.md"));
    let mut seen = BTreeMap::new();
    for line in readme.lines() {
        // | `src/inputs/` | core | ... |
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let Some(path) = cells.get(1).and_then(|c| c.strip_prefix("`src/")) else {
            continue;
        };
        let name = path
            .trim_end_matches('`')
            .trim_end_matches('/')
            .trim_end_matches(".rs");
        if name == "main" || name == "lib" {
            continue;
        }
        let side = match cells.get(2).copied() {
            Some("core") => Side::Core,
            Some("shell") => Side::Shell,
            other => panic!("README row for {name}: side {other:?}, expected core or shell"),
        };
        seen.insert(name.to_owned(), side);
    }
    assert_eq!(seen, modules, "README's module table vs lib.rs");
}

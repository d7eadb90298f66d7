//! The house's layers (`docs/architecture.md`), checked from the source: no
//! library module imports one above it, and no module cycle exists inside a
//! layer. The test reads `src/` as text, so it fails on the commit that breaks
//! the rule, not months later.

use std::collections::BTreeMap;
use std::collections::BTreeSet;
use std::path::Path;
use std::path::PathBuf;

/// The library's top-level modules, lowest first. A module may use itself and
/// anything listed before it.
const LAYERS: &[&str] = &[
    "model", "rules", "bundle", "store", "error", "repo", "json", "walk", "exchange", "peer",
    "audit", "fuzz", "crafted",
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The code of a file without comments (doc links may name any module).
fn code(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every `crate::NAME` named in `code`.
fn crate_refs(code: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (i, _) in code.match_indices("crate::") {
        let rest = &code[i + "crate::".len()..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        out.insert(name);
    }
    out
}

fn src() -> PathBuf {
    crate::support::repo().join("src")
}

/// The top-level module a library file belongs to (`src/store/log.rs` → store).
fn top_module(path: &Path) -> Option<String> {
    let rel = path.strip_prefix(src()).ok()?;
    let first = rel.components().next()?.as_os_str().to_str()?;
    let name = first.trim_end_matches(".rs");
    LAYERS.contains(&name).then(|| name.to_string())
}

#[test]
fn no_layer_imports_a_higher_one() {
    let rank = |m: &str| LAYERS.iter().position(|l| *l == m);
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let mut violations = Vec::new();
    let mut seen_modules = BTreeSet::new();
    for file in &files {
        let Some(top) = top_module(file) else {
            continue;
        };
        seen_modules.insert(top.clone());
        let own = rank(&top).unwrap();
        for used in crate_refs(&code(file)) {
            // `crate::Error` / `crate::Result` are re-exports of `error`.
            let used = match used.as_str() {
                "Error" | "Result" => "error".to_string(),
                _ => used,
            };
            match rank(&used) {
                Some(r) if r <= own => {}
                Some(_) => violations.push(format!("{} uses crate::{used}", file.display())),
                None => violations.push(format!(
                    "{} uses crate::{used}, which is in no layer",
                    file.display()
                )),
            }
        }
    }
    assert!(
        violations.is_empty(),
        "layering broken:\n{}",
        violations.join("\n")
    );
    let all: BTreeSet<String> = LAYERS.iter().map(|s| s.to_string()).collect();
    assert_eq!(
        seen_modules, all,
        "a layer has no files, or lib.rs grew a module"
    );
    // lib.rs declares exactly these modules.
    let lib = code(&src().join("lib.rs"));
    for layer in LAYERS {
        assert!(
            lib.contains(&format!("pub mod {layer};")),
            "lib.rs lacks {layer}"
        );
    }
}

/// Inside each top-level module, sibling files never form a cycle of imports
/// (`super::x` or `crate::top::x`).
#[test]
fn no_module_cycles_inside_a_layer() {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    // (top, submodule) → submodules it uses.
    let mut edges: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let Some(top) = top_module(file) else {
            continue;
        };
        let rel = file.strip_prefix(src().join(&top)).unwrap_or(file);
        let sub = rel
            .components()
            .next()
            .and_then(|c| c.as_os_str().to_str())
            .unwrap_or("mod.rs")
            .trim_end_matches(".rs")
            .to_string();
        if sub == "mod" || sub.is_empty() || rel == file.as_path() {
            continue;
        }
        let text = code(file);
        let mut uses = BTreeSet::new();
        for prefix in [format!("crate::{top}::"), "super::".to_string()] {
            for (i, _) in text.match_indices(&prefix) {
                let name: String = text[i + prefix.len()..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() && name != sub {
                    uses.insert(name);
                }
            }
        }
        edges.entry((top, sub)).or_default().extend(uses);
    }
    // Depth-first search for a cycle among each layer's submodules.
    fn visit(
        node: &(String, String),
        edges: &BTreeMap<(String, String), BTreeSet<String>>,
        path: &mut Vec<(String, String)>,
        done: &mut BTreeSet<(String, String)>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            return Some(path[at..].iter().map(|(_, s)| s.clone()).collect());
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.clone());
        for next in edges.get(node).into_iter().flatten() {
            let next = (node.0.clone(), next.clone());
            if edges.contains_key(&next) {
                if let Some(cycle) = visit(&next, edges, path, done) {
                    return Some(cycle);
                }
            }
        }
        path.pop();
        done.insert(node.clone());
        None
    }
    let mut done = BTreeSet::new();
    for node in edges.keys() {
        let cycle = visit(node, &edges, &mut Vec::new(), &mut done);
        assert!(cycle.is_none(), "module cycle in {}: {:?}", node.0, cycle);
    }
}

/// `docs/architecture.md` matches the tree: every source file is named there,
/// by its path under `src/` or by its folder (`rules/projection/`), and every
/// path it names exists.
#[test]
fn the_architecture_doc_names_every_file() {
    let doc = std::fs::read_to_string(crate::support::repo().join("docs/architecture.md")).unwrap();
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let mut unnamed = Vec::new();
    for file in &files {
        let rel = file.strip_prefix(src()).unwrap().display().to_string();
        if rel == "lib.rs" || rel == "main.rs" {
            continue;
        }
        // A folder's `mod.rs` is named by any path into that folder.
        let root_of_named_folder = rel
            .strip_suffix("mod.rs")
            .is_some_and(|dir| doc.contains(&format!("`{dir}")) && !dir.is_empty());
        let by_name = root_of_named_folder
            || doc.contains(&format!("`{rel}`"))
            || doc.contains(&format!("{rel}`"))
            || doc.contains(&format!("`{}`", rel.trim_start_matches("cli/")));
        let by_folder = Path::new(&rel)
            .ancestors()
            .skip(1)
            .filter(|a| !a.as_os_str().is_empty())
            .any(|a| doc.contains(&format!("`{}/`", a.display())));
        if !by_name && !by_folder {
            unnamed.push(rel);
        }
    }
    assert!(
        unnamed.is_empty(),
        "docs/architecture.md does not name: {unnamed:?}"
    );
    // Every `dir/file.rs` or `dir/` the doc names exists (under `src/`
    // unless it names the top folder).
    for cell in doc.split('`').skip(1).step_by(2) {
        let looks_like_path = (cell.ends_with(".rs") || cell.ends_with('/'))
            && cell.contains('/')
            && !cell.contains(' ');
        if looks_like_path {
            let root = crate::support::repo();
            let from_root = ["src/", "tests/", "fuzz/", "benches/"];
            let path = if from_root.iter().any(|r| cell.starts_with(r)) {
                root.join(cell)
            } else {
                src().join(cell)
            };
            assert!(
                path.exists(),
                "docs/architecture.md names {cell}, which does not exist"
            );
        }
    }
}

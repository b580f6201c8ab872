//! The code's own layout rules, checked on its text: no source file imports another that
//! imports it back, directly or round a longer circle.
//! Paths are resolved the way `use crate::...` and `use super::...`
//! name modules; a child naming its parent (`super::X`) is the module tree, not an import.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Every module under `src/` (as its path of names) and its text, tests cut off.
fn modules() -> BTreeMap<Vec<String>, String> {
    fn walk(dir: &Path, out: &mut BTreeMap<Vec<String>, String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
                let rel = path.strip_prefix(&src).unwrap().with_extension("");
                let mut names: Vec<String> = rel
                    .iter()
                    .map(|p| p.to_string_lossy().into_owned())
                    .collect();
                if matches!(
                    names.last().map(String::as_str),
                    Some("mod" | "lib" | "main")
                ) {
                    names.pop();
                }
                let text = std::fs::read_to_string(&path).unwrap();
                let text = text.split("#[cfg(test)]").next().unwrap().to_string();
                out.insert(names, text);
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut out);
    out
}

/// The modules `module`'s text names through `crate::`, `super::` or `self::` paths.
fn imports(
    module: &[String],
    text: &str,
    all: &BTreeMap<Vec<String>, String>,
) -> BTreeSet<Vec<String>> {
    let mut out = BTreeSet::new();
    for (i, _) in text.match_indices("::") {
        let start = text[..i]
            .rfind(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
            .map_or(0, |s| s + 1);
        let end = text[i..]
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
            .map_or(text.len(), |e| i + e);
        let path: Vec<&str> = text[start..end]
            .split("::")
            .filter(|s| !s.is_empty())
            .collect();
        let (mut base, rest): (Vec<String>, &[&str]) = match path.first() {
            Some(&"crate") => (vec![], &path[1..]),
            Some(&"self") => (module.to_vec(), &path[1..]),
            Some(&"super") => {
                let ups = path.iter().take_while(|s| **s == "super").count();
                let keep = module.len().saturating_sub(ups);
                (module[..keep].to_vec(), &path[ups..])
            }
            _ => continue,
        };
        let mut found = None;
        for seg in rest {
            base.push(seg.to_string());
            if all.contains_key(&base) {
                found = Some(base.clone());
            }
        }
        if let Some(m) = found
            && m != module
            && !module.starts_with(&m)
        {
            out.insert(m);
        }
    }
    out
}

#[test]
fn no_module_imports_one_that_imports_it_back() {
    let all = modules();
    let edges: BTreeMap<_, _> = all
        .iter()
        .map(|(m, text)| (m.clone(), imports(m, text, &all)))
        .collect();
    // From each module, everything it reaches; a module that reaches itself is in a circle.
    for start in edges.keys() {
        let mut seen = BTreeSet::new();
        let mut todo: Vec<&Vec<String>> = edges[start].iter().collect();
        while let Some(m) = todo.pop() {
            assert!(
                m != start,
                "{} imports, round a circle, a module that imports it back",
                start.join("/")
            );
            if seen.insert(m.clone()) {
                todo.extend(edges.get(m).into_iter().flatten());
            }
        }
    }
    assert!(edges.len() > 40, "only {} modules found", edges.len());
}

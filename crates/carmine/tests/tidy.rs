//! Tidy checks that keep the house in order: every source file says what it owns,
//! and SQL stays in the store.

use std::path::{Path, PathBuf};

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().parent().unwrap().to_path_buf()
}

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

fn sources() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for krate in std::fs::read_dir(workspace_root().join("crates")).unwrap() {
        let src = krate.unwrap().path().join("src");
        if src.is_dir() {
            rust_files(&src, &mut files);
        }
    }
    assert!(files.len() > 20, "found only {} files", files.len());
    files
}

#[test]
fn every_module_starts_with_a_doc_comment() {
    let missing: Vec<_> =
        sources().into_iter().filter(|path| !std::fs::read_to_string(path).unwrap().starts_with("//!")).collect();
    assert!(missing.is_empty(), "modules without a //! header: {missing:?}");
}

#[test]
fn sql_lives_only_in_the_store() {
    let offenders: Vec<_> = sources()
        .into_iter()
        .filter(|path| !path.to_string_lossy().contains("carmine-store"))
        .filter(|path| {
            let text = std::fs::read_to_string(path).unwrap();
            ["SELECT ", "INSERT INTO", "UPDATE ", "DELETE FROM", "sqlx::"].iter().any(|sql| text.contains(sql))
        })
        .collect();
    assert!(offenders.is_empty(), "SQL outside carmine-store: {offenders:?}");
}

//! The architecture's absences (ARCHITECTURE.md, "Layers point one way"), checked in the source:
//! no computation module imports the report layer or the command line; the library neither
//! prints nor uses clap or indicatif; and Cargo.toml keeps those crates behind the binary's `cli`
//! feature (CI also builds the library without it).

use std::path::{Path, PathBuf};

use crate::util::repo_root;

/// Every `.rs` file under `dir`, recursively, sorted.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    crate::util::files_below(dir)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|x| x == "rs"))
        .collect()
}

/// A file's code outside its `#[cfg(test)]` module (tests may print) and its comments.
fn non_test_code(p: &Path) -> String {
    let s = std::fs::read_to_string(p).unwrap();
    let code = match s.find("#[cfg(test)]") {
        Some(i) => &s[..i],
        None => &s,
    };
    code.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The library's files: everything in `src/` but the binary (`main.rs`, `cli/`).
fn library_files() -> Vec<PathBuf> {
    let src = repo_root().join("src");
    rust_files(&src)
        .into_iter()
        .filter(|p| !p.starts_with(src.join("cli")) && !p.ends_with("main.rs"))
        .collect()
}

#[test]
fn computation_modules_never_import_the_report_layer_or_the_command_line() {
    let src = repo_root().join("src");
    let mut bad = Vec::new();
    for stage in ["data", "features", "classifiers", "eval", "annotate"] {
        for p in rust_files(&src.join(stage)) {
            let code = non_test_code(&p);
            for needle in ["crate::report", "crate::cli", "topicbench::cli"] {
                if code.contains(needle) {
                    bad.push(format!("{}: {needle}", p.display()));
                }
            }
        }
    }
    assert!(bad.is_empty(), "{bad:#?}");
}

#[test]
fn the_library_neither_prints_nor_uses_clap_or_indicatif() {
    let files = library_files();
    assert!(files.len() > 30, "{}", files.len());
    let mut bad = Vec::new();
    for p in files {
        let code = non_test_code(&p);
        for needle in [
            "clap::",
            "indicatif",
            "humantime",
            "println!",
            "eprintln!",
            "print!(",
            "dbg!(",
        ] {
            // The one exception: `label`'s terminal screen (ARCHITECTURE.md).
            if needle.contains("print") && p.ends_with("annotate/terminal.rs") {
                continue;
            }
            if code.contains(needle) {
                bad.push(format!("{}: {needle}", p.display()));
            }
        }
    }
    assert!(bad.is_empty(), "{bad:#?}");
}

#[test]
fn clap_and_indicatif_are_the_binarys_alone() {
    let toml = std::fs::read_to_string(repo_root().join("Cargo.toml")).unwrap();
    for dep in [
        "clap",
        "indicatif",
        "humantime",
        "mimalloc",
        "libmimalloc-sys",
    ] {
        let line = toml
            .lines()
            .find(|l| l.starts_with(&format!("{dep} = ")))
            .unwrap_or_else(|| panic!("{dep} is not a dependency"));
        assert!(line.contains("optional = true"), "{line}");
    }
    assert!(
        toml.contains(
            r#"cli = ["dep:clap", "dep:indicatif", "dep:humantime", "dep:mimalloc", "dep:libmimalloc-sys"]"#
        ),
        "the cli feature"
    );
    assert!(
        toml.contains(r#"required-features = ["cli"]"#),
        "the binary needs cli"
    );
}

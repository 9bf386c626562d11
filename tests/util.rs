//! Shared helpers: temporary projects built from small fixtures, and the shipped corpus.

use std::path::{Path, PathBuf};

use topicbench::corpus::fingerprint;

/// Root of this repository (the shipped corpus).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A temporary project: `data/articles/`, `labels/topics.csv`, `labels/paragraphs.csv`.
pub struct Fixture {
    pub dir: tempfile::TempDir,
}

pub const TOPICS: &str = "id,name,description\nalpha,Alpha,first\nbeta,Beta,second\n";

impl Fixture {
    /// An empty project with the two-topic list.
    pub fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("data/articles")).unwrap();
        std::fs::create_dir_all(dir.path().join("labels")).unwrap();
        let f = Fixture { dir };
        f.write("labels/topics.csv", TOPICS);
        f
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, rel: &str, text: impl AsRef<[u8]>) {
        let p = self.root().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    pub fn article(&self, stem: &str, text: &str) {
        self.write(&format!("data/articles/{stem}.txt"), text);
    }

    /// Writes `labels/paragraphs.csv` from (id, kind, topics, text) rows, with correct
    /// fingerprints.
    pub fn rows(&self, rows: &[(&str, &str, &str, &str)]) {
        self.write("labels/paragraphs.csv", rows_csv(rows));
    }

    /// Writes `labels/annotators/<name>.csv` from (id, kind, topics, text) rows, with correct
    /// fingerprints.
    pub fn annotator(&self, name: &str, rows: &[(&str, &str, &str, &str)]) {
        self.write(&format!("labels/annotators/{name}.csv"), rows_csv(rows));
    }

    /// A small valid project: two articles, every paragraph labelled.
    pub fn valid() -> Fixture {
        let f = Fixture::new();
        f.article(
            "a",
            "Title A\n\nalpha words here and there\n\nbeta words elsewhere entirely\n",
        );
        f.article("b", "Title B\nmore alpha text about things\n");
        f.rows(&[
            ("a:1", "headline", "", "Title A"),
            ("a:3", "body", "alpha", "alpha words here and there"),
            ("a:5", "body", "beta", "beta words elsewhere entirely"),
            ("b:1", "headline", "", "Title B"),
            ("b:2", "body", "alpha", "more alpha text about things"),
        ]);
        f
    }

    /// Asserts that `check` reports a finding starting with `prefix`.
    pub fn assert_finding(&self, prefix: &str) {
        let got = self.check();
        assert!(
            got.iter().any(|g| g.starts_with(prefix)),
            "no finding starts with\n  {prefix}\nfindings: {got:#?}"
        );
    }

    /// Runs `check` and returns its findings as `relative/path:line: severity: message`.
    pub fn check(&self) -> Vec<String> {
        let project = topicbench::dataset::Project::new(self.root());
        let (d, _) =
            topicbench::check::check_project(&project, topicbench::groups::DEFAULT_THRESHOLD);
        d.0.iter()
            .map(|x| {
                let s = x.to_string();
                s.replace(&format!("{}/", self.root().display()), "")
            })
            .collect()
    }
}

/// A label file (`id,kind,topics,fingerprint,text`) from (id, kind, topics, text) rows, with
/// correct fingerprints.
pub fn rows_csv(rows: &[(&str, &str, &str, &str)]) -> String {
    let mut s = String::from("id,kind,topics,fingerprint,text\n");
    for (id, kind, topics, text) in rows {
        s.push_str(&format!(
            "{id},{kind},{topics},{},\"{}\"\n",
            fingerprint(text),
            text.replace('"', "\"\"")
        ));
    }
    s
}

/// Runs the built binary with `args` in `dir`; returns (status, stdout, stderr).
pub fn run_bin(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_topicbench"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

//! Shared helpers: temporary projects built from small fixtures, and the shipped corpus.

use std::path::{Path, PathBuf};

use topicbench::data::articles::fingerprint;

/// Root of this repository (the shipped corpus).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A temporary project: `data/articles/`, `labels/topics.csv`, `labels/paragraphs.csv`.
pub struct Fixture {
    pub dir: tempfile::TempDir,
}

pub const TOPICS: &str = "id,name,description\nalpha,Alpha,first\nbeta,Beta,second\n";

/// The label rows of [`Fixture::valid`]: (id, kind, topics, text).
pub const VALID_ROWS: [(&str, &str, &str, &str); 5] = [
    ("a:1", "headline", "", "Title A"),
    ("a:3", "body", "alpha", "alpha words here and there"),
    ("a:5", "body", "beta", "beta words elsewhere entirely"),
    ("b:1", "headline", "", "Title B"),
    ("b:2", "body", "alpha", "more alpha text about things"),
];

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

    /// The text of a file in the project.
    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.root().join(rel)).unwrap()
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
        f.rows(&VALID_ROWS);
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

    /// Runs the `check` command and asserts that it passes with a summary starting `ok_prefix`.
    pub fn assert_check_passes(&self, ok_prefix: &str) {
        let (code, stdout, stderr) = run_bin(self.root(), &["check"]);
        assert_eq!(code, 0, "check failed:\n{stderr}");
        assert!(stdout.starts_with(ok_prefix), "{stdout}");
    }

    /// Runs `check` and returns its findings as `relative/path:line: severity: message`.
    pub fn check(&self) -> Vec<String> {
        let project = topicbench::data::dataset::Project::new(self.root());
        let (d, _) = topicbench::data::check::check_project(
            &project,
            topicbench::data::groups::DEFAULT_THRESHOLD,
        );
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
    run_bin_with_input(dir, args, "")
}

/// Runs the built binary with `args` in `dir`, `input` piped to its stdin; returns (status,
/// stdout, stderr).
pub fn run_bin_with_input(dir: &Path, args: &[&str], input: &str) -> (i32, String, String) {
    run_bin_env(dir, args, input, &[])
}

/// Runs the built binary like [`run_bin_with_input`], with environment variables set
/// (`Some`) or removed (`None`).
pub fn run_bin_env(
    dir: &Path,
    args: &[&str],
    input: &str,
    env: &[(&str, Option<&str>)],
) -> (i32, String, String) {
    use std::io::Write;
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_topicbench"));
    for (k, v) in env {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    let mut child = cmd
        .args(args)
        .current_dir(dir)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The program may stop reading early (an error, or every paragraph labelled).
    let _ = child.stdin.take().unwrap().write_all(input.as_bytes());
    let o = child.wait_with_output().unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// Asserts that the key paths `written` and the keys of the tables in `doc` (rows starting
/// ``| `key` ``) agree both ways; keys under a row marked *only when* may be absent.
pub fn assert_documented(written: &std::collections::BTreeSet<String>, doc: &str) {
    let mut documented = std::collections::BTreeSet::new();
    let mut conditional = std::collections::BTreeSet::new();
    for line in doc.lines().filter(|l| l.starts_with("| `")) {
        let key = line[3..].split('`').next().unwrap().to_owned();
        if line.contains("*only when*") {
            conditional.insert(key.clone());
        }
        documented.insert(key);
    }
    let undocumented: Vec<&String> = written.difference(&documented).collect();
    assert!(
        undocumented.is_empty(),
        "written, not in docs/report-json.md: {undocumented:?}"
    );
    let missing: Vec<&String> = documented
        .difference(written)
        .filter(|k| !conditional.iter().any(|c| k.starts_with(c.as_str())))
        .collect();
    assert!(missing.is_empty(), "documented, not written: {missing:?}");
}

/// Every file below `dir` (recursively), sorted by path.
pub fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The entry of classifier `name` in a report's `classifiers` array (panics naming it when absent).
pub fn classifier<'a>(report: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    report["classifiers"]
        .as_array()
        .and_then(|cs| cs.iter().find(|c| c["name"] == name))
        .unwrap_or_else(|| panic!("no classifier `{name}` in the report"))
}

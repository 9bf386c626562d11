//! External classifiers in any language, over JSON Lines on a child process's stdin/stdout.
//!
//! The harness starts `sh -c COMMAND` once per evaluation. For each fold, in fold order, it
//! writes one request line
//! `{"fold": "r0f1", "seed": 42, "topics": [...], "train": [{"id", "text", "topics": [...]}], "test": [{"id", "text"}]}`
//! and reads one response line
//! `{"fold": "r0f1", "predictions": [{"id", "topics": [...], "scores": {"<topic>": 0.93, ...}}]}`
//! (`scores` optional; a missing topic's score is 1 when predicted, else 0). After the last fold
//! it closes stdin and waits for the process to exit.
//!
//! Any fault fails only this classifier, with the reason and the tail of its stderr: no response
//! within the timeout, a response line longer than [`MAX_LINE`], malformed JSON, the wrong fold,
//! a missing, duplicate or unknown id, an unknown topic, a score outside [0, 1], or a non-zero
//! exit. Writing, reading and stderr each have their own thread, so a child that stops reading
//! or floods stderr cannot block the harness; on a fault the child is killed.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ndarray::Array2;
use serde::Deserialize;
use serde_json::json;

use crate::classifiers::Predictions;
use crate::error::{Error, Result};

/// Default longest response line accepted (bytes).
pub const MAX_LINE: u64 = 256 << 20;
/// How much of the child's stderr is kept for error messages (bytes).
const STDERR_TAIL: usize = 2000;

/// A `--classifier-cmd NAME='COMMAND'` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalSpec {
    /// Name in reports.
    pub name: String,
    /// Shell command.
    pub command: String,
}

impl std::str::FromStr for ExternalSpec {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let (name, command) = s.split_once('=').ok_or_else(|| {
            format!("`{s}` is not NAME=COMMAND: write e.g. mine='python3 my_classifier.py'")
        })?;
        let name = name.trim();
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
        {
            return Err(format!(
                "classifier name `{name}` must be letters, digits, `_` or `-`"
            ));
        }
        if command.trim().is_empty() {
            return Err(format!("the command for `{name}` is empty"));
        }
        Ok(ExternalSpec {
            name: name.to_owned(),
            command: command.to_owned(),
        })
    }
}

/// One fold's data for the child.
pub struct FoldRequest<'a> {
    /// Fold name, e.g. `r0f1`.
    pub fold: String,
    /// Seed for any random step (the same one the built-in classifiers get for this fold).
    pub seed: u64,
    /// Every paragraph of the data has exactly one topic (as built-ins get in
    /// `FitContext::single_label`): fit one multi-class model, predict one topic per paragraph.
    pub single_label: bool,
    /// (id, text, topic ids) of the training items.
    pub train: Vec<(&'a str, &'a str, Vec<&'a str>)>,
    /// (id, text) of the test items, in the order predictions are returned.
    pub test: Vec<(&'a str, &'a str)>,
}

#[derive(Deserialize)]
struct Response {
    fold: String,
    predictions: Vec<ResponseRow>,
}

#[derive(Deserialize)]
struct ResponseRow {
    id: String,
    #[serde(default)]
    topics: Vec<String>,
    #[serde(default)]
    scores: HashMap<String, f64>,
}

/// A running external classifier.
pub struct External {
    child: Child,
    to_child: Option<mpsc::Sender<Vec<u8>>>,
    from_child: mpsc::Receiver<std::io::Result<Vec<u8>>>,
    stderr: Arc<Mutex<Vec<u8>>>,
    timeout: Duration,
    max_line: u64,
}

impl External {
    /// Starts the command.
    pub fn start(spec: &ExternalSpec, timeout: Duration, max_line: u64) -> Result<External> {
        // Its own process group, so that a fault kills what it started too (`sh -c 'a | b'`).
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(&spec.command)
            .process_group(0)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| Error::Failed(format!("cannot start `sh -c {}`: {e}", spec.command)))?;
        let (Some(mut stdin), Some(stdout), Some(mut stderr)) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            return Err(Error::Failed("child process has no pipes".into()));
        };
        let (to_child, rx) = mpsc::channel::<Vec<u8>>();
        std::thread::spawn(move || {
            for msg in rx {
                if stdin.write_all(&msg).and_then(|_| stdin.flush()).is_err() {
                    break;
                }
            }
            // Dropping stdin closes it: the child sees end of input.
        });
        let (tx, from_child) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            loop {
                let mut line = Vec::new();
                let r = (&mut reader)
                    .take(max_line + 1)
                    .read_until(b'\n', &mut line);
                let done = matches!(r, Ok(0) | Err(_));
                if tx.send(r.map(|_| line)).is_err() || done {
                    break;
                }
            }
        });
        let tail = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&tail);
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = stderr.read(&mut buf) {
                if n == 0 {
                    break;
                }
                let mut t = sink.lock().unwrap_or_else(|e| e.into_inner());
                t.extend_from_slice(&buf[..n]);
                let len = t.len();
                if len > 4 * STDERR_TAIL {
                    t.drain(..len - STDERR_TAIL);
                }
            }
        });
        Ok(External {
            child,
            to_child: Some(to_child),
            from_child,
            stderr: tail,
            timeout,
            max_line,
        })
    }

    /// The last lines the child wrote to stderr.
    pub fn stderr_tail(&self) -> String {
        // Give the stderr thread a moment to catch up after the child exits.
        std::thread::sleep(Duration::from_millis(50));
        let t = self.stderr.lock().unwrap_or_else(|e| e.into_inner());
        let start = t.len().saturating_sub(STDERR_TAIL);
        String::from_utf8_lossy(&t[start..]).trim().to_owned()
    }

    /// Sends one fold and reads its predictions.
    pub fn predict(
        &mut self,
        req: &FoldRequest,
        topics: &[String],
    ) -> std::result::Result<Predictions, String> {
        let line = json!({
            "fold": req.fold,
            "seed": req.seed,
            "single_label": req.single_label,
            "topics": topics,
            "train": req.train.iter().map(|(id, text, t)| json!({"id": id, "text": text, "topics": t})).collect::<Vec<_>>(),
            "test": req.test.iter().map(|(id, text)| json!({"id": id, "text": text})).collect::<Vec<_>>(),
        });
        let mut bytes = serde_json::to_vec(&line).map_err(|e| e.to_string())?;
        bytes.push(b'\n');
        if let Some(tx) = &self.to_child {
            tx.send(bytes)
                .map_err(|_| "the process stopped reading its input".to_owned())?;
        }
        let raw = match self.from_child.recv_timeout(self.timeout) {
            Ok(Ok(l)) if l.is_empty() => {
                return Err(format!(
                    "fold {}: the process closed its output without answering",
                    req.fold
                ));
            }
            Ok(Ok(l)) if l.len() as u64 > self.max_line => {
                return Err(format!(
                    "fold {}: response line longer than {} bytes (raise --classifier-max-output)",
                    req.fold, self.max_line
                ));
            }
            Ok(Ok(l)) => l,
            Ok(Err(e)) => return Err(format!("fold {}: cannot read the response: {e}", req.fold)),
            Err(mpsc::RecvTimeoutError::Timeout) => {
                return Err(format!(
                    "fold {}: no response within {} s (raise --classifier-timeout if it needs longer)",
                    req.fold,
                    self.timeout.as_secs_f64()
                ));
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                return Err(format!(
                    "fold {}: the process closed its output without answering",
                    req.fold
                ));
            }
        };
        parse_response(&raw, req, topics)
    }

    /// Closes stdin and waits (up to the timeout) for a zero exit status.
    pub fn finish(mut self) -> std::result::Result<(), String> {
        self.to_child = None;
        let deadline = std::time::Instant::now() + self.timeout;
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) if status.success() => return Ok(()),
                Ok(Some(status)) => return Err(format!("the process exited with {status}")),
                Ok(None) if std::time::Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(10))
                }
                Ok(None) => {
                    self.kill();
                    return Err("the process did not exit after its input was closed".into());
                }
                Err(e) => return Err(format!("cannot wait for the process: {e}")),
            }
        }
    }

    /// Kills the child and every process in its group (after a fault), and reaps the child.
    pub fn kill(&mut self) {
        self.to_child = None;
        kill_group(&mut self.child);
    }
}

/// SIGKILL to `child`'s process group (it leads one, see [`External::start`]): the shell and
/// whatever it started, including what outlived the shell (a group keeps its id, which no new
/// process is given, while any member runs); then kills and reaps the shell itself.
fn kill_group(child: &mut Child) {
    let _ = rustix::process::kill_process_group(
        rustix::process::Pid::from_child(child),
        rustix::process::Signal::KILL,
    );
    let _ = child.kill();
    let _ = child.wait();
}

impl Drop for External {
    fn drop(&mut self) {
        kill_group(&mut self.child);
    }
}

/// Parses and checks one response line for `req` against the topic ids: the reason on any fault
/// (malformed JSON, wrong fold, missing, duplicate or unknown id, unknown topic, score outside
/// [0, 1]). Public as the entry point for fuzzing.
pub fn parse_response(
    raw: &[u8],
    req: &FoldRequest,
    topics: &[String],
) -> std::result::Result<Predictions, String> {
    let fold = &req.fold;
    let resp: Response = serde_json::from_slice(raw).map_err(|e| {
        let start: String = String::from_utf8_lossy(&raw[..raw.len().min(80)]).into_owned();
        format!(
            "fold {fold}: response is not the expected JSON ({e}); it starts `{}`",
            start.trim_end()
        )
    })?;
    if resp.fold != *fold {
        return Err(format!("fold {fold}: response is for fold `{}`", resp.fold));
    }
    let row_of: HashMap<&str, usize> = req
        .test
        .iter()
        .enumerate()
        .map(|(i, (id, _))| (*id, i))
        .collect();
    let topic_of: HashMap<&str, usize> = topics
        .iter()
        .enumerate()
        .map(|(i, t)| (t.as_str(), i))
        .collect();
    let n = req.test.len();
    let mut scores = Array2::zeros((n, topics.len()));
    let mut decisions = Array2::from_elem((n, topics.len()), false);
    let mut seen = vec![false; n];
    for p in &resp.predictions {
        let &r = row_of
            .get(p.id.as_str())
            .ok_or_else(|| format!("fold {fold}: prediction for unknown id `{}`", p.id))?;
        if std::mem::replace(&mut seen[r], true) {
            return Err(format!("fold {fold}: two predictions for id `{}`", p.id));
        }
        for t in &p.topics {
            let &k = topic_of
                .get(t.as_str())
                .ok_or_else(|| format!("fold {fold}: unknown topic `{t}` for id `{}`", p.id))?;
            decisions[[r, k]] = true;
            scores[[r, k]] = 1.0;
        }
        for (t, &s) in &p.scores {
            let &k = topic_of.get(t.as_str()).ok_or_else(|| {
                format!("fold {fold}: score for unknown topic `{t}` (id `{}`)", p.id)
            })?;
            if !(0.0..=1.0).contains(&s) {
                return Err(format!(
                    "fold {fold}: score {s} for `{t}` (id `{}`) is outside [0, 1]",
                    p.id
                ));
            }
            scores[[r, k]] = s;
        }
    }
    if let Some(r) = seen.iter().position(|s| !s) {
        return Err(format!(
            "fold {fold}: no prediction for id `{}` ({} of {n} missing)",
            req.test[r].0,
            seen.iter().filter(|s| !**s).count()
        ));
    }
    Ok(Predictions { scores, decisions })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_specs() {
        let s: ExternalSpec = "mine=python3 x.py --a=b".parse().unwrap();
        assert_eq!(
            (s.name.as_str(), s.command.as_str()),
            ("mine", "python3 x.py --a=b")
        );
        assert!("nocommand".parse::<ExternalSpec>().is_err());
        assert!("=cmd".parse::<ExternalSpec>().is_err());
        assert!("a b=cmd".parse::<ExternalSpec>().is_err());
        assert!("a=  ".parse::<ExternalSpec>().is_err());
    }

    fn req() -> FoldRequest<'static> {
        FoldRequest {
            fold: "r0f0".into(),
            seed: 1,
            single_label: false,
            train: vec![],
            test: vec![("p1", "x"), ("p2", "y")],
        }
    }

    fn check(resp: &str, want: std::result::Result<(), &str>) {
        let topics = ["a".to_owned(), "b".to_owned()];
        let got = parse_response(resp.as_bytes(), &req(), &topics);
        match (got, want) {
            (Ok(_), Ok(())) => {}
            (Err(e), Err(w)) => assert!(e.contains(w), "{resp}: got {e:?}, want {w:?}"),
            (got, want) => panic!("{resp}: got {:?}, want {want:?}", got.map(|_| ())),
        }
    }

    #[test]
    fn validates_responses() {
        check(
            r#"{"fold":"r0f0","predictions":[{"id":"p1","topics":["a"]},{"id":"p2","topics":[],"scores":{"b":0.2}}]}"#,
            Ok(()),
        );
        check("not json", Err("not the expected JSON"));
        check(
            r#"{"fold":"r0f9","predictions":[]}"#,
            Err("response is for fold `r0f9`"),
        );
        check(
            r#"{"fold":"r0f0","predictions":[{"id":"p1"}]}"#,
            Err("no prediction for id `p2`"),
        );
        check(
            r#"{"fold":"r0f0","predictions":[{"id":"p1"},{"id":"p2"},{"id":"p3"}]}"#,
            Err("unknown id `p3`"),
        );
        check(
            r#"{"fold":"r0f0","predictions":[{"id":"p1"},{"id":"p1"},{"id":"p2"}]}"#,
            Err("two predictions for id `p1`"),
        );
        check(
            r#"{"fold":"r0f0","predictions":[{"id":"p1","topics":["z"]},{"id":"p2"}]}"#,
            Err("unknown topic `z`"),
        );
        check(
            r#"{"fold":"r0f0","predictions":[{"id":"p1","scores":{"a":1.5}},{"id":"p2"}]}"#,
            Err("outside [0, 1]"),
        );
    }

    #[test]
    fn topics_without_scores_score_one() {
        let topics = ["a".to_owned(), "b".to_owned()];
        let p = parse_response(
            br#"{"fold":"r0f0","predictions":[{"id":"p2","topics":["b"]},{"id":"p1","topics":["a"],"scores":{"a":0.7}}]}"#,
            &req(),
            &topics,
        )
        .unwrap();
        assert_eq!(p.scores, ndarray::array![[0.7, 0.0], [0.0, 1.0]]);
        assert_eq!(p.decisions, ndarray::array![[true, false], [false, true]]);
    }
}

//! `label`: a labelling session over the paragraphs a label file still lacks.
//!
//! A [`Session`] opens one label file — `labels/paragraphs.csv`, or
//! `labels/annotators/<name>.csv` with an annotator — and queues, in article and line order,
//! every paragraph that has no row there or whose fingerprint changed since its row was written.
//! Keys ([`Key`]) choose the kind (`h`, `b`, `x`) and toggle topics (one-key shortcuts from
//! topics.csv order, [`shortcuts`]); Enter saves, `s` skips, `q` quits. Each saved answer re-reads
//! the file, puts the row in place (rows stay in article, then line order; rows for unknown
//! paragraphs stay at the end) and replaces the file with `fsutil::write_atomic`, so a crash or
//! Ctrl-C loses at most the answer in progress, and running the same command again resumes.
//!
//! Nothing here reads keys or draws: `terminal` drives a session from a real terminal or from
//! piped lines, and shows [`Session::screen`]. Nothing here suggests a label, either: every answer
//! starts empty, because labels are made by reading (labels/GUIDELINES.md).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::data::articles::excerpt;
use crate::data::check::{self, Sources};
use crate::data::dataset::Project;
use crate::data::labels::{self, Diagnostics, Kind, LabelRow, Labels};
use crate::error::{Error, Result};
use crate::fsutil::write_atomic;

/// Keys that act on their own and so are never a topic's shortcut: the kinds, skip and quit.
const RESERVED: [char; 5] = ['h', 'b', 'x', 's', 'q'];

/// Every topic shortcut, in order: `1`–`9`, then `0`, then the letters that are not
/// [`RESERVED`] (31 keys).
fn topic_keys() -> impl Iterator<Item = char> {
    ('1'..='9')
        .chain(['0'])
        .chain(('a'..='z').filter(|c| !RESERVED.contains(c)))
}

/// The one-key shortcut of each of `topics` topics, in topics.csv order (see [`topic_keys`]).
/// `None` when there are more topics than keys.
pub fn shortcuts(topics: usize) -> Option<Vec<char>> {
    let keys: Vec<char> = topic_keys().take(topics).collect();
    (keys.len() == topics).then_some(keys)
}

/// The kind a key chooses.
fn kind_for(key: char) -> Option<Kind> {
    match key {
        'h' => Some(Kind::Headline),
        'b' => Some(Kind::Body),
        'x' => Some(Kind::Boilerplate),
        _ => None,
    }
}

/// A key press, from a terminal or one character of a piped line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// A character key.
    Char(char),
    /// Enter (the end of a piped line): save the answer.
    Enter,
    /// Backspace or Esc: clear the answer in progress.
    Clear,
}

/// What a key did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// The answer in progress changed.
    Changed,
    /// The key was refused; the message says why and what to press.
    Refused(String),
    /// The answer was saved; `id` and its labels as written (`body: a;b`).
    Saved(String, String),
    /// The paragraph was skipped (it stays unlabelled for the next session).
    Skipped(String),
    /// The session was asked to stop.
    Quit,
}

/// One paragraph to label.
#[derive(Debug, Clone)]
struct Todo {
    /// Index into the sources' paragraphs.
    para: usize,
    /// The row written before the paragraph changed, if it did.
    stale: Option<LabelRow>,
}

/// A labelling session over one label file.
#[derive(Debug)]
pub struct Session {
    sources: Sources,
    articles_dir: PathBuf,
    path: PathBuf,
    keys: Vec<char>,
    queue: Vec<Todo>,
    pos: usize,
    kind: Option<Kind>,
    topics: Vec<bool>,
    message: Option<String>,
    saved: usize,
    skipped: usize,
}

/// Reads a label file for rewriting: a missing file has no rows, and any problem in it (bad CSV,
/// header, field count) stops the session, since rewriting would drop the rows it cannot read.
fn read_rows(path: &Path) -> Result<Vec<LabelRow>> {
    if !path.exists() {
        return Ok(Vec::new());
    }
    let mut d = Diagnostics::default();
    let rows = labels::read_label_rows(path, &mut d);
    match d.to_error() {
        Some(e) => Err(e),
        None => Ok(rows),
    }
}

impl Session {
    /// Opens the session for `annotator`'s file (or `labels/paragraphs.csv` without one): checks
    /// topics.csv and the articles, reads the file and queues what it lacks.
    pub fn open(project: &Project, annotator: Option<&str>) -> Result<Session> {
        let path = match annotator {
            Some(name) => {
                labels::check_annotator_name(name).map_err(Error::Usage)?;
                project.annotator_path(name)
            }
            None => project.paragraphs_path(),
        };
        let sources = check::load_sources(project)?;
        let keys = shortcuts(sources.topics.len()).ok_or_else(|| {
            Error::input(
                project.topics_path(),
                0,
                format!(
                    "{} topics, but `label` has one-key shortcuts for at most {}: merge topics, or label this file by hand",
                    sources.topics.len(),
                    topic_keys().count()
                ),
            )
        })?;
        let rows = read_rows(&path)?;
        let by_id: HashMap<&str, &LabelRow> =
            rows.iter().rev().map(|r| (r.id.as_str(), r)).collect();
        let queue = sources
            .paragraphs
            .iter()
            .enumerate()
            .filter_map(|(i, p)| match by_id.get(p.id.as_str()) {
                None => Some(Todo {
                    para: i,
                    stale: None,
                }),
                Some(r) if r.fingerprint != p.fingerprint => Some(Todo {
                    para: i,
                    stale: Some((*r).clone()),
                }),
                Some(_) => None,
            })
            .collect();
        let topics = vec![false; sources.topics.len()];
        Ok(Session {
            sources,
            articles_dir: project.articles_dir(),
            path,
            keys,
            queue,
            pos: 0,
            kind: None,
            topics,
            message: None,
            saved: 0,
            skipped: 0,
        })
    }

    /// The label file this session writes.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// True when every queued paragraph has been answered or skipped.
    pub fn finished(&self) -> bool {
        self.pos >= self.queue.len()
    }

    /// Applies one key to the paragraph in front.
    pub fn key(&mut self, key: Key) -> Result<Step> {
        let Some(todo) = self.queue.get(self.pos) else {
            return Ok(Step::Quit);
        };
        let id = self.sources.paragraphs[todo.para].id.clone();
        self.message = None;
        let step = match key {
            Key::Clear => {
                self.kind = None;
                self.topics.iter_mut().for_each(|t| *t = false);
                Step::Changed
            }
            Key::Enter => match self.kind {
                None => Step::Refused("choose the kind first: h, b or x".into()),
                Some(kind) => {
                    let answer = Labels {
                        kind,
                        topics: (0..self.topics.len()).filter(|&t| self.topics[t]).collect(),
                    };
                    self.save(todo.para, &answer)?;
                    self.saved += 1;
                    self.next();
                    Step::Saved(id, self.labels_text(&answer))
                }
            },
            Key::Char('s') => {
                self.skipped += 1;
                self.next();
                Step::Skipped(id)
            }
            Key::Char('q') => Step::Quit,
            Key::Char(c) => {
                if let Some(kind) = kind_for(c) {
                    self.kind = Some(kind);
                    Step::Changed
                } else if let Some(t) = self.keys.iter().position(|&k| k == c) {
                    self.topics[t] = !self.topics[t];
                    Step::Changed
                } else {
                    Step::Refused(format!("no key `{c}`: {}", self.keys_help()))
                }
            }
        };
        if let Step::Refused(why) = &step {
            self.message = Some(why.clone());
        }
        Ok(step)
    }

    fn next(&mut self) {
        self.pos += 1;
        self.kind = None;
        self.topics.iter_mut().for_each(|t| *t = false);
    }

    /// Writes `answer` for paragraph `para`: re-reads the file (so that edits made meanwhile are
    /// kept), replaces or adds the row, sorts, and replaces the file atomically.
    fn save(&self, para: usize, answer: &Labels) -> Result<()> {
        let p = &self.sources.paragraphs[para];
        let mut rows = read_rows(&self.path)?;
        rows.retain(|r| r.id != p.id);
        rows.push(LabelRow {
            line: 0,
            id: p.id.clone(),
            kind: answer.kind.to_string(),
            topics: answer
                .topics
                .iter()
                .map(|&t| self.sources.topics[t].id.clone())
                .collect(),
            fingerprint: p.fingerprint.clone(),
            text: p.text.clone(),
        });
        let order: HashMap<&str, usize> = self
            .sources
            .paragraphs
            .iter()
            .enumerate()
            .map(|(i, p)| (p.id.as_str(), i))
            .collect();
        // Stable: rows for no current paragraph keep their order, after the others.
        rows.sort_by_key(|r| order.get(r.id.as_str()).copied().unwrap_or(usize::MAX));
        write_atomic(&self.path, &labels::label_rows_csv(&rows))
    }

    fn labels_text(&self, l: &Labels) -> String {
        let topics: Vec<&str> = l
            .topics
            .iter()
            .map(|&t| self.sources.topics[t].id.as_str())
            .collect();
        format!(
            "{}: {}",
            l.kind,
            if topics.is_empty() {
                "-".to_owned()
            } else {
                topics.join(";")
            }
        )
    }

    fn keys_help(&self) -> String {
        let last = self.keys.last().copied().unwrap_or('1');
        format!(
            "h/b/x choose the kind, 1-{last} toggle a topic, Enter saves, Backspace clears, s skips, q quits"
        )
    }

    /// The screen for the paragraph in front, `width` columns wide: where it is, its neighbours
    /// in the article, the answer so far, the topics with their keys, and the last message.
    pub fn screen(&self, width: usize) -> String {
        let width = width.max(40);
        let mut s = String::new();
        let Some(todo) = self.queue.get(self.pos) else {
            return s;
        };
        let paras = &self.sources.paragraphs;
        let p = &paras[todo.para];
        let in_article: Vec<usize> = (0..paras.len())
            .filter(|&i| paras[i].doc == p.doc)
            .collect();
        let nth = in_article.iter().position(|&i| i == todo.para).unwrap_or(0);
        let _ = writeln!(
            s,
            "topicbench label -> {}   paragraph {} of {} to label ({} saved, {} skipped)",
            self.path.display(),
            self.pos + 1,
            self.queue.len(),
            self.saved,
            self.skipped
        );
        let _ = writeln!(
            s,
            "article {}, line {} (paragraph {} of {})\n",
            self.articles_dir.join(format!("{}.txt", p.doc)).display(),
            p.line,
            nth + 1,
            in_article.len()
        );
        let neighbour = |i: usize| {
            let q = &paras[i];
            let lead = format!("    {}  ", q.id);
            format!(
                "{lead}{}",
                excerpt(&q.text, width.saturating_sub(lead.chars().count() + 1))
            )
        };
        if nth > 0 {
            let _ = writeln!(s, "{}", neighbour(in_article[nth - 1]));
        } else {
            let _ = writeln!(s, "    (start of article)");
        }
        let _ = writeln!(s, "  > {}", p.id);
        for line in wrap(&p.text, width - 6) {
            let _ = writeln!(s, "      {line}");
        }
        match in_article.get(nth + 1) {
            Some(&i) => {
                let _ = writeln!(s, "{}", neighbour(i));
            }
            None => {
                let _ = writeln!(s, "    (end of article)");
            }
        }
        if let Some(row) = &todo.stale {
            let topics = if row.topics.is_empty() {
                "-".to_owned()
            } else {
                row.topics.join(";")
            };
            let _ = writeln!(
                s,
                "\nchanged since it was labelled {}: {topics}; it was: {}",
                row.kind,
                excerpt(&row.text, width.saturating_sub(50).max(20))
            );
        }
        let kind = self.kind.map_or("(choose)", Kind::as_str);
        let _ = writeln!(
            s,
            "\nkind:   [h] headline   [b] body   [x] boilerplate   -> {kind}"
        );
        let _ = writeln!(s, "topics:");
        let id_w = self
            .sources
            .topics
            .iter()
            .map(|t| t.id.len())
            .max()
            .unwrap_or(0);
        for ((t, &key), &on) in self.sources.topics.iter().zip(&self.keys).zip(&self.topics) {
            let lead = format!(
                "  [{key}] [{}] {:<id_w$}  ",
                if on { 'x' } else { ' ' },
                t.id
            );
            let about = format!("{} - {}", t.name, t.description);
            let _ = writeln!(
                s,
                "{lead}{}",
                excerpt(&about, width.saturating_sub(lead.chars().count() + 1))
            );
        }
        let _ = writeln!(s, "\nkeys: {}", self.keys_help());
        if let Some(m) = &self.message {
            let _ = writeln!(s, "{m}");
        }
        s
    }

    /// What the session did, for the end: where the answers are and how to go on.
    pub fn summary(&self) -> String {
        let left = self.queue.len() - self.pos.min(self.queue.len()) + self.skipped;
        let path = self.path.display();
        if self.queue.is_empty() {
            return format!(
                "{path}: nothing to label: every paragraph has a row with a current fingerprint\n"
            );
        }
        let mut s = format!(
            "{path}: {} answer(s) saved this session, {} skipped",
            self.saved, self.skipped
        );
        if left == 0 {
            s.push_str("; every paragraph is labelled. Next: `topicbench check`\n");
        } else {
            let _ = writeln!(
                s,
                "; {left} paragraph(s) still to label: run the same command to resume"
            );
        }
        s
    }
}

/// Splits `text` into lines of at most `width` characters at spaces (a longer word is cut).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(10);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let mut word = word.to_owned();
        loop {
            let used = line.chars().count();
            let need = word.chars().count() + usize::from(used > 0);
            if used + need <= width {
                if used > 0 {
                    line.push(' ');
                }
                line.push_str(&word);
                break;
            }
            if used > 0 {
                lines.push(std::mem::take(&mut line));
                continue;
            }
            // A word longer than a line: cut it.
            let cut: String = word.chars().take(width).collect();
            word = word.chars().skip(width).collect();
            lines.push(cut);
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortcuts_are_digits_then_free_letters() {
        assert_eq!(shortcuts(3), Some(vec!['1', '2', '3']));
        let k = shortcuts(13).unwrap();
        assert_eq!(&k[8..], ['9', '0', 'a', 'c', 'd']);
        let all = shortcuts(31).unwrap();
        assert!(all.iter().all(|c| !RESERVED.contains(c)));
        assert_eq!(all.last(), Some(&'z'));
        assert_eq!(shortcuts(32), None);
    }

    #[test]
    fn wrap_breaks_at_spaces_and_cuts_long_words() {
        assert_eq!(wrap("", 10), [""]);
        assert_eq!(wrap("one two three four", 10), ["one two", "three four"]);
        assert_eq!(
            wrap("abcdefghijklmnopqrstuvwxy z", 10),
            ["abcdefghij", "klmnopqrst", "uvwxy z"]
        );
    }
}

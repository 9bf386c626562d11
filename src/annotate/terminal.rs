//! Drives a `label::Session` from the keyboard: the one place besides `cli.rs` that writes to the
//! terminal.
//!
//! In a real terminal (stdin and stdout both terminals) keys are read raw with crossterm, one
//! press at a time, and the screen is redrawn on an alternate screen after each; Ctrl-C ends the
//! session (the answer in progress is dropped, every saved one is on disk) and a guard restores
//! the terminal on every way out, errors and panics included. Otherwise (answers piped in from a
//! script) each input line is one answer typed as the same keys — `b13` is "body, topics 1 and
//! 3, Enter"; `s` skips; `q` quits; spaces are ignored — and a refused key fails with
//! `<stdin>:line`, so that a script never saves something it did not mean.

use std::io::{BufRead, IsTerminal, Write};

use crossterm::event::{self, Event, KeyCode, KeyEventKind, KeyModifiers};
use crossterm::{cursor, execute, queue, terminal};

use crate::annotate::label::{Key, Session, Step};
use crate::error::{Error, Result};

/// How a session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// Every queued paragraph was answered or skipped.
    Finished,
    /// `q` was pressed.
    Quit,
    /// The piped input ended first.
    EndOfInput,
    /// Ctrl-C in the terminal.
    Interrupted,
}

/// Runs the session in the terminal when there is one, else from piped lines on stdin.
pub fn run(session: &mut Session) -> Result<Ending> {
    if session.finished() {
        Ok(Ending::Finished)
    } else if std::io::stdin().is_terminal() && std::io::stdout().is_terminal() {
        run_terminal(session)
    } else {
        run_lines(
            session,
            std::io::stdin().lock(),
            &mut std::io::stdout().lock(),
        )
    }
}

fn write_out(out: &mut impl Write, text: &str) -> Result<()> {
    out.write_all(text.as_bytes())
        .and_then(|_| out.flush())
        .map_err(|e| Error::io("<stdout>", "cannot write", e))
}

/// Answers from lines of `input` (one answer per line), echoing the screen and each outcome.
pub fn run_lines(
    session: &mut Session,
    input: impl BufRead,
    out: &mut impl Write,
) -> Result<Ending> {
    let stdin = std::path::Path::new("<stdin>");
    let mut lines = input.lines();
    let mut number = 0;
    while !session.finished() {
        write_out(out, &session.screen(100))?;
        let Some(line) = lines.next() else {
            return Ok(Ending::EndOfInput);
        };
        let line = line.map_err(|e| Error::io(stdin, "cannot read", e))?;
        number += 1;
        let mut keys: Vec<Key> = line
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(Key::Char)
            .collect();
        keys.push(Key::Enter);
        for (i, &key) in keys.iter().enumerate() {
            let ends = |what: &str| -> Result<()> {
                match keys.get(i + 1) {
                    Some(&Key::Char(c)) => Err(Error::input(
                        stdin,
                        number,
                        format!("`{c}` after {what}: write one answer per line"),
                    )),
                    _ => Ok(()),
                }
            };
            match session.key(key)? {
                Step::Changed => {}
                Step::Refused(why) => return Err(Error::input(stdin, number, why)),
                Step::Saved(id, labels) => {
                    write_out(out, &format!("saved {id} ({labels})\n\n"))?;
                }
                Step::Skipped(id) => {
                    ends("`s`")?;
                    write_out(out, &format!("skipped {id}\n\n"))?;
                    break;
                }
                Step::Quit => {
                    ends("`q`")?;
                    return Ok(Ending::Quit);
                }
            }
        }
    }
    Ok(Ending::Finished)
}

/// Raw mode on an alternate screen for as long as it lives.
struct RawScreen;

impl RawScreen {
    fn enter() -> Result<RawScreen> {
        let fail = |e| Error::io("<terminal>", "cannot switch to raw mode", e);
        terminal::enable_raw_mode().map_err(fail)?;
        // From here on, dropping the guard undoes whatever was done.
        let guard = RawScreen;
        execute!(
            std::io::stdout(),
            terminal::EnterAlternateScreen,
            cursor::Hide
        )
        .map_err(fail)?;
        Ok(guard)
    }
}

impl Drop for RawScreen {
    fn drop(&mut self) {
        let _ = execute!(
            std::io::stdout(),
            cursor::Show,
            terminal::LeaveAlternateScreen
        );
        let _ = terminal::disable_raw_mode();
    }
}

fn draw(session: &Session) -> Result<()> {
    let (width, _) = terminal::size().unwrap_or((80, 24));
    let mut out = std::io::stdout().lock();
    let fail = |e| Error::io("<terminal>", "cannot draw", e);
    queue!(
        out,
        cursor::MoveTo(0, 0),
        terminal::Clear(terminal::ClearType::All)
    )
    .map_err(fail)?;
    // Raw mode does not return the carriage at a line feed.
    let screen = session.screen(width as usize).replace('\n', "\r\n");
    out.write_all(screen.as_bytes())
        .and_then(|_| out.flush())
        .map_err(fail)
}

fn run_terminal(session: &mut Session) -> Result<Ending> {
    let _raw = RawScreen::enter()?;
    while !session.finished() {
        draw(session)?;
        let event = event::read().map_err(|e| Error::io("<terminal>", "cannot read a key", e))?;
        let Event::Key(press) = event else {
            continue; // a resize: redraw
        };
        if press.kind == KeyEventKind::Release {
            continue;
        }
        let control = press.modifiers.contains(KeyModifiers::CONTROL);
        let key = match press.code {
            KeyCode::Char('c') if control => return Ok(Ending::Interrupted),
            KeyCode::Char(c) if !control => Key::Char(c),
            KeyCode::Enter => Key::Enter,
            KeyCode::Backspace | KeyCode::Esc => Key::Clear,
            _ => continue,
        };
        if session.key(key)? == Step::Quit {
            return Ok(Ending::Quit);
        }
    }
    Ok(Ending::Finished)
}

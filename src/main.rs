//! The `topicbench` binary: parse the command line, run it, map errors to exit codes
//! (1 for bad input or a failed run, 2 for command-line usage). All work is in the library; `cli` turns flags into its calls and prints.

use std::process::ExitCode;

use clap::Parser;
mod cli;

use cli::{Cli, err_line, run};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help and --version exit 0; usage errors exit 2, as clap does.
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    match run(cli) {
        Ok(code) => ExitCode::from(code as u8),
        Err(e) => {
            err_line(&format!("error: {e}"));
            ExitCode::from(if e.is_usage() { 2 } else { 1 })
        }
    }
}

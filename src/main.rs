//! The `topicbench` binary: parse the command line, run it, map errors to exit codes
//! (1 for bad input or a failed run, 2 for command-line usage). All work is in the library; `cli` turns flags into its calls and prints.
#![deny(unsafe_code)]

use std::process::ExitCode;

use clap::Parser;
mod cli;

use cli::{Cli, err_line, run};

/// mimalloc keeps each size class on pages of its own and gives a page back to the system once
/// it is empty, so what a stage frees (the corpus texts once tokenized, the grouping's sketches,
/// a fold's matrices) leaves the process. glibc's heap keeps freed chunks resident behind live
/// neighbours: with it, cutting the texts after tokenizing lowered the 1M-document peak by
/// nothing measurable; with mimalloc it fell from 4.3 to 3.0 GB.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay` (its place in `mi_option_t`, mimalloc.h, which keeps
/// retired options as placeholders so that the places never move).
const MI_OPTION_PURGE_DELAY: std::ffi::c_int = 15;

/// Milliseconds before freed memory goes back to the system (mimalloc v3's default is 1000,
/// `options.c`; its header says 10, v2's). A stage that grows a vector by doubling, or frees one
/// buffer and makes the next, otherwise holds both for that long: a 100,000-document run peaked
/// at 0.44-0.54 GiB with the default and 0.31-0.33 GiB with 5 (0, 2 and 10 alike), within the
/// noise at 100k and 10% slower at 1M (medians of 3).
const PURGE_DELAY_MS: std::ffi::c_long = 5;

/// Sets mimalloc's options; called first thing, before any stage allocates.
fn configure_allocator() {
    set_purge_delay(PURGE_DELAY_MS);
    disable_huge_pages();
}

/// Sets mimalloc's purge delay, unless the user gave one in `MIMALLOC_PURGE_DELAY` (mimalloc
/// reads it itself), which is left as given.
#[allow(unsafe_code)]
fn set_purge_delay(ms: std::ffi::c_long) {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: `mi_option_set` takes any option and value and only stores it; mimalloc reads
        // the option each time it considers a purge.
        unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, ms) }
    }
}

/// Milliseconds freed memory is kept during the folds stage of a corpus whose largest matrix is
/// under `eval::RETAIN_FREED_MAX_BYTES` (mimalloc's own default): there each classifier frees its
/// buffers just before the next one makes its own, and with 5 ms each of them faulted its pages
/// in afresh (sys time 1.1–1.3 → 0.75–0.9 s). 20 Newsgroups, every built-in, 3 alternating
/// runs: 4.94–6.56 s with 5 ms throughout, 4.32–5.23 s with this (peak 0.44–0.45 → 0.49–0.51
/// GiB); 100,000 synthetic documents (`benches/scaling.sh`'s run): 4.70 and 4.67 s, peak 0.31 →
/// 0.35 GiB. At 1M documents the same during the folds raised the peak from 2.46 to 3.03 GiB
/// (over the 3 × file + 200 MB that README holds it to), so there, as from 200,000 documents
/// (peak unchanged, 0.55 GiB), the folds keep the 5 ms.
const RETAIN_MS: std::ffi::c_long = 1000;

/// `eval`'s hook around the folds stage ([`topicbench::eval::set_retain_freed_hook`]): the
/// purge delay [`RETAIN_MS`] while on, [`PURGE_DELAY_MS`] after.
fn retain_freed(on: bool) {
    set_purge_delay(if on { RETAIN_MS } else { PURGE_DELAY_MS });
}

/// Turns transparent huge pages off for this process (what mimalloc does itself when
/// `MIMALLOC_ALLOW_THP=0`; a value the user gives there is left to mimalloc). With the short
/// purge delay, memory a stage frees goes back to the system and the next stage's first touch
/// faults it in again: on huge pages each such fault clears 2 MiB (perf: `clear_page_erms`, 12%
/// of a 1M-document run's samples), on small pages only the 4 KiB touched. Measured alternating
/// (wall s): 1M documents 67.9 and 60.8 with huge pages, 54.1 and 56.5 without (peak 2.51 ->
/// 2.46 GiB); 100k 4.9-5.8 with, 5.6-5.9 without (its folds 0.4 s slower, likely from TLB
/// misses, not profiled; its load stage 0.2 s faster); 20 Newsgroups, all built-ins, median of
/// 3: 9.36 with, 8.59 without.
/// The flag is the process's, so the external classifiers `eval` starts inherit it (as they
/// would mimalloc's own). Telling mimalloc alone not to ask for huge pages (`mi_option_allow_thp`
/// set here) was tried: its first arena, made before `main`, kept them (143 MB of huge pages at
/// 100k against 227 MB by default).
fn disable_huge_pages() {
    #[cfg(target_os = "linux")]
    if std::env::var_os("MIMALLOC_ALLOW_THP").is_none() {
        // Best effort: a kernel without the call leaves huge pages as they were.
        let _ = rustix::thread::disable_transparent_huge_pages(true);
    }
}

fn main() -> ExitCode {
    configure_allocator();
    topicbench::eval::set_retain_freed_hook(retain_freed);
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

//! Integration tests, one binary (ripgrep's layout): topic modules share the fixture helpers in
//! `util`.

mod check;
mod conformance;
mod equivalence;
mod errors;
mod eval;
mod external;
mod faults;
mod formats;
mod html;
mod label;
mod layers;
mod report;
mod shard;
mod slurm;
mod suite;
mod util;

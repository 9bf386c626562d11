//! The library's error type: every failure names the file (and line where there is one) and says
//! what to do. `main.rs` prints these and maps them to exit codes; nothing in the library panics on
//! bad input.

use std::path::{Path, PathBuf};

/// Everything that can go wrong in the library.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file or directory could not be read or written.
    #[error("{path}: {action}: {source}{}", hint(source))]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What was being done ("cannot read", "cannot write", ...).
        action: &'static str,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// Bad content at a place in a file (line 0 means the file as a whole).
    #[error("{}", located(path, *line, message))]
    Input {
        /// The file.
        path: PathBuf,
        /// 1-based line number, or 0 when the problem is not on one line.
        line: usize,
        /// What is wrong and what to do.
        message: String,
    },
    /// `check` found problems in data/ or labels/; each is one line of the message.
    #[error(
        "{count} problem(s) in the corpus or labels (run `topicbench check` to see them all):\n{listing}"
    )]
    Invalid {
        /// Number of errors.
        count: usize,
        /// The first few problems, one per line.
        listing: String,
    },
    /// The data as a whole cannot be evaluated (no problem on any one line). [`Error::in_file`]
    /// names the file it came from.
    #[error("{0}")]
    Data(String),
    /// A setting or argument that cannot be used.
    #[error("{0}")]
    Usage(String),
    /// A fault in a classifier or other component at run time.
    #[error("{0}")]
    Failed(String),
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What to do about an I/O error, where there is something general to say.
fn hint(source: &std::io::Error) -> &'static str {
    match source.kind() {
        std::io::ErrorKind::NotFound => {
            ": check the path (relative paths start at the current folder; --root sets the project folder)"
        }
        std::io::ErrorKind::PermissionDenied => ": check its permissions",
        _ => "",
    }
}

fn located(path: &Path, line: usize, message: &str) -> String {
    if line == 0 {
        format!("{}: {message}", path.display())
    } else {
        format!("{}:{line}: {message}", path.display())
    }
}

impl Error {
    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, action: &'static str, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            action,
            source,
        }
    }

    /// Bad content at `path:line`.
    pub fn input(path: impl Into<PathBuf>, line: usize, message: impl Into<String>) -> Self {
        Error::Input {
            path: path.into(),
            line,
            message: message.into(),
        }
    }

    /// A [`Error::Data`] error as an input error about `path` as a whole; others unchanged.
    pub fn in_file(self, path: &Path) -> Self {
        match self {
            Error::Data(message) => Error::input(path, 0, message),
            other => other,
        }
    }

    /// True for errors in how the program was called (exit status 2).
    pub fn is_usage(&self) -> bool {
        matches!(self, Error::Usage(_))
    }
}

/// Reads a whole file, with an error that names it (and says so when it is a directory).
pub fn read_file(path: &Path) -> Result<Vec<u8>> {
    if path.is_dir() {
        return Err(Error::input(
            path,
            0,
            "is a directory, expected a file: give the path of a file",
        ));
    }
    read_parallel(path).map_err(|e| Error::io(path, "cannot read", e))
}

/// Files at least this large are read by every thread at once, each its own part.
const PARALLEL_READ_BYTES: u64 = 1 << 23;

/// `std::fs::read`, except that a large file is read in parallel parts (the copy out of the
/// page cache and the first touch of the buffer's pages are most of the time of reading a
/// cached corpus). Falls back to a plain read when the file changes size meanwhile.
fn read_parallel(path: &Path) -> std::io::Result<Vec<u8>> {
    use rayon::prelude::*;
    use std::os::unix::fs::FileExt;
    let file = std::fs::File::open(path)?;
    let len = file.metadata()?.len();
    let threads = rayon::current_num_threads();
    if len < PARALLEL_READ_BYTES || threads < 2 {
        return std::fs::read(path);
    }
    let mut buf = vec![0u8; len as usize];
    let part = buf.len().div_ceil(threads);
    let read = buf
        .par_chunks_mut(part)
        .enumerate()
        .try_for_each(|(k, chunk)| file.read_exact_at(chunk, (k * part) as u64));
    let mut more = [0u8; 1];
    match read {
        Ok(()) if file.read_at(&mut more, len)? == 0 => Ok(buf),
        _ => std::fs::read(path),
    }
}

/// Decodes UTF-8 (dropping a leading byte-order mark), or names the byte offset and line of the
/// first invalid sequence.
pub fn decode_utf8(path: &Path, bytes: Vec<u8>) -> Result<String> {
    decode_utf8_ref(path, &bytes)?;
    let bom = if bytes.starts_with(BOM) { BOM.len() } else { 0 };
    let mut bytes = bytes;
    bytes.drain(..bom);
    // Checked just above.
    String::from_utf8(bytes).map_err(|_| Error::input(path, 0, "not valid UTF-8"))
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// [`decode_utf8`] without copying: the text after any byte-order mark. The offset in an error
/// counts from the start of the file, the mark included.
pub fn decode_utf8_ref<'a>(path: &Path, bytes: &'a [u8]) -> Result<&'a str> {
    let bom = if bytes.starts_with(BOM) { BOM.len() } else { 0 };
    std::str::from_utf8(&bytes[bom..]).map_err(|e| {
        let offset = bom + e.valid_up_to();
        let line = 1 + bytes[..offset].iter().filter(|&&b| b == b'\n').count();
        Error::input(
            path,
            line,
            format!(
                "not valid UTF-8 at byte offset {offset}: convert the file to UTF-8 (e.g. `iconv -f latin1 -t utf-8`)"
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_files_read_in_parallel_parts_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("big.csv");
        // Not a multiple of any part size, and no two parts alike.
        let bytes: Vec<u8> = (0..PARALLEL_READ_BYTES + 12_345)
            .map(|i| (i % 251) as u8)
            .collect();
        std::fs::write(&p, &bytes).unwrap();
        for threads in [1, 2, 3] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            assert!(
                pool.install(|| read_file(&p).unwrap()) == bytes,
                "{threads} threads"
            );
        }
    }

    #[test]
    fn utf8_errors_count_the_byte_order_mark() {
        let path = Path::new("c.csv");
        let bad = b"\xEF\xBB\xBFab\n\xFF";
        let msg = decode_utf8_ref(path, bad).unwrap_err().to_string();
        assert!(
            msg.contains("byte offset 6") && msg.starts_with("c.csv:2:"),
            "{msg}"
        );
        let msg = decode_utf8(path, b"ab\xC3".to_vec())
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("byte offset 2") && msg.starts_with("c.csv:1:"),
            "{msg}"
        );
        assert_eq!(decode_utf8_ref(path, b"\xEF\xBB\xBFok").unwrap(), "ok");
        assert_eq!(decode_utf8(path, b"\xEF\xBB\xBFok".to_vec()).unwrap(), "ok");
    }
}

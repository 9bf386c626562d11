//! Atomic file replacement: write a temporary file in the same directory, flush it to disk, then
//! rename it over the target. A reader (or a crash) sees the old file or the new one, never half
//! of either. Every report and label file goes through [`write_atomic`]; a new article goes
//! through [`write_new_atomic`], which never replaces an existing file.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::error::{Error, Result};

/// Replaces `path` with `bytes` atomically, creating parent directories as needed.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_via_temp(path, bytes, true)
}

/// Creates `path` with `bytes` atomically, failing (and writing nothing) if `path` exists: the
/// existence check and the rename are one step, so two writers cannot both succeed.
pub fn write_new_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_via_temp(path, bytes, false)
}

fn write_via_temp(path: &Path, bytes: &[u8], replace: bool) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, "cannot create directory", e))?;
    // The replacement keeps the old file's permissions, or gets the usual 0644 for a new file
    // (a temporary file would otherwise leave it readable by its owner only).
    let mode = std::fs::metadata(path).map_or(0o644, |m| m.permissions().mode() & 0o7777);
    let mut tmp = tempfile::Builder::new()
        .prefix(".tmp-")
        .permissions(std::fs::Permissions::from_mode(mode))
        .tempfile_in(dir)
        .map_err(|e| Error::io(dir, "cannot create a temporary file in", e))?;
    tmp.write_all(bytes)
        .and_then(|_| tmp.as_file().sync_all())
        .map_err(|e| Error::io(path, "cannot write", e))?;
    // For the crash tests: hold the written temporary file this long before the rename, so that
    // a kill can land between the two.
    if let Some(ms) = std::env::var_os("TOPICBENCH_TEST_RENAME_DELAY_MS")
        .and_then(|v| v.to_str()?.parse::<u64>().ok())
    {
        std::thread::sleep(std::time::Duration::from_millis(ms));
    }
    if replace {
        tmp.persist(path)
            .map_err(|e| Error::io(path, "cannot replace", e.error))?;
    } else {
        tmp.persist_noclobber(path)
            .map_err(|e| Error::io(path, "will not replace an existing file", e.error))?;
    }
    // Make the rename itself durable.
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Checks, before any long work, that `dir` exists or can be created and that files can be
/// created in it (a temporary one is made and removed).
pub fn ensure_writable_dir(dir: &Path) -> Result<()> {
    const ACTION: &str = "cannot write reports in this folder (give --out a folder you can write)";
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, ACTION, e))?;
    tempfile::Builder::new()
        .prefix(".tmp-")
        .tempfile_in(dir)
        .map(drop)
        .map_err(|e| Error::io(dir, ACTION, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_files_are_0644_and_replacements_keep_their_mode() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("r.json");
        write_atomic(&p, b"{}").unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&p), 0o644);
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
        write_atomic(&p, b"[]").unwrap();
        assert_eq!(mode(&p), 0o600);
        assert_eq!(std::fs::read(&p).unwrap(), b"[]");
    }

    #[test]
    fn replaces_and_leaves_no_temporary_files() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sub").join("f.txt");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        let names: Vec<_> = std::fs::read_dir(p.parent().unwrap()).unwrap().collect();
        assert_eq!(names.len(), 1);
    }

    #[test]
    fn write_new_refuses_an_existing_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f.txt");
        write_new_atomic(&p, b"one").unwrap();
        let err = write_new_atomic(&p, b"two").unwrap_err();
        assert!(
            err.to_string()
                .contains("will not replace an existing file"),
            "{err}"
        );
        assert_eq!(std::fs::read(&p).unwrap(), b"one");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn unwritable_directory_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("plain");
        std::fs::write(&file, b"x").unwrap();
        // A path under a regular file cannot be created.
        let err = write_atomic(&file.join("f.txt"), b"y").unwrap_err();
        assert!(err.to_string().contains("cannot create directory"), "{err}");
    }
}

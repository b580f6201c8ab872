//! Checksums of a checkpoint's files: BLAKE3 of every file beside `meta.ron`, recorded in
//! `meta.ron` when the checkpoint is written and checked before anything is loaded, so a
//! damaged file is named instead of being trained on or played with.

use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

/// File name -> BLAKE3 of its bytes, as lowercase hex.
pub type Checksums = BTreeMap<String, String>;

/// Why a checkpoint's files do not match their checksums.
#[derive(Debug, thiserror::Error)]
pub enum Damage {
    /// A file `meta.ron` lists is gone.
    #[error("{path} is missing, but meta.ron lists it")]
    Missing { path: PathBuf },
    /// A file's bytes changed since it was written.
    #[error(
        "{path} is damaged: its BLAKE3 checksum is {found}, but meta.ron recorded {expected} \
         when the checkpoint was written (a disk or copy error, or an edit); restore the file \
         or use another checkpoint"
    )]
    Changed {
        path: PathBuf,
        expected: String,
        found: String,
    },
    /// A file could not be read.
    #[error("{path}: {error}")]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
}

/// The checksum of one file.
pub fn of_file(path: &Path) -> Result<String, Damage> {
    let io = |error| Damage::Io {
        path: path.to_owned(),
        error,
    };
    let mut file = fs::File::open(path).map_err(io)?;
    let mut hasher = blake3::Hasher::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buf).map_err(io)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher.finalize().to_hex().to_string())
}

/// The checksums of every regular file in `dir` except `skip` (the file they will go into).
pub fn of_folder(dir: &Path, skip: &str) -> Result<Checksums, Damage> {
    let io = |error| Damage::Io {
        path: dir.to_owned(),
        error,
    };
    let mut sums = Checksums::new();
    for entry in fs::read_dir(dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name != skip && entry.file_type().map_err(io)?.is_file() {
            sums.insert(name, of_file(&entry.path())?);
        }
    }
    Ok(sums)
}

/// Checks the files of `dir` that `wanted` names against `recorded`; the first that is missing
/// or differs is the error.
pub fn verify<'a>(
    dir: &Path,
    recorded: &Checksums,
    wanted: impl IntoIterator<Item = &'a str>,
) -> Result<(), Damage> {
    for name in wanted {
        let Some(expected) = recorded.get(name) else {
            continue;
        };
        let path = dir.join(name);
        if !path.is_file() {
            return Err(Damage::Missing { path });
        }
        let found = of_file(&path)?;
        if &found != expected {
            return Err(Damage::Changed {
                path,
                expected: expected.clone(),
                found,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flipped_byte_is_named_and_a_missing_file_too() {
        let dir = std::env::temp_dir().join(format!("tdqn-sums-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("a.bin"), [1u8, 2, 3, 4]).unwrap();
        fs::write(dir.join("b.bin"), vec![7u8; 100_000]).unwrap();
        fs::write(dir.join("meta.ron"), "()").unwrap();
        let sums = of_folder(&dir, "meta.ron").unwrap();
        assert_eq!(sums.keys().collect::<Vec<_>>(), ["a.bin", "b.bin"]);
        verify(&dir, &sums, ["a.bin", "b.bin"]).unwrap();

        let mut bytes = fs::read(dir.join("b.bin")).unwrap();
        bytes[70_000] ^= 0x10;
        fs::write(dir.join("b.bin"), bytes).unwrap();
        verify(&dir, &sums, ["a.bin"]).unwrap();
        let err = verify(&dir, &sums, ["a.bin", "b.bin"]).unwrap_err();
        assert!(matches!(&err, Damage::Changed { path, .. } if path.ends_with("b.bin")));
        assert!(err.to_string().contains("b.bin is damaged"), "{err}");

        fs::remove_file(dir.join("a.bin")).unwrap();
        let err = verify(&dir, &sums, ["a.bin"]).unwrap_err();
        assert!(matches!(err, Damage::Missing { .. }), "{err}");
        fs::remove_dir_all(&dir).unwrap();
    }
}

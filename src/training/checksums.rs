//! Checksums of a checkpoint's files: BLAKE3 of every file beside `meta.ron`, recorded in
//! `meta.ron` when the checkpoint is written, and of `meta.ron` itself on its last line (the
//! seal), all checked before anything is loaded, so a damaged file is named instead of being
//! trained on or played with.

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
    /// `meta.ron` differs from the checksum on its own last line.
    #[error(
        "{path} is damaged: its BLAKE3 checksum is {found}, but its last line recorded \
         {expected} when the checkpoint was written (a disk or copy error, or an edit); restore \
         the file or use another checkpoint. To use a meta.ron edited on purpose, delete that \
         last line (`// blake3 ...`): the file is then read unchecked"
    )]
    SealBroken {
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

/// How the last line of a sealed `meta.ron` starts; the BLAKE3 of every byte before that line
/// follows. RON reads the line as a comment, so older builds still read the file.
const SEAL_PREFIX: &str = "// blake3 ";

/// `text` (a `meta.ron`) with its own checksum as its last line.
pub fn seal(text: &str) -> String {
    let mut body = text.to_string();
    if !body.ends_with('\n') {
        body.push('\n');
    }
    let hash = blake3::hash(body.as_bytes()).to_hex();
    format!("{body}{SEAL_PREFIX}{hash}\n")
}

/// The text of a `meta.ron` read from `path` without its checksum line, once that line matches
/// the rest. A file with no such line (written before meta.ron was sealed, or edited on purpose
/// and the line deleted) is taken as it is.
pub fn unseal<'a>(path: &Path, text: &'a str) -> Result<&'a str, Damage> {
    let trimmed = text.strip_suffix('\n').unwrap_or(text);
    let (body, last) = match trimmed.rfind('\n') {
        Some(i) => (&text[..=i], &trimmed[i + 1..]),
        None => ("", trimmed),
    };
    let Some(expected) = last.strip_prefix(SEAL_PREFIX) else {
        return Ok(text);
    };
    let found = blake3::hash(body.as_bytes()).to_hex().to_string();
    if found == expected.trim() {
        Ok(body)
    } else {
        Err(Damage::SealBroken {
            path: path.to_owned(),
            expected: expected.trim().to_string(),
            found,
        })
    }
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
    fn a_sealed_text_unseals_to_itself_and_any_flipped_byte_is_named() {
        let text = "(\n    steps: 12,\n    reason: \"stop\",\n)";
        let sealed = seal(text);
        let path = Path::new("run/latest/meta.ron");
        assert_eq!(unseal(path, &sealed).unwrap(), format!("{text}\n"));
        // Unsealed text (older checkpoints, or the line deleted on purpose) is taken as it is.
        assert_eq!(unseal(path, text).unwrap(), text);
        for i in 0..sealed.len() - 1 {
            let mut bytes = sealed.clone().into_bytes();
            bytes[i] ^= 0x01;
            let Ok(damaged) = String::from_utf8(bytes) else {
                continue;
            };
            // A flip that unmakes the seal line (its prefix, the newline before it) leaves the
            // data intact and the file unchecked, as a deleted seal does.
            let last = damaged.trim_end_matches('\n').rsplit('\n').next().unwrap();
            if !last.starts_with(SEAL_PREFIX) {
                assert_eq!(unseal(path, &damaged).unwrap(), damaged);
                continue;
            }
            let err = unseal(path, &damaged).unwrap_err();
            assert!(err.to_string().contains("meta.ron is damaged"), "{err}");
        }
    }

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

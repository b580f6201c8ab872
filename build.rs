//! Links libtorch so the binary runs without LD_LIBRARY_PATH (an rpath to `$LIBTORCH/lib`),
//! keeps `libtorch_cuda` linked although nothing references it by symbol (cargo passes
//! `--as-needed`, which would drop it and hide every GPU), and records the libtorch version
//! and the git description of the source.

use std::env;
use std::fs;
use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-env-changed=LIBTORCH");
    println!("cargo:rerun-if-changed=build.rs");
    record_git_describe();
    let Some(root) = env::var_os("LIBTORCH").map(PathBuf::from) else {
        println!(
            "cargo:warning=LIBTORCH is not set; run ./run.sh or ./test.sh once, or export LIBTORCH=<libtorch 2.13.0 folder>"
        );
        println!("cargo:rustc-env=TETRIS_DQN_LIBTORCH_VERSION=unknown");
        return;
    };
    let lib = root.join("lib");
    let lib = lib.canonicalize().unwrap_or(lib);
    println!("cargo:rustc-link-search=native={}", lib.display());
    println!("cargo:rustc-link-arg=-Wl,-rpath,{}", lib.display());
    if lib.join("libtorch_cuda.so").exists() {
        println!("cargo:rustc-link-arg=-Wl,--no-as-needed,-ltorch_cuda,--as-needed");
    }
    println!(
        "cargo:rustc-env=TETRIS_DQN_LIBTORCH_VERSION={}",
        libtorch_version(&root)
    );
}

/// The version a PyTorch wheel (`version.py`) or a libtorch archive (`build-version`) states.
fn libtorch_version(root: &std::path::Path) -> String {
    if let Ok(text) = fs::read_to_string(root.join("build-version")) {
        return text.trim().to_string();
    }
    if let Ok(text) = fs::read_to_string(root.join("version.py")) {
        for line in text.lines() {
            if let Some((_, value)) = line
                .strip_prefix("__version__")
                .and_then(|rest| rest.split_once('='))
            {
                return value.trim().trim_matches(['\'', '"']).to_string();
            }
        }
    }
    "unknown".to_string()
}

/// `git describe --always` of the source, recorded in checkpoints; rebuilt when HEAD moves.
fn record_git_describe() {
    for path in [".git/HEAD", ".git/refs/heads"] {
        if std::path::Path::new(path).exists() {
            println!("cargo:rerun-if-changed={path}");
        }
    }
    let describe = std::process::Command::new("git")
        .args(["describe", "--always", "--tags"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=TETRIS_DQN_GIT_DESCRIBE={describe}");
}

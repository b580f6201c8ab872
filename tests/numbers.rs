//! No number a user can type makes the program panic: every numeric flag of every command,
//! through the real binary, with the extreme values (0, 1, max, min, past max, huge floats,
//! NaN, infinities) and then with arbitrary ones. Each run ends with exit 0 (the value was
//! fine and the command did its work) or 2 (refused, with a one-paragraph `error:` or clap's
//! usage message), never with 101 or a backtrace. A run still busy after a few seconds (a
//! huge but valid count) is stopped and counts as fine: it did not crash on the value.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use proptest::prelude::*;

const BIN: &str = env!("CARGO_BIN_EXE_tetris-dqn");
/// How long a run with a valid value may go on before it is stopped.
const BUSY: Duration = Duration::from_secs(4);

/// The values every numeric flag is tried with.
const EXTREMES: &[&str] = &[
    "0",
    "1",
    "-1",
    "18446744073709551615",
    "18446744073709551616",
    "-9223372036854775808",
    "340282366920938463463374607431768211456",
    "1e20",
    "1e300",
    "-1e300",
    "0.5",
    "NaN",
    "inf",
    "-inf",
    "",
];

/// The folder for this file's runs.
fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("number-tests")
}

/// A small checkpoint for eval, watch, play --hint and tbp (trained once per test binary).
fn checkpoint() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let run = root().join("trained");
        let _ = std::fs::remove_dir_all(&run);
        let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("configs/smoke.ron");
        let o = Command::new(BIN)
            .args(["--headless", "--config", config.to_str().unwrap()])
            .args(["--run-dir", run.to_str().unwrap(), "--steps", "250"])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        run.join("latest")
    })
}

/// Every numeric flag: the command's arguments around it (short work when the value is
/// fine), and the flag. Window commands run with no display, so that a value they accept
/// ends at the display check.
fn flags() -> Vec<(Vec<String>, &'static str)> {
    let ckpt = checkpoint().to_string_lossy().into_owned();
    let smoke = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("configs/smoke.ron")
        .to_string_lossy()
        .into_owned();
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let train = s(&["train", "--headless", "--config", &smoke, "--steps", "20"]);
    let train_no_steps = s(&["train", "--headless", "--config", &smoke]);
    let eval = |drop: &str| {
        let mut v = s(&["eval", &ckpt]);
        for (f, x) in [("--games", "1"), ("--max-pieces", "10")] {
            if f != drop {
                v.extend(s(&[f, x]));
            }
        }
        v
    };
    vec![
        (train_no_steps, "--steps"),
        (train.clone(), "--seed"),
        (train.clone(), "--speed"),
        (train.clone(), "--screenshot-after"),
        (train, "--listen"),
        (s(&["watch", &ckpt]), "--seed"),
        (s(&["watch", &ckpt]), "--speed"),
        (s(&["watch", &ckpt]), "--lookahead"),
        (s(&["watch", &ckpt]), "--screenshot-after"),
        (s(&["play"]), "--seed"),
        (s(&["play", "--hint", &ckpt]), "--lookahead"),
        (s(&["play"]), "--screenshot-after"),
        (eval("--games"), "--games"),
        (eval("--max-pieces"), "--max-pieces"),
        (eval(""), "--seed"),
        (eval(""), "--lookahead"),
        (eval(""), "--depth"),
        (s(&["demo"]), "--seed"),
        (s(&["demo"]), "--input-ms"),
        (s(&["demo"]), "--screenshot-after"),
        (s(&["bench", "--train-steps", "1"]), "--pieces"),
        (s(&["bench", "--pieces", "1"]), "--train-steps"),
        (s(&["bench", "--train-steps", "1"]), "--watchers"),
        (s(&["tbp", &ckpt]), "--lookahead"),
        (s(&["tbp", &ckpt]), "--depth"),
        (s(&["attach", "no-such-run"]), "--screenshot-after"),
    ]
}

/// Runs one command with `flag value` added; returns a complaint, or None when it ended as
/// it must.
fn try_value(base: &[String], flag: &str, value: &str, case: usize) -> Option<String> {
    let mut cmd = Command::new(BIN);
    cmd.args(base).arg(format!("{flag}={value}"));
    let run_dir = base.iter().any(|a| a == "--headless").then(|| {
        let dir = root().join(format!("run-{case}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        cmd.arg("--run-dir").arg(&dir);
        dir
    });
    let mut child = cmd
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env("RUST_BACKTRACE", "0")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let deadline = Instant::now() + BUSY;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let err = reader.join().unwrap();
    if let Some(dir) = run_dir {
        let _ = std::fs::remove_dir_all(dir);
    }
    let what = format!("{} {flag}={value:?}", base.join(" "));
    if err.contains("panicked") || err.contains("RUST_BACKTRACE") {
        return Some(format!("{what}: panicked: {err}"));
    }
    match status.and_then(|s| s.code()) {
        None => None, // still busy with a valid value: stopped by us
        Some(0) => None,
        Some(2) if err.starts_with("error") || err.contains("Usage:") => None,
        Some(code) => Some(format!("{what}: exit {code}: {err}")),
    }
}

#[test]
fn every_numeric_flag_survives_the_extreme_values() {
    let cases: Vec<(Vec<String>, &str, &str)> = flags()
        .into_iter()
        .flat_map(|(base, flag)| EXTREMES.iter().map(move |v| (base.clone(), flag, *v)))
        .collect();
    // Two at a time: the machines here have two cores.
    let half = cases.len().div_ceil(2);
    let complaints: Vec<String> = std::thread::scope(|scope| {
        let workers: Vec<_> = cases
            .chunks(half)
            .enumerate()
            .map(|(w, chunk)| {
                scope.spawn(move || {
                    chunk
                        .iter()
                        .enumerate()
                        .filter_map(|(i, (base, flag, v))| try_value(base, flag, v, w * half + i))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    assert!(complaints.is_empty(), "{}", complaints.join("\n\n"));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_numbers_never_crash_a_command(
        which in 0usize..24,
        value in prop_oneof![
            any::<i128>().prop_map(|v| v.to_string()),
            any::<f64>().prop_map(|v| v.to_string()),
            any::<u64>().prop_map(|v| format!("{v}e{}", v % 40)),
        ],
    ) {
        let flags = flags();
        let (base, flag) = &flags[which % flags.len()];
        let complaint = try_value(base, flag, &value, 10_000 + which);
        prop_assert!(complaint.is_none(), "{}", complaint.unwrap_or_default());
    }
}

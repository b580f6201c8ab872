//! What the integration tests share: the tiny training config, a smoke-trained checkpoint,
//! a key press on an app, and running the real binary (its output, a refusal's message).
//! (Each test file compiles this on its own and uses part of it.)
#![allow(dead_code)]

pub mod screen;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use bevy::prelude::*;
use tetris_dqn::config::{Config, Epsilon, Evaluation, Network};

/// A config that trains in a blink: a tiny network, short games, a small replay ring, early
/// learning, no periodic saves, and a quick evaluation every 250 steps.
pub fn tiny_config() -> Config {
    Config {
        run_name: "tiny".into(),
        seed: 11,
        envs: 4,
        network: Network::Mlp {
            hidden: vec![8],
            context: true,
        },
        max_pieces_per_game: 80,
        batch_size: 16,
        replay_capacity: 400,
        learning_starts: 40,
        train_every: 2,
        target_update_every: 50,
        epsilon: Epsilon {
            start: 1.0,
            end: 0.05,
            decay_steps: 300,
        },
        save_every_steps: 0,
        evaluation: Evaluation {
            every_steps: 250,
            games: 2,
            max_pieces: 40,
            seed: 5,
        },
        ..Config::default()
    }
}

/// Presses `key` for one update of `app`, then releases it: how the app-level tests type on
/// an app built with `MinimalPlugins` and a `ButtonInput<KeyCode>`.
pub fn tap_key(app: &mut App, key: KeyCode) {
    app.world_mut()
        .resource_mut::<ButtonInput<KeyCode>>()
        .press(key);
    app.update();
    let mut input = app.world_mut().resource_mut::<ButtonInput<KeyCode>>();
    input.release(key);
    input.clear();
}

/// The path of `configs/smoke.ron`, the tiny config of the end-to-end tests.
pub fn smoke_config() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("configs/smoke.ron")
        .to_string_lossy()
        .into_owned()
}

/// Trains the smoke config headless for `steps` into a fresh run folder named `name`, and
/// returns that folder (for the windows that load a checkpoint).
pub fn smoke_checkpoint(name: &str, steps: u64) -> PathBuf {
    let run_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&run_dir);
    let out = Command::new(env!("CARGO_BIN_EXE_tetris-dqn"))
        .args(["--headless", "--config", &smoke_config()])
        .args(["--steps", &steps.to_string()])
        .args(["--run-dir", run_dir.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    run_dir
}

/// A fresh path `<target tmp>/<group>/<name>` (removed if it was there; its parent exists).
pub fn fresh_dir(group: &str, name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(group)
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.parent().unwrap()).unwrap();
    dir
}

/// Runs the real binary with `args` to its end.
pub fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tetris-dqn"))
        .args(args)
        .output()
        .expect("the binary runs")
}

/// What a run printed on stderr.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A refused command: exit 2, one `error:` message, no panic; returns the message.
pub fn refusal(o: &Output) -> String {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(2), "expected a refusal, got: {err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.starts_with("error: "), "{err}");
    err
}

/// A child process that is killed when this goes out of scope, so a failing test leaves no
/// run behind.
pub struct KillOnDrop(pub std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

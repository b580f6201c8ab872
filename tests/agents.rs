//! The shipped agents (assets/agents/<objective>/, made by scripts/make-agents.sh): each loads,
//! was trained for its objective, and plays a short greedy game without topping out.

use tetris_dqn::agent::Device;
use tetris_dqn::config::Objective;
use tetris_dqn::training::checkpoint;
use tetris_dqn::training::eval::play_greedy;
use tetris_dqn::training::shipped::{self, DEFAULT_OBJECTIVE};

#[test]
fn every_shipped_agent_loads_and_plays_a_short_game() {
    for objective in [
        Objective::Tetris,
        Objective::Attack,
        Objective::Survival,
        Objective::Versus,
    ] {
        let dir = shipped::agent_dir(objective).unwrap();
        let (mut agent, meta) = checkpoint::load_agent(&dir, Device::CPU).unwrap();
        assert_eq!(meta.config.objective, objective, "{}", dir.display());
        // scripts/make-agents.sh ships a run's best, or (tetris) its latest at the end of the
        // recipe's steps.
        assert!(
            meta.reason.starts_with("best (") || meta.reason == "on stop",
            "a shipped agent is a run's best or its last checkpoint: {}",
            meta.reason
        );
        let game = play_greedy(&mut agent, 7, 300, |_| {});
        assert_eq!(game.pieces, 300, "{objective:?} topped out: {game:?}");
        assert!(game.lines >= 100, "{objective:?}: {game:?}");
        // What is on disk is small: the network and its metadata, no replay or optimizer.
        let mut files: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        files.sort();
        assert_eq!(files, ["evals.csv", "meta.ron", "model.safetensors"]);
        // meta.ron is sealed by its own checksum (load_agent above checked it).
        let text = std::fs::read_to_string(dir.join("meta.ron")).unwrap();
        let last = text.lines().last().unwrap_or_default();
        assert!(last.starts_with("// blake3 "), "{}: {last}", dir.display());
    }
    assert_eq!(
        shipped::default_agent().unwrap(),
        shipped::agent_dir(DEFAULT_OBJECTIVE).unwrap()
    );
}

#[test]
fn looking_ahead_the_tetris_agent_makes_more_tetrises() {
    let dir = shipped::agent_dir(Objective::Tetris).unwrap();
    let (mut agent, _) = checkpoint::load_agent(&dir, Device::CPU).unwrap();
    let plain = play_greedy(&mut agent, 3, 3000, |_| {});
    agent.set_lookahead(8);
    let ahead = play_greedy(&mut agent, 3, 3000, |_| {});
    assert_eq!(ahead.pieces, 3000, "{ahead:?}");
    assert!(
        ahead.tetris_rate > plain.tetris_rate && ahead.tetris_rate >= 0.95,
        "looking ahead {:.3}, not {:.3}",
        ahead.tetris_rate,
        plain.tetris_rate
    );
}

//! `tetris-dqn versus` through the real binary: a seeded headless match between checkpoints
//! gives the same games twice; an agent plays our own `tbp` as a child process move for move;
//! bots that crash, send illegal moves or never answer lose their games and the match goes on;
//! bad flags and players are refused with one message.

mod support;

use std::path::{Path, PathBuf};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_tetris-dqn");

/// A smoke-trained checkpoint's `latest`, made under `name`.
fn checkpoint(name: &str) -> PathBuf {
    support::smoke_checkpoint(name, 2000).join("latest")
}

/// Runs `versus` with `args` (headless, JSON) and reads the report.
fn play(args: &[&str]) -> Value {
    let mut all = vec!["versus", "--headless", "--json"];
    all.extend_from_slice(args);
    let out = support::run(&all);
    let err = support::stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    serde_json::from_slice(&out.stdout).expect("one JSON report")
}

/// `report` without the fields that hold times (the only ones two runs do not share).
fn without_times(mut report: Value) -> Value {
    fn strip(v: &mut Value) {
        match v {
            Value::Object(map) => {
                map.retain(|k, _| {
                    !(k == "seconds" || k == "pieces_per_second" || k.starts_with("think_ms"))
                });
                map.values_mut().for_each(strip);
            }
            Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    strip(&mut report);
    report
}

/// A TBP bot written in bash: `info`, `ready` to `rules`, and `on_suggest` run on each
/// `suggest`.
fn script_bot(name: &str, on_suggest: &str) -> PathBuf {
    let dir = support::fresh_dir("versus-bots", name);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bot.sh");
    std::fs::write(
        &path,
        format!(
            "#!/usr/bin/env bash\n\
             echo '{{\"type\":\"info\",\"name\":\"{name}\",\"version\":\"1\",\"author\":\"test\",\"features\":[]}}'\n\
             while read -r line; do\n\
               case \"$line\" in\n\
                 *'\"rules\"'*) echo '{{\"type\":\"ready\"}}' ;;\n\
                 *'\"suggest\"'*) {on_suggest} ;;\n\
                 *'\"quit\"'*) exit 0 ;;\n\
               esac\n\
             done\n"
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

fn games(report: &Value) -> &Vec<Value> {
    report["games"].as_array().unwrap()
}

#[test]
fn a_seeded_match_between_checkpoints_is_the_same_twice() {
    let a = checkpoint("versus-a");
    let b = support::smoke_checkpoint("versus-b", 3000).join("latest");
    let args = [
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--games",
        "3",
        "--seed",
        "5",
        "--max-pieces",
        "300",
    ];
    let first = play(&args);
    let second = play(&args);
    assert_eq!(without_times(first.clone()), without_times(second));
    assert_eq!(games(&first).len(), 3);
    let wins = |i: usize| first["players"][i]["wins"].as_u64().unwrap();
    assert_eq!(wins(0) + wins(1) + first["draws"].as_u64().unwrap(), 3);
    for g in games(&first) {
        for side in g["sides"].as_array().unwrap() {
            assert!(side["pieces"].as_u64().unwrap() > 0, "{g}");
        }
        // No garbage is made or lost between the two sides.
        let (l, r) = (&g["sides"][0], &g["sides"][1]);
        for (me, other) in [(l, r), (r, l)] {
            let u = |v: &Value, k: &str| v[k].as_u64().unwrap();
            assert_eq!(u(me, "attack"), u(me, "cancelled") + u(me, "sent"), "{g}");
            assert!(u(other, "landed") <= u(me, "sent"), "{g}");
        }
    }
}

#[test]
fn an_agent_and_the_same_agent_through_tbp_play_the_same_moves() {
    // The shipped tetris agent (it plays far past the piece limit), on both sides: playing
    // one placement, and searching 3 pieces deep (which in the arena sees what TBP is sent:
    // the previews and the bag's pieces after them).
    for look in [["0", "1"], ["8", "3"]] {
        same_moves_through_tbp(look);
    }
}

fn same_moves_through_tbp([beam, depth]: [&str; 2]) {
    let bot = format!("tbp:{BIN} tbp --lookahead {beam} --depth {depth}");
    let report = play(&[
        "tetris",
        &bot,
        "--lookahead",
        beam,
        "--depth",
        depth,
        "--games",
        "2",
        "--max-pieces",
        "150",
    ]);
    assert_eq!(report["players"][1]["name"], "tetris-dqn 0.1.0");
    for g in games(&report) {
        assert_eq!(g["faults"], serde_json::json!([null, null]), "{g}");
        assert_eq!(g["ending"], "draw", "{g}");
        let (l, r) = (&g["sides"][0], &g["sides"][1]);
        // The same pieces and the same choices: the same attack, lock for lock, which the
        // right side's own attack always cancels (it locks second).
        assert_eq!(l["pieces"], r["pieces"], "{g}");
        assert_eq!(l["attack"], r["attack"], "{g}");
        assert_eq!(l["lines"], r["lines"], "{g}");
        assert_eq!(r["sent"], 0, "{g}");
    }
}

/// A match of 3 games against `bot`: the bot loses every one by `fault`, and the match plays
/// all three.
fn loses_every_game(bot: &Path, fault: &str, extra: &[&str]) -> Value {
    let spec = format!("tbp:{}", bot.display());
    let mut args = vec!["dellacherie", spec.as_str(), "--games", "3"];
    args.extend_from_slice(extra);
    let report = play(&args);
    assert_eq!(games(&report).len(), 3);
    for g in games(&report) {
        assert_eq!(g["winner"], "Left", "{g}");
        assert_eq!(g["faults"][1], fault, "{g}");
        assert_eq!(g["faults"][0], Value::Null, "{g}");
    }
    assert_eq!(report["players"][1]["faults"], 3);
    report
}

#[test]
fn a_bot_that_crashes_loses_each_game_and_the_match_goes_on() {
    let bot = script_bot("crasher", "exit 3");
    let report = loses_every_game(&bot, "crashed", &[]);
    let ending = report["games"][0]["ending"]["fault"].as_str().unwrap();
    assert!(ending.contains("crashed"), "{ending}");
}

#[test]
fn a_bot_that_sends_an_illegal_move_loses_each_game() {
    // A T floating in mid-air is no placement.
    let bot = script_bot(
        "floater",
        r#"echo '{"type":"suggestion","moves":[{"location":{"type":"T","orientation":"north","x":4,"y":15},"spin":"none"}]}'"#,
    );
    let report = loses_every_game(&bot, "illegal", &[]);
    let ending = report["games"][0]["ending"]["fault"].as_str().unwrap();
    assert!(ending.contains("none of its 1 moves"), "{ending}");
}

#[test]
fn a_bot_that_never_answers_loses_each_game_on_time() {
    let bot = script_bot("sleeper", "sleep 30");
    let started = std::time::Instant::now();
    let report = loses_every_game(&bot, "time", &["--move-limit", "200"]);
    let ending = report["games"][0]["ending"]["fault"].as_str().unwrap();
    assert!(ending.contains("200 ms"), "{ending}");
    // Three limits and three restarts, not three sleeps of 30 s.
    assert!(started.elapsed().as_secs() < 25, "{:?}", started.elapsed());
}

#[test]
fn bad_players_and_flags_are_refused_with_one_message() {
    let cases: [(&[&str], &str); 6] = [
        (
            &["versus", "no/such/run", "dellacherie", "--headless"],
            "not a checkpoint folder",
        ),
        (
            &["versus", "tbp:", "dellacherie", "--headless"],
            "names no program",
        ),
        (
            &[
                "versus",
                "dellacherie",
                "dellacherie",
                "--headless",
                "--games",
                "0",
            ],
            "--games 0",
        ),
        (
            &[
                "versus",
                "dellacherie",
                "dellacherie",
                "--headless",
                "--messiness",
                "2",
            ],
            "--messiness 2",
        ),
        (
            &["versus", "human", "dellacherie", "--headless"],
            "drop --headless",
        ),
        (
            &["versus", "dellacherie", "tbp:/no/such/bot", "--headless"],
            "did not start: cannot start /no/such/bot",
        ),
    ];
    for (args, expected) in cases {
        let err = support::refusal(&support::run(args));
        assert!(err.contains(expected), "{args:?}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
    }
}

#[test]
fn the_table_names_both_players_and_the_win_rate() {
    let out = support::run(&[
        "versus",
        "dellacherie",
        "dellacherie",
        "--headless",
        "--games",
        "2",
        "--max-pieces",
        "50",
    ]);
    assert!(out.status.success(), "{}", support::stderr(&out));
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(
        table.contains("dellacherie (left) against dellacherie (right)"),
        "{table}"
    );
    assert!(
        table.contains("piece limit") && table.contains("draws: 2"),
        "{table}"
    );
    assert!(table.contains("attack/piece"), "{table}");
}

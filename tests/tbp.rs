//! The Tetris Bot Protocol bot through the real binary: this test is the frontend. A scripted
//! conversation covers the whole lifecycle, a mid-game `start` with garbage, unknown messages
//! and malformed lines; a solo game checks that every move the bot sends is legal under the
//! Guideline, and measures `suggest`'s latency.

mod support;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tetris_dqn::game::{Board, Game, HEIGHT, Piece, Placement, TSpin, WIDTH};
use tetris_dqn::tbp::convert::{board_to_tbp, location_cells, spin_from_tbp};

const BIN: &str = env!("CARGO_BIN_EXE_tetris-dqn");

/// A smoke-trained checkpoint's `latest`, made under `name`.
fn checkpoint(name: &str) -> PathBuf {
    support::smoke_checkpoint(name, 2000).join("latest")
}

/// The bot as a child process, spoken to line by line.
struct Bot {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Bot {
    fn start(checkpoint: &Path) -> Bot {
        Bot::start_with(checkpoint, &[])
    }

    /// The bot of `checkpoint` with `args`, past its `info` and `rules`/`ready`.
    fn ready(checkpoint: &Path, args: &[&str]) -> Bot {
        let mut bot = Bot::start_with(checkpoint, args);
        assert_eq!(bot.receive()["type"], "info");
        bot.send(json!({"type": "rules"}));
        assert_eq!(bot.receive()["type"], "ready");
        bot
    }

    /// The bot of `checkpoint` with more `args` (`--depth 4`).
    fn start_with(checkpoint: &Path, args: &[&str]) -> Bot {
        let mut child = Command::new(BIN)
            .args(["tbp", checkpoint.to_str().unwrap()])
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        Bot {
            child,
            stdin,
            stdout,
        }
    }

    fn send_line(&mut self, line: &str) {
        writeln!(self.stdin, "{line}").unwrap();
        self.stdin.flush().unwrap();
    }

    fn send_bytes(&mut self, bytes: &[u8]) {
        self.stdin.write_all(bytes).unwrap();
        self.stdin.flush().unwrap();
    }

    fn send(&mut self, message: Value) {
        self.send_line(&message.to_string());
    }

    /// The next message the bot writes; every line on stdout must be one JSON object.
    fn receive(&mut self) -> Value {
        let mut line = String::new();
        self.stdout.read_line(&mut line).unwrap();
        assert!(!line.is_empty(), "the bot closed its output");
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"))
    }

    fn suggest(&mut self) -> Value {
        self.send(json!({"type": "suggest"}));
        let reply = self.receive();
        assert_eq!(reply["type"], "suggestion", "{reply}");
        reply
    }

    /// Sends `quit`; returns the bot's stderr once it has exited cleanly.
    fn quit(mut self) -> String {
        self.send(json!({"type": "quit"}));
        let out = self.child.wait_with_output().unwrap();
        assert!(out.status.success(), "{:?}", out.status);
        assert!(out.stdout.is_empty(), "more output after quit");
        String::from_utf8_lossy(&out.stderr).into_owned()
    }
}

fn letter(p: Piece) -> Value {
    json!(p.letter().to_string())
}

/// The `start` message for `game`'s position.
fn start_of(game: &Game) -> Value {
    let mut queue = vec![letter(game.current())];
    queue.extend(game.next().map(letter));
    json!({
        "type": "start",
        "hold": game.hold().map(letter),
        "queue": queue,
        "combo": game.score().combo + 1,
        "back_to_back": game.score().back_to_back,
        "board": board_to_tbp(game.board()),
    })
}

/// The placement of `game` a TBP move names (with hold inferred from its piece), if legal.
fn legal_placement(game: &Game, mv: &Value) -> Option<Placement> {
    let mv: tbp::data::Move = serde_json::from_value(mv.clone()).ok()?;
    let (piece, cells) = location_cells(&mv.location).ok()?;
    let hold = piece != game.current();
    game.placements()
        .into_iter()
        .find(|p| p.piece() == piece && p.uses_hold() == hold && p.cell_key() == cells)
}

fn spin_of(mv: &Value) -> TSpin {
    let mv: tbp::data::Move = serde_json::from_value(mv.clone()).unwrap();
    spin_from_tbp(&mv.spin).unwrap()
}

#[test]
fn a_scripted_conversation_covers_the_lifecycle() {
    let ckpt = checkpoint("tbp-conversation");
    let mut bot = Bot::start(&ckpt);
    let info = bot.receive();
    assert_eq!(info["type"], "info");
    assert_eq!(info["name"], "tetris-dqn");
    assert!(
        info["features"]
            .as_array()
            .unwrap()
            .contains(&json!("randomizer"))
    );

    bot.send(json!({"type": "rules", "randomizer": "seven_bag", "something_new": 1}));
    assert_eq!(bot.receive()["type"], "ready");

    // A game from the start, kept in step through play and new_piece.
    let mut game = Game::new(5);
    let mut start = start_of(&game);
    start["randomizer"] = json!({"type": "seven_bag", "bag_state": []});
    bot.send(start);
    for _ in 0..12 {
        let reply = bot.suggest();
        let moves = reply["moves"].as_array().unwrap();
        assert!(!moves.is_empty() && moves.len() <= 5, "{reply}");
        assert!(reply["move_info"]["nodes"].as_f64().unwrap() > 0.0);
        // The default lookahead: a second ply behind the first.
        assert_eq!(reply["move_info"]["depth"], 2.0, "{reply}");
        for mv in moves {
            let p = legal_placement(&game, mv).unwrap_or_else(|| panic!("illegal {mv}"));
            assert_eq!(spin_of(mv), p.tspin(), "{mv}");
        }
        let p = legal_placement(&game, &moves[0]).unwrap();
        let shown_before = 1 + game.next().count() as u64 + u64::from(game.hold().is_some());
        let dealt_before = game.pieces_placed() + shown_before;
        game.place(&p).unwrap();
        bot.send(json!({"type": "play", "move": moves[0]}));
        let shown_after = 1 + game.next().count() as u64 + u64::from(game.hold().is_some());
        let new = game.pieces_placed() + shown_after - dealt_before;
        let queue: Vec<Piece> = game.next().collect();
        for p in &queue[queue.len() - new as usize..] {
            bot.send(json!({"type": "new_piece", "piece": letter(*p)}));
        }
    }

    // Messages of unknown types and malformed lines are ignored; the bot answers on.
    bot.send(json!({"type": "chat", "text": "hello"}));
    bot.send_line("{not json");
    bot.send_line("[1, 2, 3]");
    bot.send(json!({"type": "play", "move": {"location": {"type": "Q"}}}));
    bot.send(json!({"type": "new_piece", "piece": "Q"}));
    bot.send(json!({"type": "stop"}));

    // Mid-game: a board the bot has never seen, with garbage rows with one gap each.
    let mut rows = vec![0u16; 6];
    for (y, row) in rows.iter_mut().enumerate() {
        *row = 0b11_1111_1111 & !(1 << (y * 3 % WIDTH));
    }
    let board = Board::from_rows(&rows).unwrap();
    let game =
        Game::from_position(board, Piece::I, Some(Piece::T), &[Piece::O, Piece::S], 2).unwrap();
    let mut start = start_of(&game);
    start["combo"] = json!(3);
    start["back_to_back"] = json!(true);
    bot.send(start);
    let reply = bot.suggest();
    for mv in reply["moves"].as_array().unwrap() {
        assert!(legal_placement(&game, mv).is_some(), "illegal {mv}");
    }

    // A board of the wrong size: an error on stderr, no moves, and the bot stays usable.
    bot.send(
        json!({"type": "start", "hold": null, "queue": ["T"], "combo": 0,
        "back_to_back": false, "board": [[null, null]]}),
    );
    assert_eq!(bot.suggest()["moves"], json!([]));
    // A play it cannot place: an error on stderr; the next start works.
    bot.send(start_of(&game));
    bot.send(json!({"type": "play", "move": {"location":
        {"type": "I", "orientation": "north", "x": 4, "y": 0}, "spin": "none"}}));
    bot.send(start_of(&game));
    assert!(!bot.suggest()["moves"].as_array().unwrap().is_empty());
    // Numbers at the ends of their types: a location far off the board is refused like any
    // other unplaceable move, and the largest combo is only a long combo.
    bot.send(start_of(&game));
    for (x, y) in [(i32::MAX, 0), (0, i32::MIN), (i32::MIN, i32::MAX)] {
        bot.send(json!({"type": "play", "move": {"location":
            {"type": "I", "orientation": "north", "x": x, "y": y}, "spin": "none"}}));
    }
    let mut start = start_of(&game);
    start["combo"] = json!(u32::MAX);
    bot.send(start);
    assert!(!bot.suggest()["moves"].as_array().unwrap().is_empty());
    // Junk bytes that are not UTF-8, and a line of 3 MB: each skipped with a log line; the next
    // start is answered.
    bot.send_bytes(b"\xff\xfe\x00junk\n");
    bot.send_bytes(&[b'x'; 3 << 20]);
    bot.send_bytes(b"\n");
    bot.send(start_of(&game));
    assert!(!bot.suggest()["moves"].as_array().unwrap().is_empty());
    let stderr = bot.quit();
    for expected in [
        "not JSON",
        "without a \"type\"",
        "malformed play",
        "unknown piece",
        "has 1 rows",
        "cannot be reached",
        "far outside the board",
        "not UTF-8",
        "skipped a line of 3145729 bytes",
    ] {
        assert!(stderr.contains(expected), "{expected:?} not in: {stderr}");
    }
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// The pieces of the moves the bot suggests from a start with `queue` and `hold` on an empty
/// board (and the bag state, if given).
fn suggested_pieces(
    bot: &mut Bot,
    queue: &[&str],
    hold: Option<&str>,
    bag: Option<&[&str]>,
) -> Vec<String> {
    let mut start = json!({
        "type": "start",
        "hold": hold,
        "queue": queue,
        "combo": 0,
        "back_to_back": false,
        "board": board_to_tbp(&Board::new()),
    });
    if let Some(bag) = bag {
        start["randomizer"] = json!({"type": "seven_bag", "bag_state": bag});
    }
    bot.send(start);
    let reply = bot.suggest();
    reply["moves"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["location"]["type"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn with_a_short_queue_the_bot_plays_only_the_pieces_it_was_shown() {
    // The shipped tetris agent, looking ahead (the default): its second ply must not play a
    // piece the frontend has not sent, nor hold into one.
    let agent = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/agents/tetris");
    let mut bot = Bot::ready(&agent, &[]);
    // Only the current piece: no hold move (it would bring an unknown piece).
    let moves = suggested_pieces(&mut bot, &["T"], None, None);
    assert!(
        !moves.is_empty() && moves.iter().all(|p| p == "T"),
        "{moves:?}"
    );
    // Hold known: its piece may be played.
    let moves = suggested_pieces(&mut bot, &["T"], Some("I"), None);
    assert!(moves.iter().all(|p| p == "T" || p == "I"), "{moves:?}");
    // The bag's last piece is known even when the queue does not show it.
    let moves = suggested_pieces(&mut bot, &["T"], None, Some(&["S"]));
    assert!(moves.iter().all(|p| p == "T" || p == "S"), "{moves:?}");
    bot.quit();

    // Searching 4 pieces deep over a queue of 3: the same, and the same answer each time.
    let mut bot = Bot::ready(&agent, &["--depth", "4"]);
    let moves = suggested_pieces(&mut bot, &["T"], None, None);
    assert!(
        !moves.is_empty() && moves.iter().all(|p| p == "T"),
        "{moves:?}"
    );
    let three = suggested_pieces(&mut bot, &["T", "S", "Z"], None, None);
    assert!(three.iter().all(|p| p == "T" || p == "S"), "{three:?}");
    assert_eq!(
        three,
        suggested_pieces(&mut bot, &["T", "S", "Z"], None, None)
    );
    let moves = suggested_pieces(&mut bot, &["T"], None, Some(&["S"]));
    assert!(moves.iter().all(|p| p == "T" || p == "S"), "{moves:?}");
    bot.quit();
}

#[test]
fn without_a_checkpoint_the_bot_plays_the_shipped_agent_or_says_it_is_missing() {
    // From another folder: the shipped agent is found through the source tree.
    let mut child = Command::new(BIN)
        .arg("tbp")
        .current_dir(std::env::temp_dir())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut bot = Bot {
        stdin: child.stdin.take().unwrap(),
        stdout: BufReader::new(child.stdout.take().unwrap()),
        child,
    };
    assert_eq!(bot.receive()["type"], "info");
    bot.send(json!({"type": "quit"}));
    assert!(bot.child.wait().unwrap().success());

    let empty = std::env::temp_dir().join(format!("no-agents-{}", std::process::id()));
    std::fs::create_dir_all(&empty).unwrap();
    let out = Command::new(BIN)
        .arg("tbp")
        .env("TETRIS_DQN_AGENTS", &empty)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("error: tbp: no shipped tetris agent"),
        "{err}"
    );
    assert!(err.contains("no-agents"), "names where it looked: {err}");
    assert!(out.stdout.is_empty());
}

/// What a solo game through the bot gave.
#[derive(Debug)]
struct Solo {
    pieces: u64,
    lines: u32,
    attack: u64,
    /// Games that ended before the pieces were played (topped out or forfeited).
    top_outs: u64,
    illegal_moves: u64,
    spin_mismatches: u64,
    latencies: Vec<Duration>,
    /// The suggestion with no valid move, if the bot forfeited.
    forfeit: Option<String>,
    /// What the bot wrote on stderr.
    bot_log: String,
}

/// Plays `pieces` pieces against the bot as a frontend, with a garbage row (one gap) added
/// every `garbage_every` pieces (a fresh `start` tells the bot). A game that tops out (or
/// that the bot forfeits) is followed by a new one, until the pieces are played.
fn solo(checkpoint: &Path, pieces: u64, garbage_every: u64, seed: u64) -> Solo {
    let mut bot = Bot::start(checkpoint);
    bot.receive();
    bot.send(json!({"type": "rules"}));
    bot.receive();
    let mut game = Game::new(seed);
    bot.send(start_of(&game));
    let mut report = Solo {
        pieces: 0,
        lines: 0,
        attack: 0,
        top_outs: 0,
        illegal_moves: 0,
        spin_mismatches: 0,
        latencies: vec![],
        forfeit: None,
        bot_log: String::new(),
    };
    let mut gap = seed;
    let mut quality = tetris_dqn::game::Quality::default();
    let mut games = 0;
    while report.pieces < pieces {
        if game.is_over() {
            report.top_outs += 1;
            games += 1;
            game = Game::new(seed + games);
            bot.send(json!({"type": "stop"}));
            bot.send(start_of(&game));
        }
        let asked = Instant::now();
        let reply = bot.suggest();
        report.latencies.push(asked.elapsed());
        let moves = reply["moves"].as_array().unwrap().clone();
        let mut chosen = None;
        for mv in &moves {
            match legal_placement(&game, mv) {
                Some(p) => {
                    report.spin_mismatches += u64::from(spin_of(mv) != p.tspin());
                    chosen.get_or_insert((p, mv.clone()));
                }
                None => report.illegal_moves += 1,
            }
        }
        let Some((p, mv)) = chosen else {
            // No valid move: the bot forfeits this game.
            report.forfeit = Some(reply.to_string());
            report.top_outs += 1;
            games += 1;
            game = Game::new(seed + games);
            bot.send(json!({"type": "stop"}));
            bot.send(start_of(&game));
            continue;
        };
        let before: Vec<Piece> = game.next().collect();
        let held_before = game.hold().is_some();
        let outcome = game.place(&p).unwrap();
        report.pieces += 1;
        report.lines += outcome.lines;
        quality.record(&outcome, game.board());
        report.attack = quality.attack;
        bot.send(json!({"type": "play", "move": mv}));
        let consumed = if p.uses_hold() && !held_before { 2 } else { 1 };
        let after: Vec<Piece> = game.next().collect();
        debug_assert_eq!(&before[consumed..], &after[..after.len() - consumed]);
        for p in &after[after.len() - consumed..] {
            bot.send(json!({"type": "new_piece", "piece": letter(*p)}));
        }
        if garbage_every > 0 && report.pieces.is_multiple_of(garbage_every) && !game.is_over() {
            gap = gap
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let hole = (gap >> 33) as usize % WIDTH;
            let rows = game.board().rows();
            let mut lifted = vec![0b11_1111_1111 & !(1u16 << hole)];
            lifted.extend_from_slice(&rows[..HEIGHT - 1]);
            let next: Vec<Piece> = game.next().collect();
            let (combo, b2b) = (game.score().combo, game.score().back_to_back);
            // Garbage that pushes the stack out of the field, or into the spawn, ends the game.
            let lifted_game = (rows[HEIGHT - 1] == 0)
                .then(|| {
                    Game::from_position(
                        Board::from_rows(&lifted).unwrap(),
                        game.current(),
                        game.hold(),
                        &next,
                        gap,
                    )
                    .ok()
                })
                .flatten();
            match lifted_game {
                Some(mut lifted_game) => {
                    lifted_game.set_streaks(combo, b2b);
                    game = lifted_game;
                    bot.send(json!({"type": "stop"}));
                    bot.send(start_of(&game));
                }
                None => {
                    report.top_outs += 1;
                    games += 1;
                    game = Game::new(seed + games);
                    bot.send(json!({"type": "stop"}));
                    bot.send(start_of(&game));
                }
            }
        }
    }
    report.bot_log = bot.quit();
    report
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn print_report(s: &Solo) {
    let mut sorted = s.latencies.clone();
    sorted.sort();
    eprintln!(
        "solo: {} pieces, {} lines, attack per piece {:.3}, top-outs {}, illegal moves {}, \
         spin mismatches {}; suggest latency median {:?}, p99 {:?}, max {:?}",
        s.pieces,
        s.lines,
        s.attack as f64 / s.pieces.max(1) as f64,
        s.top_outs,
        s.illegal_moves,
        s.spin_mismatches,
        percentile(&sorted, 0.5),
        percentile(&sorted, 0.99),
        sorted.last().unwrap()
    );
}

#[test]
fn a_solo_game_with_garbage_gets_only_legal_moves() {
    let ckpt = checkpoint("tbp-solo");
    let s = solo(&ckpt, 300, 20, 9);
    print_report(&s);
    assert_eq!(s.pieces, 300);
    assert_eq!(s.illegal_moves, 0, "{s:?}");
    assert_eq!(s.spin_mismatches, 0, "{s:?}");
    assert!(s.forfeit.is_none(), "{s:?}");
    assert!(
        !s.bot_log.contains("cannot"),
        "the bot lost step: {}",
        s.bot_log
    );
}

/// The report's figure: `cargo test --test tbp -- --ignored --nocapture` (a few minutes).
#[test]
#[ignore]
fn a_solo_game_of_10000_pieces() {
    let ckpt = std::env::var_os("TBP_CHECKPOINT")
        .map(PathBuf::from)
        .unwrap_or_else(|| checkpoint("tbp-solo-long"));
    let s = solo(&ckpt, 10_000, 20, 9);
    print_report(&s);
    assert_eq!(s.illegal_moves, 0);
}

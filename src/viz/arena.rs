//! `tetris-dqn versus` in the window: both boards side by side, each with its hold, queue,
//! ghost, pending-garbage meter and attack sent, the match's score above them. The match
//! plays on its own thread ([`crate::versus::live`]); this plugin draws its latest
//! [`Frame`] and never waits for it. P pauses, `+`/`-` change the speed (not while a person
//! plays), Esc quits. When a side is `human`, the person plays it here with the `play` keys:
//! each piece they lock goes back to the match as their move.

use std::time::Duration;

use bevy::prelude::*;

use super::board::{BoardView, DrawBoard, SecondBoard};
use super::play::Keypad;
use crate::game::{Game, HumanGame, Side};
use crate::versus::human::{Ask, HumanDesk};
use crate::versus::live::{Feed, Frame};

/// The match the window shows.
#[derive(Resource)]
pub struct Arena {
    feed: Feed,
    frame: Option<Frame>,
    person: Option<Person>,
}

/// A person playing one side.
struct Person {
    side: Side,
    desk: HumanDesk,
    /// Their piece in play, from the position the match asked about.
    game: Option<HumanGame>,
    keypad: Keypad,
}

impl Arena {
    /// Shows `feed`'s match; `human` is the person's side and desk, when one side is human.
    pub fn new(feed: Feed, human: Option<(Side, HumanDesk)>) -> Arena {
        Arena {
            feed,
            frame: None,
            person: human.map(|(side, desk)| Person {
                side,
                desk,
                game: None,
                keypad: Keypad::default(),
            }),
        }
    }
}

/// Speeds the `+`/`-` keys step through.
const SPEED_STEPS: [f64; 7] = [0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0];

/// The score line above the boards.
#[derive(Component)]
struct ScoreLine;

/// Registers the arena's systems; needs an [`Arena`] and the board plugin with a layout of
/// two.
pub fn plugin(app: &mut App) {
    app.init_resource::<SecondBoard>()
        .add_systems(Startup, spawn_score_line)
        .add_systems(
            Update,
            (receive, arena_keys, person_plays, show)
                .chain()
                .before(DrawBoard),
        );
}

fn spawn_score_line(mut commands: Commands) {
    commands.spawn((
        ScoreLine,
        Text2d::new(""),
        TextFont {
            font_size: bevy::text::FontSize::Px(26.0),
            ..default()
        },
        TextColor(Color::srgb(0.92, 0.93, 0.97)),
        Transform::from_translation(Vec3::new(0.0, 420.0, 3.0)),
    ));
}

/// Takes the match's new frames (the last one counts) and the person's asks; the arena
/// counts as changed (and is drawn again) only when something came.
fn receive(mut arena: ResMut<Arena>) {
    let mut came = false;
    let a = arena.bypass_change_detection();
    if let Some(frame) = a.feed.frames.try_iter().last() {
        a.frame = Some(frame);
        came = true;
    }
    if let Some(person) = &mut a.person {
        for ask in person.desk.asks.try_iter() {
            person.game = match ask {
                Ask::Move(game) => Some(HumanGame::from_game(*game)),
                Ask::Over => None,
            };
            came = true;
        }
    }
    if came {
        arena.set_changed();
    }
}

/// P pauses and resumes, `+`/`-` step the speed (a person plays at 1x), Esc quits.
fn arena_keys(
    keys: Res<ButtonInput<KeyCode>>,
    mut arena: ResMut<Arena>,
    mut exit: MessageWriter<AppExit>,
) {
    if keys.just_pressed(KeyCode::Escape) {
        exit.write(AppExit::Success);
    }
    let before = (arena.feed.clock.paused(), arena.feed.clock.speed());
    speed_keys(&keys, &arena);
    let clock = &arena.feed.clock;
    if (clock.paused(), clock.speed()) != before {
        // The overlay and the score line say so.
        arena.set_changed();
    }
}

fn speed_keys(keys: &ButtonInput<KeyCode>, arena: &Arena) {
    let clock = &arena.feed.clock;
    if keys.just_pressed(KeyCode::KeyP) {
        clock.set_paused(!clock.paused());
    }
    if arena.person.is_some() {
        return;
    }
    let step = |up: bool| {
        let now = clock.speed();
        let next = if up {
            SPEED_STEPS.iter().find(|&&s| s > now + 1e-9)
        } else {
            SPEED_STEPS.iter().rev().find(|&&s| s < now - 1e-9)
        };
        if let Some(&s) = next {
            clock.set_speed(s);
        }
    };
    if keys.just_pressed(KeyCode::Equal) || keys.just_pressed(KeyCode::NumpadAdd) {
        step(true);
    }
    if keys.just_pressed(KeyCode::Minus) || keys.just_pressed(KeyCode::NumpadSubtract) {
        step(false);
    }
}

/// The person's keys move their piece; a lock goes back to the match. Nothing moves while
/// the match is paused.
fn person_plays(time: Res<Time>, keys: Res<ButtonInput<KeyCode>>, mut arena: ResMut<Arena>) {
    if arena.person.is_none() {
        return;
    }
    let paused = arena.feed.clock.paused();
    let Some(person) = &mut arena.person else {
        return;
    };
    let dt = if paused { Duration::ZERO } else { time.delta() };
    let (inputs, soft) = person.keypad.read(&keys, dt);
    let Some(game) = &mut person.game else {
        return;
    };
    if paused {
        return;
    }
    let mut locked = inputs.into_iter().any(|input| game.input(input).is_some());
    if !locked {
        locked = game.tick(dt.as_secs_f64(), soft).is_some();
    }
    if locked {
        if let Some(lock) = game.last_lock() {
            let _ = person.desk.answers.send(lock);
        }
        person.game = None;
    }
}

/// Fills both boards' views from the latest frame (and the person's piece).
fn show(
    arena: Res<Arena>,
    mut left: ResMut<BoardView>,
    mut right: ResMut<SecondBoard>,
    mut line: Query<&mut Text2d, With<ScoreLine>>,
) {
    if !arena.is_changed() {
        return;
    }
    let Some(frame) = &arena.frame else {
        return;
    };
    let clock = &arena.feed.clock;
    for side in Side::BOTH {
        let view = match side {
            Side::Left => &mut *left,
            Side::Right => &mut right.0,
        };
        let person = arena
            .person
            .as_ref()
            .filter(|p| p.side == side)
            .and_then(|p| p.game.as_ref());
        show_side(view, frame, side, &arena.feed.names[side as usize], person);
        view.overlay = overlay(frame, side, clock.paused());
    }
    if let Ok(mut text) = line.single_mut() {
        text.0 = score_line(&arena, frame);
    }
}

/// One side's board, queue, meter and numbers.
fn show_side(
    view: &mut BoardView,
    frame: &Frame,
    side: Side,
    name: &str,
    person: Option<&HumanGame>,
) {
    let versus = &frame.versus;
    let game: &Game = person.map_or(versus.game(side), HumanGame::game);
    view.show_game(game, &frame.grids[side as usize]);
    view.flash_rows = 0;
    match person {
        Some(p) if !game.is_over() => view.show_falling(Some(*p.falling()), game.board()),
        _ => {
            view.show_falling(None, game.board());
            // A bot's chosen piece on its way: drawn where it will lock.
            view.active = frame.moving[side as usize].map(|m| (m.piece(), m.cells()));
        }
    }
    view.pending = versus.pending_lines(side);
    let totals = versus.totals(side);
    let score = versus.game(side).score();
    let pieces = totals.pieces.max(1);
    let seconds = frame.at.max(1e-3);
    view.title = short(name, TITLE_CHARS);
    view.stats = vec![
        ("Wins".into(), frame.tally.wins[side as usize].to_string()),
        ("Sent".into(), totals.sent.to_string()),
        ("Landed".into(), totals.landed.to_string()),
        ("Pending".into(), view.pending.to_string()),
        (
            "APP".into(),
            format!("{:.2}", totals.attack as f64 / pieces as f64),
        ),
        (
            "PPS".into(),
            format!("{:.2}", totals.pieces as f64 / seconds),
        ),
        ("Pieces".into(), totals.pieces.to_string()),
        ("Lines".into(), score.lines.to_string()),
        ("Combo".into(), score.combo.max(0).to_string()),
        (
            "B2B".into(),
            if score.back_to_back { "yes" } else { "no" }.into(),
        ),
    ];
}

/// The most characters of a player's name over its stats (a TBP bot's name can be long).
const TITLE_CHARS: usize = 20;

/// `name`, cut to `most` characters with "..." when longer.
fn short(name: &str, most: usize) -> String {
    if name.chars().count() <= most {
        name.to_owned()
    } else {
        let cut: String = name.chars().take(most.saturating_sub(3)).collect();
        format!("{}...", cut.trim_end_matches([' ', '.']))
    }
}

/// The words over a board: the end of its game, or a pause.
fn overlay(frame: &Frame, side: Side, paused: bool) -> Option<String> {
    if frame.over {
        let won = frame.versus.winner() == Some(side);
        let head = if won { "WINS\n" } else { "" };
        return Some(format!("{head}Match over\nEsc: quit"));
    }
    if frame.ended.is_some() {
        return Some(match frame.versus.winner() {
            Some(w) if w == side => "WINS".to_owned(),
            Some(_) => "TOPPED OUT".to_owned(),
            None => "DRAW".to_owned(),
        });
    }
    paused.then(|| "PAUSED\nP: resume".to_owned())
}

/// "left 2 - 1 right | game 4 of 10 | 1x", and how the last game ended.
fn score_line(arena: &Arena, frame: &Frame) -> String {
    let [left, right] = &arena.feed.names;
    let [l, r] = frame.tally.wins;
    let draws = match frame.tally.draws {
        0 => String::new(),
        n => format!(" ({n} drawn)"),
    };
    let game = (frame.game + 1).min(arena.feed.games);
    let speed = arena.feed.clock.speed();
    let mut line = format!(
        "{left}  {l} - {r}  {right}{draws}    |    game {game} of {}    |    {speed}x",
        arena.feed.games
    );
    if let Some(ended) = &frame.ended {
        line.push_str(&format!("\n{ended}"));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::game::{PieceGrid, Versus, VersusRules};
    use crate::versus::MatchClock;
    use crate::versus::live::Tally;
    use crate::viz::board::{self, BoardLayout};
    use crate::viz::controls::tap_key;
    use std::sync::Arc;

    #[test]
    fn a_frame_fills_both_boards_and_p_pauses_with_an_overlay() {
        let (frames_tx, frames) = crossbeam_channel::unbounded();
        let clock = Arc::new(MatchClock::new());
        let feed = Feed {
            names: ["left bot".into(), "right bot".into()],
            frames,
            clock: clock.clone(),
            games: 3,
        };
        let mut app = App::new();
        app.add_plugins(MinimalPlugins)
            .init_resource::<ButtonInput<KeyCode>>()
            .insert_resource(BoardLayout::two(700.0, 1.18))
            .insert_resource(Arena::new(feed, None))
            .add_plugins((board::plugin, plugin));
        app.update();
        let mut versus = Versus::new(4, VersusRules::default());
        let p = versus.game(Side::Left).placements()[0];
        versus.place(Side::Left, &p).unwrap();
        frames_tx
            .send(Frame {
                game: 1,
                versus,
                grids: [PieceGrid::default(), PieceGrid::default()],
                moving: [None, Some(p)],
                at: 2.0,
                tally: Tally {
                    wins: [1, 0],
                    draws: 0,
                },
                ended: None,
                over: false,
            })
            .unwrap();
        app.update();
        let left = app.world().resource::<BoardView>().clone();
        let right = app.world().resource::<SecondBoard>().0.clone();
        assert_eq!(left.title, "left bot");
        assert_eq!(right.title, "right bot");
        assert_eq!(left.stats[0], ("Wins".into(), "1".into()));
        assert_eq!(left.stats[6], ("Pieces".into(), "1".into()));
        assert_eq!(
            right.active.map(|a| a.0),
            Some(p.piece()),
            "the moving piece"
        );
        assert_eq!(left.overlay, None);
        let line = |app: &mut App| {
            let world = app.world_mut();
            let mut q = world.query_filtered::<&Text2d, With<ScoreLine>>();
            q.single(world).unwrap().0.clone()
        };
        assert!(
            line(&mut app).contains("left bot  1 - 0  right bot"),
            "{}",
            line(&mut app)
        );
        assert!(line(&mut app).contains("game 2 of 3"));
        tap_key(&mut app, KeyCode::KeyP);
        assert!(clock.paused());
        app.update();
        let overlay = app.world().resource::<BoardView>().overlay.clone();
        assert_eq!(overlay.as_deref(), Some("PAUSED\nP: resume"));
        tap_key(&mut app, KeyCode::Equal);
        assert_eq!(clock.speed(), 2.0);
        app.update();
        assert!(line(&mut app).contains("2x"), "{}", line(&mut app));
    }

    #[test]
    fn long_names_are_cut_to_fit_over_the_stats() {
        assert_eq!(short("agents/versus", 20), "agents/versus");
        assert_eq!(
            short("Cold Clear 2 0.1.0 unknown", 20),
            "Cold Clear 2 0.1..."
        );
        assert_eq!(short("ééééé", 4), "é...");
    }
}

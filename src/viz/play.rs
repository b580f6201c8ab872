//! `tetris-dqn play`: a person plays with guideline controls. Arrows move (with DAS/ARR),
//! Up or X rotates clockwise, Z counter-clockwise, C or Shift holds, Space hard-drops, Down
//! soft-drops; R or Enter starts a new game after a top-out, Esc quits. The engine's
//! `HumanGame` keeps gravity, lock delay and scoring; this plugin turns keys and time into
//! its inputs and draws it through the board plugin.

use std::time::Duration;

use bevy::prelude::*;

use super::board::{BoardView, DrawBoard};
use crate::game::{Game, HumanGame, Input, PieceGrid, PlaceOutcome};
use crate::training::hint::HintWorker;

/// The agent's suggestions (`play --hint`).
#[derive(Resource)]
pub struct Hints {
    worker: HintWorker,
    asked: Option<Game>,
    shown: Option<[(i32, i32); 4]>,
}

impl Hints {
    /// Suggestions from a running worker.
    pub fn new(worker: HintWorker) -> Hints {
        Hints {
            worker,
            asked: None,
            shown: None,
        }
    }
}

/// Delayed auto shift: how long a held arrow waits before repeating.
pub const DAS: Duration = Duration::from_millis(167);
/// Auto repeat rate: time between repeats once DAS has passed.
pub const ARR: Duration = Duration::from_millis(33);

/// The game being played.
#[derive(Resource)]
pub struct Play {
    game: HumanGame,
    grid: PieceGrid,
    seed: u64,
    games: u64,
    best_lines: u32,
    keypad: Keypad,
}

/// The guideline keys, read into inputs: one press, one move; a held arrow repeats after DAS
/// every ARR (the most recently pressed arrow wins).
#[derive(Clone, Debug, Default)]
pub struct Keypad {
    /// The held arrow, and how long it has been held.
    shift: Option<(KeyCode, Duration)>,
    /// Repeats already made for the held arrow.
    repeats: u32,
}

impl Keypad {
    /// The inputs the keys make over the last `dt`, in order, and whether soft drop is held.
    pub fn read(&mut self, keys: &ButtonInput<KeyCode>, dt: Duration) -> (Vec<Input>, bool) {
        let mut inputs = Vec::new();
        for (key, input) in [
            (KeyCode::ArrowUp, Input::RotateCw),
            (KeyCode::KeyX, Input::RotateCw),
            (KeyCode::KeyZ, Input::RotateCcw),
            (KeyCode::KeyC, Input::Hold),
            (KeyCode::ShiftLeft, Input::Hold),
            (KeyCode::ShiftRight, Input::Hold),
            (KeyCode::Space, Input::HardDrop),
        ] {
            if keys.just_pressed(key) {
                inputs.push(input);
            }
        }
        for key in [KeyCode::ArrowLeft, KeyCode::ArrowRight] {
            if keys.just_pressed(key) {
                self.shift = Some((key, Duration::ZERO));
                self.repeats = 0;
                inputs.push(shift_input(key));
            }
        }
        if let Some((key, held)) = self.shift {
            if keys.pressed(key) {
                let held = held + dt;
                self.shift = Some((key, held));
                if held >= DAS {
                    let due = 1 + ((held - DAS).as_millis() / ARR.as_millis().max(1)) as u32;
                    while self.repeats < due {
                        self.repeats += 1;
                        inputs.push(shift_input(key));
                    }
                }
            } else {
                self.shift = None;
            }
        }
        (inputs, keys.pressed(KeyCode::ArrowDown))
    }
}

impl Play {
    /// A first game from `seed`.
    pub fn new(seed: u64) -> Play {
        Play {
            game: HumanGame::new(seed),
            grid: PieceGrid::default(),
            seed,
            games: 1,
            best_lines: 0,
            keypad: Keypad::default(),
        }
    }

    /// Applies one input, following the lock (if any) in the colour grid.
    fn input(&mut self, input: Input) {
        self.follow_lock(|game| game.input(input));
    }

    /// Advances gravity and lock delay by `dt`.
    fn tick(&mut self, dt: Duration, soft_drop: bool) {
        // Within a tick the piece only falls, and it locks only when resting: where it
        // locks is where it would land now.
        self.follow_lock(|game| game.tick(dt.as_secs_f64(), soft_drop));
    }

    /// Runs `act` on the game; when it locks the piece, the colour grid follows: the piece
    /// where its ghost was, the cleared rows gone.
    fn follow_lock(&mut self, act: impl FnOnce(&mut HumanGame) -> Option<PlaceOutcome>) {
        let landing = self.game.ghost();
        if let Some(out) = act(&mut self.game) {
            self.grid
                .lock(landing.piece, &landing.cells(), out.cleared_rows);
        }
    }

    fn restart(&mut self) {
        self.best_lines = self.best_lines.max(self.game.game().score().lines);
        self.seed = self.seed.wrapping_add(1);
        self.game = HumanGame::new(self.seed);
        self.grid = PieceGrid::default();
        self.games += 1;
    }

    /// Shows the game in `view`.
    pub fn show(&self, view: &mut BoardView) {
        let game = self.game.game();
        view.show_game(game, &self.grid);
        view.flash_rows = 0;
        let falling = (!game.is_over()).then(|| *self.game.falling());
        view.show_falling(falling, game.board());
        view.overlay = game.is_over().then(|| "GAME OVER\nR: new game".to_string());
        let score = game.score();
        view.title = "You play\nEsc: quit".into();
        view.stats = vec![
            ("Score".into(), score.score.to_string()),
            ("Level".into(), score.level.to_string()),
            ("Lines".into(), score.lines.to_string()),
            ("Pieces".into(), game.pieces_placed().to_string()),
            ("Game".into(), self.games.to_string()),
            ("Best".into(), self.best_lines.max(score.lines).to_string()),
        ];
    }
}

/// Registers the play systems; needs a [`Play`] resource and the board plugin.
pub fn plugin(app: &mut App) {
    app.add_systems(
        Update,
        (play_keys, update_hint, show).chain().before(DrawBoard),
    );
}

/// Asks for a suggestion whenever the position changes (new piece, hold) and shows the
/// answer for the position on the board, as small grey squares.
fn update_hint(play: Res<Play>, hints: Option<ResMut<Hints>>, mut view: ResMut<BoardView>) {
    let Some(mut hints) = hints else {
        return;
    };
    let game = play.game.game();
    if hints.asked.as_ref() != Some(game) {
        hints.shown = None;
        if !game.is_over() {
            hints.worker.ask(game);
        }
        hints.asked = Some(game.clone());
    }
    if let Some((position, placement)) = hints.worker.answer()
        && &position == game
    {
        hints.shown = Some(placement.cells());
    }
    if view.hint != hints.shown {
        view.hint = hints.shown;
    }
}

/// Keys to inputs ([`Keypad`]), and time to gravity.
pub fn play_keys(
    time: Res<Time>,
    keys: Res<ButtonInput<KeyCode>>,
    mut play: ResMut<Play>,
    mut exit: MessageWriter<AppExit>,
) {
    if keys.just_pressed(KeyCode::Escape) {
        exit.write(AppExit::Success);
        return;
    }
    if play.game.game().is_over() {
        if keys.just_pressed(KeyCode::KeyR) || keys.just_pressed(KeyCode::Enter) {
            play.restart();
        }
        return;
    }
    let (inputs, soft) = play.keypad.read(&keys, time.delta());
    for input in inputs {
        play.input(input);
    }
    play.tick(time.delta(), soft);
}

fn shift_input(key: KeyCode) -> Input {
    if key == KeyCode::ArrowLeft {
        Input::Left
    } else {
        Input::Right
    }
}

fn show(play: Res<Play>, mut view: ResMut<BoardView>) {
    if play.is_changed() {
        play.show(&mut view);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::viz::controls::tap_key;

    fn app() -> App {
        let mut app = App::new();
        app.add_plugins(MinimalPlugins)
            .init_resource::<ButtonInput<KeyCode>>()
            .init_resource::<BoardView>()
            .insert_resource(Play::new(3))
            .add_plugins(plugin);
        app.update();
        app
    }

    #[test]
    fn keys_move_rotate_hold_and_drop() {
        let mut app = app();
        let x0 = app.world().resource::<Play>().game.falling().x;
        tap_key(&mut app, KeyCode::ArrowLeft);
        assert_eq!(app.world().resource::<Play>().game.falling().x, x0 - 1);
        tap_key(&mut app, KeyCode::ArrowRight);
        tap_key(&mut app, KeyCode::ArrowRight);
        assert_eq!(app.world().resource::<Play>().game.falling().x, x0 + 1);
        let r0 = app.world().resource::<Play>().game.falling().rotation;
        tap_key(&mut app, KeyCode::KeyX);
        assert_ne!(app.world().resource::<Play>().game.falling().rotation, r0);
        let first = app.world().resource::<Play>().game.game().current();
        tap_key(&mut app, KeyCode::KeyC);
        assert_eq!(
            app.world().resource::<Play>().game.game().hold(),
            Some(first)
        );
        tap_key(&mut app, KeyCode::Space);
        let play = app.world().resource::<Play>();
        assert_eq!(play.game.game().pieces_placed(), 1);
        assert!(play.grid.matches(play.game.game().board()));
        let view = app.world().resource::<BoardView>();
        assert_eq!(view.stats[3], ("Pieces".into(), "1".into()));
        assert!(view.ghost.is_some());
    }

    #[test]
    fn a_held_arrow_repeats_after_das() {
        let mut app = app();
        let x0 = app.world().resource::<Play>().game.falling().x;
        app.world_mut()
            .resource_mut::<ButtonInput<KeyCode>>()
            .press(KeyCode::ArrowRight);
        app.update();
        app.world_mut()
            .resource_mut::<ButtonInput<KeyCode>>()
            .clear();
        // Held, but DAS not reached: one move only.
        assert_eq!(app.world().resource::<Play>().game.falling().x, x0 + 1);
        let mut play = app.world_mut().resource_mut::<Play>();
        play.keypad.shift = Some((KeyCode::ArrowRight, DAS + ARR * 2));
        app.update();
        // DAS passed plus two ARR periods: three repeats, until the wall stops it.
        let x = app.world().resource::<Play>().game.falling().x;
        assert!(x > x0 + 1, "{x} vs {x0}");
    }
}

//! The engine playing random placements in the window: each piece moves along the shortest
//! input path to a randomly chosen placement, locks, flashes the lines it clears, and a new
//! game starts after a top-out: `tetris-dqn demo`, the board and its animation with no
//! network at all.

use std::time::Duration;

use bevy::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tetris_game::{Falling, Game, Input, PieceGrid, Placement};

use super::board::{BoardView, DrawBoard};

/// How long cleared lines flash before they disappear.
const FLASH_TIME: Duration = Duration::from_millis(180);
/// How long the game-over overlay stays up.
const GAME_OVER_TIME: Duration = Duration::from_millis(1500);

/// Options of the demo.
#[derive(Resource, Clone, Debug)]
pub struct DemoSettings {
    /// Seed of the first game and of the random choices.
    pub seed: u64,
    /// Time per input while a piece moves along its path.
    pub input_delay: Duration,
}

enum Phase {
    /// The piece is moving along `path`; `step` inputs have been applied to `falling`.
    Moving {
        placement: Placement,
        path: Vec<Input>,
        step: usize,
        falling: Falling,
    },
    /// Lines are flashing; the grid after the clear is shown when it ends.
    Flashing { after: PieceGrid, left: Duration },
    /// The game ended; a new one starts when this runs out.
    GameOver { left: Duration },
}

#[derive(Resource)]
struct Demo {
    game: Game,
    grid: PieceGrid,
    rng: ChaCha8Rng,
    phase: Phase,
    clock: Duration,
    games: u64,
    best_lines: u32,
    /// Rows flashing (bit y = row y) while a clear is shown.
    flash: u64,
}

/// Registers the demo driver; needs [`DemoSettings`].
pub fn plugin(app: &mut App) {
    app.add_systems(Startup, start)
        .add_systems(Update, advance.before(DrawBoard));
}

fn start(mut commands: Commands, settings: Res<DemoSettings>, mut view: ResMut<BoardView>) {
    let mut rng = ChaCha8Rng::seed_from_u64(settings.seed);
    let game = Game::new(rng.random());
    let mut demo = Demo {
        phase: Phase::GameOver {
            left: Duration::ZERO,
        },
        game,
        grid: PieceGrid::default(),
        rng,
        clock: Duration::ZERO,
        games: 0,
        best_lines: 0,
        flash: 0,
    };
    demo.phase = demo.choose();
    demo.show(&mut view);
    commands.insert_resource(demo);
}

impl Demo {
    /// Picks a random placement of the current position and plans its path.
    fn choose(&mut self) -> Phase {
        let placements = self.game.placements();
        if placements.is_empty() {
            return Phase::GameOver {
                left: GAME_OVER_TIME,
            };
        }
        let placement = placements[self.rng.random_range(0..placements.len())];
        let path = self
            .game
            .input_path(&placement)
            .expect("the search only lists reachable placements");
        Phase::Moving {
            placement,
            path,
            step: 0,
            falling: Falling::enter(placement.piece(), self.game.board()),
        }
    }

    /// Advances by one tick of `delay`; returns whether anything changed.
    fn tick(&mut self, delay: Duration) -> bool {
        match &mut self.phase {
            Phase::Moving {
                placement,
                path,
                step,
                falling,
            } => {
                if *step < path.len() - 1 {
                    let input = path[*step];
                    *step += 1;
                    if input != Input::Hold {
                        falling.apply(self.game.board(), input);
                    }
                    return true;
                }
                let placement = *placement;
                let out = self
                    .game
                    .place(&placement)
                    .expect("a listed placement is placeable");
                let mut locked = self.grid.clone();
                locked.lock(placement.piece(), &placement.cells(), 0);
                self.grid
                    .lock(placement.piece(), &placement.cells(), out.cleared_rows);
                self.best_lines = self.best_lines.max(self.game.score().lines);
                if out.lines > 0 {
                    let after = std::mem::replace(&mut self.grid, locked);
                    self.phase = Phase::Flashing {
                        after,
                        left: FLASH_TIME,
                    };
                    self.flash = out.cleared_rows;
                } else {
                    self.phase = self.choose();
                }
                true
            }
            Phase::Flashing { after, left } => {
                *left = left.saturating_sub(delay);
                if left.is_zero() {
                    self.grid = std::mem::take(after);
                    self.flash = 0;
                    self.phase = self.choose();
                }
                true
            }
            Phase::GameOver { left } => {
                *left = left.saturating_sub(delay);
                if left.is_zero() {
                    self.games += 1;
                    self.game = Game::new(self.rng.random());
                    self.grid = PieceGrid::default();
                    self.phase = self.choose();
                }
                true
            }
        }
    }

    fn show(&self, view: &mut BoardView) {
        view.show_game(&self.game, &self.grid);
        view.flash_rows = self.flash;
        view.overlay = None;
        view.show_falling(None, self.game.board());
        match &self.phase {
            Phase::Moving {
                falling,
                step,
                path,
                ..
            } => {
                view.show_falling(Some(*falling), self.game.board());
                if *step > 0 && path.first() == Some(&Input::Hold) {
                    // The hold input has been given: show the swap already.
                    view.hold = Some(self.game.current());
                }
            }
            Phase::Flashing { .. } => {}
            Phase::GameOver { .. } => view.overlay = Some("GAME OVER".into()),
        }
        let score = self.game.score();
        view.title = "Random placements\n(the engine at work)".into();
        view.stats = vec![
            ("Lines".into(), score.lines.to_string()),
            ("Score".into(), score.score.to_string()),
            ("Level".into(), score.level.to_string()),
            ("Pieces".into(), self.game.pieces_placed().to_string()),
            ("Games".into(), self.games.to_string()),
            ("Best".into(), format!("{} lines", self.best_lines)),
        ];
    }
}

fn advance(
    time: Res<Time>,
    settings: Res<DemoSettings>,
    mut demo: ResMut<Demo>,
    mut view: ResMut<BoardView>,
) {
    let demo = &mut *demo;
    demo.clock += time.delta();
    let delay = settings.input_delay.max(Duration::from_millis(1));
    let mut changed = false;
    // Catch up, but never spend a whole frame replaying a backlog.
    let mut budget = 200;
    while demo.clock >= delay && budget > 0 {
        demo.clock -= delay;
        changed |= demo.tick(delay);
        budget -= 1;
    }
    if budget == 0 {
        demo.clock = Duration::ZERO;
    }
    if changed {
        demo.show(&mut view);
    }
}

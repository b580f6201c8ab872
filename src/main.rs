//! tetris-dqn: parse the command line, then dispatch. The only place that uses anyhow.

use std::path::PathBuf;
use std::process::ExitCode;

mod eval_view;
mod versus_cmd;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use tetris_dqn::agent::{
    DEFAULT_LOOKAHEAD, Device, Lookahead, describe_libtorch, use_torch_threads,
};
use tetris_dqn::config::{Config, DeviceChoice};
use tetris_dqn::training::eval;
use tetris_dqn::training::hint::HintWorker;
use tetris_dqn::training::protocol::MAX_STEP_DELAY;
use tetris_dqn::training::run_record::RunRecord;
use tetris_dqn::training::watchers::{self, Address, ChartHistory, Hub, Server, WatcherKind};
use tetris_dqn::training::{TrainerHandle, TrainerOptions, WatchOptions};
use tetris_dqn::training::{checkpoint, run_folder, shipped};
use tetris_dqn::viz::DemoOptions;
use tetris_dqn::{bench, viz};

#[derive(Parser, Debug)]
#[command(
    name = "tetris-dqn",
    about = "A DQN agent learns guideline Tetris while you watch",
    disable_version_flag = true,
    args_conflicts_with_subcommands = true
)]
struct Cli {
    /// Print the version, the libtorch version and the devices libtorch sees.
    #[arg(short = 'V', long)]
    version: bool,
    /// With no command: train, with these options.
    #[command(flatten)]
    train: TrainArgs,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Train a DQN agent (the default): in the window, or with --headless in the terminal.
    Train(TrainArgs),
    /// Play seeded games greedily with a checkpoint; summarise lines, score and quality of play.
    Eval(EvalArgs),
    /// Watch a trained agent play in the window (greedy, no learning, nothing saved).
    Watch(WatchArgs),
    /// Play yourself: arrows move, Up/X and Z rotate, C/Shift hold, Space drops.
    Play(PlayArgs),
    /// Open the window and watch the engine play random placements.
    Demo(DemoArgs),
    /// Measure engine and training throughput on this machine.
    Bench(BenchArgs),
    /// Play as a Tetris Bot Protocol bot on stdin/stdout with a trained agent.
    Tbp(TbpArgs),
    /// Draw a run's learning curves to a PNG (and an HTML page); works while it trains.
    Report(ReportArgs),
    /// Open the training window on a run that is already going (headless or not); closing
    /// it detaches and the run goes on. With --list: the runs that are going.
    Attach(AttachArgs),
    /// Play a versus match: two players (agents, the Dellacherie heuristic, TBP bots) send
    /// each other garbage; --headless prints a table of the games.
    Versus(versus_cmd::VersusArgs),
}

#[derive(clap::Args, Debug)]
struct AttachArgs {
    /// A run folder (checkpoints/<run>) or the HOST:PORT a run serves with --listen; default:
    /// the newest run under checkpoints/ that is training.
    target: Option<String>,
    /// List the runs under checkpoints/ that are training (step, steps/s, last evaluation),
    /// and the folders whose socket is left from a run that was killed.
    #[arg(long)]
    list: bool,
    /// For HOST:PORT: the token (the run's <run>/attach.token).
    #[arg(long, value_name = "TOKEN", conflicts_with = "token_file")]
    token: Option<String>,
    /// For HOST:PORT: a file holding the token (e.g. a copy of the run's attach.token).
    #[arg(long, value_name = "FILE")]
    token_file: Option<PathBuf>,
    /// Where to look for runs.
    #[arg(long, value_name = "DIR", default_value = "checkpoints")]
    checkpoints: PathBuf,
    /// Leave visual mode as the run has it (by default attaching turns it on, to show the
    /// board; it goes off again when the last window leaves).
    #[arg(long)]
    no_visual: bool,
    #[command(flatten)]
    shot: ScreenshotArgs,
}

/// The screenshot flags of every window command.
#[derive(clap::Args, Clone, Debug)]
struct ScreenshotArgs {
    /// Window: save a PNG of the window after --screenshot-after seconds, then quit (training
    /// saves first).
    #[arg(long, value_name = "FILE.png")]
    screenshot: Option<PathBuf>,
    /// Window: seconds to wait before the screenshot.
    #[arg(long, value_name = "S", default_value_t = 4.0)]
    screenshot_after: f32,
}

impl ScreenshotArgs {
    /// Checks the flags (a .png in an existing folder, a delay of 0 s or more) and turns them
    /// into the window's options.
    fn checked(self) -> Result<viz::ScreenshotOptions> {
        let after = self.screenshot_after;
        if !(after.is_finite() && (0.0..=MAX_SCREENSHOT_AFTER_S).contains(&after)) {
            bail!(
                "--screenshot-after {after} is out of range; expected a number of seconds from 0 \
                 to {MAX_SCREENSHOT_AFTER_S}"
            );
        }
        if let Some(path) = &self.screenshot {
            check_png_path("--screenshot", path)?;
        }
        Ok(viz::ScreenshotOptions {
            path: self.screenshot,
            after,
        })
    }
}

/// Refuses a `flag` value that is not a .png file in an existing folder.
fn check_png_path(flag: &str, path: &std::path::Path) -> Result<()> {
    if path.extension().and_then(|e| e.to_str()) != Some("png") {
        bail!("{flag} {} must name a .png file", path.display());
    }
    if let Some(dir) = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty() && !d.is_dir())
    {
        bail!(
            "{flag} {}: folder {} does not exist",
            path.display(),
            dir.display()
        );
    }
    Ok(())
}

/// The longest `--screenshot-after` (a day): longer delays are typing mistakes, and the
/// window's timer takes seconds as `f32`.
const MAX_SCREENSHOT_AFTER_S: f32 = 86_400.0;
/// The most `bench --pieces` and `bench --train-steps` (hours of measuring already; the
/// warm-up is added to the steps, so the sum must not overflow).
const MAX_BENCH_COUNT: u64 = 10_000_000_000;

/// The step delay a `--speed` flag asks for, refused above [`MAX_STEP_DELAY`].
fn step_delay(ms: u64) -> Result<std::time::Duration> {
    let delay = std::time::Duration::from_millis(ms);
    if delay > MAX_STEP_DELAY {
        bail!(
            "--speed {ms} is out of range; expected 0 to {} milliseconds per step",
            MAX_STEP_DELAY.as_millis()
        );
    }
    Ok(delay)
}

#[derive(clap::Args, Debug)]
struct TrainArgs {
    /// No window: train in the terminal with a progress line; Ctrl-C saves and exits.
    #[arg(long)]
    headless: bool,
    /// Config file (RON); default: the built-in default, the same as configs/default.ron.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Run folder for latest/, best/ and metrics.csv; default: checkpoints/<run_name>-<UTC
    /// time>, or the resumed checkpoint's run folder.
    #[arg(long, value_name = "DIR")]
    run_dir: Option<PathBuf>,
    /// Stop when the run has made N steps in all (steps before --resume count).
    #[arg(long, value_name = "N")]
    steps: Option<u64>,
    /// Continue a checkpoint exactly, e.g. checkpoints/<run>/latest.
    #[arg(long, value_name = "CHECKPOINT")]
    resume: Option<PathBuf>,
    /// Seed of a new run (overrides the config's).
    #[arg(long, value_name = "N", conflicts_with = "resume")]
    seed: Option<u64>,
    /// Where the network runs (overrides the config's).
    #[arg(long, value_enum, value_name = "DEVICE")]
    device: Option<DeviceChoice>,
    /// Window: milliseconds to wait after each step while visual mode is on, 0 to 100.
    #[arg(long, value_name = "MS", default_value_t = 0)]
    speed: u64,
    /// Window: start with visual mode off (training at full speed, no board frames).
    #[arg(long)]
    no_visual: bool,
    /// Window: start paused.
    #[arg(long)]
    paused: bool,
    /// Also serve the run on TCP at ADDR:PORT ("7878" alone: 127.0.0.1:7878), for `attach`
    /// through an SSH tunnel; a client must present the token the run writes to
    /// <run>/attach.token. (Every run serves a Unix socket in its folder.)
    #[arg(long, value_name = "ADDR:PORT")]
    listen: Option<String>,
    #[command(flatten)]
    shot: ScreenshotArgs,
}

#[derive(clap::Args, Debug)]
struct WatchArgs {
    /// Checkpoint folder, e.g. checkpoints/<run>/best; default: the shipped tetris agent
    /// (assets/agents/tetris).
    checkpoint: Option<PathBuf>,
    /// Seed of the games.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Milliseconds to wait after each placement, 0 to 100.
    #[arg(long, value_name = "MS", default_value_t = 40)]
    speed: u64,
    /// Where the network runs.
    #[arg(long, value_enum, default_value_t = DeviceChoice::Cpu)]
    device: DeviceChoice,
    #[command(flatten)]
    lookahead: LookaheadArg,
    #[command(flatten)]
    shot: ScreenshotArgs,
}

#[derive(clap::Args, Debug)]
struct PlayArgs {
    /// Seed of the first game's pieces (each new game adds one).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Show where an agent would place each piece, as small grey squares: this checkpoint's,
    /// or with no value the shipped tetris agent's.
    #[arg(long, value_name = "CHECKPOINT", num_args = 0..=1)]
    hint: Option<Option<PathBuf>>,
    #[command(flatten)]
    lookahead: LookaheadArg,
    #[command(flatten)]
    shot: ScreenshotArgs,
}

#[derive(clap::Args, Debug)]
struct EvalArgs {
    /// Checkpoint folder, e.g. checkpoints/<run>/best.
    checkpoint: PathBuf,
    /// Games to play.
    #[arg(long, default_value_t = 10)]
    games: u32,
    /// End a game after this many pieces (0: play until top-out).
    #[arg(long, default_value_t = 100_000)]
    max_pieces: u64,
    /// Seed of the games.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    json: bool,
    /// Where the network runs.
    #[arg(long, value_enum, default_value_t = DeviceChoice::Cpu)]
    device: DeviceChoice,
    #[command(flatten)]
    lookahead: LookaheadArg,
}

/// `--lookahead`, shared by the commands where an agent plays without learning.
#[derive(clap::Args, Debug)]
struct LookaheadArg {
    /// Look one piece ahead: the agent's N best placements are each played out and valued by
    /// the best placement of the next piece (hold included); 0 plays the one-placement argmax
    /// that training acts by.
    #[arg(long = "lookahead", value_name = "N", default_value_t = DEFAULT_LOOKAHEAD)]
    beam: usize,
    /// How many pieces the lookahead plays further where the queue shows them: 1 the next;
    /// more, a beam search of the lookahead's width over the queue, the network valuing
    /// where it stops.
    #[arg(long, value_name = "PIECES", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=16))]
    depth: u32,
}

impl LookaheadArg {
    fn get(&self) -> Lookahead {
        Lookahead {
            beam: self.beam,
            depth: self.depth as usize,
        }
    }
}

#[derive(clap::Args, Debug)]
struct DemoArgs {
    /// Seed of the first game's pieces and of the random choices.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Milliseconds per input as the piece moves along its path (0 to 500).
    #[arg(long, default_value_t = 35)]
    input_ms: u64,
    #[command(flatten)]
    shot: ScreenshotArgs,
}

#[derive(clap::Args, Debug)]
struct TbpArgs {
    /// Checkpoint folder whose agent plays, e.g. checkpoints/<run>/best; default: the shipped
    /// tetris agent (assets/agents/tetris).
    checkpoint: Option<PathBuf>,
    #[command(flatten)]
    lookahead: LookaheadArg,
}

#[derive(clap::Args, Debug)]
struct ReportArgs {
    /// The run folder, e.g. checkpoints/<run>.
    run_dir: PathBuf,
    /// Where the PNG goes; default: report-<run folder name>.png here.
    #[arg(long, value_name = "FILE.png")]
    out: Option<PathBuf>,
    /// Also write a self-contained HTML page beside the PNG (same name, .html).
    #[arg(long)]
    html: bool,
}

#[derive(clap::Args, Debug)]
struct BenchArgs {
    /// Print one JSON object instead of a table.
    #[arg(long)]
    json: bool,
    /// Random pieces to play per measurement.
    #[arg(long, default_value_t = 1_000_000)]
    pieces: u64,
    /// Training steps to time (after the default config's warm-up).
    #[arg(long, default_value_t = 20_000)]
    train_steps: u64,
    /// Instead: training's steps/s in visual mode with 0, 1 and 4 windows attached through
    /// the run's socket, side by side, this many rounds.
    #[arg(long, value_name = "ROUNDS")]
    watchers: Option<u32>,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help/usage itself; its exit code is 0 for --help, 2 for bad flags.
            let _ = e.print();
            return ExitCode::from(e.exit_code() as u8);
        }
    };
    match run(cli) {
        Ok(code) => code,
        // The reader went away (`... | head`): what it wanted it has; nothing to say.
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            // Our errors carry their causes in their messages; `:#` adds the context `main`
            // gave. Every error here is about what was asked (a flag, a file, a checkpoint, the
            // display): exit 2, as clap does for a bad flag. Failures of a run that has started
            // end through the window or the progress line instead, with exit 1.
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// Whether `e` comes from writing to a pipe whose reader has closed it.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Prints `text` and a newline to stdout, returning the error `println!` would panic on (a
/// closed pipe among them).
fn print_out(text: impl std::fmt::Display) -> Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}")?;
    out.flush()?;
    Ok(())
}

fn run(cli: Cli) -> Result<ExitCode> {
    if cli.version {
        print_out(format_args!(
            "tetris-dqn {}\n{}",
            env!("CARGO_PKG_VERSION"),
            describe_libtorch()
        ))?;
        return Ok(ExitCode::SUCCESS);
    }
    match cli.command.unwrap_or(Command::Train(cli.train)) {
        Command::Train(args) => train(args),
        Command::Eval(args) => evaluate(args),
        Command::Watch(args) => watch(args),
        Command::Play(args) => {
            let shot = args.shot.checked()?;
            let hint_dir = match args.hint {
                Some(Some(dir)) => Some(dir),
                Some(None) => Some(shipped::default_agent()?),
                None => None,
            };
            if let Some(dir) = &hint_dir {
                checkpoint::read_meta(dir)?;
            }
            viz::display::check("`tetris-dqn play`", false)?;
            let hint = hint_dir
                .as_deref()
                .map(|dir| HintWorker::start(dir, Device::CPU, args.lookahead.get()))
                .transpose()?;
            let exit = viz::run_play(args.seed, hint, shot);
            Ok(exit_code(&exit))
        }
        Command::Demo(args) => demo(args),
        Command::Tbp(args) => {
            tetris_dqn::tbp::run(args.checkpoint.as_deref(), args.lookahead.get())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Report(args) => report(args),
        Command::Attach(args) => attach(args),
        Command::Versus(args) => {
            let report = versus_cmd::run(&args)?;
            print_report(args.json, &report, || report.table())
        }
        Command::Bench(args) => {
            for (flag, value) in [
                ("--pieces", args.pieces),
                ("--train-steps", args.train_steps),
            ] {
                if !(1..=MAX_BENCH_COUNT).contains(&value) {
                    bail!("bench {flag} {value} is out of range; expected 1 to {MAX_BENCH_COUNT}");
                }
            }
            if let Some(rounds) = args.watchers {
                if !(1..=100).contains(&rounds) {
                    bail!("bench --watchers {rounds} is out of range; expected 1 to 100 rounds");
                }
                let report = bench::watchers(args.train_steps, rounds)?;
                return print_report(args.json, &report, || report.table());
            }
            let report = bench::run(args.pieces, args.train_steps)?;
            print_report(args.json, &report, || report.table())
        }
    }
}

/// Turns the train flags into trainer options: config, seed, device, run folder, steps.
fn trainer_options(args: &TrainArgs) -> Result<TrainerOptions> {
    let given = args.config.as_deref().map(Config::load).transpose()?;
    let resumed = args
        .resume
        .as_deref()
        .map(checkpoint::read_meta)
        .transpose()?;
    let mut config = match (&given, &resumed) {
        (Some(c), _) => c.clone(),
        (None, Some(meta)) => meta.config.clone(),
        (None, None) => Config::default(),
    };
    if let Some(seed) = args.seed {
        config.seed = seed;
    }
    if let Some(device) = args.device {
        config.device = device;
    }
    if args.steps == Some(0) {
        bail!("--steps must be at least 1");
    }
    let step_delay = step_delay(args.speed)?;
    if args.headless && (args.shot.screenshot.is_some() || args.no_visual || args.paused) {
        bail!("--screenshot, --no-visual and --paused are for the window; drop --headless");
    }
    let run_dir = match (&args.run_dir, &args.resume, &resumed) {
        (Some(dir), _, _) => dir.clone(),
        // Only a run's newest latest continues in its own folder; any other checkpoint
        // branches into a new one, and its run stays exactly as it was.
        (None, Some(resume), Some(meta)) => match run_folder::run_of(resume) {
            Some(run) if run_folder::is_newest_latest(&run, resume) => run,
            _ => run_folder::branch_dir(resume, meta.steps),
        },
        _ => {
            let stamp = humantime::format_rfc3339_seconds(std::time::SystemTime::now())
                .to_string()
                .replace(['-', ':'], "")
                .replace('T', "-")
                .trim_end_matches('Z')
                .to_string();
            PathBuf::from("checkpoints").join(format!("{}-{stamp}", config.run_name))
        }
    };
    Ok(TrainerOptions {
        config,
        run_dir,
        resume: args.resume.clone(),
        total_steps: args.steps,
        visual: !args.headless && !args.no_visual,
        step_delay,
        paused: args.paused,
    })
}

fn train(args: TrainArgs) -> Result<ExitCode> {
    let options = trainer_options(&args)?;
    let shot = args.shot.checked()?;
    if !args.headless {
        viz::display::check("`tetris-dqn train`", true)?;
    }
    // Ctrl-C from here on saves before quitting.
    viz::interrupt::install();
    let resuming = match &options.resume {
        None => String::new(),
        Some(r) => match run_folder::run_of(r) {
            Some(run) if !run_folder::same_folder(&run, &options.run_dir) => format!(
                " (a new run branched from {}; the run in {} is left as it was)",
                r.display(),
                run.display()
            ),
            _ => format!(" (resuming {})", r.display()),
        },
    };
    let tcp = args
        .listen
        .as_deref()
        .map(watchers::server::bind_tcp)
        .transpose()?;
    let run_dir = options.run_dir.clone();
    let handle = TrainerHandle::start(options)?;
    eprintln!(
        "training {} on {} into {}{resuming}",
        handle.run_name(),
        handle.device_name(),
        handle.run_dir().display(),
    );
    // What the folder recorded before (a resumed run's games), for the charts.
    let history = RunRecord::read(&run_dir)
        .map(|r| ChartHistory::from_record(&r))
        .unwrap_or_default();
    let hub = Hub::start(handle, history).context("cannot start the watchers' thread")?;
    let server = serve(&hub, &run_dir, tcp);
    let exit = if args.headless {
        log_to_stderr();
        viz::run_headless(hub.watch(WatcherKind::Progress))
    } else {
        let window = hub.watch(WatcherKind::Window);
        window.stop_when_dropped(true);
        match viz::run_training_window(window, shot) {
            (_, viz::WindowEnd::Left) => {
                eprintln!(
                    "the window is closed; training goes on here (Ctrl-C saves and stops; \
                     tetris-dqn attach {} opens a window again)",
                    run_dir.display()
                );
                let progress = hub.watch(WatcherKind::Progress);
                // A headless run has no Resume: one paused in the window goes on.
                if hub.snapshot().status.metrics.is_some_and(|m| m.paused) {
                    progress.resume();
                }
                viz::run_headless(progress)
            }
            (exit, viz::WindowEnd::Closed) => exit,
        }
    };
    // The window closed (or the progress line ended): the run stops, saving first.
    hub.stop();
    hub.join();
    drop(server);
    Ok(exit_code(&exit))
}

fn watch(args: WatchArgs) -> Result<ExitCode> {
    let step_delay = step_delay(args.speed)?;
    let shot = args.shot.checked()?;
    let checkpoint = match args.checkpoint {
        Some(dir) => dir,
        None => shipped::default_agent()?,
    };
    // Inputs first (reading meta.ron starts nothing), then the display, then the thread.
    checkpoint::read_meta(&checkpoint)?;
    viz::display::check("`tetris-dqn watch`", false)?;
    let handle = TrainerHandle::watch(WatchOptions {
        checkpoint,
        seed: args.seed,
        device: args.device,
        step_delay,
        lookahead: args.lookahead.get(),
    })?;
    let hub =
        Hub::start(handle, ChartHistory::default()).context("cannot start the watchers' thread")?;
    let window = hub.watch(WatcherKind::Window);
    window.stop_when_dropped(true);
    let (exit, _) = viz::run_training_window(window, shot);
    Ok(exit_code(&exit))
}

/// Serves the run to `attach` and says how to use it; a run that cannot be served still
/// trains.
fn serve(
    hub: &Hub,
    run_dir: &std::path::Path,
    tcp: Option<std::net::TcpListener>,
) -> Option<Server> {
    match Server::start(hub, run_dir, tcp) {
        Ok(server) => {
            eprintln!(
                "watch it from another terminal: tetris-dqn attach {}",
                run_dir.display()
            );
            if let (Some(addr), Some(token)) = (server.tcp_addr(), server.token_path()) {
                eprintln!(
                    "serving on TCP {addr}: tetris-dqn attach {addr} --token-file <a copy of {}>",
                    token.display()
                );
            }
            Some(server)
        }
        Err(e) => {
            eprintln!("warning: {e}; training goes on, but no window can attach to it");
            None
        }
    }
}

/// A report as one JSON object (`--json`) or its table.
fn print_report(
    json: bool,
    report: &impl serde::Serialize,
    table: impl FnOnce() -> String,
) -> Result<ExitCode> {
    if json {
        print_out(serde_json::to_string(report).context("writing the report")?)?;
    } else {
        print_out(table())?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Headless, no Bevy log plugin: warnings (a watcher dropped, and why) and the watchers'
/// comings and goings go to stderr; `RUST_LOG` changes what is shown.
fn log_to_stderr() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,tetris_dqn=info"));
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(filter)
        .try_init();
}

fn attach(args: AttachArgs) -> Result<ExitCode> {
    if args.list {
        return list_runs(&args.checkpoints);
    }
    let shot = args.shot.checked()?;
    let address = match &args.target {
        Some(target) => Address::parse(target, args.token.clone(), args.token_file.as_deref())?,
        None => Address::Folder(watchers::client::newest_running(&args.checkpoints)?),
    };
    // The run's answer first: "not running" or "wrong token" matter more than the display.
    watchers::client::status(&address)?;
    viz::display::check("`tetris-dqn attach`", false)?;
    let watcher = watchers::client::connect(&address, WatcherKind::Window)?;
    eprintln!(
        "attached to {} ({}, process {}); closing the window detaches, the run goes on",
        watcher.run_dir().display(),
        address,
        watcher.info().pid
    );
    if !args.no_visual {
        watcher.set_visual(true);
    }
    let (exit, _) = viz::run_training_window(watcher, shot);
    Ok(exit_code(&exit))
}

/// `attach --list`: one line per run folder with a socket.
fn list_runs(checkpoints: &std::path::Path) -> Result<ExitCode> {
    let runs = watchers::client::list(checkpoints);
    if runs.is_empty() {
        print_out(format!(
            "no run is training under {} (none has an attach socket)",
            checkpoints.display()
        ))?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = String::new();
    for run in runs {
        let line = match &run.status {
            Ok(s) => {
                let m = s.status.metrics.clone().unwrap_or_default();
                let state = if s.status.finished.is_some() {
                    "ending"
                } else if m.paused {
                    "paused"
                } else if m.evaluating.is_some() {
                    "evaluating"
                } else {
                    "training"
                };
                let eval = m.last_eval.map_or("no evaluation yet".into(), |e| {
                    format!("last evaluation at step {}: {}", e.steps, e.summary())
                });
                format!(
                    "{}: {state}, step {}, {:.0} steps/s, {} games, process {}; {eval}",
                    run.dir.display(),
                    m.steps,
                    m.steps_per_s,
                    m.games,
                    s.info.pid
                )
            }
            Err(watchers::AttachError::NotRunning(_)) => format!(
                "{}: not running (a dead socket, left by a run that was killed; continue it \
                 with tetris-dqn train --resume {}/latest)",
                run.dir.display(),
                run.dir.display()
            ),
            Err(e) => format!("{}: {e}", run.dir.display()),
        };
        out.push_str(&line);
        out.push('\n');
    }
    print_out(out.trim_end())?;
    Ok(ExitCode::SUCCESS)
}

fn evaluate(args: EvalArgs) -> Result<ExitCode> {
    if args.games == 0 {
        bail!("--games must be at least 1");
    }
    let device = Device::resolve(args.device)?;
    let (mut agent, meta) = checkpoint::load_agent(&args.checkpoint, device)?;
    args.lookahead.get().apply(&mut agent);
    use_torch_threads(meta.config.torch_threads as usize);
    let mut progress = eval_view::EvalProgressView::new(args.games);
    let report = eval::evaluate(
        &mut agent,
        meta.steps,
        args.games,
        args.max_pieces,
        args.seed,
        |p| progress.show(p),
    );
    progress.done();
    if args.json {
        print_out(serde_json::to_string(&report)?)?;
    } else {
        let table = eval_view::table(&args.checkpoint, args.seed, args.max_pieces, &report);
        print_out(table)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn report(args: ReportArgs) -> Result<ExitCode> {
    let out = match args.out {
        Some(out) => out,
        None => {
            let name = std::fs::canonicalize(&args.run_dir)
                .ok()
                .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
                .unwrap_or_else(|| "run".into());
            PathBuf::from(format!("report-{name}.png"))
        }
    };
    check_png_path("--out", &out)?;
    for file in tetris_dqn::report::make(&args.run_dir, &out, args.html)? {
        eprintln!("wrote {}", file.display());
    }
    Ok(ExitCode::SUCCESS)
}

fn demo(args: DemoArgs) -> Result<ExitCode> {
    if args.input_ms > 500 {
        bail!(
            "--input-ms {} is out of range; expected 0 to 500 milliseconds per input",
            args.input_ms
        );
    }
    let shot = args.shot.checked()?;
    viz::display::check("`tetris-dqn demo`", false)?;
    let exit = viz::run_demo(DemoOptions {
        seed: args.seed,
        input_ms: args.input_ms,
        shot,
    });
    Ok(exit_code(&exit))
}

/// The process exit code for how a Bevy app ended.
fn exit_code(exit: &bevy::app::AppExit) -> ExitCode {
    if exit.is_success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

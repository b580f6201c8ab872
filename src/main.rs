//! tetris-dqn: parse the command line, then dispatch. The only place that uses anyhow.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use tetris_dqn::viz::DemoOptions;
use tetris_dqn::{bench, torch_info, viz};

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
    /// With no command: the demo window, with these options.
    #[command(flatten)]
    demo: DemoArgs,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Open the window and watch the engine play random placements (the default).
    Demo(DemoArgs),
    /// Measure engine throughput on this machine.
    Bench(BenchArgs),
}

#[derive(clap::Args, Debug)]
struct DemoArgs {
    /// Seed of the first game's pieces and of the random choices.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Milliseconds per input as the piece moves along its path (0 to 500).
    #[arg(long, default_value_t = 35)]
    input_ms: u64,
    /// Save a PNG of the window to this path after --screenshot-after seconds, then exit.
    #[arg(long)]
    screenshot: Option<PathBuf>,
    /// Seconds to wait before the screenshot.
    #[arg(long, default_value_t = 4.0)]
    screenshot_after: f32,
}

#[derive(clap::Args, Debug)]
struct BenchArgs {
    /// Print one JSON object instead of a table.
    #[arg(long)]
    json: bool,
    /// Random pieces to play per measurement.
    #[arg(long, default_value_t = 1_000_000)]
    pieces: u64,
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
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    if cli.version {
        println!(
            "tetris-dqn {}\n{}",
            env!("CARGO_PKG_VERSION"),
            torch_info::describe()
        );
        return Ok(ExitCode::SUCCESS);
    }
    match cli.command.unwrap_or(Command::Demo(cli.demo)) {
        Command::Demo(args) => demo(args),
        Command::Bench(args) => {
            if args.pieces == 0 {
                bail!("--pieces must be at least 1");
            }
            let report = bench::run(args.pieces);
            if args.json {
                println!(
                    "{}",
                    serde_json::to_string(&report).context("writing the report")?
                );
            } else {
                println!("{}", report.table());
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn demo(args: DemoArgs) -> Result<ExitCode> {
    if args.input_ms > 500 {
        bail!(
            "--input-ms {} is out of range; expected 0 to 500 milliseconds per input",
            args.input_ms
        );
    }
    if !(args.screenshot_after.is_finite() && args.screenshot_after >= 0.0) {
        bail!("--screenshot-after must be a number of seconds, 0 or more");
    }
    if let Some(path) = &args.screenshot {
        if path.extension().and_then(|e| e.to_str()) != Some("png") {
            bail!("--screenshot {} must name a .png file", path.display());
        }
        if let Some(dir) = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty() && !d.is_dir())
        {
            bail!(
                "--screenshot {}: folder {} does not exist",
                path.display(),
                dir.display()
            );
        }
    }
    let exit = viz::run_demo(DemoOptions {
        seed: args.seed,
        input_ms: args.input_ms,
        screenshot: args.screenshot,
        screenshot_after: args.screenshot_after,
    });
    Ok(if exit.is_success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

//! The README says only what is true of the binary: every `tetris-dqn` command line in its
//! fenced blocks names a real command and only flags that command's `--help` lists, the two
//! set-up commands exist, the documents it links to exist, and it stays short.

mod support;

use std::path::Path;

use support::run;

fn readme() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap()
}

/// The lines of the README's fenced code blocks, comments cut off.
fn fenced_lines(text: &str) -> Vec<String> {
    let mut inside = false;
    let mut out = vec![];
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            inside = !inside;
            continue;
        }
        if inside {
            let code = line.split(" #").next().unwrap_or("").trim();
            if !code.is_empty() {
                out.push(code.to_string());
            }
        }
    }
    out
}

#[test]
fn every_command_line_in_the_readme_is_one_the_binary_takes() {
    let text = readme();
    let mut checked = 0;
    for line in fenced_lines(&text) {
        let words: Vec<&str> = line.split_whitespace().collect();
        if words.first() != Some(&"tetris-dqn") {
            continue;
        }
        let command = words
            .get(1)
            .filter(|w| !w.starts_with('-'))
            .copied()
            .unwrap_or("train");
        let out = run(&[command, "--help"]);
        assert!(out.status.success(), "`{line}`: no command {command}");
        let help = String::from_utf8_lossy(&out.stdout);
        for flag in words.iter().filter(|w| w.starts_with("--")) {
            assert!(
                help.contains(&format!("{flag} ")) || help.contains(&format!("{flag}\n")),
                "`{line}`: tetris-dqn {command} has no {flag}:\n{help}"
            );
        }
        checked += 1;
    }
    assert!(checked >= 5, "only {checked} command lines found");
    for script in ["run.sh", "test.sh"] {
        assert!(text.contains(&format!("./{script}")));
        assert!(Path::new(env!("CARGO_MANIFEST_DIR")).join(script).is_file());
    }
}

#[test]
fn the_flags_and_commands_tables_name_real_flags_and_the_links_resolve() {
    let text = readme();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // Every `--flag` the README mentions is some command's.
    let mut all_help = String::new();
    for command in [
        "train", "eval", "watch", "play", "demo", "bench", "tbp", "report", "attach", "versus",
    ] {
        all_help.push_str(&String::from_utf8_lossy(&run(&[command, "--help"]).stdout));
    }
    for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-')) {
        if let Some(flag) = word.strip_prefix("--")
            && flag.starts_with(|c: char| c.is_ascii_lowercase())
            && !["release", "workspace", "help", "ignored", "nocapture"].contains(&flag)
        {
            assert!(
                all_help.contains(&format!("--{flag}")),
                "the README names --{flag}, which no command has"
            );
        }
    }
    for link in text.split("](").skip(1) {
        let target = link.split(')').next().unwrap().split('#').next().unwrap();
        if !target.starts_with("http") {
            assert!(
                root.join(target).exists(),
                "the README links to {target}, which is not there"
            );
        }
    }
    assert!(
        text.lines().count() <= 200,
        "the README has grown past 200 lines"
    );
}

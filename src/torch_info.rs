//! What libtorch this binary is linked against and which devices it sees.

/// The libtorch version found at build time (from the wheel's `version.py`).
pub const LIBTORCH_VERSION: &str = env!("TETRIS_DQN_LIBTORCH_VERSION");

/// One line per fact, for `--version`.
pub fn describe() -> String {
    let cuda_built = tch::utils::has_cuda();
    let gpus = tch::Cuda::device_count();
    let cuda = match (cuda_built, gpus) {
        (false, _) => "not built into this libtorch".to_string(),
        (true, 0) => "built in; no GPU visible".to_string(),
        (true, n) => {
            let ids: Vec<String> = (0..n).map(|i| format!("cuda:{i}")).collect();
            format!("{n} GPU(s): {}", ids.join(", "))
        }
    };
    format!(
        "libtorch {LIBTORCH_VERSION}\ndevices: cpu ({} threads); cuda: {cuda}",
        tch::utils::get_num_threads()
    )
}

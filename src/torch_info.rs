//! What libtorch this binary is linked against and which devices it sees.

/// The libtorch version found at build time (from the wheel's `version.py`).
pub const LIBTORCH_VERSION: &str = env!("TETRIS_DQN_LIBTORCH_VERSION");

/// One line per fact, for `--version`.
pub fn describe() -> String {
    // libtorch reports CUDA support only where a driver and a GPU answer, so the count is
    // the one honest fact here.
    let cuda = match tch::Cuda::device_count() {
        0 => "no GPU visible".to_string(),
        n => {
            let ids: Vec<String> = (0..n).map(|i| format!("cuda:{i}")).collect();
            format!("{n} GPU(s): {}", ids.join(", "))
        }
    };
    format!(
        "libtorch {LIBTORCH_VERSION}\ndevices: cpu ({} threads); cuda: {cuda}",
        tch::utils::get_num_threads()
    )
}

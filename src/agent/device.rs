//! Where the network runs and what libtorch offers: the device (resolved from the config's
//! choice), its name for people, the thread count of each thread that runs torch, and the
//! facts `--version` prints. The rest of the program holds a [`Device`] and never a tch type.

use std::fmt;

use super::AgentError;
use crate::config::DeviceChoice;

/// The libtorch version found at build time (`build.rs`: a libtorch folder's `build-version`,
/// else a PyTorch wheel's `version.py`; "unknown" when neither is there).
pub const LIBTORCH_VERSION: &str = env!("TETRIS_DQN_LIBTORCH_VERSION");

/// A device the network can run on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Device(tch::Device);

impl Device {
    /// The CPU: always there, and deterministic for a fixed seed.
    pub const CPU: Device = Device(tch::Device::Cpu);

    /// The device for a config choice; `Cuda` without a GPU is an error.
    pub fn resolve(choice: DeviceChoice) -> Result<Device, AgentError> {
        let gpus = tch::Cuda::device_count();
        match choice {
            DeviceChoice::Cpu => Ok(Device::CPU),
            DeviceChoice::Auto | DeviceChoice::Cuda if gpus > 0 => Ok(Device(tch::Device::Cuda(0))),
            DeviceChoice::Auto => Ok(Device::CPU),
            DeviceChoice::Cuda => Err(AgentError::Device(
                "--device cuda (or device: Cuda in the config): libtorch sees no CUDA GPU on \
                 this machine; use cpu or auto"
                    .into(),
            )),
        }
    }

    /// The tch device, inside `agent` only.
    pub(super) fn tch(self) -> tch::Device {
        self.0
    }
}

/// "cpu", "cuda:0": for messages and `meta.ron`.
impl fmt::Display for Device {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            tch::Device::Cpu => f.write_str("cpu"),
            tch::Device::Cuda(i) => write!(f, "cuda:{i}"),
            other => write!(f, "{}", format!("{other:?}").to_lowercase()),
        }
    }
}

/// Sets libtorch's thread count for the calling thread, and returns the count libtorch then
/// reports. OpenMP keeps this setting per thread (a new thread starts from the process
/// default, one per core), so every thread that runs the network calls this before its first
/// tensor operation; set once on the main thread, the trainer would still run two.
pub fn use_torch_threads(n: usize) -> usize {
    tch::set_num_threads(n as i32);
    tch::get_num_threads().max(0) as usize
}

/// The libtorch version and the devices it sees, one fact per line, for `--version`.
pub fn describe_libtorch() -> String {
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

//! The DQN agent: an afterstate value network V, its target copy, Adam, and the TD update.
//! The only module where tch lives; the rest of the program sees plain `f32` slices.
//!
//! The agent scores a candidate placement as `reward + gamma x V(afterstate)` (no V term when
//! the placement ends the game) and learns V from transitions `(afterstate, reward', done',
//! afterstate')`, where the primed values belong to the next step's greedy placement, chosen
//! by the online network when it was played (Double-DQN style); the target network then
//! evaluates it: `target = r' + gamma x (1 - done') x V_target(afterstate')`.

mod adam;
pub mod network;
pub mod observation;
pub mod replay;
pub mod schedule;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rand::Rng;
use tch::nn::{self, Module};
use tch::{Device, Kind, Reduction, Tensor};

use crate::config::{Config, DeviceChoice};
use adam::Adam;
use network::ValueNet;
pub use observation::Encoding;
pub use replay::{Batch, ReplayBuffer};

/// Weights of the network being trained.
pub const MODEL_FILE: &str = "model.safetensors";
/// Weights of the target network.
pub const TARGET_FILE: &str = "target.safetensors";
/// Adam's moments and step count.
pub const OPTIMIZER_FILE: &str = "optimizer.safetensors";

/// Why the agent could not be built, saved or loaded.
#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A checkpoint file is missing.
    #[error("{path} is missing")]
    Missing { path: PathBuf },
    /// A file's content cannot be used.
    #[error("{path} cannot be used: {what}")]
    Corrupt { path: PathBuf, what: String },
    /// The device asked for is not there.
    #[error("{0}")]
    Device(String),
    /// libtorch failed.
    #[error("libtorch: {0}")]
    Torch(#[from] tch::TchError),
}

/// Sets libtorch's thread count for the calling thread, and returns the count libtorch then
/// reports. OpenMP keeps this setting per thread (a new thread starts from the process
/// default, one per core), so every thread that runs the network calls this before its first
/// tensor operation; set once on the main thread, the trainer would still run two.
pub fn use_torch_threads(n: usize) -> usize {
    tch::set_num_threads(n as i32);
    tch::get_num_threads().max(0) as usize
}

/// The device for a config choice; `Cuda` without a GPU is an error.
pub fn resolve_device(choice: DeviceChoice) -> Result<Device, AgentError> {
    let gpus = tch::Cuda::device_count();
    match choice {
        DeviceChoice::Cpu => Ok(Device::Cpu),
        DeviceChoice::Auto if gpus > 0 => Ok(Device::Cuda(0)),
        DeviceChoice::Auto => Ok(Device::Cpu),
        DeviceChoice::Cuda if gpus > 0 => Ok(Device::Cuda(0)),
        DeviceChoice::Cuda => Err(AgentError::Device(
            "--device cuda (or device: Cuda in the config): libtorch sees no CUDA GPU on this \
             machine; use cpu or auto"
                .into(),
        )),
    }
}

/// The value network, its target network and the optimizer.
#[derive(Debug)]
pub struct Agent {
    device: Device,
    encoding: Encoding,
    online_vs: nn::VarStore,
    online: ValueNet,
    target_vs: nn::VarStore,
    target: ValueNet,
    adam: Adam,
    gamma: f64,
    huber_delta: f64,
    grad_clip: f64,
}

impl Agent {
    /// A fresh agent for `config` on `device`, its weights drawn from `rng`; the target
    /// network starts as a copy.
    pub fn new(config: &Config, device: Device, rng: &mut impl Rng) -> Agent {
        let online_vs = nn::VarStore::new(device);
        let online = ValueNet::new(&online_vs.root(), &config.network);
        network::init_from_rng(&online_vs, rng);
        let mut target_vs = nn::VarStore::new(device);
        let target = ValueNet::new(&target_vs.root(), &config.network);
        target_vs
            .copy(&online_vs)
            .expect("two var stores of one network have the same variables");
        target_vs.freeze();
        let adam = Adam::new(&online_vs, config.learning_rate);
        Agent {
            device,
            encoding: Encoding::for_network(&config.network),
            online_vs,
            online,
            target_vs,
            target,
            adam,
            gamma: config.gamma,
            huber_delta: config.huber_delta,
            grad_clip: config.grad_clip,
        }
    }

    /// How this agent encodes afterstates.
    pub fn encoding(&self) -> Encoding {
        self.encoding
    }

    /// The device it runs on.
    pub fn device(&self) -> Device {
        self.device
    }

    /// V of each afterstate in `obs` (rows of `encoding().len()` floats), in one forward pass.
    pub fn values(&self, obs: &[f32]) -> Vec<f32> {
        let n = (obs.len() / self.encoding.len()) as i64;
        if n == 0 {
            return vec![];
        }
        tch::no_grad(|| {
            let x = Tensor::from_slice(obs)
                .view([n, self.encoding.len() as i64])
                .to_device(self.device);
            let v = self.online.forward(&x).to_device(Device::Cpu);
            Vec::<f32>::try_from(&v).expect("a float vector")
        })
    }

    /// One TD update on `batch`; returns the Huber loss before the update.
    pub fn learn(&mut self, batch: &Batch) -> f32 {
        let n = batch.len() as i64;
        let width = self.encoding.len() as i64;
        let to = |v: &[f32]| Tensor::from_slice(v).to_device(self.device);
        let obs = to(&batch.obs).view([n, width]);
        let next_obs = to(&batch.next_obs).view([n, width]);
        let reward = to(&batch.reward);
        let done = to(&batch.done);
        let target = tch::no_grad(|| {
            let next_v = self.target.forward(&next_obs);
            reward + (1.0 - done) * next_v * self.gamma
        });
        let v = self.online.forward(&obs);
        let loss = v.huber_loss(&target, Reduction::Mean, self.huber_delta);
        self.adam.zero_grad();
        loss.backward();
        self.adam.step(self.grad_clip);
        f32::try_from(&loss).unwrap_or(f32::NAN)
    }

    /// Copies the network into the target network.
    pub fn sync_target(&mut self) {
        self.target_vs
            .copy(&self.online_vs)
            .expect("two var stores of one network have the same variables");
    }

    /// Writes the network, and with `full` the target network and the optimizer, into `dir`.
    pub fn save(&self, dir: &Path, full: bool) -> Result<(), AgentError> {
        write_tensors(&dir.join(MODEL_FILE), &named(&self.online_vs))?;
        if full {
            write_tensors(&dir.join(TARGET_FILE), &named(&self.target_vs))?;
            write_tensors(&dir.join(OPTIMIZER_FILE), &self.adam.state())?;
        }
        Ok(())
    }

    /// Reads the network from `dir` and, with `full`, the target network and the optimizer;
    /// without `full` the target network becomes a copy of the network. Every tensor's name
    /// and shape is checked against this agent's network.
    pub fn load(&mut self, dir: &Path, full: bool) -> Result<(), AgentError> {
        load_into(&self.online_vs, &dir.join(MODEL_FILE))?;
        if full {
            load_into(&self.target_vs, &dir.join(TARGET_FILE))?;
            let path = dir.join(OPTIMIZER_FILE);
            let saved = read_tensors(&path)?;
            self.adam
                .load_state(&saved)
                .map_err(|what| AgentError::Corrupt { path, what })?;
        } else {
            self.sync_target();
        }
        Ok(())
    }

    /// The network's weights by name, as plain floats (for tests and digests).
    pub fn weights(&self) -> Vec<(String, Vec<f32>)> {
        let mut out: Vec<(String, Vec<f32>)> = named(&self.online_vs)
            .into_iter()
            .map(|(n, t)| {
                let flat = t.flatten(0, -1).to_device(Device::Cpu);
                (n, Vec::<f32>::try_from(&flat).expect("float weights"))
            })
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }
}

fn named(vs: &nn::VarStore) -> Vec<(String, Tensor)> {
    let mut v: Vec<(String, Tensor)> = vs.variables().into_iter().collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

fn write_tensors(path: &Path, tensors: &[(String, Tensor)]) -> Result<(), AgentError> {
    let cpu: Vec<(String, Tensor)> = tensors
        .iter()
        .map(|(n, t)| (n.clone(), t.detach().to_device(Device::Cpu)))
        .collect();
    Tensor::write_safetensors(&cpu, path).map_err(|e| AgentError::Corrupt {
        path: path.to_owned(),
        what: format!("writing failed: {e}"),
    })?;
    // safetensors writes through a plain File; make it durable before the folder is renamed.
    std::fs::File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(|source| AgentError::Io {
            path: path.to_owned(),
            source,
        })
}

fn read_tensors(path: &Path) -> Result<HashMap<String, Tensor>, AgentError> {
    if !path.is_file() {
        return Err(AgentError::Missing {
            path: path.to_owned(),
        });
    }
    let tensors = Tensor::read_safetensors(path).map_err(|e| AgentError::Corrupt {
        path: path.to_owned(),
        what: format!(
            "it is not a readable safetensors file (truncated or corrupt?): {}",
            match e {
                tch::TchError::SafeTensorError { err, .. } => err.to_string(),
                other => other.to_string(),
            }
        ),
    })?;
    Ok(tensors.into_iter().collect())
}

fn load_into(vs: &nn::VarStore, path: &Path) -> Result<(), AgentError> {
    let saved = read_tensors(path)?;
    let corrupt = |what: String| AgentError::Corrupt {
        path: path.to_owned(),
        what,
    };
    let vars = named(vs);
    for name in saved.keys() {
        if !vars.iter().any(|(n, _)| n == name) {
            return Err(corrupt(format!(
                "it holds the tensor `{name}`, which the config's network does not have (the \
                 checkpoint was trained with another network; use its config)"
            )));
        }
    }
    for (name, var) in &vars {
        let t = saved.get(name).ok_or_else(|| {
            corrupt(format!(
                "the tensor `{name}` is missing (the checkpoint was trained with another network)"
            ))
        })?;
        if t.size() != var.size() || t.kind() != Kind::Float {
            return Err(corrupt(format!(
                "the tensor `{name}` has shape {:?} ({:?}), the config's network needs {:?} \
                 (Float); the checkpoint was trained with another network",
                t.size(),
                t.kind(),
                var.size()
            )));
        }
        let mut var = var.shallow_clone();
        tch::no_grad(|| var.copy_(t));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Network;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn tiny() -> Config {
        Config {
            network: Network::Mlp { hidden: vec![8] },
            gamma: 0.5,
            ..Config::default()
        }
    }

    fn batch(done: f32) -> Batch {
        let n = 4;
        Batch {
            obs: vec![0.1; n * 13],
            next_obs: vec![0.3; n * 13],
            reward: vec![2.0; n],
            done: vec![done; n],
        }
    }

    #[test]
    fn same_seed_same_weights_and_the_target_starts_equal() {
        let a = Agent::new(&tiny(), Device::Cpu, &mut ChaCha8Rng::seed_from_u64(5));
        let b = Agent::new(&tiny(), Device::Cpu, &mut ChaCha8Rng::seed_from_u64(5));
        let c = Agent::new(&tiny(), Device::Cpu, &mut ChaCha8Rng::seed_from_u64(6));
        assert_eq!(a.weights(), b.weights());
        assert_ne!(a.weights(), c.weights());
        let obs = vec![0.2; 3 * 13];
        assert_eq!(a.values(&obs).len(), 3);
        let t: Vec<f32> = {
            let x = Tensor::from_slice(&obs).view([3, 13]);
            Vec::try_from(&tch::no_grad(|| a.target.forward(&x))).unwrap()
        };
        assert_eq!(a.values(&obs), t);
    }

    #[test]
    fn the_td_target_does_not_bootstrap_past_game_over() {
        // With done = 1 the target is the reward alone, whatever V_target says: repeated
        // updates drive V(obs) to 2.0. With done = 0 they drive it to 2 + 0.5 V_target(next).
        let mut a = Agent::new(&tiny(), Device::Cpu, &mut ChaCha8Rng::seed_from_u64(1));
        let next_v = a.values(&[0.3; 13])[0];
        let mut config = tiny();
        config.learning_rate = 0.01;
        let mut terminal = Agent::new(&config, Device::Cpu, &mut ChaCha8Rng::seed_from_u64(1));
        let mut running = Agent::new(&config, Device::Cpu, &mut ChaCha8Rng::seed_from_u64(1));
        for _ in 0..1500 {
            terminal.learn(&batch(1.0));
            running.learn(&batch(0.0));
        }
        let v_terminal = terminal.values(&[0.1; 13])[0];
        let v_running = running.values(&[0.1; 13])[0];
        assert!((v_terminal - 2.0).abs() < 0.05, "{v_terminal}");
        assert!(
            (v_running - (2.0 + 0.5 * next_v)).abs() < 0.05,
            "{v_running} vs {next_v}"
        );
        a.sync_target();
    }

    #[test]
    fn a_checkpoint_round_trips_and_wrong_shapes_are_named() {
        let dir = std::env::temp_dir().join(format!("tdqn-agent-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let mut a = Agent::new(&tiny(), Device::Cpu, &mut rng);
        a.learn(&batch(0.0));
        a.save(&dir, true).unwrap();
        let mut b = Agent::new(&tiny(), Device::Cpu, &mut rng);
        assert_ne!(a.weights(), b.weights());
        b.load(&dir, true).unwrap();
        assert_eq!(a.weights(), b.weights());
        // The optimizer state came along: one more identical update stays identical.
        a.learn(&batch(0.0));
        b.learn(&batch(0.0));
        assert_eq!(a.weights(), b.weights());

        let other = Config {
            network: Network::Mlp { hidden: vec![9] },
            ..Config::default()
        };
        let mut c = Agent::new(&other, Device::Cpu, &mut rng);
        let e = c.load(&dir, true).unwrap_err().to_string();
        assert!(e.contains("shape") && e.contains("another network"), "{e}");

        let model = dir.join(MODEL_FILE);
        let bytes = std::fs::read(&model).unwrap();
        std::fs::write(&model, &bytes[..bytes.len() / 2]).unwrap();
        let e = b.load(&dir, true).unwrap_err().to_string();
        assert!(e.contains("truncated or corrupt"), "{e}");
        std::fs::remove_file(&model).unwrap();
        let e = b.load(&dir, true).unwrap_err().to_string();
        assert!(e.contains("model.safetensors is missing"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_cnn_scores_boards() {
        let mut config = tiny();
        config.network = Network::Cnn {
            channels: vec![4],
            hidden: 8,
        };
        let mut a = Agent::new(&config, Device::Cpu, &mut ChaCha8Rng::seed_from_u64(1));
        let len = a.encoding().len();
        assert_eq!(a.values(&vec![0.0; 5 * len]).len(), 5);
        let b = Batch {
            obs: vec![1.0; 2 * len],
            next_obs: vec![0.0; 2 * len],
            reward: vec![1.0; 2],
            done: vec![0.0; 2],
        };
        assert!(a.learn(&b).is_finite());
    }
}

//! The afterstate value network V(afterstate): an MLP over features or a small CNN over the
//! board, as an `nn::Module`, with its weights initialised from our own seeded RNG (so that
//! two runs with one seed start identical even when tests run in parallel threads).

use std::collections::HashMap;

use rand::Rng;
use tch::nn::{self, Module};
use tch::{Kind, Tensor};

use super::observation::{BOARD_ROWS, Encoding};
use crate::config::Network;
use crate::game::WIDTH;

/// The value network; `forward` maps `[n, obs_len]` to `[n]`.
#[derive(Debug)]
pub enum ValueNet {
    /// Linear layers with ReLU between them, ending in one output.
    Mlp(Vec<nn::Linear>),
    /// Same-padded 3x3 convolutions with ReLU, then a hidden layer and one output.
    Cnn {
        convs: Vec<nn::Conv2D>,
        hidden: nn::Linear,
        out: nn::Linear,
    },
}

impl ValueNet {
    /// Creates the layers of `network` under `root`.
    pub fn new(root: &nn::Path, network: &Network) -> ValueNet {
        match network {
            Network::Mlp { hidden, .. } => {
                let mut layers = vec![];
                let mut width = Encoding::for_network(network).len() as i64;
                for (i, &h) in hidden.iter().enumerate() {
                    layers.push(nn::linear(
                        root / format!("fc{i}"),
                        width,
                        h as i64,
                        Default::default(),
                    ));
                    width = h as i64;
                }
                layers.push(nn::linear(root / "out", width, 1, Default::default()));
                ValueNet::Mlp(layers)
            }
            Network::Cnn { channels, hidden } => {
                let conv = nn::ConvConfig {
                    padding: 1,
                    ..Default::default()
                };
                let mut convs = vec![];
                let mut c_in = 1;
                for (i, &c) in channels.iter().enumerate() {
                    convs.push(nn::conv2d(
                        root / format!("conv{i}"),
                        c_in,
                        c as i64,
                        3,
                        conv,
                    ));
                    c_in = c as i64;
                }
                let flat = c_in * (BOARD_ROWS * WIDTH) as i64;
                ValueNet::Cnn {
                    convs,
                    hidden: nn::linear(root / "hidden", flat, *hidden as i64, Default::default()),
                    out: nn::linear(root / "out", *hidden as i64, 1, Default::default()),
                }
            }
        }
    }
}

impl Module for ValueNet {
    fn forward(&self, xs: &Tensor) -> Tensor {
        match self {
            ValueNet::Mlp(layers) => {
                let mut x = xs.shallow_clone();
                let last = layers.len() - 1;
                for (i, layer) in layers.iter().enumerate() {
                    x = layer.forward(&x);
                    if i < last {
                        x = x.relu();
                    }
                }
                x.squeeze_dim(1)
            }
            ValueNet::Cnn { convs, hidden, out } => {
                let n = xs.size()[0];
                let mut x = xs.view([n, 1, BOARD_ROWS as i64, WIDTH as i64]);
                for conv in convs {
                    x = conv.forward(&x).relu();
                }
                out.forward(&hidden.forward(&x.flatten(1, -1)).relu())
                    .squeeze_dim(1)
            }
        }
    }
}

/// Overwrites every variable of `vs` with uniform values in +-1/sqrt(fan_in) (PyTorch's
/// default range for linear and conv layers) drawn from `rng`, in name order.
pub fn init_from_rng(vs: &nn::VarStore, rng: &mut impl Rng) {
    let vars = vs.variables();
    let mut names: Vec<&String> = vars.keys().collect();
    names.sort();
    let fan_in: HashMap<&str, i64> = vars
        .iter()
        .filter(|(n, _)| n.ends_with(".weight"))
        .map(|(n, t)| {
            let size = t.size();
            (n.trim_end_matches(".weight"), size[1..].iter().product())
        })
        .collect();
    tch::no_grad(|| {
        for name in names {
            let mut t = vars[name].shallow_clone();
            let layer = name.rsplit_once('.').map_or(name.as_str(), |(l, _)| l);
            let bound = 1.0 / (fan_in.get(layer).copied().unwrap_or(1) as f32).sqrt();
            let values: Vec<f32> = (0..t.numel())
                .map(|_| rng.random_range(-bound..bound))
                .collect();
            let src = Tensor::from_slice(&values)
                .view(t.size().as_slice())
                .to_kind(Kind::Float)
                .to_device(vs.device());
            t.copy_(&src);
        }
    });
}

//! Adam with global-norm gradient clipping, written out over tch tensors so that its state
//! (moments and step count) can be saved and restored exactly; tch's own optimizer cannot
//! export its state.

use std::collections::HashMap;

use tch::{Kind, Tensor, nn};

const BETA1: f64 = 0.9;
const BETA2: f64 = 0.999;
const EPS: f64 = 1e-8;

/// Adam over every trainable variable of one var store, in name order. The moments are kept
/// as one flat vector over all parameters, so an update is a handful of tensor operations
/// rather than a dozen per parameter (for a small MLP the per-operation cost dominates).
#[derive(Debug)]
pub struct Adam {
    lr: f64,
    step: i64,
    params: Vec<Tensor>,
    m: Tensor,
    v: Tensor,
}

impl Adam {
    /// Adam with zeroed moments for the variables of `vs`.
    pub fn new(vs: &nn::VarStore, lr: f64) -> Adam {
        let vars = vs.variables();
        let mut names: Vec<String> = vars.keys().cloned().collect();
        names.sort();
        let params: Vec<Tensor> = names.iter().map(|n| vars[n].shallow_clone()).collect();
        let total: i64 = params.iter().map(|p| p.numel() as i64).sum();
        let zeros = || Tensor::zeros([total], (Kind::Float, vs.device()));
        Adam {
            lr,
            step: 0,
            m: zeros(),
            v: zeros(),
            params,
        }
    }

    /// Clears the gradients before a backward pass.
    pub fn zero_grad(&mut self) {
        for p in &mut self.params {
            p.zero_grad();
        }
    }

    /// One update from the current gradients, scaled down first so that their global L2 norm
    /// is at most `clip` (when `clip > 0`).
    pub fn step(&mut self, clip: f64) {
        tch::no_grad(|| {
            self.step += 1;
            let grads: Vec<Tensor> = self.params.iter().map(|p| p.grad().view([-1])).collect();
            let mut g = Tensor::cat(&grads, 0);
            if clip > 0.0 {
                // min(1, clip / norm), without reading the norm back to the CPU.
                let coef = (g.norm() + 1e-6).reciprocal() * clip;
                g *= coef.clamp_max(1.0);
            }
            let bc1 = 1.0 - BETA1.powi(self.step as i32);
            let bc2 = 1.0 - BETA2.powi(self.step as i32);
            let _ = self.m.lerp_(&g, 1.0 - BETA1);
            let _ = self.v.lerp_(&(&g * &g), 1.0 - BETA2);
            let denom = (&self.v / bc2).sqrt() + EPS;
            let update = &self.m * (self.lr / bc1) / denom;
            let mut offset = 0;
            for p in &mut self.params {
                let n = p.numel() as i64;
                let _ = p.g_sub_(&update.narrow(0, offset, n).view(p.size().as_slice()));
                offset += n;
            }
        });
    }

    /// The state to save: `m` and `v` (flat, parameters in name order) and `step`.
    pub fn state(&self) -> Vec<(String, Tensor)> {
        vec![
            ("step".to_string(), Tensor::from_slice(&[self.step])),
            ("m".to_string(), self.m.shallow_clone()),
            ("v".to_string(), self.v.shallow_clone()),
        ]
    }

    /// Restores a saved state; the sizes must match. The error says what differs.
    pub fn load_state(&mut self, saved: &HashMap<String, Tensor>) -> Result<(), String> {
        let step = saved
            .get("step")
            .filter(|t| t.numel() == 1 && t.kind() == Kind::Int64)
            .ok_or("the tensor `step` is missing or not one integer")?;
        let step = i64::try_from(step).map_err(|e| e.to_string())?;
        for (key, slot) in [("m", &mut self.m), ("v", &mut self.v)] {
            let t = saved
                .get(key)
                .ok_or_else(|| format!("the tensor `{key}` is missing"))?;
            if t.size() != slot.size() || t.kind() != Kind::Float {
                return Err(format!(
                    "the tensor `{key}` has shape {:?}, the network needs {:?} (another network?)",
                    t.size(),
                    slot.size()
                ));
            }
            tch::no_grad(|| slot.copy_(t));
        }
        self.step = step;
        Ok(())
    }
}

//! Adam with global-norm gradient clipping, written out over tch tensors so that its state
//! (moments and step count) can be saved and restored exactly; tch's own optimizer cannot
//! export its state.

use std::collections::HashMap;

use tch::{Kind, Tensor, nn};

const BETA1: f64 = 0.9;
const BETA2: f64 = 0.999;
const EPS: f64 = 1e-8;

/// Adam over every trainable variable of one var store, in name order.
#[derive(Debug)]
pub struct Adam {
    lr: f64,
    step: i64,
    names: Vec<String>,
    params: Vec<Tensor>,
    m: Vec<Tensor>,
    v: Vec<Tensor>,
}

impl Adam {
    /// Adam with zeroed moments for the variables of `vs`.
    pub fn new(vs: &nn::VarStore, lr: f64) -> Adam {
        let vars = vs.variables();
        let mut names: Vec<String> = vars.keys().cloned().collect();
        names.sort();
        let params: Vec<Tensor> = names.iter().map(|n| vars[n].shallow_clone()).collect();
        let zeros = |p: &Tensor| p.zeros_like().detach();
        Adam {
            lr,
            step: 0,
            m: params.iter().map(zeros).collect(),
            v: params.iter().map(zeros).collect(),
            names,
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
            let mut grads: Vec<Tensor> = self.params.iter().map(Tensor::grad).collect();
            if clip > 0.0 {
                let norms: Vec<Tensor> = grads.iter().map(|g| g.norm()).collect();
                let total = f64::try_from(Tensor::stack(&norms, 0).norm()).unwrap_or(0.0);
                let coef = clip / (total + 1e-6);
                if coef < 1.0 {
                    for g in &mut grads {
                        let _ = g.g_mul_scalar_(coef);
                    }
                }
            }
            let bc1 = 1.0 - BETA1.powi(self.step as i32);
            let bc2 = 1.0 - BETA2.powi(self.step as i32);
            for (i, g) in grads.iter().enumerate() {
                let _ = self.m[i].g_mul_scalar_(BETA1);
                let _ = self.m[i].g_add_(&(g * (1.0 - BETA1)));
                let _ = self.v[i].g_mul_scalar_(BETA2);
                let _ = self.v[i].g_add_(&(g * g * (1.0 - BETA2)));
                let denom = (&self.v[i] / bc2).sqrt() + EPS;
                let update = &self.m[i] * (self.lr / bc1) / denom;
                let _ = self.params[i].g_sub_(&update);
            }
        });
    }

    /// The state to save: `m.<name>`, `v.<name>` and `step`.
    pub fn state(&self) -> Vec<(String, Tensor)> {
        let mut out = vec![("step".to_string(), Tensor::from_slice(&[self.step]))];
        for (i, name) in self.names.iter().enumerate() {
            out.push((format!("m.{name}"), self.m[i].shallow_clone()));
            out.push((format!("v.{name}"), self.v[i].shallow_clone()));
        }
        out
    }

    /// Restores a saved state; names and shapes must match. The error says what differs.
    pub fn load_state(&mut self, saved: &HashMap<String, Tensor>) -> Result<(), String> {
        let step = saved
            .get("step")
            .filter(|t| t.numel() == 1 && t.kind() == Kind::Int64)
            .ok_or("the tensor `step` is missing or not one integer")?;
        let step = i64::try_from(step).map_err(|e| e.to_string())?;
        if saved.len() != 1 + 2 * self.names.len() {
            return Err(format!(
                "it holds {} tensors, the network needs {}",
                saved.len(),
                1 + 2 * self.names.len()
            ));
        }
        for (i, name) in self.names.iter().enumerate() {
            for (prefix, slot) in [("m", &mut self.m[i]), ("v", &mut self.v[i])] {
                let key = format!("{prefix}.{name}");
                let t = saved
                    .get(&key)
                    .ok_or_else(|| format!("the tensor `{key}` is missing"))?;
                if t.size() != slot.size() {
                    return Err(format!(
                        "the tensor `{key}` has shape {:?}, the network needs {:?}",
                        t.size(),
                        slot.size()
                    ));
                }
                tch::no_grad(|| slot.copy_(t));
            }
        }
        self.step = step;
        Ok(())
    }
}

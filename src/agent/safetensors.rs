//! Tensors in safetensors files: a var store's variables by name, written durably, read
//! back with every name, shape and kind checked against the network that loads them.

use std::collections::HashMap;
use std::path::Path;

use tch::{Device, Kind, Tensor, nn};

use super::AgentError;

/// The variables of `vs`, sorted by name.
pub(super) fn named(vs: &nn::VarStore) -> Vec<(String, Tensor)> {
    let mut v: Vec<(String, Tensor)> = vs.variables().into_iter().collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

/// Writes `tensors` to `path` (from the CPU) and syncs the file to disk.
pub(super) fn write(path: &Path, tensors: &[(String, Tensor)]) -> Result<(), AgentError> {
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
        .map_err(|error| AgentError::Io {
            path: path.to_owned(),
            error,
        })
}

/// Every tensor in the file at `path`, by name.
pub(super) fn read(path: &Path) -> Result<HashMap<String, Tensor>, AgentError> {
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

/// Copies the tensors of the file at `path` into the variables of `vs`; the names, shapes
/// and kinds must match exactly.
pub(super) fn load_into(vs: &nn::VarStore, path: &Path) -> Result<(), AgentError> {
    let saved = read(path)?;
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

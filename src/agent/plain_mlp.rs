//! The value network's MLP as plain Rust, for acting on the CPU: the same layers as the
//! libtorch module (`network::ValueNet::Mlp`), their weights copied from it after it learns,
//! each layer one `matrixmultiply::sgemm` over every candidate at once. Scoring a step's few
//! hundred afterstates costs microseconds of arithmetic; through libtorch the same forward
//! pass costs tens of microseconds of dispatch (measured in `benches/acting.rs`). Learning
//! stays in libtorch.

use tch::Tensor;

use super::network::ValueNet;

/// One linear layer: `y = x W^T + b`, `W` row-major `[outputs, inputs]`.
#[derive(Clone, Debug, Default, PartialEq)]
struct Layer {
    weight: Vec<f32>,
    bias: Vec<f32>,
    inputs: usize,
    outputs: usize,
}

/// The MLP's weights and the buffers one forward pass reuses.
#[derive(Clone, Debug, Default)]
pub struct PlainMlp {
    layers: Vec<Layer>,
    /// Activations of the layer being computed and of the one before.
    current: Vec<f32>,
    previous: Vec<f32>,
}

impl PlainMlp {
    /// A copy of `net`'s weights; None for a network that is not an MLP (or not on the CPU).
    pub fn of(net: &ValueNet) -> Option<PlainMlp> {
        let mut plain = PlainMlp::default();
        plain.copy_from(net).then_some(plain)
    }

    /// Copies `net`'s weights again (after it has learnt); false when it is not an MLP on the
    /// CPU.
    pub fn copy_from(&mut self, net: &ValueNet) -> bool {
        let ValueNet::Mlp(linears) = net else {
            return false;
        };
        if linears.iter().any(|l| l.ws.device() != tch::Device::Cpu) {
            return false;
        }
        self.layers.resize_with(linears.len(), Layer::default);
        for (layer, linear) in self.layers.iter_mut().zip(linears) {
            let size = linear.ws.size();
            layer.outputs = size[0] as usize;
            layer.inputs = size[1] as usize;
            floats_into(&linear.ws, &mut layer.weight);
            match &linear.bs {
                Some(bs) => floats_into(bs, &mut layer.bias),
                None => {
                    layer.bias.clear();
                    layer.bias.resize(layer.outputs, 0.0);
                }
            }
        }
        true
    }

    /// Inputs per afterstate.
    pub fn inputs(&self) -> usize {
        self.layers.first().map_or(0, |l| l.inputs)
    }

    /// V of each row of `obs` (rows of [`PlainMlp::inputs`] floats) into `out`: linear
    /// layers with ReLU between them, as the libtorch module computes it.
    pub fn forward(&mut self, obs: &[f32], out: &mut Vec<f32>) {
        let width = self.inputs();
        out.clear();
        if width == 0 || obs.is_empty() {
            return;
        }
        let rows = obs.len() / width;
        let last = self.layers.len() - 1;
        for (i, layer) in self.layers.iter().enumerate() {
            let input: &[f32] = if i == 0 { obs } else { &self.previous };
            let output = &mut self.current;
            output.clear();
            output.reserve(rows * layer.outputs);
            for _ in 0..rows {
                output.extend_from_slice(&layer.bias);
            }
            // SAFETY: `input` holds `rows x inputs` floats, row-major; the weight holds
            // `outputs x inputs` floats, read transposed through its strides; `output` holds
            // `rows x outputs` floats, row-major. The three do not overlap.
            unsafe {
                matrixmultiply::sgemm(
                    rows,
                    layer.inputs,
                    layer.outputs,
                    1.0,
                    input.as_ptr(),
                    layer.inputs as isize,
                    1,
                    layer.weight.as_ptr(),
                    1,
                    layer.inputs as isize,
                    1.0,
                    output.as_mut_ptr(),
                    layer.outputs as isize,
                    1,
                );
            }
            if i < last {
                output.iter_mut().for_each(|x| *x = x.max(0.0));
            }
            std::mem::swap(&mut self.current, &mut self.previous);
        }
        // The last layer has one output: its activations are the values.
        out.extend_from_slice(&self.previous);
    }
}

/// The floats of a CPU tensor, flattened, into `out`.
fn floats_into(t: &Tensor, out: &mut Vec<f32>) {
    let flat = t.detach().flatten(0, -1);
    out.clear();
    let n = flat.numel();
    out.resize(n, 0.0);
    flat.copy_data(out, n);
}

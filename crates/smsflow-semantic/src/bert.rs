//! A lean forward pass of a BERT encoder (all-MiniLM-L6-v2: 6 layers, 384 wide, 12 heads) with mean
//! pooling and L2 normalisation, as sentence-transformers computes it. One message at a time on the
//! calling thread: no batching, no padding, no attention mask, no thread pool.

use std::path::Path;

use safetensors::{Dtype, SafeTensors};

use crate::ModelError;

/// The shape of the encoder, from the model's `config.json`.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct BertConfig {
    pub hidden_size: usize,
    pub num_hidden_layers: usize,
    pub num_attention_heads: usize,
    pub intermediate_size: usize,
    pub max_position_embeddings: usize,
    pub vocab_size: usize,
    #[serde(default = "default_eps")]
    pub layer_norm_eps: f32,
    #[serde(default)]
    pub hidden_act: Option<String>,
}

fn default_eps() -> f32 {
    1e-12
}

struct LayerNorm {
    weight: Vec<f32>,
    bias: Vec<f32>,
}

/// A dense layer whose weight is stored as PyTorch does: `[out, in]`, row-major.
struct Linear {
    weight: Vec<f32>,
    bias: Vec<f32>,
    inputs: usize,
    outputs: usize,
}

struct Layer {
    /// Query, key and value fused into one `[3 * hidden, hidden]` layer: one matrix product.
    qkv: Linear,
    attention_out: Linear,
    attention_norm: LayerNorm,
    intermediate: Linear,
    output: Linear,
    output_norm: LayerNorm,
}

pub struct Bert {
    config: BertConfig,
    word_embeddings: Vec<f32>,
    position_embeddings: Vec<f32>,
    token_type_embedding: Vec<f32>,
    embeddings_norm: LayerNorm,
    layers: Vec<Layer>,
}

impl Bert {
    pub fn load(config: BertConfig, weights: &Path) -> Result<Bert, ModelError> {
        let bytes = std::fs::read(weights).map_err(|source| ModelError::Read {
            path: weights.to_path_buf(),
            source,
        })?;
        let tensors = SafeTensors::deserialize(&bytes)
            .map_err(|error| ModelError::Invalid(format!("model.safetensors: {error}")))?;
        let h = config.hidden_size;
        if config.num_attention_heads == 0 || !h.is_multiple_of(config.num_attention_heads) {
            return Err(ModelError::Invalid(
                "hidden_size is not a multiple of num_attention_heads".into(),
            ));
        }
        if !matches!(config.hidden_act.as_deref(), None | Some("gelu")) {
            return Err(ModelError::Invalid(format!(
                "unsupported activation {:?}: only gelu",
                config.hidden_act
            )));
        }
        let get = |name: &str, shape: &[usize]| tensor(&tensors, name, shape);
        let norm = |prefix: &str| -> Result<LayerNorm, ModelError> {
            Ok(LayerNorm {
                weight: get(&format!("{prefix}.weight"), &[h])?,
                bias: get(&format!("{prefix}.bias"), &[h])?,
            })
        };
        let linear = |prefix: &str, outputs: usize, inputs: usize| -> Result<Linear, ModelError> {
            Ok(Linear {
                weight: get(&format!("{prefix}.weight"), &[outputs, inputs])?,
                bias: get(&format!("{prefix}.bias"), &[outputs])?,
                inputs,
                outputs,
            })
        };
        let mut layers = Vec::with_capacity(config.num_hidden_layers);
        for i in 0..config.num_hidden_layers {
            let p = format!("encoder.layer.{i}");
            let q = linear(&format!("{p}.attention.self.query"), h, h)?;
            let k = linear(&format!("{p}.attention.self.key"), h, h)?;
            let v = linear(&format!("{p}.attention.self.value"), h, h)?;
            let qkv = Linear {
                weight: [q.weight, k.weight, v.weight].concat(),
                bias: [q.bias, k.bias, v.bias].concat(),
                inputs: h,
                outputs: 3 * h,
            };
            layers.push(Layer {
                qkv,
                attention_out: linear(&format!("{p}.attention.output.dense"), h, h)?,
                attention_norm: norm(&format!("{p}.attention.output.LayerNorm"))?,
                intermediate: linear(
                    &format!("{p}.intermediate.dense"),
                    config.intermediate_size,
                    h,
                )?,
                output: linear(&format!("{p}.output.dense"), h, config.intermediate_size)?,
                output_norm: norm(&format!("{p}.output.LayerNorm"))?,
            });
        }
        let token_types = get("embeddings.token_type_embeddings.weight", &[2, h])?;
        Ok(Bert {
            word_embeddings: get("embeddings.word_embeddings.weight", &[config.vocab_size, h])?,
            position_embeddings: get(
                "embeddings.position_embeddings.weight",
                &[config.max_position_embeddings, h],
            )?,
            token_type_embedding: token_types[..h].to_vec(),
            embeddings_norm: norm("embeddings.LayerNorm")?,
            layers,
            config,
        })
    }

    pub fn max_tokens(&self) -> usize {
        self.config.max_position_embeddings
    }

    pub fn dimension(&self) -> usize {
        self.config.hidden_size
    }

    /// The unit-length mean-pooled embedding of a token sequence (with its [CLS] and [SEP]).
    pub fn embed(&self, token_ids: &[u32]) -> Vec<f32> {
        self.embed_batch(&[token_ids])
            .pop()
            .expect("one sequence in, one out")
    }

    /// Embeds several sequences in one pass: the dense layers run over all their tokens at once, so
    /// the weights are read once per batch instead of once per sequence; attention stays within
    /// each sequence.
    pub fn embed_batch(&self, sequences: &[&[u32]]) -> Vec<Vec<f32>> {
        let h = self.config.hidden_size;
        let lengths: Vec<usize> = sequences
            .iter()
            .map(|ids| ids.len().min(self.max_tokens()))
            .collect();
        let offsets: Vec<usize> = lengths
            .iter()
            .scan(0, |next, &len| {
                let start = *next;
                *next += len;
                Some(start)
            })
            .collect();
        let rows: usize = lengths.iter().sum();
        let longest = lengths.iter().copied().max().unwrap_or(0);

        let mut x = vec![0f32; rows * h];
        for ((ids, &len), &offset) in sequences.iter().zip(&lengths).zip(&offsets) {
            for (position, &id) in ids[..len].iter().enumerate() {
                let id = (id as usize).min(self.config.vocab_size - 1);
                let row = &mut x[(offset + position) * h..(offset + position + 1) * h];
                let word = &self.word_embeddings[id * h..(id + 1) * h];
                let pos = &self.position_embeddings[position * h..(position + 1) * h];
                for (((value, w), p), ty) in row
                    .iter_mut()
                    .zip(word)
                    .zip(pos)
                    .zip(&self.token_type_embedding)
                {
                    *value = w + p + ty;
                }
            }
        }
        let eps = self.config.layer_norm_eps;
        layer_norm(&mut x, &self.embeddings_norm, eps);

        let heads = self.config.num_attention_heads;
        let head_size = h / heads;
        let scale = 1.0 / (head_size as f32).sqrt();
        let mut qkv = vec![0f32; rows * 3 * h];
        let mut scores = vec![0f32; longest * longest];
        let mut context = vec![0f32; rows * h];
        let mut projected = vec![0f32; rows * h];
        let mut intermediate = vec![0f32; rows * self.config.intermediate_size];
        for layer in &self.layers {
            layer.qkv.forward(&x, rows, &mut qkv);
            for (&t, &offset) in lengths.iter().zip(&offsets) {
                if t == 0 {
                    continue;
                }
                let base = offset * 3 * h;
                for head in 0..heads {
                    let q = base + head * head_size;
                    let k = base + h + head * head_size;
                    let v = base + 2 * h + head * head_size;
                    // scores = Q_h K_h^T * scale: [t, head_size] x [head_size, t].
                    // SAFETY: the strides describe sub-matrices inside the slices' bounds.
                    unsafe {
                        matrixmultiply::sgemm(
                            t,
                            head_size,
                            t,
                            scale,
                            qkv.as_ptr().add(q),
                            (3 * h) as isize,
                            1,
                            qkv.as_ptr().add(k),
                            1,
                            (3 * h) as isize,
                            0.0,
                            scores.as_mut_ptr(),
                            t as isize,
                            1,
                        );
                    }
                    for row in scores[..t * t].chunks_exact_mut(t) {
                        softmax(row);
                    }
                    // context_h = P V_h: [t, t] x [t, head_size].
                    // SAFETY: as above.
                    unsafe {
                        matrixmultiply::sgemm(
                            t,
                            t,
                            head_size,
                            1.0,
                            scores.as_ptr(),
                            t as isize,
                            1,
                            qkv.as_ptr().add(v),
                            (3 * h) as isize,
                            1,
                            0.0,
                            context.as_mut_ptr().add(offset * h + head * head_size),
                            h as isize,
                            1,
                        );
                    }
                }
            }
            layer.attention_out.forward(&context, rows, &mut projected);
            for (value, residual) in projected.iter_mut().zip(&x) {
                *value += residual;
            }
            layer_norm(&mut projected, &layer.attention_norm, eps);
            std::mem::swap(&mut x, &mut projected);

            layer.intermediate.forward(&x, rows, &mut intermediate);
            for value in &mut intermediate {
                *value = gelu(*value);
            }
            layer.output.forward(&intermediate, rows, &mut projected);
            for (value, residual) in projected.iter_mut().zip(&x) {
                *value += residual;
            }
            layer_norm(&mut projected, &layer.output_norm, eps);
            std::mem::swap(&mut x, &mut projected);
        }

        lengths
            .iter()
            .zip(&offsets)
            .map(|(&t, &offset)| {
                let mut pooled = vec![0f32; h];
                for row in x[offset * h..(offset + t) * h].chunks_exact(h) {
                    for (sum, value) in pooled.iter_mut().zip(row) {
                        *sum += value;
                    }
                }
                let norm = pooled.iter().map(|v| v * v).sum::<f32>().sqrt().max(1e-12);
                for value in &mut pooled {
                    *value /= norm;
                }
                pooled
            })
            .collect()
    }
}

impl Linear {
    /// `out[t, outputs] = input[t, inputs] W^T + b`.
    fn forward(&self, input: &[f32], rows: usize, out: &mut [f32]) {
        assert!(input.len() >= rows * self.inputs && out.len() >= rows * self.outputs);
        #[cfg(target_arch = "x86_64")]
        if self.inputs.is_multiple_of(8)
            && self.outputs.is_multiple_of(4)
            && is_x86_feature_detected!("avx2")
            && is_x86_feature_detected!("fma")
        {
            // SAFETY: the CPU has AVX2 and FMA (checked above); shapes are checked above and inside.
            unsafe { avx2::linear(self, input, rows, out) };
            return;
        }
        self.forward_gemm(input, rows, out);
    }

    /// The portable path: a general matrix product (which packs the weights on every call).
    fn forward_gemm(&self, input: &[f32], rows: usize, out: &mut [f32]) {
        for row in out.chunks_exact_mut(self.outputs).take(rows) {
            row.copy_from_slice(&self.bias);
        }
        // W is [outputs, inputs] row-major, so W^T is read with row stride 1, column stride inputs.
        // SAFETY: dimensions and strides match the slices' lengths, checked above.
        unsafe {
            matrixmultiply::sgemm(
                rows,
                self.inputs,
                self.outputs,
                1.0,
                input.as_ptr(),
                self.inputs as isize,
                1,
                self.weight.as_ptr(),
                1,
                self.inputs as isize,
                1.0,
                out.as_mut_ptr(),
                self.outputs as isize,
                1,
            );
        }
    }
}

/// A dense layer for a few rows (the tokens of one SMS) with AVX2 + FMA. A general matrix product
/// copies ("packs") the whole weight matrix on every call, which costs more than the arithmetic for
/// a short message; this kernel reads each weight row in place, once per pair of tokens, while the
/// rows of a block of 4 outputs stay in L1.
#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::Linear;
    use std::arch::x86_64::*;

    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn linear(layer: &Linear, input: &[f32], rows: usize, out: &mut [f32]) {
        let (k, n) = (layer.inputs, layer.outputs);
        assert!(k.is_multiple_of(8) && n.is_multiple_of(4));
        assert!(input.len() >= rows * k && out.len() >= rows * n);
        assert!(layer.weight.len() == n * k && layer.bias.len() == n);
        let w = layer.weight.as_ptr();
        let x = input.as_ptr();
        for o in (0..n).step_by(4) {
            // SAFETY: o + 3 < n and every offset below stays within the lengths asserted above.
            unsafe {
                let w0 = w.add(o * k);
                let w1 = w.add((o + 1) * k);
                let w2 = w.add((o + 2) * k);
                let w3 = w.add((o + 3) * k);
                let mut t = 0;
                while t + 2 <= rows {
                    let xa = x.add(t * k);
                    let xb = x.add((t + 1) * k);
                    let mut acc = [_mm256_setzero_ps(); 8];
                    let mut i = 0;
                    while i < k {
                        let va = _mm256_loadu_ps(xa.add(i));
                        let vb = _mm256_loadu_ps(xb.add(i));
                        let v0 = _mm256_loadu_ps(w0.add(i));
                        let v1 = _mm256_loadu_ps(w1.add(i));
                        let v2 = _mm256_loadu_ps(w2.add(i));
                        let v3 = _mm256_loadu_ps(w3.add(i));
                        acc[0] = _mm256_fmadd_ps(va, v0, acc[0]);
                        acc[1] = _mm256_fmadd_ps(va, v1, acc[1]);
                        acc[2] = _mm256_fmadd_ps(va, v2, acc[2]);
                        acc[3] = _mm256_fmadd_ps(va, v3, acc[3]);
                        acc[4] = _mm256_fmadd_ps(vb, v0, acc[4]);
                        acc[5] = _mm256_fmadd_ps(vb, v1, acc[5]);
                        acc[6] = _mm256_fmadd_ps(vb, v2, acc[6]);
                        acc[7] = _mm256_fmadd_ps(vb, v3, acc[7]);
                        i += 8;
                    }
                    for j in 0..4 {
                        out[t * n + o + j] = hsum(acc[j]) + layer.bias[o + j];
                        out[(t + 1) * n + o + j] = hsum(acc[4 + j]) + layer.bias[o + j];
                    }
                    t += 2;
                }
                if t < rows {
                    let xa = x.add(t * k);
                    let mut acc = [_mm256_setzero_ps(); 4];
                    let mut i = 0;
                    while i < k {
                        let va = _mm256_loadu_ps(xa.add(i));
                        acc[0] = _mm256_fmadd_ps(va, _mm256_loadu_ps(w0.add(i)), acc[0]);
                        acc[1] = _mm256_fmadd_ps(va, _mm256_loadu_ps(w1.add(i)), acc[1]);
                        acc[2] = _mm256_fmadd_ps(va, _mm256_loadu_ps(w2.add(i)), acc[2]);
                        acc[3] = _mm256_fmadd_ps(va, _mm256_loadu_ps(w3.add(i)), acc[3]);
                        i += 8;
                    }
                    for j in 0..4 {
                        out[t * n + o + j] = hsum(acc[j]) + layer.bias[o + j];
                    }
                }
            }
        }
    }

    #[target_feature(enable = "avx2,fma")]
    fn hsum(v: __m256) -> f32 {
        let s = _mm_add_ps(_mm256_extractf128_ps::<1>(v), _mm256_castps256_ps128(v));
        let s = _mm_add_ps(s, _mm_movehl_ps(s, s));
        let s = _mm_add_ss(s, _mm_shuffle_ps::<0b01>(s, s));
        _mm_cvtss_f32(s)
    }
}

fn layer_norm(x: &mut [f32], norm: &LayerNorm, eps: f32) {
    let h = norm.weight.len();
    for row in x.chunks_exact_mut(h) {
        let mean = row.iter().sum::<f32>() / h as f32;
        let variance = row.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / h as f32;
        let inv = 1.0 / (variance + eps).sqrt();
        for ((value, w), b) in row.iter_mut().zip(&norm.weight).zip(&norm.bias) {
            *value = (*value - mean) * inv * w + b;
        }
    }
}

fn softmax(row: &mut [f32]) {
    let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0;
    for value in row.iter_mut() {
        *value = (*value - max).exp();
        sum += *value;
    }
    for value in row.iter_mut() {
        *value /= sum;
    }
}

/// BERT's exact GELU: `x * Φ(x)`.
fn gelu(x: f32) -> f32 {
    0.5 * x * (1.0 + libm::erff(x * std::f32::consts::FRAC_1_SQRT_2))
}

fn tensor(tensors: &SafeTensors<'_>, name: &str, shape: &[usize]) -> Result<Vec<f32>, ModelError> {
    let view = tensors
        .tensor(name)
        .map_err(|_| ModelError::Invalid(format!("model.safetensors has no tensor {name}")))?;
    if view.dtype() != Dtype::F32 || view.shape() != shape {
        return Err(ModelError::Invalid(format!(
            "tensor {name} is {:?} {:?}, expected F32 {shape:?}",
            view.dtype(),
            view.shape()
        )));
    }
    Ok(view
        .data()
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gelu_matches_known_values() {
        assert!((gelu(0.0)).abs() < 1e-7);
        assert!((gelu(1.0) - 0.841_344_7).abs() < 1e-5);
        assert!((gelu(-1.0) + 0.158_655_3).abs() < 1e-5);
    }

    #[test]
    fn softmax_sums_to_one() {
        let mut row = [1.0, 2.0, 3.0, 1000.0];
        softmax(&mut row);
        assert!((row.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        assert!(row[3] > 0.99);
    }

    #[test]
    fn the_fast_path_agrees_with_the_general_product() {
        let (inputs, outputs) = (24, 12);
        let value = |i: usize| ((i * 7919 % 101) as f32 - 50.0) / 37.0;
        let linear = Linear {
            weight: (0..inputs * outputs).map(value).collect(),
            bias: (0..outputs).map(|i| value(i + 5)).collect(),
            inputs,
            outputs,
        };
        for rows in [1, 2, 3, 5] {
            let input: Vec<f32> = (0..rows * inputs).map(|i| value(i + 11)).collect();
            let mut fast = vec![0.0; rows * outputs];
            let mut general = vec![0.0; rows * outputs];
            linear.forward(&input, rows, &mut fast);
            linear.forward_gemm(&input, rows, &mut general);
            for (a, b) in fast.iter().zip(&general) {
                assert!((a - b).abs() < 1e-4, "{rows} rows: {a} vs {b}");
            }
        }
    }

    #[test]
    fn linear_computes_x_w_transpose_plus_b() {
        // W = [[1, 2], [3, 4], [5, 6]] (3 outputs, 2 inputs), b = [1, 0, -1].
        let linear = Linear {
            weight: vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
            bias: vec![1.0, 0.0, -1.0],
            inputs: 2,
            outputs: 3,
        };
        let mut out = vec![0.0; 6];
        linear.forward(&[1.0, 1.0, 2.0, 0.0], 2, &mut out);
        assert_eq!(out, [4.0, 7.0, 10.0, 3.0, 6.0, 9.0]);
    }
}

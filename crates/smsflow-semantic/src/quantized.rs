//! Dense layers run in integers, `out = act(input W^T + b)`: each weight is a small signed integer
//! (a "code") times its block's scale (blocks of 32 inputs of one output), each row of the input (a
//! token) is quantized to 8 bits with its own scale, and the products add up exactly in integers.
//!
//! Where the weights come from:
//! - multilingual-e5-small: the file's 4-bit blocks (Q4_0, codes -8..=7), as they are;
//! - all-MiniLM-L6-v2: its f32 weights, quantized at load to codes of at most [`MINILM_CODES`].
//!
//! The arithmetic, and why it is exact. An input row is quantized to `round(x / scale)` (-127..=127)
//! and shifted to unsigned bytes (`+ 128`, so 1..=255), as AVX2's `maddubs` wants them. `maddubs`
//! multiplies 32 unsigned bytes by 32 signed weight codes and adds neighbouring pairs into 16-bit
//! lanes, *saturating*; `madd` then multiplies 16-bit lanes by the blocks' integer scales and adds
//! pairs into 32 bits. Nothing saturates or overflows when the codes are bounded:
//! - one `maddubs` lane is at most `2 * 255 * bound` in size; adding `depth` of them in 16 bits
//!   before widening stays within ±32,767 when `2 * depth * 255 * bound <= 32,767`
//!   ([`depth_for`]: 8 for e5's 4-bit codes, so a whole block of 32 inputs adds up in 16 bits,
//!   1 for MiniLM's codes of up to 64);
//! - a row's total is at most `inputs * 255 * bound * steps` in size, where each block scale is an
//!   integer number of `steps` of its output's largest; `steps` is chosen so that this stays within
//!   an i32 for up to [`MAX_INPUTS`] inputs ([`steps_for`]).
//!
//! So the AVX2 kernel and the portable code compute the same integers (a test checks it), and the
//! float work after them (the shift taken back, the scales, the bias, GELU) is one shared function:
//! both give bit-identical outputs.
//!
//! The weights are packed at load for the AVX2 kernel: panels of [`PANEL`] outputs, in each panel
//! for every [`GROUP`] of 4 inputs one 32-byte vector holding each output's 4 codes side by side.
//! The kernel broadcasts 4 bytes of an input row to all 8 lanes and `maddubs` gives each output's
//! 4 products summed in pairs: no horizontal sums, and a tile of rows reuses each weight vector
//! from a register (e5's 4-bit layers: 3 rows by 2 panels, each broadcast used twice).

use std::cell::RefCell;

use crate::ModelError;
use crate::bert::lane_sum;
use crate::gemm::{Activation, Kernel, gelu};

/// Inputs per block of weights sharing one scale (as in the e5 file).
pub(crate) const BLOCK: usize = 32;
/// Outputs per panel: 8 lanes of 32 bits in a 256-bit register.
const PANEL: usize = 8;
/// Inputs per 32-bit lane of a packed weight vector.
const GROUP: usize = 4;
/// What the signed 8-bit activations are shifted by to make them unsigned.
const SHIFT: i32 = 128;
/// Largest unsigned activation.
const MAX_ACTIVATION: i64 = 255;
/// The most inputs a layer may have (the bound on a row's integer total is proved for these):
/// 1,536 is the feed-forward width of both models.
pub(crate) const MAX_INPUTS: usize = 1536;
/// The largest code all-MiniLM-L6-v2's weights are quantized to (-64..=64, per block of 32): the
/// most `maddubs` takes without saturating (`2 * 255 * 64 = 32,640`).
pub(crate) const MINILM_CODES: i32 = 64;
/// Rows quantized and multiplied at a time: a batch of example phrases (thousands of rows) then
/// needs no more than 300 KB of buffers per thread.
const CHUNK_ROWS: usize = 48;
/// Rows of the AVX2 kernel's tallest tile: 6 accumulators, 6 partial sums in 16 bits, a weight
/// vector, a broadcast input and the block scales fit in the 16 registers.
const TILE_ROWS: usize = 6;

/// How many `maddubs` results add up in 16 bits before they are widened: the most of 1, 2, 4 or 8
/// (a divisor of a block's 8 groups) with `2 * depth * 255 * bound <= 32,767`.
fn depth_for(bound: i32) -> usize {
    [8, 4, 2, 1]
        .into_iter()
        .find(|&depth| 2 * depth as i64 * MAX_ACTIVATION * i64::from(bound) <= i64::from(i16::MAX))
        .expect("codes are bounded by 64")
}

/// The integer steps an output's largest block scale is divided into: as many as keep a row's
/// total, `MAX_INPUTS * 255 * bound * steps`, within an i32 (685 for codes of 8, 85 for 64).
fn steps_for(bound: i32) -> i32 {
    (i64::from(i32::MAX) / (MAX_INPUTS as i64 * MAX_ACTIVATION * i64::from(bound))) as i32
}

/// A dense layer with integer weights (see the module's documentation).
pub(crate) struct QuantizedLinear {
    /// `[panels][inputs / GROUP][PANEL][GROUP]` codes; outputs past the last are zero.
    weights: Vec<i8>,
    /// `[panels][inputs / BLOCK][PANEL][2]`: each output's block scale in steps, in both 16-bit
    /// halves of its 32-bit lane, as `madd` reads them.
    steps: Vec<i16>,
    /// Per output, `SHIFT * sum over blocks of steps * sum of the block's codes`: what the shift of
    /// the activations adds to the total, taken back exactly.
    shift: Vec<i32>,
    /// Per output, what one step of its block scales is worth.
    unit: Vec<f32>,
    bias: Vec<f32>,
    inputs: usize,
    outputs: usize,
    /// `maddubs` results added in 16 bits before widening ([`depth_for`]).
    depth: usize,
}

/// The activations of one call, quantized: reused per thread, so a forward pass allocates nothing.
#[derive(Default)]
struct Quantized {
    /// `[rows, inputs]`, each `round(x / scale) + 128`.
    values: Vec<u8>,
    /// Per row, the scale.
    scales: Vec<f32>,
    /// `[rows, outputs rounded up to whole panels]`: the integer totals.
    sums: Vec<i32>,
    /// The activations left out of `values` (stored there as 0) because they are far larger than
    /// the rest of their row: (row, input, value), computed in f32.
    outliers: Vec<(usize, usize, f32)>,
}

/// An activation larger than this many times its row's root mean square is an outlier. BERT's
/// layer norms give a few tokens ([CLS], [SEP]) one or two channels 10-20 times the rest: an 8-bit
/// scale fitted to them would leave the rest of the row a handful of steps, and all-MiniLM-L6-v2's
/// embeddings would drift to cosine 0.98 of f32's (mean 0.9967 on the routing training texts;
/// with outliers set aside 0.9991). A lower limit sets many more aside for little gain (4: 0.9992,
/// with ten times as many), and each costs a column of f32 work.
const OUTLIER: f32 = 8.0;

thread_local! {
    static QUANTIZED: RefCell<Quantized> = RefCell::default();
}

impl QuantizedLinear {
    /// A layer from its weights' Q4_0 rows (`outputs` rows of `inputs / 32` blocks: an f16 scale,
    /// then 16 bytes holding weight j in the low half of byte j and weight j + 16 in the high half).
    pub fn from_q4(
        rows: &[u8],
        bias: Vec<f32>,
        inputs: usize,
        outputs: usize,
        f16_to_f32: fn(u16) -> f32,
    ) -> Result<QuantizedLinear, ModelError> {
        let blocks = inputs / BLOCK;
        if rows.len() != outputs * blocks * (2 + BLOCK / 2) {
            return Err(ModelError::Invalid(format!(
                "a 4-bit layer of {outputs} x {inputs} has {} bytes",
                rows.len()
            )));
        }
        let mut codes = vec![0i8; outputs * inputs];
        let mut scales = vec![0f32; outputs * blocks];
        for (index, block) in rows.chunks_exact(2 + BLOCK / 2).enumerate() {
            scales[index] = f16_to_f32(u16::from_le_bytes([block[0], block[1]]));
            let out = &mut codes[index * BLOCK..][..BLOCK];
            for (j, &byte) in block[2..].iter().enumerate() {
                out[j] = (byte & 0x0F) as i8 - 8;
                out[j + BLOCK / 2] = (byte >> 4) as i8 - 8;
            }
        }
        QuantizedLinear::from_blocks(&codes, &scales, 8, bias, inputs, outputs)
    }

    /// A layer from f32 weights stored as PyTorch does (`[outputs, inputs]` row-major), each block
    /// of 32 quantized symmetrically to codes of at most `bound` with its own scale.
    pub fn from_f32(
        weight: &[f32],
        bias: Vec<f32>,
        inputs: usize,
        outputs: usize,
        bound: i32,
    ) -> Result<QuantizedLinear, ModelError> {
        assert_eq!(weight.len(), outputs * inputs);
        if !inputs.is_multiple_of(BLOCK) {
            return Err(ModelError::Invalid(format!(
                "{inputs} inputs are not whole blocks of {BLOCK}"
            )));
        }
        let mut codes = vec![0i8; weight.len()];
        let mut scales = Vec::with_capacity(weight.len() / BLOCK);
        for (block, codes) in weight
            .chunks_exact(BLOCK)
            .zip(codes.chunks_exact_mut(BLOCK))
        {
            let largest = block.iter().fold(0f32, |m, w| m.max(w.abs()));
            let scale = largest / bound as f32;
            scales.push(scale);
            if scale > 0.0 {
                for (code, w) in codes.iter_mut().zip(block) {
                    *code = (w / scale).round().clamp(-bound as f32, bound as f32) as i8;
                }
            }
        }
        QuantizedLinear::from_blocks(&codes, &scales, bound, bias, inputs, outputs)
    }

    /// A layer from `[outputs, inputs]` codes in -`bound`..=`bound` and `[outputs, inputs / 32]`
    /// block scales.
    fn from_blocks(
        codes: &[i8],
        block_scales: &[f32],
        bound: i32,
        bias: Vec<f32>,
        inputs: usize,
        outputs: usize,
    ) -> Result<QuantizedLinear, ModelError> {
        if inputs > MAX_INPUTS || !inputs.is_multiple_of(BLOCK) {
            return Err(ModelError::Invalid(format!(
                "a layer of {inputs} inputs: smsflow runs whole blocks of {BLOCK}, up to {MAX_INPUTS}"
            )));
        }
        assert!(bias.len() == outputs && codes.len() == outputs * inputs);
        assert!(codes.iter().all(|&c| i32::from(c).abs() <= bound));
        let blocks = inputs / BLOCK;
        let panels = outputs.div_ceil(PANEL);
        let most_steps = steps_for(bound);
        let mut weights = vec![0i8; panels * PANEL * inputs];
        let mut steps = vec![0i16; panels * blocks * PANEL * 2];
        let mut shift = vec![0i32; outputs];
        let mut unit = vec![1f32; outputs];
        for output in 0..outputs {
            let (panel, lane) = (output / PANEL, output % PANEL);
            let row = &codes[output * inputs..][..inputs];
            for (group, four) in row.chunks_exact(GROUP).enumerate() {
                let at = ((panel * inputs / GROUP + group) * PANEL + lane) * GROUP;
                weights[at..at + GROUP].copy_from_slice(four);
            }
            let scales = &block_scales[output * blocks..][..blocks];
            let largest = scales.iter().fold(0f32, |m, s| m.max(s.abs()));
            if largest > 0.0 {
                unit[output] = largest / most_steps as f32;
            }
            for (block, &scale) in scales.iter().enumerate() {
                let count = (scale / unit[output]).round() as i16;
                let at = ((panel * blocks + block) * PANEL + lane) * 2;
                steps[at..at + 2].fill(count);
                let sum: i32 = row[block * BLOCK..][..BLOCK]
                    .iter()
                    .map(|&c| i32::from(c))
                    .sum();
                shift[output] += SHIFT * i32::from(count) * sum;
            }
        }
        Ok(QuantizedLinear {
            weights,
            steps,
            shift,
            unit,
            bias,
            inputs,
            outputs,
            depth: depth_for(bound),
        })
    }

    /// `out[rows, outputs] = activation(input[rows, inputs] W^T + b)`.
    pub fn forward(
        &self,
        kernel: Kernel,
        input: &[f32],
        rows: usize,
        out: &mut [f32],
        activation: Activation,
    ) {
        let (inputs, outputs) = (self.inputs, self.outputs);
        assert!(input.len() >= rows * inputs && out.len() >= rows * outputs);
        if rows == 0 {
            return;
        }
        QUANTIZED.with_borrow_mut(|quantized| {
            for first in (0..rows).step_by(CHUNK_ROWS) {
                let chunk = CHUNK_ROWS.min(rows - first);
                self.forward_chunk(
                    kernel,
                    &input[first * inputs..(first + chunk) * inputs],
                    &mut out[first * outputs..(first + chunk) * outputs],
                    activation,
                    quantized,
                );
            }
        });
    }

    /// [`QuantizedLinear::forward`] for at most [`CHUNK_ROWS`] rows.
    fn forward_chunk(
        &self,
        kernel: Kernel,
        input: &[f32],
        out: &mut [f32],
        activation: Activation,
        quantized: &mut Quantized,
    ) {
        // Any kernel but the portable one runs the AVX2 code here (there is no AVX-512 integer
        // kernel), on the CPUs that [`Kernel::Avx2`] names: the same test that makes e5 the
        // default model (`install::default_model`).
        #[cfg(target_arch = "x86_64")]
        if kernel != Kernel::Portable && Kernel::Avx2.is_supported() {
            // SAFETY: the CPU has AVX2 (checked just above).
            unsafe { self.chunk_avx2(input, out, activation, quantized) };
            return;
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = kernel;
        self.chunk(false, input, out, activation, quantized);
    }

    /// [`QuantizedLinear::chunk`] with the AVX2 kernel, its float work (quantizing the rows, the
    /// epilogue, GELU) compiled for AVX2 too: 8 lanes instead of SSE2's 4, the same operations in
    /// the same order, so the results are the portable code's to the bit.
    ///
    /// # Safety
    /// The CPU must support AVX2.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn chunk_avx2(
        &self,
        input: &[f32],
        out: &mut [f32],
        activation: Activation,
        quantized: &mut Quantized,
    ) {
        self.chunk(true, input, out, activation, quantized);
    }

    /// The integer products of the chunk's rows (by the AVX2 kernel if `avx2`), then the float
    /// work that turns them into outputs.
    #[inline(always)]
    fn chunk(
        &self,
        avx2: bool,
        input: &[f32],
        out: &mut [f32],
        activation: Activation,
        quantized: &mut Quantized,
    ) {
        let (inputs, outputs) = (self.inputs, self.outputs);
        let rows = input.len() / inputs;
        let stride = outputs.next_multiple_of(PANEL);
        quantize(input, inputs, quantized);
        let Quantized {
            values,
            scales,
            outliers,
            sums,
        } = quantized;
        // Grown, never shrunk: the layers take turns at 384, 1,152 and 1,536 outputs, and growing
        // back would write zeros over totals that the tiles then overwrite anyway.
        if sums.len() < rows * stride {
            sums.resize(rows * stride, 0);
        }
        // The AVX2 kernel runs 4-bit layers in tiles of 3 rows by 2 panels (see
        // `avx2::three_rows_two_panels`), anything else in tiles of up to 6 rows by 1 panel.
        #[cfg(target_arch = "x86_64")]
        let pairs = avx2 && self.depth == avx2::PAIRED_DEPTH;
        #[cfg(not(target_arch = "x86_64"))]
        let pairs = false;
        let (tile_rows, tile_panels) = if pairs { (3, 2) } else { (TILE_ROWS, 1) };
        let (tiles, all_panels) = (rows.div_ceil(tile_rows), stride / PANEL);
        for panel in (0..all_panels).step_by(tile_panels) {
            let panels = tile_panels.min(all_panels - panel);
            #[cfg(target_arch = "x86_64")]
            let ahead = match pairs {
                true => avx2::Ahead::new(self, panel + panels, tiles),
                false => avx2::Ahead::default(),
            };
            // Tiles of even height (35 rows: 5, 6, 6, 6, 6, 6).
            let mut start = 0;
            for tile in 0..tiles {
                let height = (rows - start) / (tiles - tile);
                let x = &values[start * inputs..(start + height) * inputs];
                let sums = &mut sums[start * stride + panel * PANEL..];
                if avx2 {
                    // SAFETY: the CPU has AVX2 (the caller checked).
                    #[cfg(target_arch = "x86_64")]
                    unsafe {
                        let ahead = ahead.share(tile);
                        avx2::tile(self, x, height, panel..panel + panels, sums, stride, ahead)
                    };
                } else {
                    self.tile_portable(x, height, panel, sums, stride);
                }
                start += height;
            }
        }
        // Row by row, while the row is in the L1 cache: the outliers' share in f32 (the first
        // column's products are written over the row, as if added to zeros, so nothing is cleared
        // first), then the rest: the shift taken back, times the output's step and the row's
        // scale, plus the bias. One loop per step, so that each vectorizes; the same for every
        // kernel, so they agree to the bit.
        let mut outliers = outliers.as_slice();
        for (row, ((out, sums), &row_scale)) in out
            .chunks_exact_mut(outputs)
            .zip(sums.chunks_exact(stride))
            .zip(scales.iter())
            .enumerate()
        {
            // Listed row by row (see `quantize`).
            let own = outliers.iter().take_while(|&&(r, ..)| r == row).count();
            let (own, rest) = outliers.split_at(own);
            outliers = rest;
            for (index, &(_, input, value)) in own.iter().enumerate() {
                let fresh = index == 0;
                if avx2 {
                    // SAFETY: the CPU has AVX2 (the caller checked).
                    #[cfg(target_arch = "x86_64")]
                    unsafe {
                        avx2::add_column(self, input, value, out, fresh)
                    };
                } else {
                    if fresh {
                        out.fill(0.0);
                    }
                    for (panel, out) in out.chunks_mut(PANEL).enumerate() {
                        self.add_column(panel, input, value, out);
                    }
                }
            }
            let terms = out
                .iter_mut()
                .zip(sums)
                .zip(&self.shift)
                .zip(&self.unit)
                .zip(&self.bias);
            if own.is_empty() {
                // `0.0 + y` is `y` here: `y` is never -0.0 (the product's factors are positive
                // but for the integer, which converts to +0.0 at most).
                for ((((o, &sum), &shift), &unit), &bias) in terms {
                    *o = (sum - shift) as f32 * unit * row_scale + bias;
                }
            } else {
                for ((((o, &sum), &shift), &unit), &bias) in terms {
                    *o += (sum - shift) as f32 * unit * row_scale + bias;
                }
            }
            if activation == Activation::Gelu {
                // 4 vectors at a time: GELU's polynomials are chains of dependent steps and a
                // division, which one vector at a time leaves the pipes waiting on (with the
                // outlier search's 32 values, this float work went from 14.5% to 13.8% of e5's
                // time).
                let mut chunks = out.chunks_exact_mut(32);
                for chunk in chunks.by_ref() {
                    for o in chunk {
                        *o = gelu(*o);
                    }
                }
                for o in chunks.into_remainder() {
                    *o = gelu(*o);
                }
            }
        }
    }

    /// Adds `value` times the weights of `input` (as the integers stand for them) to the outputs
    /// `out` of `panel`.
    fn add_column(&self, panel: usize, input: usize, value: f32, out: &mut [f32]) {
        let blocks = self.inputs / BLOCK;
        let group = self.inputs / GROUP;
        let codes = self.weights[((panel * group + input / GROUP) * PANEL) * GROUP..]
            .iter()
            .skip(input % GROUP)
            .step_by(GROUP);
        let steps = self.steps[(panel * blocks + input / BLOCK) * PANEL * 2..]
            .iter()
            .step_by(2);
        let units = &self.unit[panel * PANEL..];
        for (((o, &code), &steps), &unit) in out.iter_mut().zip(codes).zip(steps).zip(units) {
            *o += value * ((i32::from(code) * i32::from(steps)) as f32 * unit);
        }
    }

    /// The integer totals of `height` rows of `x` with the panel's outputs, in plain Rust: the
    /// same integers as the AVX2 kernel's, for CPUs without AVX2 and to check that kernel against.
    fn tile_portable(
        &self,
        x: &[u8],
        height: usize,
        panel: usize,
        sums: &mut [i32],
        stride: usize,
    ) {
        let inputs = self.inputs;
        let blocks = inputs / BLOCK;
        let weights = &self.weights[panel * PANEL * inputs..][..PANEL * inputs];
        let steps = &self.steps[panel * blocks * PANEL * 2..][..blocks * PANEL * 2];
        for (row, sums) in x
            .chunks_exact(inputs)
            .take(height)
            .zip(sums.chunks_mut(stride))
        {
            let sums = &mut sums[..PANEL];
            sums.fill(0);
            for (block, (x, weights)) in row
                .chunks_exact(BLOCK)
                .zip(weights.chunks_exact(BLOCK * PANEL))
                .enumerate()
            {
                let mut dots = [0i32; PANEL];
                for (x, weights) in x
                    .chunks_exact(GROUP)
                    .zip(weights.chunks_exact(GROUP * PANEL))
                {
                    for (dot, codes) in dots.iter_mut().zip(weights.chunks_exact(GROUP)) {
                        *dot += x
                            .iter()
                            .zip(codes)
                            .map(|(&x, &c)| i32::from(x) * i32::from(c))
                            .sum::<i32>();
                    }
                }
                for (lane, (sum, dot)) in sums.iter_mut().zip(dots).enumerate() {
                    *sum += dot * i32::from(steps[(block * PANEL + lane) * 2]);
                }
            }
        }
    }
}

/// Quantizes each row of `input` (`inputs` long) to 8 bits with its own scale,
/// shifted by 128, but for its outliers ([`OUTLIER`]), which are set aside. Written so that every
/// loop vectorizes: largest values kept per lane (exact, so in any order), outliers looked for only
/// in the rare row that has one, the rounding clamped before the conversion.
#[inline(always)]
fn quantize(input: &[f32], inputs: usize, quantized: &mut Quantized) {
    let rows = input.len() / inputs;
    quantized.values.resize(input.len(), 0);
    quantized.scales.resize(rows, 0.0);
    quantized.outliers.clear();
    for (index, ((row, values), scale)) in input
        .chunks_exact(inputs)
        .zip(quantized.values.chunks_exact_mut(inputs))
        .zip(quantized.scales.iter_mut())
        .enumerate()
    {
        let limit = OUTLIER * (lane_sum(row, |x| x * x) / inputs as f32).sqrt();
        // Per lane: the largest magnitude, and the largest that is not an outlier.
        let (mut any, mut kept) = ([0f32; 8], [0f32; 8]);
        let mut track = |chunk: &[f32]| {
            for ((any, kept), &x) in any.iter_mut().zip(kept.iter_mut()).zip(chunk) {
                let magnitude = x.abs();
                *any = if magnitude > *any { magnitude } else { *any };
                let magnitude = if magnitude > limit { 0.0 } else { magnitude };
                *kept = if magnitude > *kept { magnitude } else { *kept };
            }
        };
        let chunks = row.chunks_exact(8);
        let rest = chunks.remainder();
        for chunk in chunks {
            track(chunk);
        }
        track(rest);
        if any.iter().any(|&m| m > limit) {
            // Most rows of e5 have one or two: look in the 32 values around each (one test per 4
            // vectors: a test and branch per vector cost as much as the comparisons).
            for (at, chunk) in row.chunks(32).enumerate() {
                if chunk.iter().fold(false, |hit, x| hit | (x.abs() > limit)) {
                    for (input, &x) in chunk.iter().enumerate() {
                        if x.abs() > limit {
                            quantized.outliers.push((index, at * 32 + input, x));
                        }
                    }
                }
            }
        }
        let largest = kept.into_iter().fold(0f32, f32::max);
        *scale = if largest > 0.0 { largest / 127.0 } else { 1.0 };
        let inverse = 1.0 / *scale;
        for (value, x) in values.iter_mut().zip(row) {
            // Round half away from zero; the largest lands on 127 (or just below, if rounding
            // 1/scale errs), outliers are clamped (and replaced below).
            let scaled = x * inverse;
            let rounded = scaled + 0.5f32.copysign(scaled);
            let rounded = if rounded > -127.0 { rounded } else { -127.0 };
            let rounded = if rounded < 127.0 { rounded } else { 127.0 };
            // SAFETY: `rounded` is within -127..=127 (a NaN became -127 above).
            *value = unsafe { rounded.to_int_unchecked::<i32>() } as u8 ^ 0x80;
        }
    }
    for &(row, input, _) in &quantized.outliers {
        quantized.values[row * inputs + input] = 0x80;
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::asm;
    use std::arch::x86_64::*;
    use std::ops::Range;

    use super::{BLOCK, GROUP, PANEL, QuantizedLinear};

    /// The depth [`three_rows_two_panels`] is written for: 4-bit codes, a block's 8 groups added up
    /// in 16 bits.
    pub(super) const PAIRED_DEPTH: usize = 8;

    /// Cache lines to fetch ahead of their turn: a share of the next panel pair's codes and steps.
    /// e5's codes (14 MB for 8 layers) come from memory once per chunk, a panel pair at a time,
    /// each too short a stream for the hardware prefetcher to run ahead of the pair's first tile,
    /// which waited on them. Fetched a share per tile of the pair before, a line per block (the
    /// lines asked for at once made the prefetches wait for each other), they are in the cache
    /// when their turn comes (docs/benchmarks.md, session 13).
    #[derive(Clone, Copy, Default)]
    pub(super) struct Ahead<'a> {
        codes: &'a [i8],
        steps: &'a [i16],
        /// Codes and steps per share, in whole lines.
        codes_each: usize,
        steps_each: usize,
    }

    const LINE: usize = 64;

    impl<'a> Ahead<'a> {
        /// The codes and steps of the 2 panels from `panel` (as many as the layer has), in
        /// `shares` shares.
        pub(super) fn new(layer: &'a QuantizedLinear, panel: usize, shares: usize) -> Ahead<'a> {
            let (inputs, blocks) = (layer.inputs, layer.inputs / BLOCK);
            let panels = 2.min((layer.weights.len() / (PANEL * inputs)).saturating_sub(panel));
            let codes = &layer.weights[panel * PANEL * inputs..][..panels * PANEL * inputs];
            let steps = &layer.steps[panel * blocks * PANEL * 2..][..panels * blocks * PANEL * 2];
            fn each<T>(all: &[T], shares: usize) -> usize {
                let per_line = LINE / size_of::<T>();
                all.len().div_ceil(per_line).div_ceil(shares) * per_line
            }
            Ahead {
                codes,
                steps,
                codes_each: each(codes, shares),
                steps_each: each(steps, shares),
            }
        }

        /// Share `share`: computed per tile, so without divisions.
        pub(super) fn share(&self, share: usize) -> Ahead<'a> {
            fn part<T>(all: &[T], share: usize, each: usize) -> &[T] {
                let start = (share * each).min(all.len());
                &all[start..(start + each).min(all.len())]
            }
            Ahead {
                codes: part(self.codes, share, self.codes_each),
                steps: part(self.steps, share, self.steps_each),
                ..*self
            }
        }

        fn lines(&self) -> usize {
            size_of_val(self.codes).div_ceil(LINE) + size_of_val(self.steps).div_ceil(LINE)
        }

        /// Asks for line `line` of the share (codes, then steps), if it has one.
        fn fetch(&self, line: usize) {
            let code_lines = size_of_val(self.codes).div_ceil(LINE);
            let at = if line < code_lines {
                self.codes.as_ptr().wrapping_add(line * LINE)
            } else if line < self.lines() {
                self.steps
                    .as_ptr()
                    .cast::<i8>()
                    .wrapping_add((line - code_lines) * LINE)
            } else {
                return;
            };
            // SAFETY: a prefetch reads nothing (and `at` is within the share).
            unsafe { _mm_prefetch::<_MM_HINT_T0>(at) };
        }
    }

    /// The integer totals of `height` rows of `x` with the outputs of `panels`, while `ahead` is
    /// fetched.
    ///
    /// # Safety
    /// The CPU must support AVX2.
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn tile(
        layer: &QuantizedLinear,
        x: &[u8],
        height: usize,
        panels: Range<usize>,
        sums: &mut [i32],
        stride: usize,
        ahead: Ahead,
    ) {
        let inputs = layer.inputs;
        let blocks = inputs / BLOCK;
        let (panel, panels) = (panels.start, panels.len());
        assert!(
            x.len() >= height * inputs
                && sums.len() >= (height - 1) * stride + panels * PANEL
                && (panel + panels) * PANEL * inputs <= layer.weights.len()
                && (panel + panels) * blocks * PANEL * 2 <= layer.steps.len()
        );
        let (x, sums) = (x.as_ptr(), sums.as_mut_ptr());
        if panels == 2 && height == 3 && layer.depth == PAIRED_DEPTH {
            // SAFETY: `x` holds 3 rows of `inputs`, the two panels' codes and steps are in
            // bounds and `sums` has room for 3 rows of 2 panels (asserted above); the CPU has AVX2.
            unsafe {
                three_rows_two_panels(
                    x,
                    inputs,
                    layer.weights.as_ptr().add(panel * PANEL * inputs),
                    layer.steps.as_ptr().add(panel * blocks * PANEL * 2),
                    sums,
                    stride,
                    ahead,
                )
            };
            return;
        }
        for line in 0..ahead.lines() {
            ahead.fetch(line);
        }
        for next in 0..panels {
            // SAFETY: as above, for one panel at a time.
            let (w, s, sums) = unsafe {
                (
                    layer.weights.as_ptr().add((panel + next) * PANEL * inputs),
                    layer
                        .steps
                        .as_ptr()
                        .add((panel + next) * blocks * PANEL * 2),
                    sums.add(next * PANEL),
                )
            };
            macro_rules! by_height {
                ($depth:literal) => {
                    match height {
                        // SAFETY: `x` holds `height` rows of `inputs`, `w` and `s` the panel's
                        // codes and steps for `blocks` blocks; the CPU has AVX2.
                        1 => unsafe { rows::<1, $depth>(x, inputs, w, s, blocks, sums, stride) },
                        2 => unsafe { rows::<2, $depth>(x, inputs, w, s, blocks, sums, stride) },
                        3 => unsafe { rows::<3, $depth>(x, inputs, w, s, blocks, sums, stride) },
                        4 => unsafe { rows::<4, $depth>(x, inputs, w, s, blocks, sums, stride) },
                        5 => unsafe { rows::<5, $depth>(x, inputs, w, s, blocks, sums, stride) },
                        6 => unsafe { rows::<6, $depth>(x, inputs, w, s, blocks, sums, stride) },
                        other => unreachable!("a tile of {other} rows"),
                    }
                };
            }
            match layer.depth {
                1 => by_height!(1),
                2 => by_height!(2),
                4 => by_height!(4),
                8 => by_height!(8),
                other => unreachable!("a depth of {other}"),
            }
        }
    }

    /// [`QuantizedLinear::add_column`] for every panel, 8 outputs at a time: the same operations in
    /// the same order. `fresh`: `out` is taken as zeros (the row's first outlier).
    ///
    /// # Safety
    /// The CPU must support AVX2.
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn add_column(
        layer: &QuantizedLinear,
        input: usize,
        value: f32,
        out: &mut [f32],
        fresh: bool,
    ) {
        let blocks = layer.inputs / BLOCK;
        let groups = layer.inputs / GROUP;
        // Moves the input's code to the top byte of each 32-bit lane (holding 4 inputs' codes),
        // and a step to the top half of its lane, for the arithmetic shifts to sign-extend.
        let code_shift = _mm_cvtsi32_si128((8 * (GROUP - 1 - input % GROUP)) as i32);
        let last = out.len() / PANEL;
        let broadcast = _mm256_set1_ps(value);
        let mut panels = out.chunks_exact_mut(PANEL);
        for (panel, out) in panels.by_ref().enumerate() {
            // SAFETY: the panel's group of codes, its block's steps and its 8 units are in bounds
            // (asserted by the slicing).
            unsafe {
                let codes = &layer.weights[(panel * groups + input / GROUP) * PANEL * GROUP..]
                    [..PANEL * GROUP];
                let steps =
                    &layer.steps[(panel * blocks + input / BLOCK) * PANEL * 2..][..PANEL * 2];
                let units = &layer.unit[panel * PANEL..][..PANEL];
                let codes = _mm256_loadu_si256(codes.as_ptr().cast());
                let codes = _mm256_srai_epi32(_mm256_sll_epi32(codes, code_shift), 24);
                let steps = _mm256_loadu_si256(steps.as_ptr().cast());
                let steps = _mm256_srai_epi32(_mm256_slli_epi32(steps, 16), 16);
                let weights = _mm256_mul_ps(
                    _mm256_cvtepi32_ps(_mm256_mullo_epi32(codes, steps)),
                    _mm256_loadu_ps(units.as_ptr()),
                );
                let before = if fresh {
                    _mm256_setzero_ps()
                } else {
                    _mm256_loadu_ps(out.as_ptr())
                };
                let sum = _mm256_add_ps(before, _mm256_mul_ps(broadcast, weights));
                _mm256_storeu_ps(out.as_mut_ptr(), sum);
            }
        }
        let rest = panels.into_remainder();
        if !rest.is_empty() {
            if fresh {
                rest.fill(0.0);
            }
            layer.add_column(last, input, value, rest);
        }
    }

    /// `R` rows, adding `D` `maddubs` results in 16 bits before widening them (see the module's
    /// documentation for why that cannot saturate).
    ///
    /// # Safety
    /// `x` must hold `R` rows of `inputs` bytes, `w` a panel's codes and `s` its steps for `blocks`
    /// blocks of `inputs`, `sums` `R` rows of `stride` (the last at least `PANEL`); the CPU must
    /// support AVX2.
    #[target_feature(enable = "avx2")]
    unsafe fn rows<const R: usize, const D: usize>(
        x: *const u8,
        inputs: usize,
        w: *const i8,
        s: *const i16,
        blocks: usize,
        sums: *mut i32,
        stride: usize,
    ) {
        const GROUPS: usize = BLOCK / GROUP;
        let mut acc = [_mm256_setzero_si256(); R];
        for block in 0..blocks {
            // SAFETY (the whole block): every offset is within the block's codes, steps and inputs.
            unsafe {
                let steps = _mm256_loadu_si256(s.add(block * PANEL * 2).cast());
                for chunk in 0..GROUPS / D {
                    let mut partial = [_mm256_setzero_si256(); R];
                    for d in 0..D {
                        let group = block * GROUPS + chunk * D + d;
                        let codes = _mm256_loadu_si256(w.add(group * GROUP * PANEL).cast());
                        for (r, partial) in partial.iter_mut().enumerate() {
                            let four = x.add(r * inputs + group * GROUP).cast::<i32>();
                            let xs = _mm256_set1_epi32(four.read_unaligned());
                            let products = _mm256_maddubs_epi16(xs, codes);
                            *partial = if d == 0 {
                                products
                            } else {
                                _mm256_add_epi16(*partial, products)
                            };
                        }
                    }
                    for (acc, partial) in acc.iter_mut().zip(partial) {
                        *acc = _mm256_add_epi32(*acc, _mm256_madd_epi16(partial, steps));
                    }
                }
            }
        }
        for (r, acc) in acc.into_iter().enumerate() {
            // SAFETY: row `r` of `sums` has room for the panel's 8 i32s.
            unsafe { _mm256_storeu_si256(sums.add(r * stride).cast(), acc) };
        }
    }

    /// One group of 4 inputs in [`three_rows_two_panels`]: the two panels' codes (a group is 32
    /// bytes of each), then for each row its 4 inputs broadcast and multiplied by both; the first
    /// group's products are the partial sums, a later group's are added to them.
    macro_rules! group {
        (first) => {
            concat!(
                "vmovdqu ymm12, [{w0}]\n",
                "vmovdqu ymm13, [{w1}]\n",
                "vpbroadcastd ymm14, [{x}]\n",
                "vpmaddubsw ymm0, ymm14, ymm12\n",
                "vpmaddubsw ymm1, ymm14, ymm13\n",
                "vpbroadcastd ymm14, [{x} + {n}]\n",
                "vpmaddubsw ymm2, ymm14, ymm12\n",
                "vpmaddubsw ymm3, ymm14, ymm13\n",
                "vpbroadcastd ymm14, [{x} + 2 * {n}]\n",
                "vpmaddubsw ymm4, ymm14, ymm12\n",
                "vpmaddubsw ymm5, ymm14, ymm13\n",
            )
        };
        ($group:literal) => {
            concat!(
                "vmovdqu ymm12, [{w0} + 32 * ",
                $group,
                "]\n",
                "vmovdqu ymm13, [{w1} + 32 * ",
                $group,
                "]\n",
                "vpbroadcastd ymm14, [{x} + 4 * ",
                $group,
                "]\n",
                "vpmaddubsw ymm15, ymm14, ymm12\n",
                "vpaddw ymm0, ymm0, ymm15\n",
                "vpmaddubsw ymm15, ymm14, ymm13\n",
                "vpaddw ymm1, ymm1, ymm15\n",
                "vpbroadcastd ymm14, [{x} + {n} + 4 * ",
                $group,
                "]\n",
                "vpmaddubsw ymm15, ymm14, ymm12\n",
                "vpaddw ymm2, ymm2, ymm15\n",
                "vpmaddubsw ymm15, ymm14, ymm13\n",
                "vpaddw ymm3, ymm3, ymm15\n",
                "vpbroadcastd ymm14, [{x} + 2 * {n} + 4 * ",
                $group,
                "]\n",
                "vpmaddubsw ymm15, ymm14, ymm12\n",
                "vpaddw ymm4, ymm4, ymm15\n",
                "vpmaddubsw ymm15, ymm14, ymm13\n",
                "vpaddw ymm5, ymm5, ymm15\n",
            )
        };
    }

    /// The integer totals of 3 rows with 2 panels' outputs, for 4-bit codes (a block's 8 groups add
    /// up in 16 bits, [`PAIRED_DEPTH`]). Per group of 4 inputs, 3 broadcasts and 2 code vectors
    /// feed 6 `maddubs`, where [`rows`]' 6 rows by 1 panel need 6 broadcasts: on Zen 3 the
    /// broadcasts compete with the adds for the vector pipes. In assembly because from the same
    /// intrinsics the compiler loads a whole block's inputs early and spills the sums to the stack,
    /// which made 3 by 2 slower than 6 by 1 rather than 7% faster (docs/benchmarks.md, session 13).
    /// Registers: ymm0-5 the partial sums (row, panel) in 16 bits, ymm6-11 the totals, ymm12-13
    /// the panels' codes, ymm14 a broadcast group of inputs, ymm15 a product.
    ///
    /// # Safety
    /// `x` must hold 3 rows of `inputs` bytes, `w` two panels' codes and `s` their steps for the
    /// blocks of `inputs`, `sums` 3 rows of `stride` (the last at least 2 panels); the
    /// CPU must support AVX2.
    #[target_feature(enable = "avx2")]
    unsafe fn three_rows_two_panels(
        x: *const u8,
        inputs: usize,
        w: *const i8,
        s: *const i16,
        sums: *mut i32,
        stride: usize,
        ahead: Ahead,
    ) {
        let blocks = inputs / BLOCK;
        let mut totals = [_mm256_setzero_si256(); 6];
        let [t0, t1, t2, t3, t4, t5] = &mut totals;
        for line in blocks..ahead.lines() {
            ahead.fetch(line);
        }
        for block in 0..blocks {
            ahead.fetch(block);
            // SAFETY: every address is within the block's inputs of the 3 rows, and the block's
            // codes and steps of the 2 panels.
            unsafe {
                asm!(
                    group!(first),
                    group!(1),
                    group!(2),
                    group!(3),
                    group!(4),
                    group!(5),
                    group!(6),
                    group!(7),
                    // Widened by the block's steps, as `madd` reads them, into the totals.
                    "vpmaddwd ymm0, ymm0, [{s0}]",
                    "vpaddd ymm6, ymm6, ymm0",
                    "vpmaddwd ymm1, ymm1, [{s1}]",
                    "vpaddd ymm7, ymm7, ymm1",
                    "vpmaddwd ymm2, ymm2, [{s0}]",
                    "vpaddd ymm8, ymm8, ymm2",
                    "vpmaddwd ymm3, ymm3, [{s1}]",
                    "vpaddd ymm9, ymm9, ymm3",
                    "vpmaddwd ymm4, ymm4, [{s0}]",
                    "vpaddd ymm10, ymm10, ymm4",
                    "vpmaddwd ymm5, ymm5, [{s1}]",
                    "vpaddd ymm11, ymm11, ymm5",
                    x = in(reg) x.add(block * BLOCK),
                    n = in(reg) inputs,
                    w0 = in(reg) w.add(block * BLOCK * PANEL),
                    w1 = in(reg) w.add((inputs + block * BLOCK) * PANEL),
                    s0 = in(reg) s.add(block * PANEL * 2),
                    s1 = in(reg) s.add((blocks + block) * PANEL * 2),
                    out("ymm0") _,
                    out("ymm1") _,
                    out("ymm2") _,
                    out("ymm3") _,
                    out("ymm4") _,
                    out("ymm5") _,
                    inout("ymm6") *t0,
                    inout("ymm7") *t1,
                    inout("ymm8") *t2,
                    inout("ymm9") *t3,
                    inout("ymm10") *t4,
                    inout("ymm11") *t5,
                    out("ymm12") _,
                    out("ymm13") _,
                    out("ymm14") _,
                    out("ymm15") _,
                    options(nostack, readonly, preserves_flags),
                );
            }
        }
        for (at, total) in totals.into_iter().enumerate() {
            let (row, panel) = (at / 2, at % 2);
            // SAFETY: row `row` of `sums` has room for both panels' 8 i32s.
            unsafe { _mm256_storeu_si256(sums.add(row * stride + panel * PANEL).cast(), total) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deterministic stream of numbers in [-1, 1).
    fn numbers(seed: u64, n: usize) -> Vec<f32> {
        let mut state = seed;
        (0..n)
            .map(|_| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((state >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
            })
            .collect()
    }

    /// Q4_0 rows of random weights (scales as f16 bits of powers of two, so exact), and the weights.
    fn q4_layer(inputs: usize, outputs: usize) -> (Vec<u8>, Vec<f32>) {
        let mut bytes = Vec::new();
        let mut dense = vec![0f32; inputs * outputs];
        let nibbles = numbers(7, inputs * outputs);
        for (block, values) in nibbles.chunks_exact(BLOCK).enumerate() {
            // f16 0x2C00 = 2^-4, 0x3000 = 2^-3.
            let (bits, scale) = if block % 2 == 0 {
                (0x2C00u16, 0.0625)
            } else {
                (0x3000, 0.125)
            };
            bytes.extend(bits.to_le_bytes());
            let nibble = |v: f32| ((v + 1.0) * 8.0) as u8 & 0x0F;
            for j in 0..BLOCK / 2 {
                let (lo, hi) = (nibble(values[j]), nibble(values[j + BLOCK / 2]));
                bytes.push(lo | (hi << 4));
                dense[block * BLOCK + j] = (lo as f32 - 8.0) * scale;
                dense[block * BLOCK + j + BLOCK / 2] = (hi as f32 - 8.0) * scale;
            }
        }
        (bytes, dense)
    }

    fn half(bits: u16) -> f32 {
        match bits {
            0x2C00 => 0.0625,
            0x3000 => 0.125,
            _ => unreachable!(),
        }
    }

    /// `input W^T + b` in f32.
    fn reference(dense: &[f32], bias: &[f32], input: &[f32], inputs: usize) -> Vec<f32> {
        let mut expected = Vec::new();
        for row in input.chunks_exact(inputs) {
            for (w, b) in dense.chunks_exact(inputs).zip(bias) {
                expected.push(row.iter().zip(w).map(|(x, w)| x * w).sum::<f32>() + b);
            }
        }
        expected
    }

    /// Runs `layer` with every kernel this CPU has: each close to `expected`, all identical.
    fn check_kernels(
        layer: &QuantizedLinear,
        input: &[f32],
        rows: usize,
        expected: &[f32],
        tolerance: f32,
    ) {
        let outputs = layer.outputs;
        let mut results = Vec::new();
        for kernel in Kernel::ALL.into_iter().filter(|k| k.is_supported()) {
            let mut out = vec![0f32; rows * outputs];
            layer.forward(kernel, input, rows, &mut out, Activation::Identity);
            for (got, want) in out.iter().zip(expected) {
                assert!((got - want).abs() < tolerance, "{kernel}: {got} vs {want}");
            }
            results.push((kernel, out));
        }
        let (_, portable) = results.last().expect("the portable kernel runs everywhere");
        for (kernel, out) in &results {
            assert_eq!(out, portable, "{kernel} vs portable");
        }
    }

    #[test]
    fn every_kernel_computes_the_product_of_the_dequantized_weights() {
        // 13 rows: tiles of 4 and 5 (and 6 for AVX2's 7 and 13); 11 outputs: a partial panel.
        for rows in [1, 7, 13] {
            let (inputs, outputs) = (96, 11);
            let (bytes, dense) = q4_layer(inputs, outputs);
            let bias = numbers(3, outputs);
            let layer =
                QuantizedLinear::from_q4(&bytes, bias.clone(), inputs, outputs, half).unwrap();
            assert_eq!(layer.depth, 8);
            let input = numbers(11, rows * inputs);
            let expected = reference(&dense, &bias, &input, inputs);
            // 8-bit activations: within a few steps of 1/127 of the row's largest value.
            check_kernels(&layer, &input, rows, &expected, 0.05);
        }
    }

    #[test]
    fn f32_weights_quantize_per_block_and_run_at_every_depth() {
        let (inputs, outputs, rows) = (128, 19, 9);
        let weight: Vec<f32> = numbers(5, inputs * outputs)
            .iter()
            .map(|w| w * 0.1)
            .collect();
        let bias = numbers(9, outputs);
        let mut input = numbers(13, rows * inputs);
        // An outlier, run in f32 beside the integers.
        input[inputs + 5] = 20.0;
        let expected = reference(&weight, &bias, &input, inputs);
        for (bound, depth) in [(8, 8), (16, 4), (32, 2), (MINILM_CODES, 1)] {
            let layer =
                QuantizedLinear::from_f32(&weight, bias.clone(), inputs, outputs, bound).unwrap();
            assert_eq!(layer.depth, depth, "codes of {bound}");
            check_kernels(&layer, &input, rows, &expected, 3.0 / bound as f32 + 0.01);
        }
    }

    /// The extremes the bounds are proved for: every activation at 255 or 1 and every code at its
    /// bound, over the most inputs a layer may have. A saturating `maddubs` or `add` would make the
    /// AVX2 kernel differ from the portable code, which adds in i32. 3 rows and 2 panels: the
    /// 4-bit codes run in the 3-by-2 tile.
    #[test]
    fn the_largest_products_neither_saturate_nor_overflow() {
        let (inputs, outputs, rows) = (MAX_INPUTS, 16, 3);
        for bound in [8, MINILM_CODES] {
            for sign in [1f32, -1.0] {
                let weight = vec![sign; inputs * outputs];
                let layer =
                    QuantizedLinear::from_f32(&weight, vec![0.0; outputs], inputs, outputs, bound)
                        .unwrap();
                let input: Vec<f32> = (0..rows * inputs)
                    .map(|i| if i < inputs { 1.0 } else { -1.0 })
                    .collect();
                let expected: Vec<f32> = (0..rows * outputs)
                    .map(|i| if i < outputs { sign } else { -sign } * inputs as f32)
                    .collect();
                check_kernels(&layer, &input, rows, &expected, 0.5);
            }
        }
    }

    #[test]
    fn rows_quantize_to_their_own_scale_shifted_to_unsigned() {
        let mut quantized = Quantized::default();
        quantize(&[0.5, -1.0, 0.0, 2.0, 0.0, 0.0], 3, &mut quantized);
        assert_eq!(quantized.values, [192, 1, 128, 255, 128, 128]);
        assert_eq!(quantized.scales, [1.0 / 127.0, 2.0 / 127.0]);
        assert!(quantized.outliers.is_empty());
    }

    #[test]
    fn outliers_are_set_aside_and_the_rest_keeps_its_precision() {
        let mut row = vec![0.5f32; 256];
        row[5] = 100.0;
        let mut quantized = Quantized::default();
        quantize(&row, 256, &mut quantized);
        assert_eq!(quantized.outliers, [(0, 5, 100.0)]);
        assert_eq!(quantized.values[5], 128);
        assert_eq!(quantized.values[6], 255);
        assert_eq!(quantized.scales, [0.5 / 127.0]);
    }

    #[test]
    fn the_bounds_give_the_documented_depths_and_steps() {
        assert_eq!((depth_for(8), steps_for(8)), (8, 685));
        assert_eq!((depth_for(MINILM_CODES), steps_for(MINILM_CODES)), (1, 85));
    }
}

//! Dense layers whose weights stay in the model file's 4-bit blocks (Q4_0: 32 weights share one
//! scale), multiplied with 8-bit integers: `out = act(input W^T + b)`.
//!
//! Why: multilingual-e5-small has twice all-MiniLM-L6-v2's arithmetic (12 layers), and f32
//! multiply-adds alone cannot embed an SMS in 10 ms on one core. Each row of the input (a token) is
//! quantized to 8 bits with its own scale, shifted to unsigned (`x + 128`); the weights are the
//! blocks' 4-bit values (-8..7) as bytes, and each block's scale becomes an integer number of steps
//! of its output's largest scale / 2047 (0.05% for the largest block). AVX2's `maddubs` multiplies 32
//! pairs of bytes at once and sums them in 16 bits without any risk of saturation (at most
//! 2 * 255 * 8), `madd` multiplies those sums by the block's integer scale, and everything adds up
//! in 32-bit integers; the shift is taken back at the end with a per-output constant. The portable
//! code does the same integer arithmetic, so both give the same results.

use std::cell::RefCell;

use crate::gemm::{Activation, Kernel, gelu};

/// Weights per block, as in the file.
pub(crate) const BLOCK: usize = 32;
/// What the unsigned activations are shifted by.
const SHIFT: f32 = 128.0;
/// The largest block scale of an output, in its units: a block's 32 products (at most 32 * 255 * 8)
/// times this, summed over 48 blocks (1,536 inputs), stay within an i32.
const SCALE_STEPS: f32 = 2047.0;

/// A dense layer with 4-bit block weights.
pub(crate) struct QuantizedLinear {
    /// `[outputs, inputs]`, each weight its block's 4-bit value minus 8 (-8..=7).
    weights: Vec<i8>,
    /// `[outputs, inputs / BLOCK]`, each block's scale in units of its output's `unit`, rounded to
    /// an integer of at most [`SCALE_STEPS`]: the products then add up in 32-bit integers.
    scales: Vec<i16>,
    /// Per output, what one step of its block scales is worth.
    unit: Vec<f32>,
    /// Per output, `SHIFT * sum over blocks of scale * sum of the block's weights`: what the shifted
    /// activations add, taken back at the end.
    shift_correction: Vec<f32>,
    bias: Vec<f32>,
    inputs: usize,
    outputs: usize,
}

/// The activations of one call, quantized: reused per thread, so a forward pass allocates nothing.
#[derive(Default)]
struct Quantized {
    /// `[rows, inputs]`, each `round(x / scale) + 128`.
    values: Vec<u8>,
    /// Per row, the scale.
    scales: Vec<f32>,
}

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
    ) -> QuantizedLinear {
        let blocks = inputs / BLOCK;
        assert!(inputs.is_multiple_of(BLOCK) && rows.len() == outputs * blocks * (2 + BLOCK / 2));
        assert_eq!(bias.len(), outputs);
        let mut weights = vec![0i8; outputs * inputs];
        let mut block_scales = vec![0f32; outputs * blocks];
        for (index, block) in rows.chunks_exact(2 + BLOCK / 2).enumerate() {
            block_scales[index] = f16_to_f32(u16::from_le_bytes([block[0], block[1]]));
            let out = &mut weights[index * BLOCK..][..BLOCK];
            for (j, &byte) in block[2..].iter().enumerate() {
                out[j] = (byte & 0x0F) as i8 - 8;
                out[j + BLOCK / 2] = (byte >> 4) as i8 - 8;
            }
        }
        let mut scales = vec![0i16; outputs * blocks];
        let mut unit = vec![0f32; outputs];
        let mut shift_correction = vec![0f32; outputs];
        for output in 0..outputs {
            let row = &block_scales[output * blocks..][..blocks];
            let largest = row.iter().fold(0f32, |m, s| m.max(s.abs()));
            unit[output] = if largest > 0.0 {
                largest / SCALE_STEPS
            } else {
                1.0
            };
            for (block, &scale) in row.iter().enumerate() {
                let steps = (scale / unit[output]).round() as i16;
                scales[output * blocks + block] = steps;
                let sum: i32 = weights[(output * blocks + block) * BLOCK..][..BLOCK]
                    .iter()
                    .map(|&w| i32::from(w))
                    .sum();
                shift_correction[output] += SHIFT * unit[output] * f32::from(steps) * sum as f32;
            }
        }
        QuantizedLinear {
            weights,
            scales,
            unit,
            shift_correction,
            bias,
            inputs,
            outputs,
        }
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
        QUANTIZED.with_borrow_mut(|quantized| {
            quantize(&input[..rows * inputs], inputs, quantized);
            if kernel != Kernel::Portable && avx2_supported() {
                // SAFETY: the CPU has AVX2 and FMA (checked just above).
                #[cfg(target_arch = "x86_64")]
                unsafe {
                    avx2::product(self, quantized, rows, out)
                };
            } else {
                self.product_portable(quantized, rows, out);
            }
        });
        // One loop per activation, so that each vectorizes.
        let rows_out = out[..rows * outputs].chunks_exact_mut(outputs);
        match activation {
            Activation::Identity => {
                for row in rows_out {
                    for (value, bias) in row.iter_mut().zip(&self.bias) {
                        *value += bias;
                    }
                }
            }
            Activation::Gelu => {
                for row in rows_out {
                    for (value, bias) in row.iter_mut().zip(&self.bias) {
                        *value = gelu(*value + bias);
                    }
                }
            }
        }
    }

    /// The product in plain Rust, for CPUs without AVX2 (and to check the AVX2 code against).
    fn product_portable(&self, quantized: &Quantized, rows: usize, out: &mut [f32]) {
        let (inputs, outputs) = (self.inputs, self.outputs);
        let blocks = inputs / BLOCK;
        for row in 0..rows {
            let x = &quantized.values[row * inputs..][..inputs];
            for output in 0..outputs {
                let w = &self.weights[output * inputs..][..inputs];
                let scales = &self.scales[output * blocks..][..blocks];
                let mut sum = 0i32;
                for ((x, w), &scale) in x.chunks_exact(BLOCK).zip(w.chunks_exact(BLOCK)).zip(scales)
                {
                    let dot: i32 = x
                        .iter()
                        .zip(w)
                        .map(|(&x, &w)| i32::from(x) * i32::from(w))
                        .sum();
                    sum += dot * i32::from(scale);
                }
                let sum = sum as f32 * self.unit[output];
                out[row * outputs + output] =
                    quantized.scales[row] * (sum - self.shift_correction[output]);
            }
        }
    }
}

fn avx2_supported() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Quantizes each row of `input` (`inputs` long) to 8 bits with its own scale, shifted by 128.
fn quantize(input: &[f32], inputs: usize, quantized: &mut Quantized) {
    let rows = input.len() / inputs;
    quantized.values.resize(input.len(), 0);
    quantized.scales.resize(rows, 0.0);
    for ((row, values), scale) in input
        .chunks_exact(inputs)
        .zip(quantized.values.chunks_exact_mut(inputs))
        .zip(quantized.scales.iter_mut())
    {
        let largest = row.iter().fold(0f32, |m, x| m.max(x.abs()));
        *scale = if largest > 0.0 { largest / 127.0 } else { 1.0 };
        let inverse = 1.0 / *scale;
        for (value, x) in values.iter_mut().zip(row) {
            // Round half away from zero (`as` truncates; this form vectorizes, `round` does not).
            let scaled = x * inverse;
            *value = ((scaled + 0.5f32.copysign(scaled)) as i32 + 128) as u8;
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::*;

    use super::{BLOCK, Quantized, QuantizedLinear};

    /// Rows of the input and outputs per tile: 8 accumulators, the weights of two outputs and the
    /// four rows' bytes fit in the 16 registers.
    const ROWS: usize = 4;
    const OUTPUTS: usize = 2;

    /// `out = quantized W^T` (before bias), tile by tile.
    ///
    /// # Safety
    /// The CPU must support AVX2 and FMA.
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn product(
        layer: &QuantizedLinear,
        quantized: &Quantized,
        rows: usize,
        out: &mut [f32],
    ) {
        let (inputs, outputs) = (layer.inputs, layer.outputs);
        let blocks = inputs / BLOCK;
        for first_output in (0..outputs).step_by(OUTPUTS) {
            // A partial tile repeats its last row or output; the repeats are not stored.
            let mut weights = [std::ptr::null::<i8>(); OUTPUTS];
            let mut scales = [std::ptr::null::<i16>(); OUTPUTS];
            for o in 0..OUTPUTS {
                let output = (first_output + o).min(outputs - 1);
                weights[o] = layer.weights[output * inputs..][..inputs].as_ptr();
                scales[o] = layer.scales[output * blocks..][..blocks].as_ptr();
            }
            for first_row in (0..rows).step_by(ROWS) {
                let mut x = [std::ptr::null::<u8>(); ROWS];
                for (r, x) in x.iter_mut().enumerate() {
                    let row = (first_row + r).min(rows - 1);
                    *x = quantized.values[row * inputs..][..inputs].as_ptr();
                }
                // SAFETY: each pointer is to `blocks` whole blocks (of bytes, or of scales); the CPU
                // has AVX2 and FMA.
                let sums = unsafe { tile(x, weights, scales, blocks) };
                for (r, sums) in sums.iter().enumerate() {
                    let row = first_row + r;
                    if row >= rows {
                        break;
                    }
                    for (o, &sum) in sums.iter().enumerate() {
                        let output = first_output + o;
                        if output >= outputs {
                            break;
                        }
                        let sum = sum as f32 * layer.unit[output];
                        out[row * outputs + output] =
                            quantized.scales[row] * (sum - layer.shift_correction[output]);
                    }
                }
            }
        }
    }

    /// The block-scaled dot products of `ROWS` rows of activations with `OUTPUTS` weight rows.
    ///
    /// # Safety
    /// Each pointer must be valid for `blocks` blocks (of 32 bytes, or of one scale); the CPU must
    /// support AVX2 and FMA.
    #[target_feature(enable = "avx2,fma")]
    unsafe fn tile(
        x: [*const u8; ROWS],
        weights: [*const i8; OUTPUTS],
        scales: [*const i16; OUTPUTS],
        blocks: usize,
    ) -> [[i32; OUTPUTS]; ROWS] {
        let mut acc = [[_mm256_setzero_si256(); OUTPUTS]; ROWS];
        for block in 0..blocks {
            let at = block * BLOCK;
            for r in 0..ROWS {
                // SAFETY: `at + 32` bytes and `block + 1` scales are within the pointers' ranges.
                unsafe {
                    let xs = _mm256_loadu_si256(x[r].add(at) as *const __m256i);
                    for o in 0..OUTPUTS {
                        let w = _mm256_loadu_si256(weights[o].add(at) as *const __m256i);
                        // 16 sums of two byte products (at most 2 * 255 * 8: no saturation), each
                        // times the block's integer scale, added in pairs.
                        let pairs = _mm256_maddubs_epi16(xs, w);
                        let scale = _mm256_set1_epi16(*scales[o].add(block));
                        acc[r][o] = _mm256_add_epi32(acc[r][o], _mm256_madd_epi16(pairs, scale));
                    }
                }
            }
        }
        let mut sums = [[0i32; OUTPUTS]; ROWS];
        for r in 0..ROWS {
            for o in 0..OUTPUTS {
                sums[r][o] = horizontal_sum(acc[r][o]);
            }
        }
        sums
    }

    #[target_feature(enable = "avx2,fma")]
    fn horizontal_sum(v: __m256i) -> i32 {
        let halves = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
        let pairs = _mm_add_epi32(halves, _mm_shuffle_epi32(halves, 0b01_00_11_10));
        let one = _mm_add_epi32(pairs, _mm_shuffle_epi32(pairs, 0b10_11_00_01));
        _mm_cvtsi128_si32(one)
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

    #[test]
    fn every_kernel_computes_the_product_of_the_dequantized_weights() {
        let (inputs, outputs, rows) = (96, 7, 5);
        let (bytes, dense) = q4_layer(inputs, outputs);
        let bias = numbers(3, outputs);
        let layer = QuantizedLinear::from_q4(&bytes, bias.clone(), inputs, outputs, half);
        let input = numbers(11, rows * inputs);
        let mut expected = vec![0f32; rows * outputs];
        for r in 0..rows {
            for o in 0..outputs {
                let dot: f32 = (0..inputs)
                    .map(|i| input[r * inputs + i] * dense[o * inputs + i])
                    .sum();
                expected[r * outputs + o] = dot + bias[o];
            }
        }
        let mut results = Vec::new();
        for kernel in Kernel::ALL.into_iter().filter(|k| k.is_supported()) {
            let mut out = vec![0f32; rows * outputs];
            layer.forward(kernel, &input, rows, &mut out, Activation::Identity);
            for (got, want) in out.iter().zip(&expected) {
                // 8-bit activations: within a few steps of 1/127 of the row's largest value.
                assert!((got - want).abs() < 0.05, "{kernel}: {got} vs {want}");
            }
            results.push((kernel, out));
        }
        let (_, portable) = results.last().expect("the portable kernel runs everywhere");
        for (kernel, out) in &results {
            for (a, b) in out.iter().zip(portable) {
                assert!((a - b).abs() < 1e-5, "{kernel} vs portable: {a} vs {b}");
            }
        }
    }

    #[test]
    fn rows_quantize_to_their_own_scale_shifted_to_unsigned() {
        let mut quantized = Quantized::default();
        quantize(&[0.5, -1.0, 0.0, 2.0, 0.0, 0.0], 3, &mut quantized);
        assert_eq!(quantized.values, [192, 1, 128, 255, 128, 128]);
        assert_eq!(quantized.scales, [1.0 / 127.0, 2.0 / 127.0]);
    }
}

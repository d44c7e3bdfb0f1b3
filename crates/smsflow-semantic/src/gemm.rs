//! The encoder's dense layers, `out = act(input W^T + b)` for the few rows (tokens) of one message,
//! with the weights packed once at load.
//!
//! Why packed: a general matrix product copies ("packs") the weights on every call, which costs more
//! than the arithmetic for a 40-token SMS. Here each `[outputs, inputs]` matrix is stored at load as
//! panels of [`PANEL`] outputs, `[outputs / 16][inputs][16]`: for each input the kernel loads the 16
//! weights of a panel with one or two vector loads and multiplies them by that input of every row of
//! a tile (broadcast), accumulating a tile of rows x 16 outputs in registers. The loop runs panel by
//! panel, so each panel (24-96 KB) comes from memory once per call and is reused from cache by every
//! tile of rows; bias and GELU are applied while the tile is written out.

use std::fmt;

use smsflow_core::cpu;

/// Outputs per panel: one 512-bit register, or two 256-bit ones.
const PANEL: usize = 16;
/// Rows in the tallest tile of any kernel (AVX-512's).
const MAX_TILE: usize = 12;

/// Which code computes the dense layers. [`Kernel::detect`] picks the fastest the CPU supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kernel {
    /// Plain Rust for any CPU (what the compiler vectorises for the baseline target).
    Portable,
    /// x86-64 with AVX2 and FMA: tiles of 6 rows x 16 outputs in twelve 256-bit registers.
    Avx2,
    /// x86-64 with AVX-512F: tiles of 12 rows x 16 outputs in twelve 512-bit registers.
    Avx512,
}

impl Kernel {
    /// Every kernel, fastest first.
    pub const ALL: [Kernel; 3] = [Kernel::Avx512, Kernel::Avx2, Kernel::Portable];

    /// The fastest kernel this CPU runs.
    pub fn detect() -> Kernel {
        Kernel::ALL
            .into_iter()
            .find(|kernel| kernel.is_supported())
            .unwrap_or(Kernel::Portable)
    }

    /// Whether this CPU has the instructions the kernel uses (checked at run time, cached by std).
    pub fn is_supported(self) -> bool {
        match self {
            Kernel::Portable => true,
            Kernel::Avx2 => cpu::avx2() && cpu::fma(),
            Kernel::Avx512 => cpu::avx512f(),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Kernel::Portable => "portable",
            Kernel::Avx2 => "avx2",
            Kernel::Avx512 => "avx512",
        }
    }

    /// The most rows one tile holds.
    fn tile_rows(self) -> usize {
        match self {
            Kernel::Portable => 4,
            Kernel::Avx2 => 6,
            Kernel::Avx512 => MAX_TILE,
        }
    }
}

impl fmt::Display for Kernel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What is applied to `input W^T + b` before it is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Activation {
    Identity,
    Gelu,
}

/// A dense layer with its weights packed into panels (see the module's documentation).
pub(crate) struct PackedLinear {
    /// The panels, zero-padded to whole panels, preceded by `offset` unused floats so that they start
    /// on a 64-byte boundary (a 512-bit load then never straddles two cache lines).
    storage: Vec<f32>,
    offset: usize,
    bias: Vec<f32>,
    inputs: usize,
    outputs: usize,
}

impl PackedLinear {
    /// Packs a weight stored as PyTorch does, `[outputs, inputs]` row-major.
    pub fn new(weight: &[f32], bias: Vec<f32>, inputs: usize, outputs: usize) -> PackedLinear {
        assert!(inputs > 0 && weight.len() == outputs * inputs && bias.len() == outputs);
        let len = outputs.div_ceil(PANEL) * inputs * PANEL;
        let mut storage = vec![0f32; len + PANEL];
        let misalignment = storage.as_ptr() as usize % 64 / size_of::<f32>();
        let offset = (PANEL - misalignment) % PANEL;
        let panels = &mut storage[offset..offset + len];
        for (output, row) in weight.chunks_exact(inputs).enumerate() {
            let (panel, lane) = (output / PANEL, output % PANEL);
            for (input, &w) in row.iter().enumerate() {
                panels[(panel * inputs + input) * PANEL + lane] = w;
            }
        }
        PackedLinear {
            storage,
            offset,
            bias,
            inputs,
            outputs,
        }
    }

    fn panel(&self, index: usize) -> &[f32] {
        let size = self.inputs * PANEL;
        &self.storage[self.offset + index * size..][..size]
    }

    /// `out[rows, outputs] = activation(input[rows, inputs] W^T + b)`.
    ///
    /// Panics if the slices are too short or the CPU does not support `kernel`.
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
        assert!(
            kernel.is_supported(),
            "this CPU cannot run the {kernel} kernel"
        );
        if rows == 0 {
            return;
        }
        // Tiles of even height (35 rows in tiles of at most 6: 5, 6, 6, 6, 6, 6) keep every tile's
        // accumulators numerous enough to hide the latency of a multiply-add.
        let tiles = rows.div_ceil(kernel.tile_rows());
        let panels = outputs.div_ceil(PANEL);
        for panel in 0..panels {
            let column = panel * PANEL;
            let width = PANEL.min(outputs - column);
            let mut start = 0;
            for tile in 0..tiles {
                let height = (rows - start) / (tiles - tile);
                let tile = Tile {
                    input: &input[start * inputs..rows * inputs],
                    inputs,
                    panel: self.panel(panel),
                    next_panel: self.panel((panel + 1).min(panels - 1)),
                    bias: &self.bias[column..column + width],
                    out: &mut out[start * outputs + column..],
                    out_stride: outputs,
                    activation,
                };
                match kernel {
                    Kernel::Portable => portable::tile(tile, height),
                    // SAFETY: the CPU supports the kernel (asserted above).
                    #[cfg(target_arch = "x86_64")]
                    Kernel::Avx2 => unsafe { avx2::tile(tile, height) },
                    // SAFETY: as above.
                    #[cfg(target_arch = "x86_64")]
                    Kernel::Avx512 => unsafe { avx512::tile(tile, height) },
                    #[cfg(not(target_arch = "x86_64"))]
                    Kernel::Avx2 | Kernel::Avx512 => unreachable!("not supported: asserted above"),
                }
                start += height;
            }
        }
    }
}

/// One tile: `height` rows of the input times one panel, written to the output at the panel's column.
struct Tile<'a> {
    /// The tile's first row onwards; rows are `inputs` long.
    input: &'a [f32],
    inputs: usize,
    /// `inputs x PANEL` weights.
    panel: &'a [f32],
    /// The panel computed next (or this one again, for the last), fetched into the cache while this
    /// one is computed: the weights (42 MB) come from memory once per message, and loading them
    /// ahead keeps the arithmetic from waiting for them.
    next_panel: &'a [f32],
    /// The biases of the panel's real outputs (`width` of them; the last panel may be partial).
    bias: &'a [f32],
    /// The output from the tile's first row and the panel's first column; rows are `out_stride` long.
    out: &'a mut [f32],
    out_stride: usize,
    activation: Activation,
}

impl Tile<'_> {
    /// Checks the bounds the kernels' unchecked reads rely on, and returns what they read through:
    /// the input, the panel and the next panel.
    fn check(&self, height: usize) -> (*const f32, *const f32, *const f32) {
        assert!(height > 0 && self.input.len() >= height * self.inputs);
        assert!(
            self.panel.len() == self.inputs * PANEL && self.next_panel.len() == self.panel.len()
        );
        (
            self.input.as_ptr(),
            self.panel.as_ptr(),
            self.next_panel.as_ptr(),
        )
    }

    /// Adds the bias, applies the activation and stores `acc` (one row per tile row). Inlined into
    /// each kernel so that it is compiled, and vectorised, with the kernel's instruction set.
    #[inline(always)]
    fn finish(self, acc: &[[f32; PANEL]]) {
        for (row, values) in acc.iter().enumerate() {
            let out = &mut self.out[row * self.out_stride..][..self.bias.len()];
            for ((o, v), b) in out.iter_mut().zip(values).zip(self.bias) {
                *o = v + b;
            }
            if self.activation == Activation::Gelu {
                for o in out.iter_mut() {
                    *o = gelu(*o);
                }
            }
        }
    }
}

mod portable {
    use super::{MAX_TILE, PANEL, Tile};

    pub(super) fn tile(tile: Tile<'_>, height: usize) {
        tile.check(height);
        let mut acc = [[0f32; PANEL]; MAX_TILE];
        let rows = tile.input.chunks_exact(tile.inputs).take(height);
        for (acc, row) in acc.iter_mut().zip(rows) {
            for (&x, weights) in row.iter().zip(tile.panel.chunks_exact(PANEL)) {
                for (a, w) in acc.iter_mut().zip(weights) {
                    *a += x * w;
                }
            }
        }
        tile.finish(&acc[..height]);
    }
}

/// Instantiates a kernel for the tile's height (1..=$max rows): the accumulators are arrays of a
/// constant size, which the compiler keeps in registers.
#[cfg(target_arch = "x86_64")]
macro_rules! by_height {
    ($kernel:ident, $tile:expr, $height:expr, [$($rows:literal)*]) => {
        match $height {
            $($rows => $kernel::<$rows>($tile),)*
            other => unreachable!("a tile of {other} rows"),
        }
    };
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::{PANEL, Tile};
    use std::arch::x86_64::*;

    /// # Safety
    /// The CPU must support AVX2 and FMA.
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn tile(tile: Tile<'_>, height: usize) {
        by_height!(rows, tile, height, [1 2 3 4 5 6]);
    }

    #[target_feature(enable = "avx2,fma")]
    fn rows<const MR: usize>(tile: Tile<'_>) {
        let (x, w, next) = tile.check(MR);
        let mut low = [_mm256_setzero_ps(); MR];
        let mut high = [_mm256_setzero_ps(); MR];
        for i in 0..tile.inputs {
            // SAFETY: i < inputs, r < MR: within `panel` (inputs x PANEL) and `input` (MR x
            // inputs), as `check` asserted.
            unsafe {
                _mm_prefetch::<_MM_HINT_T0>(next.add(i * PANEL).cast());
                let w0 = _mm256_loadu_ps(w.add(i * PANEL));
                let w1 = _mm256_loadu_ps(w.add(i * PANEL + 8));
                for r in 0..MR {
                    let xi = _mm256_set1_ps(*x.add(r * tile.inputs + i));
                    low[r] = _mm256_fmadd_ps(xi, w0, low[r]);
                    high[r] = _mm256_fmadd_ps(xi, w1, high[r]);
                }
            }
        }
        let mut acc = [[0f32; PANEL]; MR];
        for r in 0..MR {
            // SAFETY: each row of `acc` holds PANEL = 2 x 8 floats.
            unsafe {
                _mm256_storeu_ps(acc[r].as_mut_ptr(), low[r]);
                _mm256_storeu_ps(acc[r].as_mut_ptr().add(8), high[r]);
            }
        }
        tile.finish(&acc);
    }
}

#[cfg(target_arch = "x86_64")]
mod avx512 {
    use super::{PANEL, Tile};
    use std::arch::x86_64::*;

    /// # Safety
    /// The CPU must support AVX-512F.
    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn tile(tile: Tile<'_>, height: usize) {
        by_height!(rows, tile, height, [1 2 3 4 5 6 7 8 9 10 11 12]);
    }

    #[target_feature(enable = "avx512f")]
    fn rows<const MR: usize>(tile: Tile<'_>) {
        let (x, w, next) = tile.check(MR);
        let mut sums = [_mm512_setzero_ps(); MR];
        for i in 0..tile.inputs {
            // SAFETY: as in the AVX2 kernel.
            unsafe {
                _mm_prefetch::<_MM_HINT_T0>(next.add(i * PANEL).cast());
                let weights = _mm512_loadu_ps(w.add(i * PANEL));
                for (r, sum) in sums.iter_mut().enumerate() {
                    let xi = _mm512_set1_ps(*x.add(r * tile.inputs + i));
                    *sum = _mm512_fmadd_ps(xi, weights, *sum);
                }
            }
        }
        let mut acc = [[0f32; PANEL]; MR];
        for (row, sum) in acc.iter_mut().zip(sums) {
            // SAFETY: each row of `acc` holds PANEL = 16 floats.
            unsafe { _mm512_storeu_ps(row.as_mut_ptr(), sum) };
        }
        tile.finish(&acc);
    }
}

/// BERT's exact GELU, `x Φ(x) = x (1 + erf(x / √2)) / 2`, with [`erf`] below.
#[inline(always)]
pub(crate) fn gelu(x: f32) -> f32 {
    0.5 * x * (1.0 + erf(x * std::f32::consts::FRAC_1_SQRT_2))
}

/// erf as a ratio of two polynomials on [-4, 4] (beyond, erf is ±1 in f32); absolute error under
/// 1e-6 (a test checks it against libm). Unlike libm's `erff` it has no branches, so a loop of it
/// vectorises: libm's took 17% of an embedding.
#[inline(always)]
fn erf(x: f32) -> f32 {
    let x = x.clamp(-4.0, 4.0);
    let x2 = x * x;
    let mut p = -2.726_142_3e-10_f32;
    for c in [
        2.770_681_4e-8,
        -2.101_024e-6,
        -5.692_506_4e-5,
        -7.349_906_3e-4,
        -2.954_6e-3,
        -1.609_603_3e-2,
    ] {
        p = p * x2 + c;
    }
    let mut q = -1.456_607_2e-5_f32;
    for c in [-2.133_740_6e-4, -1.682_827e-3, -7.373_329e-3, -1.426_474e-2] {
        q = q * x2 + c;
    }
    x * p / q
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The plain definition, in f64: `out[r][o] = act(sum_i input[r][i] * weight[o][i] + bias[o])`.
    fn reference(
        weight: &[f32],
        bias: &[f32],
        input: &[f32],
        inputs: usize,
        activation: Activation,
    ) -> Vec<f64> {
        let mut out = Vec::new();
        for row in input.chunks_exact(inputs) {
            for (w, &b) in weight.chunks_exact(inputs).zip(bias) {
                let sum: f64 = row.iter().zip(w).map(|(&x, &w)| x as f64 * w as f64).sum();
                let value = sum + b as f64;
                out.push(match activation {
                    Activation::Identity => value,
                    Activation::Gelu => {
                        let cdf = 0.5 * (1.0 + libm::erf(value / std::f64::consts::SQRT_2));
                        value * cdf
                    }
                });
            }
        }
        out
    }

    fn values(len: usize, scale: f32) -> impl Strategy<Value = Vec<f32>> {
        prop::collection::vec(-scale..scale, len)
    }

    proptest! {
        /// Every kernel this CPU runs computes the plain definition, for any shape: rows that do
        /// not fill a tile, outputs that do not fill a panel, either activation.
        #[test]
        fn every_kernel_computes_the_plain_product(
            (rows, inputs, outputs, weight, bias, input) in (1usize..30, 1usize..80, 1usize..50)
                .prop_flat_map(|(rows, inputs, outputs)| (
                    Just(rows), Just(inputs), Just(outputs),
                    values(inputs * outputs, 1.0), values(outputs, 1.0), values(rows * inputs, 3.0),
                )),
            gelu in any::<bool>(),
        ) {
            let activation = if gelu { Activation::Gelu } else { Activation::Identity };
            let expected = reference(&weight, &bias, &input, inputs, activation);
            let layer = PackedLinear::new(&weight, bias, inputs, outputs);
            for kernel in Kernel::ALL.into_iter().filter(|k| k.is_supported()) {
                // The canary after the output must stay untouched.
                let mut out = vec![f32::NAN; rows * outputs + 1];
                layer.forward(kernel, &input, rows, &mut out, activation);
                prop_assert!(out[rows * outputs].is_nan(), "{kernel} wrote past the output");
                for (index, (&got, &want)) in out.iter().zip(&expected).enumerate() {
                    // f32 sums of up to 80 products of size <= 3: rounding stays well under 1e-4.
                    prop_assert!(
                        (got as f64 - want).abs() <= 1e-4 * (1.0 + want.abs()),
                        "{kernel}, {rows}x{inputs} -> {outputs}, at {index}: {got} vs {want}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_layer_computes_x_w_transpose_plus_b() {
        // W = [[1, 2], [3, 4], [5, 6]] (3 outputs, 2 inputs), b = [1, 0, -1].
        let layer = PackedLinear::new(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], vec![1.0, 0.0, -1.0], 2, 3);
        for kernel in Kernel::ALL.into_iter().filter(|k| k.is_supported()) {
            let mut out = vec![0.0; 6];
            layer.forward(
                kernel,
                &[1.0, 1.0, 2.0, 0.0],
                2,
                &mut out,
                Activation::Identity,
            );
            assert_eq!(out, [4.0, 7.0, 10.0, 3.0, 6.0, 9.0], "{kernel}");
        }
    }

    #[test]
    fn erf_is_within_1e_6_of_libm() {
        let mut worst = 0f32;
        // Past ±4 too, where the clamp takes over.
        for step in -100_000..=100_000 {
            let x = step as f32 * 1e-4;
            worst = worst.max((erf(x) - libm::erff(x)).abs());
        }
        assert!(worst < 1e-6, "{worst}");
        assert!((erf(1e4) - 1.0).abs() < 1e-6 && (erf(-1e4) + 1.0).abs() < 1e-6);
    }

    #[test]
    fn gelu_matches_known_values() {
        assert!((gelu(0.0)).abs() < 1e-7);
        assert!((gelu(1.0) - 0.841_344_7).abs() < 1e-6);
        assert!((gelu(-1.0) + 0.158_655_3).abs() < 1e-6);
    }

    #[test]
    fn the_detected_kernel_is_supported() {
        assert!(Kernel::detect().is_supported());
        assert!(Kernel::Portable.is_supported());
    }
}

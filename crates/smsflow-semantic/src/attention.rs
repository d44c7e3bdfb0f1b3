//! Self-attention of one sequence: for each head, `softmax(Q K^T * scale) V`, with Q, K and V read
//! in place from the fused query-key-value rows.
//!
//! On AVX2 and FMA, each head is computed here in tiles of up to 6 x 16 multiply-adds, with K
//! transposed into a small buffer; otherwise by `matrixmultiply`. The tiles add each dot product's
//! terms in order with fused multiply-adds, as `matrixmultiply`'s FMA kernel does (up to its block
//! depth of 256 tokens), and the softmax's exponentials, additions and divisions are the same: the
//! result is the same to the bit (tested). Why: for an SMS (48 tokens, heads of 32)
//! `matrixmultiply` packed both operands of both products for every head, and the softmax added
//! each row's exponentials in one chain of dependent additions: with the exponentials, 9.6% of an
//! e5 embedding's CPU, 7.7% here (docs/benchmarks.md, session 13).

use crate::exp::exp_in_place;

/// One sequence's attention operands: its query-key-value rows (`3 * hidden` wide: all the
/// queries, then the keys, then the values; head `i` is columns `i * hidden / heads..` of each).
pub(crate) struct Heads<'a> {
    pub qkv: &'a [f32],
    pub hidden: usize,
    pub heads: usize,
}

/// The scratch space of attention over sequences of up to `longest` tokens with heads of
/// `head_size`: a head's scores, and its keys transposed.
pub(crate) fn scratch_len(longest: usize, head_size: usize) -> usize {
    let width = padded(longest);
    (longest + head_size) * width
}

/// Rows of scores (and of transposed keys) are padded to whole vectors of 8.
fn padded(tokens: usize) -> usize {
    tokens.next_multiple_of(8)
}

/// A tile is up to 6 rows of 16 columns: 12 accumulators of 8, the most that 16 registers hold
/// beside two rows of B and a broadcast value of A.
const TILE_ROWS: usize = 6;
const TILE_WIDTH: usize = 16;

/// Writes each head's attention output to its columns of `context` (`t` rows of `hidden`), with the
/// AVX2 and FMA tiles if `avx2`. `scratch` holds at least [`scratch_len`] floats.
pub(crate) fn attend(heads: &Heads<'_>, scratch: &mut [f32], context: &mut [f32], avx2: bool) {
    let Heads { qkv, hidden, heads } = *heads;
    let stride = 3 * hidden;
    let t = qkv.len() / stride;
    let head_size = hidden / heads;
    assert!(t > 0 && qkv.len() == t * stride && context.len() >= t * hidden);
    assert!(scratch.len() >= scratch_len(t, head_size));
    let scale = 1.0 / (head_size as f32).sqrt();
    #[cfg(target_arch = "x86_64")]
    if avx2 && head_size.is_multiple_of(TILE_WIDTH) {
        for head in 0..heads {
            // SAFETY: the caller says the CPU has AVX2 and FMA; the bounds are asserted above.
            unsafe {
                avx2::head(
                    qkv,
                    hidden,
                    head * head_size,
                    head_size,
                    scale,
                    scratch,
                    context,
                )
            };
        }
        return;
    }
    by_gemm(qkv, hidden, heads, scratch, context, avx2);
}

/// [`attend`] by `matrixmultiply`, the exponentials with AVX2 and FMA if `avx2`.
fn by_gemm(
    qkv: &[f32],
    hidden: usize,
    heads: usize,
    scratch: &mut [f32],
    context: &mut [f32],
    avx2: bool,
) {
    let stride = 3 * hidden;
    let t = qkv.len() / stride;
    let head_size = hidden / heads;
    let scale = 1.0 / (head_size as f32).sqrt();
    for head in 0..heads {
        let q = head * head_size;
        let (k, v) = (hidden + q, 2 * hidden + q);
        // scores = Q_h K_h^T * scale: [t, head_size] x [head_size, t].
        // SAFETY: the strides describe sub-matrices inside the slices' bounds.
        unsafe {
            matrixmultiply::sgemm(
                t,
                head_size,
                t,
                scale,
                qkv.as_ptr().add(q),
                stride as isize,
                1,
                qkv.as_ptr().add(k),
                1,
                stride as isize,
                0.0,
                scratch.as_mut_ptr(),
                t as isize,
                1,
            );
        }
        for row in scratch[..t * t].chunks_exact_mut(t) {
            softmax(row, avx2);
        }
        // context_h = P V_h: [t, t] x [t, head_size].
        // SAFETY: as above.
        unsafe {
            matrixmultiply::sgemm(
                t,
                t,
                head_size,
                1.0,
                scratch.as_ptr(),
                t as isize,
                1,
                qkv.as_ptr().add(v),
                stride as isize,
                1,
                0.0,
                context.as_mut_ptr().add(q),
                hidden as isize,
                1,
            );
        }
    }
}

/// The softmax of `row`, its exponentials by [`exp_in_place`] (with AVX2 and FMA if `avx2`), added
/// in order.
fn softmax(row: &mut [f32], avx2: bool) {
    let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    for value in row.iter_mut() {
        *value -= max;
    }
    exp_in_place(row, avx2);
    let mut sum = 0.0;
    for value in row.iter() {
        sum += value;
    }
    for value in row.iter_mut() {
        *value /= sum;
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::*;

    use super::{TILE_ROWS, TILE_WIDTH, padded};
    use crate::exp::exp8;

    /// One head: `context[.., column..column + head_size]` of its `t` rows.
    ///
    /// # Safety
    /// The CPU must support AVX2 and FMA; `head_size` is a multiple of [`TILE_WIDTH`], `qkv` is
    /// `t` whole rows, `context` at least `t` rows and `scratch` at least
    /// [`super::scratch_len`]`(t, head_size)` floats.
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn head(
        qkv: &[f32],
        hidden: usize,
        column: usize,
        head_size: usize,
        scale: f32,
        scratch: &mut [f32],
        context: &mut [f32],
    ) {
        let stride = 3 * hidden;
        let t = qkv.len() / stride;
        let width = padded(t);
        let (scores, keys) = scratch.split_at_mut(t * width);
        let keys = &mut keys[..head_size * width];
        // K_h^T, each row padded with zeros to whole vectors: the tiles read it a row at a time.
        // Blocks of 8 keys x 8 dimensions are transposed in registers (element by element, the
        // strided stores took 14% of a head's time); the last keys of a partial block one by one.
        let whole = t / 8 * 8;
        let k = qkv[hidden + column..].as_ptr();
        for first in (0..whole).step_by(8) {
            for d in (0..head_size).step_by(8) {
                // SAFETY: keys first..first + 8 <= t and dimensions d..d + 8 <= head_size are
                // inside qkv and keys.
                unsafe {
                    transpose8(
                        (k.add(first * stride + d), stride),
                        (keys.as_mut_ptr().add(d * width + first), width),
                    )
                };
            }
        }
        for (j, key) in qkv.chunks_exact(stride).enumerate().skip(whole) {
            for (d, &value) in key[hidden + column..][..head_size].iter().enumerate() {
                keys[d * width + j] = value;
            }
        }
        for transposed in keys.chunks_exact_mut(width) {
            transposed[t..].fill(0.0);
        }
        let q = qkv[column..].as_ptr();
        let v = qkv[2 * hidden + column..].as_ptr();
        for first in (0..t).step_by(TILE_ROWS) {
            let rows = TILE_ROWS.min(t - first);
            for tile in (0..width).step_by(TILE_WIDTH) {
                // SAFETY: the tile's rows of Q (first + rows <= t) and its columns of K^T (tile +
                // 8 or 16 <= width, head_size rows) are inside qkv and keys, its scores inside
                // scores.
                unsafe {
                    by_rows(
                        rows,
                        (width - tile).min(TILE_WIDTH),
                        head_size,
                        (q.add(first * stride), stride),
                        (keys.as_ptr().add(tile), width),
                        (scores.as_mut_ptr().add(first * width + tile), width),
                        scale,
                    )
                };
            }
        }
        softmax_rows(scores, width, t);
        for first in (0..t).step_by(TILE_ROWS) {
            let rows = TILE_ROWS.min(t - first);
            for tile in (0..head_size).step_by(TILE_WIDTH) {
                // SAFETY: the tile's rows of P (t columns), its t rows of V (16 columns from
                // tile < head_size) and its context are inside the slices.
                unsafe {
                    by_rows(
                        rows,
                        TILE_WIDTH,
                        t,
                        (scores.as_ptr().add(first * width), width),
                        (v.add(tile), stride),
                        (
                            context.as_mut_ptr().add(first * hidden + column + tile),
                            hidden,
                        ),
                        1.0,
                    )
                };
            }
        }
    }

    /// Writes the transpose of the 8 x 8 block at `src` to `dst` (each pointer with its row
    /// stride).
    ///
    /// # Safety
    /// The CPU must support AVX2; both blocks must be inside their slices.
    #[target_feature(enable = "avx2,fma")]
    unsafe fn transpose8(
        (src, src_stride): (*const f32, usize),
        (dst, dst_stride): (*mut f32, usize),
    ) {
        // SAFETY: the caller's.
        let r =
            std::array::from_fn::<_, 8, _>(|i| unsafe { _mm256_loadu_ps(src.add(i * src_stride)) });
        // Pairs of rows interleaved, then fours: each 128-bit lane holds a column's quarter.
        let pairs = [
            _mm256_unpacklo_ps(r[0], r[1]),
            _mm256_unpackhi_ps(r[0], r[1]),
            _mm256_unpacklo_ps(r[2], r[3]),
            _mm256_unpackhi_ps(r[2], r[3]),
            _mm256_unpacklo_ps(r[4], r[5]),
            _mm256_unpackhi_ps(r[4], r[5]),
            _mm256_unpacklo_ps(r[6], r[7]),
            _mm256_unpackhi_ps(r[6], r[7]),
        ];
        let fours = [
            _mm256_shuffle_ps::<0x44>(pairs[0], pairs[2]),
            _mm256_shuffle_ps::<0xEE>(pairs[0], pairs[2]),
            _mm256_shuffle_ps::<0x44>(pairs[1], pairs[3]),
            _mm256_shuffle_ps::<0xEE>(pairs[1], pairs[3]),
            _mm256_shuffle_ps::<0x44>(pairs[4], pairs[6]),
            _mm256_shuffle_ps::<0xEE>(pairs[4], pairs[6]),
            _mm256_shuffle_ps::<0x44>(pairs[5], pairs[7]),
            _mm256_shuffle_ps::<0xEE>(pairs[5], pairs[7]),
        ];
        for c in 0..4 {
            // SAFETY: the caller's.
            unsafe {
                _mm256_storeu_ps(
                    dst.add(c * dst_stride),
                    _mm256_permute2f128_ps::<0x20>(fours[c], fours[c + 4]),
                );
                _mm256_storeu_ps(
                    dst.add((c + 4) * dst_stride),
                    _mm256_permute2f128_ps::<0x31>(fours[c], fours[c + 4]),
                );
            }
        }
    }

    /// The softmax of each of the `t` rows of `scores` (`width` apart): the row less its largest
    /// value, exponentiated, each divided by their sum. As [`super::softmax`] to the bit: the
    /// exponentials are the same function's, and each row's sum is added in order, but eight rows
    /// at a time so that their additions do not wait for one another. The padding after each row's
    /// `t` values takes part in the vector operations but not in the largest value or the sum.
    #[target_feature(enable = "avx2,fma")]
    fn softmax_rows(scores: &mut [f32], width: usize, t: usize) {
        let whole = t / 8 * 8;
        for rows in scores[..t * width].chunks_mut(8 * width) {
            for row in rows.chunks_exact_mut(width) {
                let mut max = _mm256_set1_ps(f32::NEG_INFINITY);
                for chunk in row[..whole].chunks_exact(8) {
                    // SAFETY: the chunk holds 8 floats.
                    max = _mm256_max_ps(max, unsafe { _mm256_loadu_ps(chunk.as_ptr()) });
                }
                let mut lanes = [0f32; 8];
                // SAFETY: `lanes` holds 8 floats.
                unsafe { _mm256_storeu_ps(lanes.as_mut_ptr(), max) };
                let max = lanes
                    .iter()
                    .chain(&row[whole..t])
                    .copied()
                    .fold(f32::NEG_INFINITY, f32::max);
                let max = _mm256_set1_ps(max);
                for chunk in row.chunks_exact_mut(8) {
                    // SAFETY: the chunk holds 8 floats.
                    unsafe {
                        let x = _mm256_loadu_ps(chunk.as_ptr());
                        _mm256_storeu_ps(chunk.as_mut_ptr(), exp8(_mm256_sub_ps(x, max)));
                    }
                }
            }
            let mut sums = [0f32; 8];
            for j in 0..t {
                for (sum, row) in sums.iter_mut().zip(rows.chunks_exact(width)) {
                    *sum += row[j];
                }
            }
            for (row, &sum) in rows.chunks_exact_mut(width).zip(&sums) {
                let sum = _mm256_set1_ps(sum);
                for chunk in row.chunks_exact_mut(8) {
                    // SAFETY: the chunk holds 8 floats.
                    unsafe {
                        let x = _mm256_loadu_ps(chunk.as_ptr());
                        _mm256_storeu_ps(chunk.as_mut_ptr(), _mm256_div_ps(x, sum));
                    }
                }
            }
        }
    }

    /// [`tile`] for `rows` (1..=6) rows of `columns` (8 or 16).
    ///
    /// # Safety
    /// As [`tile`]'s.
    #[inline(always)]
    unsafe fn by_rows(
        rows: usize,
        columns: usize,
        depth: usize,
        a: (*const f32, usize),
        b: (*const f32, usize),
        c: (*mut f32, usize),
        scale: f32,
    ) {
        // SAFETY: the caller's.
        unsafe {
            match (rows, columns) {
                (6, 16) => tile::<6, 2>(depth, a, b, c, scale),
                (5, 16) => tile::<5, 2>(depth, a, b, c, scale),
                (4, 16) => tile::<4, 2>(depth, a, b, c, scale),
                (3, 16) => tile::<3, 2>(depth, a, b, c, scale),
                (2, 16) => tile::<2, 2>(depth, a, b, c, scale),
                (1, 16) => tile::<1, 2>(depth, a, b, c, scale),
                (6, 8) => tile::<6, 1>(depth, a, b, c, scale),
                (5, 8) => tile::<5, 1>(depth, a, b, c, scale),
                (4, 8) => tile::<4, 1>(depth, a, b, c, scale),
                (3, 8) => tile::<3, 1>(depth, a, b, c, scale),
                (2, 8) => tile::<2, 1>(depth, a, b, c, scale),
                (1, 8) => tile::<1, 1>(depth, a, b, c, scale),
                other => unreachable!("a tile of {other:?} rows and columns"),
            }
        }
    }

    /// `C[R, 8 V] = scale * A[R, depth] B[depth, 8 V]`, each pointer with its row stride: the
    /// products added in order of depth with fused multiply-adds from zero, then scaled, as
    /// `matrixmultiply`'s FMA kernel computes them.
    ///
    /// # Safety
    /// The CPU must support AVX2 and FMA; A's `R` rows of `depth`, B's `depth` rows of `8 V` and
    /// C's `R` rows of `8 V` must be readable (writable for C).
    #[target_feature(enable = "avx2,fma")]
    unsafe fn tile<const R: usize, const V: usize>(
        depth: usize,
        (a, a_stride): (*const f32, usize),
        (b, b_stride): (*const f32, usize),
        (c, c_stride): (*mut f32, usize),
        scale: f32,
    ) {
        let mut acc = [[_mm256_setzero_ps(); V]; R];
        for k in 0..depth {
            // SAFETY: k < depth, r < R and v < V: inside A and B, as the caller says.
            unsafe {
                let mut b_row = [_mm256_setzero_ps(); V];
                for (v, b_row) in b_row.iter_mut().enumerate() {
                    *b_row = _mm256_loadu_ps(b.add(k * b_stride + 8 * v));
                }
                for (r, acc) in acc.iter_mut().enumerate() {
                    let x = _mm256_set1_ps(*a.add(r * a_stride + k));
                    for (acc, &b_row) in acc.iter_mut().zip(&b_row) {
                        *acc = _mm256_fmadd_ps(x, b_row, *acc);
                    }
                }
            }
        }
        let scale = _mm256_set1_ps(scale);
        let zero = _mm256_setzero_ps();
        for (r, acc) in acc.iter().enumerate() {
            for (v, &acc) in acc.iter().enumerate() {
                // SAFETY: C's row r holds 8 V floats, as the caller says.
                unsafe {
                    let out = c.add(r * c_stride + 8 * v);
                    _mm256_storeu_ps(out, _mm256_fmadd_ps(scale, acc, zero));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Kernel;

    #[test]
    fn softmax_sums_to_one() {
        for avx2 in [false, Kernel::Avx2.is_supported()] {
            let mut row = [1.0, 2.0, 3.0, 1000.0, -5.0, 0.5, 7.0, 2.5, 999.0];
            softmax(&mut row, avx2);
            assert!((row.iter().sum::<f32>() - 1.0).abs() < 1e-6);
            assert!(row[3] > 0.7 && row[8] > 0.2);
        }
    }

    /// Pseudo-random values in [-4, 4): scores spread enough for the softmax to matter.
    fn values(len: usize, seed: u32) -> Vec<f32> {
        let mut state = seed.wrapping_mul(2_654_435_761).max(1);
        (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                (state >> 8) as f32 / (1 << 24) as f32 * 8.0 - 4.0
            })
            .collect()
    }

    #[test]
    fn the_avx2_tiles_give_matrixmultiplys_bits() {
        if !Kernel::Avx2.is_supported() {
            return;
        }
        let (hidden, heads) = (96, 3);
        // A tile's rows and columns whole, partial and single; up to the longest message.
        for t in [1, 5, 6, 7, 8, 9, 16, 17, 24, 48, 127, 128] {
            let qkv = values(t * 3 * hidden, t as u32);
            let scratch_len = scratch_len(t, hidden / heads);
            let heads = Heads {
                qkv: &qkv,
                hidden,
                heads,
            };
            let context = |avx2| {
                // Leftovers of a longer sequence in the scratch space must not matter.
                let mut scratch = values(scratch_len, 7);
                let mut context = vec![0f32; t * hidden];
                attend(&heads, &mut scratch, &mut context, avx2);
                context.into_iter().map(f32::to_bits).collect::<Vec<_>>()
            };
            let tiles = context(true);
            let gemm = {
                // The fallback with the same (AVX2) exponentials.
                let mut scratch = vec![0f32; scratch_len];
                let mut context = vec![0f32; t * hidden];
                by_gemm(&qkv, hidden, heads.heads, &mut scratch, &mut context, true);
                context.into_iter().map(f32::to_bits).collect::<Vec<_>>()
            };
            assert_eq!(tiles, gemm, "{t} tokens");
        }
    }
}

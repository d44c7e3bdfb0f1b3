//! `exp` for attention's softmax, 8 values at a time on AVX2, giving the bits glibc's `expf` gives
//! for every f32 at or below zero (the softmax's inputs: each score less the row's largest).
//!
//! Why: a message of 42 tokens takes 254,000 exponentials (12 layers x 12 heads x 42 x 42), and
//! libm's `expf`, one call per value (about 5 ns), was 3% of an e5 embedding's CPU.
//!
//! The method is glibc's (from Arm's optimized routines), in f64: `x / ln 2 * 32 = k + r` with `k`
//! an integer (rounded by adding 1.5 x 2^52) and `|r| <= 1/2`; then `exp(x) = 2^(k/32) 2^(r/32)`,
//! `2^(k/32)` from a table of 32 values and the exponent bits of `k / 32`, `2^(r/32)` from a
//! cubic. The multiply-adds that glibc's FMA build fuses are fused here too (`r`, and the cubic's
//! three): checked against glibc 2.36's `expf` (the FMA build it picks on AVX2 CPUs) on all 2^31
//! f32 values with the sign bit set, NaNs included (`every_nonpositive_f32_gives_libms_bits`,
//! ignored by default: about 20 s of CPU). The portable function and the AVX2 one do the same
//! operations, so they agree to the bit (tested), and on glibc both agree with what the softmax
//! computed before; another libm may differ from them by one unit in the last place (tested).

#[cfg(target_arch = "x86_64")]
pub(crate) use avx2::exp8;

/// `2^(i/32)` rounded to f64, as bits, less `i << 47`: adding `k << 47` (with `i = k mod 32`) then
/// puts `k / 32`'s integer part in the exponent.
const TABLE: [u64; 32] = [
    0x3ff0000000000000,
    0x3fefd9b0d3158574,
    0x3fefb5586cf9890f,
    0x3fef9301d0125b51,
    0x3fef72b83c7d517b,
    0x3fef54873168b9aa,
    0x3fef387a6e756238,
    0x3fef1e9df51fdee1,
    0x3fef06fe0a31b715,
    0x3feef1a7373aa9cb,
    0x3feedea64c123422,
    0x3feece086061892d,
    0x3feebfdad5362a27,
    0x3feeb42b569d4f82,
    0x3feeab07dd485429,
    0x3feea47eb03a5585,
    0x3feea09e667f3bcd,
    0x3fee9f75e8ec5f74,
    0x3feea11473eb0187,
    0x3feea589994cce13,
    0x3feeace5422aa0db,
    0x3feeb737b0cdc5e5,
    0x3feec49182a3f090,
    0x3feed503b23e255d,
    0x3feee89f995ad3ad,
    0x3feeff76f2fb5e47,
    0x3fef199bdd85529c,
    0x3fef3720dcef9069,
    0x3fef5818dcfba487,
    0x3fef7c97337b9b5f,
    0x3fefa4afa2a490da,
    0x3fefd0765b6e4540,
];
/// 32 / ln 2.
const SCALE: f64 = f64::from_bits(0x40471547652b82fe);
/// 1.5 x 2^52: adding it rounds to an integer, which is then in the low bits.
const ROUND: f64 = f64::from_bits(0x4338000000000000);
/// `2^(r/32) ~ 1 + C2 r + C1 r^2 + C0 r^3`.
const C0: f64 = f64::from_bits(0x3ebc6af84b912394);
const C1: f64 = f64::from_bits(0x3f2ebfce50fac4f3);
const C2: f64 = f64::from_bits(0x3f962e42ff0c52d6);
/// Below this, `exp(x)` is under half the smallest f32: 0.
const UNDERFLOW: f32 = f32::from_bits(0xc2cff1b4);

/// `exp(x)` for `x <= 0` (or NaN).
#[inline(always)]
fn exp(x: f32) -> f32 {
    if x.is_nan() {
        return x + x;
    }
    if x < UNDERFLOW {
        return 0.0;
    }
    let x = f64::from(x);
    let rounded = SCALE * x + ROUND;
    let k = rounded.to_bits();
    let r = SCALE.mul_add(x, -(rounded - ROUND));
    let power = f64::from_bits(TABLE[(k % 32) as usize].wrapping_add(k << 47));
    let y = C0.mul_add(r, C1).mul_add(r * r, C2.mul_add(r, 1.0));
    (y * power) as f32
}

/// Replaces each value (`<= 0`, or NaN) with its exponential, with AVX2 and FMA if `avx2`.
pub(crate) fn exp_in_place(values: &mut [f32], avx2: bool) {
    #[cfg(target_arch = "x86_64")]
    if avx2 {
        // SAFETY: the caller says the CPU has AVX2 and FMA.
        unsafe { avx2::exp_in_place(values) };
        return;
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = avx2;
    for value in values {
        *value = exp(*value);
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::*;

    use super::{C0, C1, C2, ROUND, SCALE, TABLE, UNDERFLOW};

    /// # Safety
    /// The CPU must support AVX2 and FMA.
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn exp_in_place(values: &mut [f32]) {
        let mut chunks = values.chunks_exact_mut(8);
        for chunk in chunks.by_ref() {
            // SAFETY: the chunk holds 8 floats.
            unsafe {
                let x = _mm256_loadu_ps(chunk.as_ptr());
                _mm256_storeu_ps(chunk.as_mut_ptr(), exp8(x));
            }
        }
        for value in chunks.into_remainder() {
            *value = super::exp(*value);
        }
    }

    /// [`super::exp`] of 8 values.
    #[target_feature(enable = "avx2,fma")]
    pub(crate) fn exp8(x: __m256) -> __m256 {
        let low = exp4(_mm256_cvtps_pd(_mm256_castps256_ps128(x)));
        let high = exp4(_mm256_cvtps_pd(_mm256_extractf128_ps::<1>(x)));
        let y = _mm256_set_m128(high, low);
        let under = _mm256_cmp_ps::<_CMP_LT_OQ>(x, _mm256_set1_ps(UNDERFLOW));
        let y = _mm256_blendv_ps(y, _mm256_setzero_ps(), under);
        let nan = _mm256_cmp_ps::<_CMP_UNORD_Q>(x, x);
        _mm256_blendv_ps(y, _mm256_add_ps(x, x), nan)
    }

    /// [`super::exp`]'s arithmetic for 4 values within range (others give some value, read from
    /// within the table).
    #[target_feature(enable = "avx2,fma")]
    fn exp4(x: __m256d) -> __m128 {
        let scale = _mm256_set1_pd(SCALE);
        let rounded = _mm256_add_pd(_mm256_mul_pd(scale, x), _mm256_set1_pd(ROUND));
        let k = _mm256_castpd_si256(rounded);
        let r = _mm256_fmsub_pd(scale, x, _mm256_sub_pd(rounded, _mm256_set1_pd(ROUND)));
        let index = _mm256_and_si256(k, _mm256_set1_epi64x(31));
        // SAFETY: every index is within the table's 32 entries (masked just above).
        let entry = unsafe { _mm256_i64gather_epi64::<8>(TABLE.as_ptr().cast(), index) };
        let power = _mm256_castsi256_pd(_mm256_add_epi64(entry, _mm256_slli_epi64::<47>(k)));
        let cubic = _mm256_fmadd_pd(_mm256_set1_pd(C0), r, _mm256_set1_pd(C1));
        let linear = _mm256_fmadd_pd(_mm256_set1_pd(C2), r, _mm256_set1_pd(1.0));
        let y = _mm256_fmadd_pd(cubic, _mm256_mul_pd(r, r), linear);
        _mm256_cvtpd_ps(_mm256_mul_pd(y, power))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Kernel;

    /// Every `step`-th f32 with the sign bit set (from -0 down through -inf to the NaNs), and a few
    /// values of note.
    fn nonpositive(step: usize) -> Vec<f32> {
        (0x8000_0000u32..=u32::MAX)
            .step_by(step)
            .map(f32::from_bits)
            .chain([-0.0, f32::NEG_INFINITY, UNDERFLOW, -88.0, -1e-30, -0.5])
            .collect()
    }

    fn exps(values: &[f32], avx2: bool) -> Vec<u32> {
        let mut out = values.to_vec();
        exp_in_place(&mut out, avx2);
        out.into_iter().map(f32::to_bits).collect()
    }

    #[test]
    fn the_avx2_exp_gives_the_portable_bits() {
        if !Kernel::Avx2.is_supported() {
            return;
        }
        // 30 values: three chunks of 8 and a remainder.
        let values = nonpositive(1009);
        for window in values.chunks(30) {
            assert_eq!(exps(window, true), exps(window, false));
        }
    }

    #[test]
    fn exp_is_within_one_ulp_of_libm() {
        let values = nonpositive(4099);
        for (&x, got) in values.iter().zip(exps(&values, false)) {
            let want = x.exp();
            if want.is_nan() {
                assert!(f32::from_bits(got).is_nan(), "{x}");
            } else {
                assert!(
                    got.abs_diff(want.to_bits()) <= 1,
                    "exp({x}): {got:#x} vs {want}"
                );
            }
        }
        let exact = [0.0, -0.0, f32::NEG_INFINITY].map(|x| f32::from_bits(exps(&[x], false)[0]));
        assert_eq!(exact, [1.0, 1.0, 0.0]);
    }

    /// The claim in the module's documentation, on glibc: run with `cargo test --release -p
    /// smsflow-semantic --lib every_nonpositive -- --ignored`.
    #[test]
    #[ignore = "2^31 values: about 20 s of CPU in release"]
    fn every_nonpositive_f32_gives_libms_bits() {
        let avx2 = Kernel::Avx2.is_supported();
        for start in (0x8000_0000u64..=u64::from(u32::MAX)).step_by(1 << 20) {
            let chunk: Vec<f32> = (start..start + (1 << 20))
                .map(|bits| f32::from_bits(bits as u32))
                .collect();
            let want: Vec<u32> = chunk.iter().map(|x| x.exp().to_bits()).collect();
            assert_eq!(exps(&chunk, avx2), want, "from {start:#x}");
        }
    }
}

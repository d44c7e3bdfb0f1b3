//! Which vector instructions the processor runs, asked here for every kernel of smsflow's (the
//! classifier's training, the matcher's example scan, the model's dense layers): checked at run
//! time and cached by std; `false` off x86-64.

/// Whether the processor has `$feature`, as `std::is_x86_feature_detected!` names it.
macro_rules! detected {
    ($feature:tt) => {{
        #[cfg(target_arch = "x86_64")]
        let detected = std::is_x86_feature_detected!($feature);
        #[cfg(not(target_arch = "x86_64"))]
        let detected = false;
        detected
    }};
}

/// AVX2 (256-bit vectors).
pub fn avx2() -> bool {
    detected!("avx2")
}

/// FMA (fused multiply-add).
pub fn fma() -> bool {
    detected!("fma")
}

/// AVX-512F (512-bit vectors).
pub fn avx512f() -> bool {
    detected!("avx512f")
}

//! The interface to a sentence-embedding model, as the matcher sees it. The core never runs a model:
//! an adapter crate (smsflow-semantic) implements [`Embedder`], and the matcher calls it.

use std::sync::Arc;

use crate::classifier::Training;
use crate::workflow::Sensitivity;

/// Turns text into a unit-length vector whose dot product with another is their cosine similarity.
pub trait Embedder: Send + Sync {
    /// The embedding of a message, or `None` if this text cannot be embedded.
    fn embed(&self, text: &str) -> Option<Vec<f32>>;

    /// The embedding of an example phrase. Examples recur every time the workflows are compiled, so
    /// implementations may remember them.
    fn embed_example(&self, text: &str) -> Option<Arc<[f32]>> {
        self.embed(text).map(Arc::from)
    }

    /// [`Embedder::embed_example`] for many phrases at once, in order: implementations may batch.
    fn embed_examples(&self, texts: &[&str]) -> Vec<Option<Arc<[f32]>>> {
        texts.iter().map(|text| self.embed_example(text)).collect()
    }

    /// A goal classifier kept by [`Embedder::keep_classifier`] under `key`, as
    /// [`crate::classifier::GoalClassifier::to_bytes`] wrote it: the matcher keeps the one it
    /// trains on the goals' built-in examples (a second or more of training, the same at every
    /// start). `None` when none is kept under `key`; by default none is ever kept.
    fn kept_classifier(&self, _key: u64) -> Option<Vec<u8>> {
        None
    }

    /// Keeps `classifier` (bytes of a trained goal classifier) under `key`, for example in a file
    /// beside the model, in place of any kept before. By default it is not kept.
    fn keep_classifier(&self, _key: u64, _classifier: &[u8]) {}
}

/// How the matcher decides by meaning with a given model: how its goal classifier is trained and
/// calibrated (see [`crate::classifier`]), and the probability cut-offs of the decision. The values
/// depend on the model; its adapter crate provides values chosen on labelled data.
#[derive(Debug, Clone, PartialEq)]
pub struct SemanticConfig {
    pub training: Training,
    /// The least probability of its goal for a workflow to match by meaning, by sensitivity.
    pub strict: f32,
    pub balanced: f32,
    pub broad: f32,
    /// Goals within this much probability of the most probable one match too (a tie).
    pub margin: f32,
    /// A match by meaning at least this probable wins over a lower-ranked workflow's keyword;
    /// below it, a keyword the business chose decides.
    pub clear: f32,
    /// A goal does not match by meaning when the message's closest "none of these" example is this
    /// much more similar (cosine) than the goal's closest example: the catch-all's examples are of
    /// many kinds, which one linear class fits less well than their nearest neighbours do.
    /// `f32::INFINITY` turns the check off.
    pub nearer_none: f32,
}

impl SemanticConfig {
    /// The cut-off for a workflow's sensitivity.
    pub fn cutoff(&self, sensitivity: Sensitivity) -> f32 {
        match sensitivity {
            Sensitivity::Strict => self.strict,
            Sensitivity::Balanced => self.balanced,
            Sensitivity::Broad => self.broad,
        }
    }
}

/// Cosine similarity of two unit-length vectors.
pub fn similarity(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Calls `each` with the index of every item of `items` and the [`similarity`] of `vector` with
/// its vector (`row` gives it; every row as long as `vector`), in order. The same floats as
/// [`similarity`], to the bit: with AVX2, eight rows at a time, transposed in registers so that
/// each lane adds one row's products in [`similarity`]'s order (one running sum, from -0.0 as
/// `Sum` starts).
/// The matcher scans all ~4,900 examples for every message this way.
pub(crate) fn for_each_similarity<T>(
    vector: &[f32],
    items: &[T],
    row: impl for<'a> Fn(&'a T) -> &'a [f32],
    mut each: impl FnMut(usize, f32),
) {
    let mut groups = items.chunks_exact(8);
    let mut index = 0;
    #[cfg(target_arch = "x86_64")]
    if crate::cpu::avx2() {
        for group in groups.by_ref() {
            let rows: [&[f32]; 8] = std::array::from_fn(|i| row(&group[i]));
            // SAFETY: the processor has AVX2, checked just above.
            let sums = unsafe { similarities_avx2(vector, rows) };
            for sum in sums {
                each(index, sum);
                index += 1;
            }
        }
    }
    let rest = groups.remainder();
    for item in groups.flatten().chain(rest) {
        each(index, similarity(vector, row(item)));
        index += 1;
    }
}

/// [`similarity`] of `vector` with each of eight `rows`, to the bit (see [`for_each_similarity`]).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn similarities_avx2(vector: &[f32], rows: [&[f32]; 8]) -> [f32; 8] {
    use std::arch::x86_64::*;
    assert!(rows.iter().all(|row| row.len() == vector.len()));
    let whole = vector.len() / 8 * 8;
    let mut sums = _mm256_set1_ps(-0.0);
    for start in (0..whole).step_by(8) {
        // SAFETY: `start + 8` is within `vector` and every row, all of its length (asserted).
        let [a, b, c, d, e, f, g, h] =
            rows.map(|row| unsafe { _mm256_loadu_ps(row.as_ptr().add(start)) });
        // An 8 x 8 transpose: `columns[k]` holds input `start + k` of the eight rows.
        let (ab_low, ab_high) = (_mm256_unpacklo_ps(a, b), _mm256_unpackhi_ps(a, b));
        let (cd_low, cd_high) = (_mm256_unpacklo_ps(c, d), _mm256_unpackhi_ps(c, d));
        let (ef_low, ef_high) = (_mm256_unpacklo_ps(e, f), _mm256_unpackhi_ps(e, f));
        let (gh_low, gh_high) = (_mm256_unpacklo_ps(g, h), _mm256_unpackhi_ps(g, h));
        let first = [
            _mm256_shuffle_ps::<0x44>(ab_low, cd_low),
            _mm256_shuffle_ps::<0xEE>(ab_low, cd_low),
            _mm256_shuffle_ps::<0x44>(ab_high, cd_high),
            _mm256_shuffle_ps::<0xEE>(ab_high, cd_high),
        ];
        let second = [
            _mm256_shuffle_ps::<0x44>(ef_low, gh_low),
            _mm256_shuffle_ps::<0xEE>(ef_low, gh_low),
            _mm256_shuffle_ps::<0x44>(ef_high, gh_high),
            _mm256_shuffle_ps::<0xEE>(ef_high, gh_high),
        ];
        let columns = [
            _mm256_permute2f128_ps::<0x20>(first[0], second[0]),
            _mm256_permute2f128_ps::<0x20>(first[1], second[1]),
            _mm256_permute2f128_ps::<0x20>(first[2], second[2]),
            _mm256_permute2f128_ps::<0x20>(first[3], second[3]),
            _mm256_permute2f128_ps::<0x31>(first[0], second[0]),
            _mm256_permute2f128_ps::<0x31>(first[1], second[1]),
            _mm256_permute2f128_ps::<0x31>(first[2], second[2]),
            _mm256_permute2f128_ps::<0x31>(first[3], second[3]),
        ];
        for (k, column) in columns.into_iter().enumerate() {
            let x = _mm256_set1_ps(vector[start + k]);
            sums = _mm256_add_ps(sums, _mm256_mul_ps(x, column));
        }
    }
    let mut lanes = [0f32; 8];
    // SAFETY: `lanes` holds eight floats.
    unsafe { _mm256_storeu_ps(lanes.as_mut_ptr(), sums) };
    for (lane, row) in lanes.iter_mut().zip(rows) {
        for (x, y) in vector[whole..].iter().zip(&row[whole..]) {
            *lane += x * y;
        }
    }
    lanes
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `n` numbers in [-1, 1] that differ from row to row (`seed`), so their sums round.
    fn numbers(seed: u64, n: usize) -> Vec<f32> {
        (0..n)
            .map(|i| ((i as f32 + 1.0) * (seed as f32 * 0.618 + 0.37)).sin())
            .collect()
    }

    #[test]
    fn the_scan_gives_each_rows_similarity_to_the_bit() {
        // 384 wide as both models, and 13 (a tail after the whole eights); 21 rows: two groups of
        // eight and five left over.
        for width in [384, 13] {
            let vector = numbers(1, width);
            let rows: Vec<Vec<f32>> = (0..21).map(|i| numbers(i + 2, width)).collect();
            let mut seen = Vec::new();
            for_each_similarity(&vector, &rows, Vec::as_slice, |index, sum| {
                seen.push((index, sum.to_bits()))
            });
            let expected: Vec<_> = rows
                .iter()
                .enumerate()
                .map(|(index, row)| (index, similarity(&vector, row).to_bits()))
                .collect();
            assert_eq!(seen, expected, "{width} wide");
        }
    }
}

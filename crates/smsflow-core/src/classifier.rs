//! The goal classifier: which goal a message is about, as probabilities that compare the goals with
//! each other, computed from its sentence embedding.
//!
//! A multinomial logistic regression over the five goals (the catch-all's examples are the class
//! "none of these"), trained when the matcher is built from the goals' example phrases and the
//! workflows' own examples. Each goal's examples weigh as much in total as any other goal's, so a
//! goal with many examples is not favoured. Training is a fixed number of accelerated gradient
//! steps on the L2-regularised cross-entropy, which is smooth and strongly convex: the answer does
//! not depend on the order of the examples, and a few hundred examples take a fraction of a second.
//! The logits are divided by a temperature chosen for the model on labelled messages, so that a
//! probability of 0.8 is right about 80% of the time.
//!
//! Beside the embedding, the classifier reads the message's words and their character n-grams,
//! hashed into a fixed number of buckets (see [`ngrams`]). They carry what an English-only embedding
//! misses in Spanish ("turno", "cita", "no funciona") and in typos, and are learnt from the same
//! examples; [`Training::ngrams`] sets how much they weigh beside the embedding (0 leaves them out).

use crate::goal::Goal;
use crate::text::normalize;

const CLASSES: usize = Goal::ALL.len();
/// Hash buckets of the n-gram features: few enough that training stays fast, enough that collisions
/// between the few thousand n-grams of the examples are rare.
const BUCKETS: usize = 1 << 14;

/// How the classifier is trained and calibrated; values depend on the embedding model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Training {
    /// L2 penalty on the weights: larger is smoother and less sure of itself.
    pub l2: f32,
    /// Gradient steps.
    pub steps: usize,
    /// Divides the logits before the softmax (calibration; 1 leaves them as trained).
    pub temperature: f32,
    /// The length of the n-gram feature vector beside the unit-length embedding; 0 leaves the
    /// n-grams out.
    pub ngrams: f32,
}

/// A sparse feature vector: (bucket, value) pairs.
type Sparse = Vec<(u32, f32)>;

/// The words of `text` (normalised: lower case, no accents) and the character 3- and 4-grams of
/// each word with its boundaries, hashed into buckets and scaled to length `norm`.
pub fn ngrams(text: &str, norm: f32) -> Sparse {
    let normalised = normalize(text);
    let mut counts: std::collections::HashMap<u32, f32> = std::collections::HashMap::new();
    for word in normalised.split_whitespace() {
        *counts.entry(bucket(b"w", word.as_bytes())).or_default() += 1.0;
        let padded: Vec<char> = std::iter::once(' ')
            .chain(word.chars())
            .chain(std::iter::once(' '))
            .collect();
        for n in 3..=4 {
            for gram in padded.windows(n) {
                let gram: String = gram.iter().collect();
                *counts
                    .entry(bucket(&[b'0' + n as u8], gram.as_bytes()))
                    .or_default() += 1.0;
            }
        }
    }
    let length = counts.values().map(|v| v * v).sum::<f32>().sqrt();
    if length == 0.0 {
        return Vec::new();
    }
    let mut sparse: Sparse = counts
        .into_iter()
        .map(|(index, count)| (index, count * norm / length))
        .collect();
    sparse.sort_unstable_by_key(|&(index, _)| index);
    sparse
}

/// FNV-1a of `kind` then `bytes`, reduced to a bucket.
fn bucket(kind: &[u8], bytes: &[u8]) -> u32 {
    let hash = kind.iter().chain(bytes).fold(0x811c_9dc5u32, |hash, &b| {
        (hash ^ b as u32).wrapping_mul(0x0100_0193)
    });
    hash % BUCKETS as u32
}

/// A trained classifier: one weight vector and bias per goal.
#[derive(Debug, Clone)]
pub struct GoalClassifier {
    dimension: usize,
    /// `CLASSES` rows of `dimension` weights, by `Goal as usize`.
    weights: Vec<f32>,
    /// `CLASSES` rows of `BUCKETS` n-gram weights; empty when n-grams are left out.
    ngram_weights: Vec<f32>,
    ngram_norm: f32,
    bias: [f32; CLASSES],
    temperature: f32,
}

/// Each goal's probability, by `Goal as usize`; they sum to 1.
pub type Probabilities = [f32; CLASSES];

impl GoalClassifier {
    /// Trains on `examples` (an embedding, the text it embeds and its goal). `None` without
    /// examples of at least two goals or with vectors of different lengths: there is nothing to
    /// compare.
    pub fn train(examples: &[(&[f32], &str, Goal)], training: Training) -> Option<GoalClassifier> {
        let dimension = examples.first()?.0.len();
        if examples
            .iter()
            .any(|(vector, _, _)| vector.len() != dimension)
        {
            return None;
        }
        let ngram_norm = training.ngrams.max(0.0);
        let buckets = if ngram_norm > 0.0 { BUCKETS } else { 0 };
        let sparse: Vec<Sparse> = examples
            .iter()
            .map(|(_, text, _)| {
                if buckets > 0 {
                    ngrams(text, ngram_norm)
                } else {
                    Vec::new()
                }
            })
            .collect();
        let mut per_class = [0usize; CLASSES];
        for (_, _, goal) in examples {
            per_class[*goal as usize] += 1;
        }
        let present = per_class.iter().filter(|&&count| count > 0).count();
        if present < 2 {
            return None;
        }
        // Balanced: every goal with examples weighs 1/present in total.
        let sample_weight: [f32; CLASSES] = per_class.map(|count| {
            if count == 0 {
                0.0
            } else {
                1.0 / (present as f32 * count as f32)
            }
        });

        // One row per goal: the embedding's weights, the bias, then the n-gram buckets' weights.
        let width = dimension + 1 + buckets;
        let size = CLASSES * width;
        // Nesterov's method: `current` is the estimate, `lookahead` where the gradient is taken.
        let mut current = vec![0f32; size];
        let mut lookahead = current.clone();
        let mut gradient = vec![0f32; size];
        // The loss's curvature is at most 1/2 of the squared length of the input (a unit vector,
        // a bias of 1 and the n-grams) plus the penalty, so this step never overshoots.
        let step = 1.0 / ((2.0 + ngram_norm * ngram_norm) / 2.0 + training.l2);
        let mut logits = [0f32; CLASSES];
        for t in 0..training.steps {
            gradient.iter_mut().for_each(|g| *g = 0.0);
            for ((vector, _, goal), grams) in examples.iter().zip(&sparse) {
                for (class, logit) in logits.iter_mut().enumerate() {
                    let row = &lookahead[class * width..(class + 1) * width];
                    *logit = dot(&row[..dimension], vector)
                        + row[dimension]
                        + sparse_dot(&row[dimension + 1..], grams);
                }
                softmax(&mut logits);
                let weight = sample_weight[*goal as usize];
                for (class, probability) in logits.iter().enumerate() {
                    let error =
                        weight * (probability - if class == *goal as usize { 1.0 } else { 0.0 });
                    let row = &mut gradient[class * width..(class + 1) * width];
                    for (g, x) in row[..dimension].iter_mut().zip(vector.iter()) {
                        *g += error * x;
                    }
                    row[dimension] += error;
                    let ngram_row = &mut row[dimension + 1..];
                    for &(index, x) in grams {
                        ngram_row[index as usize] += error * x;
                    }
                }
            }
            for class in 0..CLASSES {
                let row = class * width..(class + 1) * width;
                for (i, (g, w)) in gradient[row.clone()]
                    .iter_mut()
                    .zip(&lookahead[row])
                    .enumerate()
                {
                    // The bias is not penalised.
                    if i != dimension {
                        *g += training.l2 * w;
                    }
                }
            }
            let momentum = t as f32 / (t as f32 + 3.0);
            for ((y, x), g) in lookahead.iter_mut().zip(current.iter_mut()).zip(&gradient) {
                let next = *y - step * g;
                *y = next + momentum * (next - *x);
                *x = next;
            }
        }
        let mut weights = Vec::with_capacity(CLASSES * dimension);
        let mut ngram_weights = Vec::with_capacity(CLASSES * buckets);
        let mut bias = [0f32; CLASSES];
        for (row, bias) in current.chunks_exact(width).zip(bias.iter_mut()) {
            weights.extend_from_slice(&row[..dimension]);
            *bias = row[dimension];
            ngram_weights.extend_from_slice(&row[dimension + 1..]);
        }
        // A goal without examples is never predicted.
        for (bias, count) in bias.iter_mut().zip(per_class) {
            if count == 0 {
                *bias = f32::NEG_INFINITY;
            }
        }
        Some(GoalClassifier {
            dimension,
            weights,
            ngram_weights,
            ngram_norm,
            bias,
            temperature: training.temperature.max(1e-3),
        })
    }

    /// Calibrates again: divides the logits by `temperature` from now on.
    pub fn set_temperature(&mut self, temperature: f32) {
        self.temperature = temperature.max(1e-3);
    }

    /// Each goal's probability for a message: its embedding `vector` and its `text` (calibrated).
    pub fn probabilities(&self, vector: &[f32], text: &str) -> Probabilities {
        let grams = if self.ngram_weights.is_empty() {
            Vec::new()
        } else {
            ngrams(text, self.ngram_norm)
        };
        let mut logits = [0f32; CLASSES];
        for (class, logit) in logits.iter_mut().enumerate() {
            let row = &self.weights[class * self.dimension..(class + 1) * self.dimension];
            let ngram_row = self
                .ngram_weights
                .get(class * BUCKETS..(class + 1) * BUCKETS)
                .unwrap_or(&[]);
            *logit = (dot(row, vector) + self.bias[class] + sparse_dot(ngram_row, &grams))
                / self.temperature;
        }
        softmax(&mut logits);
        logits
    }
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    // Eight running sums so the compiler vectorises the loop.
    let mut sums = [0f32; 8];
    let (a_chunks, b_chunks) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = a_chunks
        .remainder()
        .iter()
        .zip(b_chunks.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in a_chunks.zip(b_chunks) {
        for ((sum, p), q) in sums.iter_mut().zip(x).zip(y) {
            *sum += p * q;
        }
    }
    sums.iter().sum::<f32>() + tail
}

/// `dense` · `sparse`; no n-grams (an empty `sparse`) is 0.
fn sparse_dot(dense: &[f32], sparse: &[(u32, f32)]) -> f32 {
    sparse
        .iter()
        .map(|&(index, value)| dense[index as usize] * value)
        .sum()
}

fn softmax(logits: &mut [f32; CLASSES]) {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut total = 0.0;
    for logit in logits.iter_mut() {
        *logit = (*logit - max).exp();
        total += *logit;
    }
    for logit in logits.iter_mut() {
        *logit /= total;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRAINING: Training = Training {
        l2: 0.01,
        steps: 200,
        temperature: 1.0,
        ngrams: 0.0,
    };

    fn unit(values: &[f32]) -> Vec<f32> {
        let norm = values.iter().map(|v| v * v).sum::<f32>().sqrt();
        values.iter().map(|v| v / norm).collect()
    }

    #[test]
    fn separates_goals_and_sums_to_one() {
        let booking = [unit(&[1.0, 0.1, 0.0]), unit(&[0.9, 0.0, 0.2])];
        let support = [unit(&[0.0, 1.0, 0.1]), unit(&[0.1, 0.9, 0.0])];
        let none = [unit(&[0.0, 0.1, 1.0])];
        let mut examples: Vec<(&[f32], &str, Goal)> = Vec::new();
        examples.extend(
            booking
                .iter()
                .map(|v| (v.as_slice(), "", Goal::AppointmentBooking)),
        );
        examples.extend(
            support
                .iter()
                .map(|v| (v.as_slice(), "", Goal::HelpDeskSupport)),
        );
        examples.extend(
            none.iter()
                .map(|v| (v.as_slice(), "", Goal::GeneralInquiry)),
        );
        let classifier = GoalClassifier::train(&examples, TRAINING).unwrap();
        let p = classifier.probabilities(&unit(&[1.0, 0.05, 0.05]), "");
        assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-5);
        let best = (0..CLASSES).max_by(|&a, &b| p[a].total_cmp(&p[b])).unwrap();
        assert_eq!(Goal::ALL[best], Goal::AppointmentBooking, "{p:?}");
        assert_eq!(
            p[Goal::LeadCapture as usize],
            0.0,
            "a goal without examples"
        );
        let q = classifier.probabilities(&unit(&[0.0, 0.0, 1.0]), "");
        assert!(q[Goal::GeneralInquiry as usize] > q[Goal::HelpDeskSupport as usize]);
    }

    #[test]
    fn a_higher_temperature_is_less_sure() {
        let a = unit(&[1.0, 0.0]);
        let b = unit(&[0.0, 1.0]);
        let examples: Vec<(&[f32], &str, Goal)> =
            vec![(&a, "", Goal::SalesInquiry), (&b, "", Goal::GeneralInquiry)];
        let sharp = GoalClassifier::train(&examples, TRAINING).unwrap();
        let soft = GoalClassifier::train(
            &examples,
            Training {
                temperature: 3.0,
                ..TRAINING
            },
        )
        .unwrap();
        let sales = Goal::SalesInquiry as usize;
        assert!(sharp.probabilities(&a, "")[sales] > soft.probabilities(&a, "")[sales]);
        assert!(soft.probabilities(&a, "")[sales] > 0.5);
    }

    #[test]
    fn needs_two_goals() {
        let a = unit(&[1.0, 0.0]);
        assert!(GoalClassifier::train(&[(&a, "", Goal::SalesInquiry)], TRAINING).is_none());
        assert!(GoalClassifier::train(&[], TRAINING).is_none());
    }

    #[test]
    fn ngrams_tell_apart_what_the_embedding_cannot() {
        // The same embedding for every text: only the words can separate the goals.
        let same = unit(&[1.0, 1.0]);
        let examples: Vec<(&[f32], &str, Goal)> = vec![
            (&same, "quiero pedir turno", Goal::AppointmentBooking),
            (
                &same,
                "necesito un turno el lunes",
                Goal::AppointmentBooking,
            ),
            (&same, "la app no funciona", Goal::HelpDeskSupport),
            (&same, "el aire no funciona", Goal::HelpDeskSupport),
        ];
        let training = Training {
            ngrams: 1.0,
            ..TRAINING
        };
        let classifier = GoalClassifier::train(&examples, training).unwrap();
        let p = classifier.probabilities(&same, "hay turnos el martes?");
        assert!(p[Goal::AppointmentBooking as usize] > p[Goal::HelpDeskSupport as usize]);
        let q = classifier.probabilities(&same, "el horno NO FUNCIONA");
        assert!(q[Goal::HelpDeskSupport as usize] > q[Goal::AppointmentBooking as usize]);
    }

    #[test]
    fn ngrams_have_the_length_asked_and_ignore_case_and_accents() {
        let grams = ngrams("Quiero una CITA mañana", 0.5);
        let length = grams.iter().map(|(_, v)| v * v).sum::<f32>().sqrt();
        assert!((length - 0.5).abs() < 1e-5);
        assert_eq!(grams, ngrams("quiero una cita manana", 0.5));
        assert!(ngrams(" !! ", 1.0).is_empty());
    }
}

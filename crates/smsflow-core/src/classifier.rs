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
//! How the goals' probabilities relate is the [`Objective`]: a softmax makes them compete (they sum
//! to 1), one-vs-rest gives each goal its own sigmoid, "is this message about this goal or not", so
//! a message about two goals (a fault and a visit) can be probable for both. A text learnt as an
//! example of several goals is one example with several targets either way.
//!
//! Beside the embedding, the classifier reads the message's words and their character n-grams,
//! hashed into a fixed number of buckets (see [`ngrams`]). They carry what an English-only embedding
//! misses in Spanish ("turno", "cita", "no funciona") and in typos, and are learnt from the same
//! examples; [`Training::ngrams`] sets how much they weigh beside the embedding (0 leaves them out).

use std::collections::HashMap;

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
    /// How the goals' probabilities relate to each other.
    pub objective: Objective,
}

/// What the classifier learns: one choice among the goals, or each goal on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Objective {
    /// Multinomial logistic regression: the goals' probabilities sum to 1, and a text that is an
    /// example of two goals teaches half of each.
    Softmax,
    /// One logistic regression per goal ("about this goal or not", a sigmoid each): a text that is
    /// an example of two goals teaches both fully, and the probabilities need not sum to 1.
    OneVsRest,
}

impl Objective {
    /// How [`GoalClassifier::to_bytes`] writes the objective.
    fn stored_number(self) -> usize {
        match self {
            Objective::Softmax => 0,
            Objective::OneVsRest => 1,
        }
    }

    fn from_stored_number(number: usize) -> Option<Objective> {
        [Objective::Softmax, Objective::OneVsRest]
            .into_iter()
            .find(|objective| objective.stored_number() == number)
    }
}

/// A sparse feature vector: (bucket, value) pairs.
type Sparse = Vec<(u32, f32)>;

/// The words of `text` (normalised: lower case, no accents) and the character 3- and 4-grams of
/// each word with its boundaries, hashed into buckets and scaled to length `norm`.
pub fn ngrams(text: &str, norm: f32) -> Sparse {
    let normalised = normalize(text);
    let mut counts: std::collections::HashMap<u32, f32> = std::collections::HashMap::new();
    let mut padded: Vec<char> = Vec::new();
    for word in normalised.split_whitespace() {
        *counts.entry(bucket(b"w", word.as_bytes())).or_default() += 1.0;
        padded.clear();
        padded.push(' ');
        padded.extend(word.chars());
        padded.push(' ');
        for n in 3..=4 {
            for gram in padded.windows(n) {
                // The gram's UTF-8 bytes hashed as they are encoded, without a string for each.
                let hash = gram
                    .iter()
                    .fold(fnv(FNV_START, &[b'0' + n as u8]), |hash, c| {
                        fnv(hash, c.encode_utf8(&mut [0; 4]).as_bytes())
                    });
                *counts.entry(hash % BUCKETS as u32).or_default() += 1.0;
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
    fnv(fnv(FNV_START, kind), bytes) % BUCKETS as u32
}

/// FNV-1a's hash before any byte.
const FNV_START: u32 = 0x811c_9dc5;

/// FNV-1a's `hash` continued with `bytes`.
fn fnv(hash: u32, bytes: &[u8]) -> u32 {
    bytes
        .iter()
        .fold(hash, |hash, &b| (hash ^ b as u32).wrapping_mul(0x0100_0193))
}

/// The steps [`GoalClassifier::refine`] takes when `added` of `total` examples are new: the share
/// of new examples of `steps`, and never fewer than [`MIN_REFINE_SHARE`] of them, so that even one
/// new example is learnt about as well as training from 0 would.
pub fn refine_steps(steps: usize, added: usize, total: usize) -> usize {
    let share = steps * added / total.max(1);
    share.max(steps / MIN_REFINE_SHARE).min(steps)
}

/// [`refine_steps`] takes at least `steps / MIN_REFINE_SHARE` steps.
const MIN_REFINE_SHARE: usize = 10;

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
    objective: Objective,
}

/// The start of [`GoalClassifier::to_bytes`]: a change of the form changes the version (02
/// records the objective).
const STORED_MAGIC: &[u8; 8] = b"SMSGCL02";

/// Each goal's probability, by `Goal as usize`; they sum to 1 with [`Objective::Softmax`].
pub type Probabilities = [f32; CLASSES];

impl GoalClassifier {
    /// Trains on `examples` (an embedding, the text it embeds and its goal; the same text and
    /// embedding with several goals is one example of each). `None` without examples of at least
    /// two goals or with vectors of different lengths: there is nothing to compare.
    pub fn train(examples: &[(&[f32], &str, Goal)], training: Training) -> Option<GoalClassifier> {
        GoalClassifier::descend_from(examples, training, None, training.steps)
    }

    /// Trains on `examples`, a superset of those `self` was trained on with the same `training`,
    /// starting from `self`'s weights instead of 0: `self` has learnt most of what there is to
    /// learn, so fewer steps suffice ([`refine_steps`]: more the larger the share of new examples).
    /// Either objective: the steps are those of [`GoalClassifier::train`], from other weights.
    /// `None` as for [`GoalClassifier::train`], or when `self` was learnt otherwise (vectors of
    /// another length, another objective or n-gram weight).
    pub fn refine(
        &self,
        examples: &[(&[f32], &str, Goal)],
        training: Training,
        added: usize,
    ) -> Option<GoalClassifier> {
        let steps = refine_steps(training.steps, added, examples.len());
        GoalClassifier::descend_from(examples, training, Some(self), steps)
    }

    fn descend_from(
        examples: &[(&[f32], &str, Goal)],
        training: Training,
        start: Option<&GoalClassifier>,
        steps: usize,
    ) -> Option<GoalClassifier> {
        let dimension = examples.first()?.0.len();
        let ngram_norm = training.ngrams.max(0.0);
        // A start learnt otherwise is no start: its weights mean something else.
        if start.is_some_and(|start| {
            (start.dimension, start.objective, start.ngram_norm)
                != (dimension, training.objective, ngram_norm)
        }) {
            return None;
        }
        if examples
            .iter()
            .any(|(vector, _, _)| vector.len() != dimension)
        {
            return None;
        }
        let mut per_class = [0usize; CLASSES];
        for (_, _, goal) in examples {
            per_class[*goal as usize] += 1;
        }
        let present = per_class.iter().filter(|&&count| count > 0).count();
        if present < 2 {
            return None;
        }
        let set = TrainingSet::new(examples, ngram_norm, training.objective, per_class, present);
        let weights = set.descend(training, start.map(|start| set.weights_of(start)), steps);

        let buckets = if ngram_norm > 0.0 { BUCKETS } else { 0 };
        let mut classifier = GoalClassifier {
            dimension,
            weights: Vec::with_capacity(CLASSES * dimension),
            ngram_weights: vec![0f32; CLASSES * buckets],
            ngram_norm,
            bias: [0f32; CLASSES],
            temperature: training.temperature.max(1e-3),
            objective: training.objective,
        };
        let (rows, ngram_weights) = weights.split_at(set.ngrams_start());
        for (class, row) in rows.chunks_exact(set.row()).enumerate() {
            classifier.weights.extend_from_slice(&row[..dimension]);
            classifier.bias[class] = row[dimension];
        }
        for (&bucket, weights) in set.buckets.iter().zip(ngram_weights.chunks_exact(CLASSES)) {
            for (class, &weight) in weights.iter().enumerate() {
                classifier.ngram_weights[class * BUCKETS + bucket as usize] = weight;
            }
        }
        // A goal without examples is never predicted.
        for (bias, count) in classifier.bias.iter_mut().zip(per_class) {
            if count == 0 {
                *bias = f32::NEG_INFINITY;
            }
        }
        Some(classifier)
    }

    /// The classifier as bytes that [`GoalClassifier::from_bytes`] reads back to the bit, to keep
    /// a trained one across restarts (training on the built-in examples takes a second or more).
    pub fn to_bytes(&self) -> Vec<u8> {
        let floats = CLASSES * (1 + self.dimension) + self.ngram_weights.len();
        let mut bytes = Vec::with_capacity(STORED_MAGIC.len() + 20 + 4 * floats);
        bytes.extend_from_slice(STORED_MAGIC);
        let numbers = [
            self.dimension,
            self.ngram_weights.len() / CLASSES,
            self.objective.stored_number(),
        ];
        for number in numbers {
            bytes.extend_from_slice(&(number as u32).to_le_bytes());
        }
        let head = [self.ngram_norm, self.temperature];
        for float in head.iter().chain(&self.bias).chain(&self.weights) {
            bytes.extend_from_slice(&float.to_le_bytes());
        }
        for float in &self.ngram_weights {
            bytes.extend_from_slice(&float.to_le_bytes());
        }
        bytes
    }

    /// Reads what [`GoalClassifier::to_bytes`] wrote; `None` for bytes of another form (another
    /// version of smsflow, or damage).
    pub fn from_bytes(bytes: &[u8]) -> Option<GoalClassifier> {
        let body = bytes.strip_prefix(STORED_MAGIC)?;
        let (numbers, floats) = body.split_at_checked(12)?;
        let number = |at: usize| u32::from_le_bytes(numbers[at..at + 4].try_into().unwrap());
        let (dimension, buckets) = (number(0) as usize, number(4) as usize);
        let objective = Objective::from_stored_number(number(8) as usize)?;
        if buckets != 0 && buckets != BUCKETS {
            return None;
        }
        let count = 2 + CLASSES * (1 + dimension + buckets);
        if floats.len() != 4 * count {
            return None;
        }
        let mut floats = floats
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes(b.try_into().expect("4 bytes")));
        let mut take = |count: usize| floats.by_ref().take(count).collect::<Vec<f32>>();
        let head = take(2);
        Some(GoalClassifier {
            dimension,
            ngram_norm: head[0],
            temperature: head[1],
            bias: take(CLASSES).try_into().ok()?,
            weights: take(CLASSES * dimension),
            ngram_weights: take(CLASSES * buckets),
            objective,
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
        squash(self.objective, &mut logits);
        logits
    }
}

/// An embedding as a key: equal when its floats have the same bits (floats are neither `Eq` nor
/// `Hash`). It hashes to nothing: beside it in a key, the text tells examples apart, and a text
/// embedded twice is compared in full.
struct SameBits<'a>(&'a [f32]);

impl PartialEq for SameBits<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.0.len() == other.0.len()
            && self
                .0
                .iter()
                .zip(other.0)
                .all(|(a, b)| a.to_bits() == b.to_bits())
    }
}

impl Eq for SameBits<'_> {}

impl std::hash::Hash for SameBits<'_> {
    fn hash<H: std::hash::Hasher>(&self, _state: &mut H) {}
}

/// The examples as the gradient steps read them, and the layout of the weights the steps move:
/// first one row per goal of the embedding's weights and the bias, then the n-gram weights, the
/// goals' side by side for each bucket (an example's n-grams are read for every goal at once). The
/// n-grams are renumbered to the buckets some example uses: every other bucket's weight stays 0 at
/// every step, so the steps leave them out.
struct TrainingSet {
    dimension: usize,
    examples: Vec<TrainingExample>,
    /// The examples' vectors one after another, in their order: every step reads them all, and
    /// read in order from one block they arrive from memory sooner.
    vectors: Vec<f32>,
    /// The bucket of each renumbered n-gram, the most used first.
    buckets: Vec<u32>,
    ngram_norm: f32,
    objective: Objective,
}

struct TrainingExample {
    /// Renumbered n-grams, in the order of their buckets (the order [`ngrams`] gives).
    grams: Sparse,
    /// What the probabilities should be: with [`Objective::Softmax`] each of the text's goals'
    /// share of its weight, with [`Objective::OneVsRest`] 1 for each of its goals.
    targets: [f32; CLASSES],
    /// Balanced: every goal with examples weighs 1/present in total (a text of several goals
    /// weighs what each of them gives it).
    weight: f32,
}

impl TrainingSet {
    fn new(
        examples: &[(&[f32], &str, Goal)],
        ngram_norm: f32,
        objective: Objective,
        per_class: [usize; CLASSES],
        present: usize,
    ) -> TrainingSet {
        // One example per text and embedding, with the weight each of its goals gives it.
        let mut index: HashMap<(&str, SameBits), usize> = HashMap::new();
        let mut shares: Vec<(&[f32], &str, [f32; CLASSES])> = Vec::new();
        for &(vector, text, goal) in examples {
            let key = (text, SameBits(vector));
            let at = *index.entry(key).or_insert_with(|| {
                shares.push((vector, text, [0.0; CLASSES]));
                shares.len() - 1
            });
            shares[at].2[goal as usize] += 1.0 / (present as f32 * per_class[goal as usize] as f32);
        }
        let dimension = examples[0].0.len();
        let vectors: Vec<f32> = shares
            .iter()
            .flat_map(|(vector, _, _)| vector.iter().copied())
            .collect();
        let mut examples: Vec<TrainingExample> = shares
            .into_iter()
            .map(|(_, text, share)| {
                let weight: f32 = share.iter().sum();
                TrainingExample {
                    grams: if ngram_norm > 0.0 {
                        ngrams(text, ngram_norm)
                    } else {
                        Vec::new()
                    },
                    targets: share.map(|share| match objective {
                        Objective::Softmax => share / weight,
                        Objective::OneVsRest => f32::from(share > 0.0),
                    }),
                    weight,
                }
            })
            .collect();
        // The most frequent n-grams first: the few hundred that most examples share then sit in a
        // few cache lines, while every step streams the vectors through the cache. Only where
        // each weight is stored changes, not the order of any sum: the same bits in any order.
        let mut uses = vec![0u32; if ngram_norm > 0.0 { BUCKETS } else { 0 }];
        for example in &examples {
            for &(bucket, _) in &example.grams {
                uses[bucket as usize] += 1;
            }
        }
        let mut buckets: Vec<u32> = (0..uses.len() as u32)
            .filter(|&bucket| uses[bucket as usize] > 0)
            .collect();
        buckets.sort_by_key(|&bucket| std::cmp::Reverse(uses[bucket as usize]));
        let mut renumbered = uses;
        for (index, &bucket) in buckets.iter().enumerate() {
            renumbered[bucket as usize] = index as u32;
        }
        for example in &mut examples {
            for (bucket, _) in &mut example.grams {
                *bucket = renumbered[*bucket as usize];
            }
        }
        TrainingSet {
            dimension,
            examples,
            vectors,
            buckets,
            ngram_norm,
            objective,
        }
    }

    /// The length of a goal's row: the embedding's weights and the bias.
    fn row(&self) -> usize {
        self.dimension + 1
    }

    /// Where the n-gram weights start.
    fn ngrams_start(&self) -> usize {
        CLASSES * self.row()
    }

    fn size(&self) -> usize {
        self.ngrams_start() + self.buckets.len() * CLASSES
    }

    /// `classifier`'s weights in this set's layout: 0 for an n-gram it never saw, and for the
    /// bias of a goal it had no examples of.
    fn weights_of(&self, classifier: &GoalClassifier) -> Vec<f32> {
        let mut weights = Vec::with_capacity(self.size());
        for class in 0..CLASSES {
            let row = &classifier.weights[class * self.dimension..][..self.dimension];
            weights.extend_from_slice(row);
            let bias = classifier.bias[class];
            weights.push(if bias.is_finite() { bias } else { 0.0 });
        }
        for &bucket in &self.buckets {
            weights.extend((0..CLASSES).map(|class| {
                classifier
                    .ngram_weights
                    .get(class * BUCKETS + bucket as usize)
                    .copied()
                    .unwrap_or(0.0)
            }));
        }
        weights
    }

    /// `steps` accelerated gradient steps from `start` (all weights 0 without): the weights, laid
    /// out as described on [`TrainingSet`].
    fn descend(&self, training: Training, start: Option<Vec<f32>>, steps: usize) -> Vec<f32> {
        let size = self.size();
        // Nesterov's method: `current` is the estimate, `lookahead` where the gradient is taken.
        let mut current = start.unwrap_or_else(|| vec![0f32; size]);
        let mut lookahead = current.clone();
        let mut gradient = vec![0f32; size];
        // The loss's curvature is at most 1/2 (a softmax) or 1/4 (a sigmoid) of the squared length
        // of the input (a unit vector, a bias of 1 and the n-grams) plus the penalty, so this step
        // never overshoots.
        let curvature = match self.objective {
            Objective::Softmax => 0.5,
            Objective::OneVsRest => 0.25,
        };
        let step_size = 1.0 / ((2.0 + self.ngram_norm * self.ngram_norm) * curvature + training.l2);
        let (dimension, row) = (self.dimension, self.row());
        let mut segments = Vec::with_capacity(2 * CLASSES + 1);
        for class in 0..CLASSES {
            segments.push((class * row..class * row + dimension, training.l2));
            // The bias is not penalised.
            segments.push((class * row + dimension..(class + 1) * row, 0.0));
        }
        segments.push((self.ngrams_start()..lookahead.len(), training.l2));
        for t in 0..steps {
            self.add_gradient(&lookahead, &mut gradient);
            let momentum = t as f32 / (t as f32 + 3.0);
            for (range, l2) in &segments {
                nesterov_step(
                    &mut lookahead[range.clone()],
                    &mut current[range.clone()],
                    &mut gradient[range.clone()],
                    Step {
                        size: step_size,
                        momentum,
                        l2: *l2,
                    },
                );
            }
        }
        current
    }

    /// Adds the examples' part of the loss's gradient at `weights` to `gradient`: the hot loop of
    /// training, compiled for AVX2 as well (eight lanes wide) when the processor has it. Each sum
    /// is taken in the same order either way, so both give the same bits.
    fn add_gradient(&self, weights: &[f32], gradient: &mut [f32]) {
        #[cfg(target_arch = "x86_64")]
        if crate::cpu::avx2() {
            // SAFETY: the processor has AVX2, checked just above.
            return unsafe { self.add_gradient_avx2(weights, gradient) };
        }
        self.add_gradient_portable(weights, gradient)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn add_gradient_avx2(&self, weights: &[f32], gradient: &mut [f32]) {
        self.add_gradient_with::<true>(weights, gradient)
    }

    fn add_gradient_portable(&self, weights: &[f32], gradient: &mut [f32]) {
        self.add_gradient_with::<false>(weights, gradient)
    }

    /// With `AVX2` only from [`TrainingSet::add_gradient_avx2`].
    #[inline(always)]
    fn add_gradient_with<const AVX2: bool>(&self, weights: &[f32], gradient: &mut [f32]) {
        let (dimension, row) = (self.dimension, self.row());
        let (rows, ngram_weights) = weights.split_at(self.ngrams_start());
        let (gradient_rows, ngram_gradient) = gradient.split_at_mut(self.ngrams_start());
        let rows: [&[f32]; CLASSES] = std::array::from_fn(|class| &rows[class * row..][..row]);
        for (at, (example, vector)) in self
            .examples
            .iter()
            .zip(self.vectors.chunks_exact(dimension))
            .enumerate()
        {
            // Fetched while this example's embedding part is computed: the next example's vector
            // (every step streams them all through the cache) and this example's n-gram weights and
            // gradients (scattered). Hints only: no effect on any value.
            if let Some(next) = self.vectors.get((at + 1) * dimension..(at + 2) * dimension) {
                next.iter().step_by(FLOATS_PER_LINE).for_each(prefetch);
            }
            for &(index, _) in &example.grams {
                prefetch(&ngram_weights[index as usize * CLASSES]);
                prefetch(&ngram_gradient[index as usize * CLASSES]);
            }
            let embedding = rows.map(|row| &row[..dimension]);
            #[cfg(target_arch = "x86_64")]
            let mut logits = if AVX2 {
                // SAFETY: only `add_gradient_avx2` asks for AVX2, and it runs where AVX2 is.
                unsafe { dots_avx2(embedding, vector) }
            } else {
                embedding.map(|row| dot(row, vector))
            };
            #[cfg(not(target_arch = "x86_64"))]
            let mut logits = embedding.map(|row| dot(row, vector));
            // The n-grams' sums for all goals at once, each in the order of [`sparse_dot`].
            let mut grams = [-0.0f32; CLASSES];
            for &(index, x) in &example.grams {
                let weights = &ngram_weights[index as usize * CLASSES..][..CLASSES];
                for (sum, w) in grams.iter_mut().zip(weights) {
                    *sum += w * x;
                }
            }
            for ((logit, row), grams) in logits.iter_mut().zip(rows).zip(grams) {
                *logit = *logit + row[dimension] + grams;
            }
            squash(self.objective, &mut logits);
            let errors: [f32; CLASSES] = std::array::from_fn(|class| {
                example.weight * (logits[class] - example.targets[class])
            });
            for (row, error) in gradient_rows.chunks_exact_mut(row).zip(errors) {
                for (g, x) in row[..dimension].iter_mut().zip(vector) {
                    *g += error * x;
                }
                row[dimension] += error;
            }
            for &(index, x) in &example.grams {
                let gradient = &mut ngram_gradient[index as usize * CLASSES..][..CLASSES];
                for (g, error) in gradient.iter_mut().zip(errors) {
                    *g += error * x;
                }
            }
        }
    }
}

/// Floats in a cache line of 64 bytes.
const FLOATS_PER_LINE: usize = 16;

/// Asks the processor to bring the cache line of `value` into its nearest cache, ahead of use.
#[inline(always)]
fn prefetch(value: &f32) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch only hints; it reads nothing the program sees and cannot fault.
    unsafe {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        _mm_prefetch::<_MM_HINT_T0>((value as *const f32).cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}

/// One step of Nesterov's method on part of the weights.
#[derive(Clone, Copy)]
struct Step {
    size: f32,
    momentum: f32,
    /// The L2 penalty of these weights.
    l2: f32,
}

/// Moves `current` along `gradient` (the loss's at `lookahead`, without the penalty), looks ahead
/// by the momentum, and clears `gradient` for the next step.
fn nesterov_step(lookahead: &mut [f32], current: &mut [f32], gradient: &mut [f32], step: Step) {
    for ((y, x), g) in lookahead.iter_mut().zip(current).zip(gradient) {
        let next = *y - step.size * (*g + step.l2 * *y);
        *y = next + step.momentum * (next - *x);
        *x = next;
        *g = 0.0;
    }
}

#[inline(always)]
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

/// [`dot`] of each of `rows` with `vector`, to the bit: the rows side by side, eight lanes wide,
/// so that the processor overlaps their sums.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn dots_avx2(rows: [&[f32]; CLASSES], vector: &[f32]) -> [f32; CLASSES] {
    use std::arch::x86_64::{
        __m256, _mm256_add_ps, _mm256_loadu_ps, _mm256_mul_ps, _mm256_setzero_ps, _mm256_storeu_ps,
    };
    assert!(rows.iter().all(|row| row.len() == vector.len()));
    let whole = vector.len() / 8 * 8;
    let mut sums: [__m256; CLASSES] = [_mm256_setzero_ps(); CLASSES];
    for start in (0..whole).step_by(8) {
        // SAFETY: `start + 8` is within `vector` and every row, of the same length (asserted).
        let x = unsafe { _mm256_loadu_ps(vector.as_ptr().add(start)) };
        for (sum, row) in sums.iter_mut().zip(rows) {
            // SAFETY: as above.
            let w = unsafe { _mm256_loadu_ps(row.as_ptr().add(start)) };
            *sum = _mm256_add_ps(*sum, _mm256_mul_ps(w, x));
        }
    }
    std::array::from_fn(|class| {
        let mut lanes = [0f32; 8];
        // SAFETY: `lanes` holds eight floats.
        unsafe { _mm256_storeu_ps(lanes.as_mut_ptr(), sums[class]) };
        let tail: f32 = rows[class][whole..]
            .iter()
            .zip(&vector[whole..])
            .map(|(x, y)| x * y)
            .sum();
        lanes.iter().sum::<f32>() + tail
    })
}

/// `dense` · `sparse`; no n-grams (an empty `sparse`) is 0.
fn sparse_dot(dense: &[f32], sparse: &[(u32, f32)]) -> f32 {
    sparse
        .iter()
        .map(|&(index, value)| dense[index as usize] * value)
        .sum()
}

/// Logits to probabilities, as `objective` relates them.
fn squash(objective: Objective, logits: &mut [f32; CLASSES]) {
    match objective {
        Objective::Softmax => softmax(logits),
        Objective::OneVsRest => {
            for logit in logits.iter_mut() {
                *logit = 1.0 / (1.0 + (-*logit).exp());
            }
        }
    }
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
        objective: Objective::Softmax,
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
    fn one_vs_rest_finds_both_goals_of_a_text_about_two() {
        // A fault alone, a visit alone, and the same text with both goals (a fault and a visit).
        let fault = unit(&[1.0, 0.0, 0.0]);
        let visit = unit(&[0.0, 1.0, 0.0]);
        let both = unit(&[0.7, 0.7, 0.0]);
        let hello = unit(&[0.0, 0.0, 1.0]);
        let examples: Vec<(&[f32], &str, Goal)> = vec![
            (&fault, "fault", Goal::HelpDeskSupport),
            (&visit, "visit", Goal::AppointmentBooking),
            (&both, "both", Goal::HelpDeskSupport),
            (&both, "both", Goal::AppointmentBooking),
            (&hello, "hello", Goal::GeneralInquiry),
        ];
        let (support, booking) = (
            Goal::HelpDeskSupport as usize,
            Goal::AppointmentBooking as usize,
        );
        let training = Training {
            l2: 0.001,
            steps: 400,
            ..TRAINING
        };
        let softmax = GoalClassifier::train(&examples, training).unwrap();
        let p = softmax.probabilities(&both, "both");
        assert!(p[support] + p[booking] <= 1.0 + 1e-5, "{p:?}");
        let one_vs_rest = GoalClassifier::train(
            &examples,
            Training {
                objective: Objective::OneVsRest,
                ..training
            },
        )
        .unwrap();
        let q = one_vs_rest.probabilities(&both, "both");
        assert!(q[support] > 0.5 && q[booking] > 0.5, "{q:?}");
        // Each goal alone is still told apart from the other.
        let fault_alone = one_vs_rest.probabilities(&fault, "fault");
        assert!(
            fault_alone[support] > 0.5 && fault_alone[booking] < 0.5,
            "{fault_alone:?}"
        );
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

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn the_avx2_gradient_has_the_same_bits_as_the_portable_one() {
        if !crate::cpu::avx2() {
            return;
        }
        // Vectors of an awkward length (not a multiple of 8) and texts with shared n-grams.
        let vectors: Vec<Vec<f32>> = (0..12)
            .map(|i| {
                unit(
                    &(0..21)
                        .map(|j| ((i * 7 + j * 3) % 11) as f32 - 5.0)
                        .collect::<Vec<_>>(),
                )
            })
            .collect();
        let texts = [
            "pedir turno",
            "no funciona",
            "precio del plan",
            "hola",
            "turno el lunes",
        ];
        let examples: Vec<(&[f32], &str, Goal)> = vectors
            .iter()
            .enumerate()
            .map(|(i, v)| (v.as_slice(), texts[i % texts.len()], Goal::ALL[i % CLASSES]))
            .collect();
        let set = TrainingSet::new(&examples, 1.0, Objective::Softmax, [3, 3, 2, 2, 2], CLASSES);
        let weights: Vec<f32> = (0..set.size())
            .map(|i| ((i % 13) as f32 - 6.0) / 10.0)
            .collect();
        let mut portable = vec![0f32; weights.len()];
        set.add_gradient_portable(&weights, &mut portable);
        let mut avx2 = vec![0f32; weights.len()];
        // SAFETY: the processor has AVX2, checked above.
        unsafe { set.add_gradient_avx2(&weights, &mut avx2) };
        assert!(portable.iter().any(|&g| g != 0.0));
        assert_eq!(
            portable.iter().map(|g| g.to_bits()).collect::<Vec<_>>(),
            avx2.iter().map(|g| g.to_bits()).collect::<Vec<_>>()
        );
    }

    #[test]
    fn reads_back_the_bytes_it_wrote_to_the_bit() {
        let same = unit(&[1.0, 1.0, 0.5]);
        let other = unit(&[0.0, 1.0, 0.0]);
        let examples: Vec<(&[f32], &str, Goal)> = vec![
            (&same, "quiero pedir turno", Goal::AppointmentBooking),
            (&other, "la app no funciona", Goal::HelpDeskSupport),
        ];
        let objectives = [Objective::Softmax, Objective::OneVsRest];
        for (ngrams, objective) in [0.0, 1.0]
            .into_iter()
            .flat_map(|n| objectives.map(|o| (n, o)))
        {
            let training = Training {
                ngrams,
                objective,
                ..TRAINING
            };
            let classifier = GoalClassifier::train(&examples, training).unwrap();
            let bytes = classifier.to_bytes();
            let read = GoalClassifier::from_bytes(&bytes).unwrap();
            assert_eq!(read.objective, objective);
            assert_eq!(read.to_bytes(), bytes);
            assert_eq!(
                read.probabilities(&same, "turno").map(f32::to_bits),
                classifier.probabilities(&same, "turno").map(f32::to_bits)
            );
            // A goal without examples stays never predicted.
            assert_eq!(
                read.probabilities(&same, "turno")[Goal::LeadCapture as usize],
                0.0
            );
            // The objective is the third number after the magic: one that names none is damage,
            // and so are bytes of the previous version (which had no objective).
            let mut unknown_objective = bytes.clone();
            unknown_objective[STORED_MAGIC.len() + 8] = 7;
            let mut previous_version = bytes.clone();
            previous_version[..STORED_MAGIC.len()].copy_from_slice(b"SMSGCL01");
            let damaged: [&[u8]; 6] = [
                &bytes[..bytes.len() - 1],
                &bytes[1..],
                &bytes[..10],
                &[],
                &unknown_objective,
                &previous_version,
            ];
            for damaged in damaged {
                assert!(GoalClassifier::from_bytes(damaged).is_none());
            }
        }
    }

    #[test]
    fn refining_learns_the_new_examples_with_either_objective() {
        let fault = unit(&[1.0, 0.0, 0.0, 0.0]);
        let visit = unit(&[0.0, 1.0, 0.0, 0.0]);
        let hello = unit(&[0.0, 0.0, 1.0, 0.0]);
        let price = unit(&[0.0, 0.0, 0.0, 1.0]);
        let base_examples: Vec<(&[f32], &str, Goal)> = vec![
            (&fault, "fault", Goal::HelpDeskSupport),
            (&visit, "visit", Goal::AppointmentBooking),
            (&hello, "hello", Goal::GeneralInquiry),
        ];
        let mut examples = base_examples.clone();
        examples.push((&price, "price", Goal::SalesInquiry));
        let sales = Goal::SalesInquiry as usize;
        for objective in [Objective::Softmax, Objective::OneVsRest] {
            let training = Training {
                l2: 0.001,
                objective,
                ..TRAINING
            };
            let base = GoalClassifier::train(&base_examples, training).unwrap();
            assert_eq!(base.probabilities(&price, "price")[sales], 0.0);
            let refined = base.refine(&examples, training, 1).unwrap();
            let p = refined.probabilities(&price, "price");
            assert!(p[sales] > 0.5, "{objective:?}: {p:?}");
            // What the base knew is kept.
            let p = refined.probabilities(&fault, "fault");
            assert!(
                p[Goal::HelpDeskSupport as usize] > 0.5 && p[sales] < 0.5,
                "{objective:?}: {p:?}"
            );
            // A base learnt with the other objective is no start.
            let other = Training {
                objective: match objective {
                    Objective::Softmax => Objective::OneVsRest,
                    Objective::OneVsRest => Objective::Softmax,
                },
                ..training
            };
            assert!(base.refine(&examples, other, 1).is_none());
        }
    }

    #[test]
    fn ngrams_have_the_length_asked_and_ignore_case_and_accents() {
        let grams = ngrams("Quiero una CITA mañana", 0.5);
        let length = grams.iter().map(|(_, v)| v * v).sum::<f32>().sqrt();
        assert!((length - 0.5).abs() < 1e-5);
        assert_eq!(grams, ngrams("quiero una cita manana", 0.5));
        // Each word, and each 3- and 4-gram of it with its boundaries, hashed with its length.
        let buckets: Vec<u32> = ngrams("año", 1.0).iter().map(|&(b, _)| b).collect();
        let mut expected: Vec<u32> = [(b"w", "ano"), (b"3", " an"), (b"3", "ano"), (b"3", "no ")]
            .into_iter()
            .chain([(b"4", " ano"), (b"4", "ano ")])
            .map(|(kind, gram)| bucket(kind, gram.as_bytes()))
            .collect();
        expected.sort_unstable();
        assert_eq!(buckets, expected);
        assert!(ngrams(" !! ", 1.0).is_empty());
    }
}

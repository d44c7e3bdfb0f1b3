//! The workflow matcher: which workflow handles a message, and why.
//!
//! A set of workflows is compiled once into one Aho-Corasick automaton over normalised keyword
//! phrases (see [`crate::text`]). Finding the winner for a message is one pass over its normalised
//! text: each keyword hit looks up the best-ranked active workflow it can select, so the cost does
//! not grow with the number of workflows, and no keyword allocates. [`Matcher::explain`] is the slower,
//! complete answer for people: every workflow with whether it matched and why it won or lost.
//!
//! Keywords are the first signal: explicit evidence the business controls (each goal's few
//! built-in keywords, which a workflow may turn off, and the workflow's own). The second, optional
//! one is meaning: with an [`Embedder`] (a sentence-embedding model run by an adapter crate), a goal
//! classifier (see [`crate::classifier`]) is trained when the matcher is built, from the goals'
//! example phrases and the workflows' own, and gives each goal a calibrated probability for a
//! message. A workflow matches by meaning when its goal is clearly the most probable (within a small
//! margin of the top, and above the cut-off of the workflow's sensitivity). Priority decides between
//! matches as always, with one rule for keywords: a higher-ranked workflow's match by meaning beats a
//! keyword match only when it is clear (see [`SemanticConfig::clear`]).
//! [`Matcher::find`] embeds a message at most once, and only when a workflow ranked above the best
//! keyword match could still win by meaning.

use std::cell::RefCell;
use std::cmp::Reverse;
use std::collections::HashMap;
use std::sync::Arc;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::classifier::{GoalClassifier, Probabilities, Training};
use crate::goal::Goal;
use crate::semantic::{Embedder, SemanticConfig, for_each_similarity};
use crate::text::{normalize, normalize_into};
use crate::workflow::{Sensitivity, Workflow, WorkflowSpec};

/// What the matcher needs to know about one workflow.
#[derive(Debug, Clone)]
pub struct MatchEntry {
    /// `None` for workflows read from a file rather than the database.
    pub id: Option<Uuid>,
    pub name: String,
    pub goal: Goal,
    pub priority: i64,
    pub active: bool,
    pub keywords: Vec<String>,
    /// Example messages, matched by meaning; they extend the goal's built-in examples.
    pub examples: Vec<String>,
    pub sensitivity: Sensitivity,
    /// Built-in keywords of the goal this workflow does not use.
    pub disabled_keywords: Vec<String>,
    /// Built-in examples of the goal left out of the classifier's training.
    pub disabled_examples: Vec<String>,
    /// Breaks priority ties (oldest first); `None` keeps the order given (a file's order).
    pub created_at: Option<OffsetDateTime>,
}

impl MatchEntry {
    /// A workflow with default matching settings (no keywords or examples of its own).
    pub fn new(name: &str, goal: Goal, priority: i64, active: bool) -> MatchEntry {
        MatchEntry {
            id: None,
            name: name.to_string(),
            goal,
            priority,
            active,
            keywords: Vec::new(),
            examples: Vec::new(),
            sensitivity: Sensitivity::default(),
            disabled_keywords: Vec::new(),
            disabled_examples: Vec::new(),
            created_at: None,
        }
    }

    /// The goal's built-in keywords this workflow uses.
    fn builtin_keywords(&self) -> impl Iterator<Item = &str> {
        let builtin: &[&str] = self.goal.builtin_keywords();
        builtin
            .iter()
            .copied()
            .filter(|keyword| !self.disabled_keywords.iter().any(|d| d == keyword))
    }
}

impl From<&Workflow> for MatchEntry {
    fn from(workflow: &Workflow) -> Self {
        MatchEntry {
            id: Some(workflow.id),
            created_at: Some(workflow.created_at),
            ..MatchEntry::from(&workflow.spec)
        }
    }
}

impl From<&WorkflowSpec> for MatchEntry {
    fn from(spec: &WorkflowSpec) -> Self {
        MatchEntry {
            id: None,
            name: spec.name.to_string(),
            goal: spec.goal,
            priority: spec.priority,
            active: spec.active,
            keywords: spec.keywords.clone(),
            examples: spec.examples.clone(),
            sensitivity: spec.sensitivity,
            disabled_keywords: spec.disabled_keywords.clone(),
            disabled_examples: spec.disabled_examples.clone(),
            created_at: None,
        }
    }
}

/// One workflow a keyword can select, and where the keyword comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct KeywordSource {
    rank: usize,
    from: KeywordOrigin,
}

struct Pattern {
    /// The keyword as written, for explanations.
    keyword: String,
    sources: Vec<KeywordSource>,
    /// The best (lowest) rank of an active workflow this pattern can select; `NO_RANK` if none.
    best_active_rank: usize,
}

const NO_RANK: usize = usize::MAX;

/// A compiled, immutable set of workflows. Build a new one when workflows change and swap it in.
pub struct Matcher {
    /// Entries in rank order: priority desc, a specific goal before the catch-all, oldest first.
    ranked: Vec<MatchEntry>,
    patterns: Vec<Pattern>,
    automaton: AhoCorasick,
    first_active_catch_all: usize,
    semantic: Option<SemanticIndex>,
}

/// The goal classifier, the example phrases it learnt from and the model that embeds messages.
struct SemanticIndex {
    embedder: Arc<dyn Embedder>,
    config: SemanticConfig,
    /// `None` when fewer than two goals have examples: then nothing matches by meaning. Shared with
    /// the matchers compiled after this one from the same examples.
    classifier: Option<Arc<GoalClassifier>>,
    /// The classifier trained on the built-in examples alone, which `classifier` starts from when
    /// the workflows add their own: shared with the matchers compiled after this one with the same
    /// built-in examples.
    base: Option<Arc<GoalClassifier>>,
    /// The training examples, for the evidence an explanation shows: the goals' built-in ones
    /// first (the first `builtin`), then the workflows'.
    examples: Vec<EmbeddedExample>,
    builtin: usize,
    /// The first active workflow with a specific goal: a message is embedded only if it ranks above
    /// the best keyword match.
    first_active_specific: usize,
}

/// How the goal classifier is trained when a matcher is compiled. Training from 0 on the built-in
/// examples and every workflow's own took seconds for 1,000 workflows; most of it relearnt the
/// built-in examples, the same for every compile. So a base classifier learns the built-in examples
/// (once: a recompile with the same built-in examples shares the previous one, and the embedder may
/// keep it across restarts, see [`Embedder::keep_classifier`]), and the workflows'
/// own examples refine it ([`GoalClassifier::refine`]) in fewer steps. The result depends on the
/// examples and the training settings only, never on what was compiled before.
struct Classifiers;

impl Classifiers {
    /// The base classifier and the one to decide with, for `examples` (the first `builtin` of them
    /// the goals' built-in ones), reusing `previous`'s where the examples are the same.
    fn train(
        examples: &[EmbeddedExample],
        builtin: usize,
        training: Training,
        previous: Option<&SemanticIndex>,
        embedder: &dyn Embedder,
    ) -> (Option<Arc<GoalClassifier>>, Option<Arc<GoalClassifier>>) {
        let previous = previous.filter(|previous| previous.config.training == training);
        if let Some(previous) = previous.filter(|previous| previous.examples == examples) {
            return (previous.base.clone(), previous.classifier.clone());
        }
        let base = previous
            .filter(|previous| previous.examples[..previous.builtin] == examples[..builtin])
            .map(|previous| previous.base.clone())
            .unwrap_or_else(|| Classifiers::base(&examples[..builtin], training, embedder));
        let added = examples.len() - builtin;
        let classifier = match &base {
            _ if added == 0 => base.clone(),
            // When the workflows bring at least as many examples as are built in, refining saves
            // little and learns them less well (`routing_cv --e5 --leave-one-set-out`, test4 held
            // out: macro-F1 0.893 -> 0.890, development figures): trained from 0, as without a base.
            // A refine that cannot start from the base (it never fails with the base trained
            // here, but a kept one comes from disk) falls back to training from 0.
            Some(base) if added < builtin => base
                .refine(&labelled(examples), training, added)
                .or_else(|| GoalClassifier::train(&labelled(examples), training))
                .map(Arc::new),
            _ => GoalClassifier::train(&labelled(examples), training).map(Arc::new),
        };
        (base, classifier)
    }

    /// The classifier of the built-in examples `builtin`: the one `embedder` kept for them if it
    /// did, else trained now and given to `embedder` to keep, so a restart does not train it again.
    fn base(
        builtin: &[EmbeddedExample],
        training: Training,
        embedder: &dyn Embedder,
    ) -> Option<Arc<GoalClassifier>> {
        let key = Classifiers::key(builtin, training);
        if let Some(kept) = embedder
            .kept_classifier(key)
            .and_then(|bytes| GoalClassifier::from_bytes(&bytes))
        {
            return Some(Arc::new(kept));
        }
        let trained = GoalClassifier::train(&labelled(builtin), training)?;
        embedder.keep_classifier(key, &trained.to_bytes());
        Some(Arc::new(trained))
    }

    /// What a classifier trained on `examples` with `training` depends on, hashed: each example's
    /// text, goal and vector (another model, or one that embeds differently, gives another key),
    /// and the settings. The hash may change with the Rust release: a kept classifier is then
    /// trained once more.
    fn key(examples: &[EmbeddedExample], training: Training) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::hash::DefaultHasher::new();
        let Training {
            l2,
            steps,
            temperature,
            ngrams,
            objective,
        } = training;
        let settings = (l2.to_bits(), steps, temperature.to_bits(), ngrams.to_bits());
        (settings, objective).hash(&mut hasher);
        let mut bytes = Vec::new();
        for example in examples {
            (&example.text, example.goal as usize).hash(&mut hasher);
            bytes.clear();
            bytes.extend(example.vector.iter().flat_map(|value| value.to_le_bytes()));
            hasher.write(&bytes);
        }
        hasher.finish()
    }
}

/// `examples` as [`GoalClassifier`] learns them.
fn labelled(examples: &[EmbeddedExample]) -> Vec<(&[f32], &str, Goal)> {
    examples
        .iter()
        .map(|example| (&*example.vector, example.text.as_str(), example.goal))
        .collect()
}

#[derive(PartialEq)]
struct EmbeddedExample {
    text: String,
    goal: Goal,
    vector: Arc<[f32]>,
}

/// What the message means, for one explanation.
struct Meaning {
    probabilities: Probabilities,
    /// Each goal's closest example to the message, by `Goal as usize`: its similarity and its index
    /// in [`SemanticIndex::examples`]. Found in one pass over the examples, for the "none of these"
    /// check ([`SemanticConfig::nearer_none`]) and the evidence an explanation shows; only when one
    /// of them asks.
    closest: Option<[Option<(f32, usize)>; Goal::ALL.len()]>,
}

thread_local! {
    static NORMALISED: RefCell<String> = RefCell::new(String::with_capacity(256));
}

impl Matcher {
    pub fn new(entries: Vec<MatchEntry>) -> Matcher {
        let mut ranked = entries;
        // A stable sort keeps the given order among entries without creation time (file order).
        ranked.sort_by_key(|entry| {
            (
                Reverse(entry.priority),
                entry.goal.is_catch_all(),
                entry.created_at,
            )
        });

        let mut patterns: Vec<Pattern> = Vec::new();
        let mut texts: Vec<String> = Vec::new();
        let mut pattern_by_text: HashMap<String, usize> = HashMap::new();
        let mut add = |keyword: &str, source: KeywordSource| {
            let normalised = normalize(keyword);
            if normalised.trim().is_empty() {
                return;
            }
            let index = *pattern_by_text
                .entry(normalised.clone())
                .or_insert_with(|| {
                    texts.push(normalised);
                    patterns.push(Pattern {
                        keyword: keyword.to_string(),
                        sources: Vec::new(),
                        best_active_rank: NO_RANK,
                    });
                    patterns.len() - 1
                });
            let sources = &mut patterns[index].sources;
            match sources.iter_mut().find(|s| s.rank == source.rank) {
                // A workflow's own keyword is named before the same built-in one.
                Some(known) if source.from == KeywordOrigin::Workflow => *known = source,
                Some(_) => {}
                None => sources.push(source),
            }
        };
        for (rank, entry) in ranked.iter().enumerate() {
            if entry.goal.is_catch_all() {
                continue;
            }
            for keyword in entry.builtin_keywords() {
                let from = KeywordOrigin::Goal;
                add(keyword, KeywordSource { rank, from });
            }
            for keyword in &entry.keywords {
                let from = KeywordOrigin::Workflow;
                add(keyword, KeywordSource { rank, from });
            }
        }
        for pattern in &mut patterns {
            pattern.best_active_rank = pattern
                .sources
                .iter()
                .filter(|source| ranked[source.rank].active)
                .map(|source| source.rank)
                .min()
                .unwrap_or(NO_RANK);
        }

        Matcher {
            automaton: AhoCorasick::builder()
                .kind(Some(AhoCorasickKind::DFA))
                .match_kind(MatchKind::Standard)
                .build(&texts)
                .expect("keyword automaton builds: patterns are bounded by validation"),
            first_active_catch_all: ranked
                .iter()
                .position(|entry| entry.active && entry.goal.is_catch_all())
                .unwrap_or(NO_RANK),
            ranked,
            patterns,
            semantic: None,
        }
    }

    pub fn from_workflows<'a>(workflows: impl IntoIterator<Item = &'a Workflow>) -> Matcher {
        Matcher::new(workflows.into_iter().map(MatchEntry::from).collect())
    }

    /// A matcher with both signals: keywords, and meaning through `embedder`. Embeds every example
    /// phrase now (the embedder may remember them across builds) and trains the goal classifier on
    /// them; examples it cannot embed are left out.
    pub fn with_semantic(
        entries: Vec<MatchEntry>,
        embedder: Arc<dyn Embedder>,
        config: SemanticConfig,
    ) -> Matcher {
        Matcher::compile_semantic(entries, embedder, config, None)
    }

    /// Gets `embedder` ready for compiling with `config`: embeds the goals' built-in examples and
    /// trains their classifier, the base every compile refines with the workflows' own examples,
    /// for `embedder` to keep (see [`Embedder::keep_classifier`]). Run when a model becomes ready,
    /// so that the first compile with it refines the kept base instead of training it first: the
    /// base is most of that compile (about 0.8 s of CPU of 1.05 s for 1,000 workflows). The kept
    /// base is the one the first compile would train: it depends on the built-in examples, their
    /// vectors and `config.training` only. Nothing is trained when `embedder` kept it already.
    pub fn prepare_semantic(embedder: Arc<dyn Embedder>, config: SemanticConfig) {
        // A compile without workflows learns exactly the built-in examples, and keeps their base.
        Matcher::with_semantic(Vec::new(), embedder, config);
    }

    /// [`Matcher::with_semantic`] for workflows that replace `previous`'s: when the examples and the
    /// training settings are the same (most edits leave the examples alone), `previous`'s goal
    /// classifier is the one training would give again, and it is shared instead of trained.
    pub fn with_semantic_after(
        previous: &Matcher,
        entries: Vec<MatchEntry>,
        embedder: Arc<dyn Embedder>,
        config: SemanticConfig,
    ) -> Matcher {
        Matcher::compile_semantic(entries, embedder, config, Some(previous))
    }

    fn compile_semantic(
        entries: Vec<MatchEntry>,
        embedder: Arc<dyn Embedder>,
        config: SemanticConfig,
        previous: Option<&Matcher>,
    ) -> Matcher {
        let mut matcher = Matcher::new(entries);
        // A built-in example a workflow of its goal turned off is left out for the goal.
        let disabled = |goal: Goal, example: &str| {
            matcher.ranked.iter().any(|entry| {
                entry.goal == goal && entry.disabled_examples.iter().any(|d| d == example)
            })
        };
        // Each (text, goal) once: the built-in examples first, then the workflows' new ones.
        let mut seen = std::collections::HashSet::new();
        let mut labelled: Vec<(&str, Goal)> = Vec::new();
        for goal in Goal::ALL {
            for &example in goal.builtin_examples() {
                if !disabled(goal, example) && seen.insert((example, goal)) {
                    labelled.push((example, goal));
                }
            }
        }
        let builtin = labelled.len();
        for entry in &matcher.ranked {
            for example in &entry.examples {
                if seen.insert((example.as_str(), entry.goal)) {
                    labelled.push((example.as_str(), entry.goal));
                }
            }
        }
        // Every phrase in one call, so the embedder can batch.
        let texts: Vec<&str> = labelled.iter().map(|(text, _)| *text).collect();
        let vectors = embedder.embed_examples(&texts);
        let embedded: Vec<(usize, EmbeddedExample)> = labelled
            .iter()
            .zip(vectors)
            .enumerate()
            .filter_map(|(index, (&(text, goal), vector))| {
                let example = EmbeddedExample {
                    text: text.to_string(),
                    goal,
                    vector: vector?,
                };
                Some((index, example))
            })
            .collect();
        let builtin = embedded.partition_point(|(index, _)| *index < builtin);
        let examples: Vec<EmbeddedExample> =
            embedded.into_iter().map(|(_, example)| example).collect();
        let (base, classifier) = Classifiers::train(
            &examples,
            builtin,
            config.training,
            previous.and_then(|previous| previous.semantic.as_ref()),
            &*embedder,
        );
        matcher.semantic = Some(SemanticIndex {
            first_active_specific: matcher
                .ranked
                .iter()
                .position(|entry| entry.active && !entry.goal.is_catch_all())
                .unwrap_or(NO_RANK),
            embedder,
            config,
            base,
            classifier,
            builtin,
            examples,
        });
        matcher
    }

    /// The same matcher deciding with `config`'s temperature and cut-offs, without training the
    /// classifier again: to compare many of them on labelled messages. The training settings
    /// (`config.training` but its temperature) stay those the matcher was built with.
    pub fn recalibrated(mut self, config: SemanticConfig) -> Matcher {
        if let Some(semantic) = &mut self.semantic {
            if let Some(classifier) = &mut semantic.classifier {
                Arc::make_mut(classifier).set_temperature(config.training.temperature);
            }
            semantic.config = SemanticConfig {
                training: Training {
                    temperature: config.training.temperature,
                    ..semantic.config.training
                },
                ..config
            };
        }
        self
    }

    /// Whether the semantic signal is on (an embedder was given).
    pub fn is_semantic(&self) -> bool {
        self.semantic.is_some()
    }

    pub fn len(&self) -> usize {
        self.ranked.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ranked.is_empty()
    }

    /// The workflow that handles `text`: the hot path, used for every inbound message.
    pub fn find(&self, text: &str) -> Option<&MatchEntry> {
        NORMALISED.with_borrow_mut(|normalised| {
            normalize_into(text, normalised);
            let mut keyword = NO_RANK;
            for hit in self.automaton.find_overlapping_iter(normalised.as_str()) {
                keyword = keyword.min(self.patterns[hit.pattern().as_usize()].best_active_rank);
            }
            let mut best = keyword.min(self.first_active_catch_all);
            if let Some(semantic) = &self.semantic
                && semantic.first_active_specific < best
                && let Some(meaning) = semantic.meaning(text, false)
            {
                // Only workflows ranked above the keyword winner can change the answer.
                let above = semantic.first_active_specific..best.min(self.ranked.len());
                if let Some(rank) = above.into_iter().find(|&rank| {
                    let entry = &self.ranked[rank];
                    entry.active && semantic.wins(entry, &meaning, keyword != NO_RANK)
                }) {
                    best = rank;
                }
            }
            self.ranked.get(best)
        })
    }

    /// The workflow with this id, if it is in the set.
    pub fn entry_by_id(&self, id: Uuid) -> Option<&MatchEntry> {
        self.ranked.iter().find(|entry| entry.id == Some(id))
    }

    /// The full answer for people: the winner and, for every workflow, whether it matched and why
    /// it won or lost. `include_inactive` considers inactive workflows as if they were active.
    pub fn explain(&self, text: &str, include_inactive: bool) -> MatchExplanation {
        let normalised = normalize(text);
        // The first keyword found (in text order) for each workflow, its own before a built-in one.
        let mut found: HashMap<usize, (&str, KeywordOrigin)> = HashMap::new();
        for hit in self.automaton.find_overlapping_iter(normalised.as_str()) {
            let pattern = &self.patterns[hit.pattern().as_usize()];
            for source in &pattern.sources {
                let keyword = (pattern.keyword.as_str(), source.from);
                match found.get(&source.rank) {
                    Some((_, KeywordOrigin::Workflow)) => {}
                    Some(_) if source.from == KeywordOrigin::Goal => {}
                    _ => {
                        found.insert(source.rank, keyword);
                    }
                }
            }
        }
        let considered = |entry: &MatchEntry| entry.active || include_inactive;
        let semantic = self.semantic.as_ref();
        let meaning = semantic.and_then(|semantic| semantic.meaning(text, true));

        let keyword_signals: Vec<Option<Signal>> = self
            .ranked
            .iter()
            .enumerate()
            .map(|(rank, entry)| {
                if entry.goal.is_catch_all() {
                    return Some(Signal::CatchAll);
                }
                found.get(&rank).map(|&(keyword, from)| Signal::Keyword {
                    keyword: keyword.to_string(),
                    from,
                })
            })
            .collect();
        let first = |wanted: &dyn Fn(usize) -> bool| {
            (0..self.ranked.len())
                .find(|&rank| considered(&self.ranked[rank]) && wanted(rank))
                .unwrap_or(NO_RANK)
        };
        let keyword_rank =
            first(&|rank| matches!(keyword_signals[rank], Some(Signal::Keyword { .. })));
        let catch_all_rank = first(&|rank| self.ranked[rank].goal.is_catch_all());
        let best = keyword_rank.min(catch_all_rank);
        let by_meaning = |rank: usize| -> bool {
            let (Some(semantic), Some(meaning)) = (semantic, meaning.as_ref()) else {
                return false;
            };
            semantic.wins(&self.ranked[rank], meaning, keyword_rank != NO_RANK)
        };
        let winner = (0..best.min(self.ranked.len()))
            .find(|&rank| considered(&self.ranked[rank]) && by_meaning(rank))
            .or((best < self.ranked.len()).then_some(best));

        let signals: Vec<Option<Signal>> = keyword_signals
            .into_iter()
            .enumerate()
            .map(|(rank, signal)| {
                signal.or_else(|| {
                    let (semantic, meaning) = semantic.zip(meaning.as_ref())?;
                    semantic.signal(&self.ranked[rank], meaning)
                })
            })
            .collect();
        let candidates = self
            .ranked
            .iter()
            .zip(signals)
            .enumerate()
            .map(|(rank, (entry, signal))| {
                let matches = considered(entry) && signal.is_some();
                let reason = self.reason(
                    rank,
                    winner,
                    considered(entry),
                    signal.as_ref(),
                    semantic.zip(meaning.as_ref()),
                );
                Candidate {
                    workflow: entry.name.clone(),
                    id: entry.id,
                    goal: entry.goal,
                    priority: entry.priority,
                    active: entry.active,
                    matches,
                    winner: Some(rank) == winner,
                    signal,
                    reason,
                }
            })
            .collect::<Vec<_>>();
        let tie_with: Vec<String> = winner
            .map(|w| {
                candidates
                    .iter()
                    .enumerate()
                    .filter(|(rank, c)| {
                        *rank != w && c.matches && c.priority == candidates[w].priority
                    })
                    .map(|(_, c)| c.workflow.clone())
                    .collect()
            })
            .unwrap_or_default();
        let mut probabilities: Vec<GoalProbability> = meaning
            .as_ref()
            .map(|meaning| {
                Goal::ALL
                    .into_iter()
                    .map(|goal| GoalProbability {
                        goal,
                        probability: rounded(meaning.probabilities[goal as usize]),
                    })
                    .collect()
            })
            .unwrap_or_default();
        probabilities.sort_by(|a, b| b.probability.total_cmp(&a.probability));
        MatchExplanation {
            matched: winner.map(|rank| MatchedWorkflow {
                workflow: self.ranked[rank].name.clone(),
                id: self.ranked[rank].id,
                goal: self.ranked[rank].goal,
                priority: self.ranked[rank].priority,
            }),
            tie_with,
            probabilities,
            candidates,
        }
    }

    fn reason(
        &self,
        rank: usize,
        winner: Option<usize>,
        considered: bool,
        signal: Option<&Signal>,
        meaning: Option<(&SemanticIndex, &Meaning)>,
    ) -> String {
        let entry = &self.ranked[rank];
        if !considered {
            return "inactive: only active workflows are considered (activate it, or test with include_inactive)".into();
        }
        let Some(signal) = signal else {
            let keywords: Vec<&str> = entry
                .keywords
                .iter()
                .map(String::as_str)
                .chain(entry.builtin_keywords())
                .take(4)
                .collect();
            let keywords = if keywords.is_empty() {
                "no keyword matched (it has none)".to_string()
            } else {
                format!("no keyword matched (e.g. {})", keywords.join(", "))
            };
            let why_not = match meaning {
                None => String::new(),
                Some((semantic, meaning)) => semantic.why_not(entry, meaning),
            };
            return format!("{keywords}{why_not}");
        };
        let why = signal.describe();
        let Some(winner_rank) = winner else {
            unreachable!("a considered workflow with a signal makes a winner")
        };
        if rank == winner_rank {
            return format!("won: {why}; it is the highest-ranked match");
        }
        let winner_entry = &self.ranked[winner_rank];
        if rank < winner_rank
            && let (Signal::Semantic { probability, .. }, Some((semantic, _))) = (signal, meaning)
        {
            return format!(
                "{why}, but {:?} matched a keyword, and meaning beats a keyword only when it is clear (at least {:.2}; here {probability:.2})",
                winner_entry.name, semantic.config.clear
            );
        }
        if winner_entry.priority > entry.priority {
            return format!(
                "{why}, but lost to {:?}: higher priority ({} > {})",
                winner_entry.name, winner_entry.priority, entry.priority
            );
        }
        let tie_break = if entry.goal.is_catch_all() && !winner_entry.goal.is_catch_all() {
            "a specific goal is checked before General Inquiry"
        } else if let (Some(a), Some(b)) = (winner_entry.created_at, entry.created_at)
            && a < b
        {
            "the older workflow is checked first"
        } else {
            "it comes first in the file"
        };
        format!(
            "{why}, but lost a tie at priority {} to {:?}: {tie_break}",
            entry.priority, winner_entry.name
        )
    }

    /// Goals of the matching non-catch-all workflows: what the message is about, for scoring.
    pub fn detected_goals(&self, text: &str) -> Vec<Goal> {
        let mut goals: Vec<Goal> = self
            .explain(text, false)
            .candidates
            .into_iter()
            .filter(|candidate| candidate.matches && !candidate.goal.is_catch_all())
            .map(|candidate| candidate.goal)
            .collect();
        goals.sort();
        goals.dedup();
        goals
    }
}

/// A probability rounded to 3 decimals, for answers people read.
fn rounded(value: f32) -> f32 {
    (value * 1000.0).round() / 1000.0
}

/// The answer of `POST /workflows/test` and `smsflow workflows test --json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MatchExplanation {
    /// The workflow that would handle the message, or null when none matches.
    pub matched: Option<MatchedWorkflow>,
    /// Other matching workflows with the winner's priority: the tie the order broke.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tie_with: Vec<String>,
    /// How probable each goal is for the message, most probable first (matching by meaning only;
    /// `general_inquiry` stands for "none of these").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub probabilities: Vec<GoalProbability>,
    /// Every workflow, in the order they are checked.
    pub candidates: Vec<Candidate>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct GoalProbability {
    pub goal: Goal,
    pub probability: f32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MatchedWorkflow {
    pub workflow: String,
    pub id: Option<Uuid>,
    pub goal: Goal,
    pub priority: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Candidate {
    pub workflow: String,
    pub id: Option<Uuid>,
    pub goal: Goal,
    pub priority: i64,
    pub active: bool,
    /// Whether this workflow matched the message (and was considered).
    pub matches: bool,
    pub winner: bool,
    /// The rule or keyword that matched, if any.
    pub signal: Option<Signal>,
    /// Why it won or lost, in a sentence.
    pub reason: String,
}

/// What made a workflow match.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Signal {
    /// `general_inquiry` matches every message.
    CatchAll,
    /// A keyword or phrase was found in the message.
    Keyword {
        keyword: String,
        from: KeywordOrigin,
    },
    /// The goal classifier found the workflow's goal clearly the most probable: `probability`
    /// reached the `cutoff` of the workflow's sensitivity, and no goal was more probable by more
    /// than the margin. `example` is the goal's example phrase closest to the message (the top
    /// evidence), `from` whose it is.
    Semantic {
        probability: f32,
        cutoff: f32,
        example: String,
        from: KeywordOrigin,
    },
}

impl SemanticIndex {
    /// Embeds `text` once and classifies it; `None` if the embedder cannot embed it or there is no
    /// classifier (the keyword signal still applies). With `evidence`, finds each goal's closest
    /// example even when the "none of these" check is off.
    fn meaning(&self, text: &str, evidence: bool) -> Option<Meaning> {
        let classifier = self.classifier.as_ref()?;
        let vector = self.embedder.embed(text)?;
        let closest = (evidence || self.config.nearer_none.is_finite()).then(|| {
            let mut closest: [Option<(f32, usize)>; Goal::ALL.len()] = [None; Goal::ALL.len()];
            for_each_similarity(
                &vector,
                &self.examples,
                |example| &example.vector,
                |index, found| {
                    let best = &mut closest[self.examples[index].goal as usize];
                    if best.is_none_or(|(best, _)| found >= best) {
                        *best = Some((found, index));
                    }
                },
            );
            closest
        });
        Some(Meaning {
            probabilities: classifier.probabilities(&vector, text),
            closest,
        })
    }

    /// Whether the message's closest "none of these" example is clearly closer than every example
    /// of `goal` (see [`SemanticConfig::nearer_none`]).
    fn nearer_none(&self, goal: Goal, meaning: &Meaning) -> bool {
        let similarity = |goal: Goal| self.closest(goal, meaning).map(|(found, _)| found);
        similarity(Goal::GeneralInquiry).is_some_and(|none| {
            similarity(goal).is_none_or(|to_goal| none >= to_goal + self.config.nearer_none)
        })
    }

    /// The example of `goal` closest to the message, and its similarity (a Sales Inquiry's also
    /// among Lead Capture's, see [`Goal::example_goals`]); `None` when [`SemanticIndex::meaning`]
    /// did not look for them.
    fn closest(&self, goal: Goal, meaning: &Meaning) -> Option<(f32, usize)> {
        let closest = meaning.closest.as_ref()?;
        goal.example_goals()
            .iter()
            .filter_map(|&g| closest[g as usize])
            .max_by(|a, b| a.0.total_cmp(&b.0))
    }

    /// The probability that a message is about a workflow's goal. Sales Inquiry also counts Lead
    /// Capture's (asking for a price is a sales question too; see [`Goal::example_goals`]): the
    /// classifier learns the two apart, so their probabilities add, up to 1.
    fn probability(goal: Goal, probabilities: &Probabilities) -> f32 {
        goal.example_goals()
            .iter()
            .map(|&g| probabilities[g as usize])
            .sum::<f32>()
            .min(1.0)
    }

    /// The goal's probability when a workflow matches by meaning: its goal is not the catch-all,
    /// reaches the cut-off of its sensitivity, is within the margin of the most probable goal, and
    /// no "none of these" example is clearly closer than the goal's own.
    fn matches(&self, entry: &MatchEntry, meaning: &Meaning) -> Option<f32> {
        if entry.goal.is_catch_all() {
            return None;
        }
        let probabilities = &meaning.probabilities;
        let probability = Self::probability(entry.goal, probabilities);
        let top = probabilities.iter().copied().fold(0.0, f32::max);
        (probability >= self.config.cutoff(entry.sensitivity)
            && probability >= top - self.config.margin
            && !self.nearer_none(entry.goal, meaning))
        .then_some(probability)
    }

    /// Whether a workflow wins by meaning over the workflows ranked below it: it matches, and if a
    /// lower-ranked workflow matched a keyword, clearly.
    fn wins(&self, entry: &MatchEntry, meaning: &Meaning, keyword_below: bool) -> bool {
        self.matches(entry, meaning)
            .is_some_and(|probability| !keyword_below || probability >= self.config.clear)
    }

    /// The signal of a workflow that matches by meaning, with the goal's closest example.
    fn signal(&self, entry: &MatchEntry, meaning: &Meaning) -> Option<Signal> {
        let probability = self.matches(entry, meaning)?;
        let example = self.closest_example(entry.goal, meaning);
        Some(Signal::Semantic {
            probability: rounded(probability),
            cutoff: self.config.cutoff(entry.sensitivity),
            example: example.map(|e| e.text.clone()).unwrap_or_default(),
            from: match example {
                Some(e) if entry.examples.contains(&e.text) => KeywordOrigin::Workflow,
                _ => KeywordOrigin::Goal,
            },
        })
    }

    /// The example phrase of `goal` closest to the message.
    fn closest_example(&self, goal: Goal, meaning: &Meaning) -> Option<&EmbeddedExample> {
        self.closest(goal, meaning)
            .map(|(_, index)| &self.examples[index])
    }

    /// Why a workflow did not match by meaning, in words.
    fn why_not(&self, entry: &MatchEntry, meaning: &Meaning) -> String {
        if entry.goal.is_catch_all() {
            return String::new();
        }
        let probability = Self::probability(entry.goal, &meaning.probabilities);
        let cutoff = self.config.cutoff(entry.sensitivity);
        let (top_goal, top) = Goal::ALL
            .into_iter()
            .map(|goal| (goal, meaning.probabilities[goal as usize]))
            .fold((Goal::GeneralInquiry, f32::MIN), |best, next| {
                if next.1 > best.1 { next } else { best }
            });
        let top_words = if top_goal.is_catch_all() {
            "none of the goals".to_string()
        } else {
            top_goal.label().to_string()
        };
        if probability >= cutoff
            && probability >= top - self.config.margin
            && let Some(none) = self.closest_example(Goal::GeneralInquiry, meaning)
        {
            return format!(
                ", and by meaning {} is {probability:.2} probable, but the message is closer to a \"none of these\" example ({:?})",
                entry.goal.label(),
                none.text
            );
        }
        if probability < cutoff {
            format!(
                ", and by meaning {} is only {probability:.2} probable (needs {cutoff:.2} at {} sensitivity; most probable: {top_words}, {top:.2})",
                entry.goal.label(),
                entry.sensitivity.as_str()
            )
        } else {
            format!(
                ", and by meaning {} is {probability:.2} probable, but {top_words} is clearly more probable ({top:.2})",
                entry.goal.label()
            )
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum KeywordOrigin {
    /// One of the goal's built-in keywords.
    Goal,
    /// One of the workflow's own keywords.
    Workflow,
}

impl Signal {
    fn describe(&self) -> String {
        match self {
            Signal::CatchAll => "General Inquiry matches every message".into(),
            Signal::Keyword { keyword, from } => match from {
                KeywordOrigin::Goal => format!("matched the goal keyword {keyword:?}"),
                KeywordOrigin::Workflow => format!("matched its own keyword {keyword:?}"),
            },
            Signal::Semantic {
                probability,
                cutoff,
                example,
                from,
            } => format!(
                "by meaning its goal is {probability:.2} probable (needs {cutoff:.2}); closest {} example: {example:?}",
                match from {
                    KeywordOrigin::Goal => "built-in",
                    KeywordOrigin::Workflow => "own",
                }
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classifier::Objective;
    use proptest::prelude::*;

    fn entry(name: &str, goal: Goal, priority: i64, active: bool) -> MatchEntry {
        MatchEntry::new(name, goal, priority, active)
    }

    fn winner(matcher: &Matcher, text: &str) -> Option<String> {
        let found = matcher.find(text).map(|entry| entry.name.clone());
        let explained = matcher.explain(text, false).matched.map(|m| m.workflow);
        assert_eq!(found, explained, "find and explain disagree on {text:?}");
        found
    }

    fn standard_set() -> Matcher {
        Matcher::new(vec![
            entry("Fallback", Goal::GeneralInquiry, 0, true),
            entry("Leads", Goal::LeadCapture, 20, true),
            entry("Support", Goal::HelpDeskSupport, 30, true),
            entry("Sales", Goal::SalesInquiry, 10, true),
            entry("Booking", Goal::AppointmentBooking, 25, true),
        ])
    }

    #[test]
    fn the_page_keywords_select_their_goal() {
        let matcher = standard_set();
        assert_eq!(
            winner(&matcher, "Can you send PRICING?").as_deref(),
            Some("Leads")
        );
        assert_eq!(
            winner(&matcher, "I have a problem").as_deref(),
            Some("Support")
        );
        assert_eq!(
            winner(&matcher, "need an appt tmrw").as_deref(),
            Some("Booking")
        );
        assert_eq!(winner(&matcher, "hello there").as_deref(), Some("Fallback"));
    }

    #[test]
    fn higher_priority_wins_when_several_match() {
        let matcher = standard_set();
        // "help" (support, 30) and "schedule" (booking, 25) both match.
        assert_eq!(
            winner(&matcher, "help me schedule a visit").as_deref(),
            Some("Support")
        );
        let explanation = matcher.explain("help me schedule a visit", false);
        let booking = explanation
            .candidates
            .iter()
            .find(|c| c.workflow == "Booking")
            .unwrap();
        assert!(booking.matches && !booking.winner);
        assert!(
            booking
                .reason
                .contains("lost to \"Support\": higher priority (30 > 25)"),
            "{}",
            booking.reason
        );
    }

    #[test]
    fn inactive_workflows_are_skipped_unless_asked() {
        let matcher = Matcher::new(vec![
            entry("Support", Goal::HelpDeskSupport, 10, false),
            entry("Fallback", Goal::GeneralInquiry, 0, true),
        ]);
        assert_eq!(
            winner(&matcher, "support please").as_deref(),
            Some("Fallback")
        );
        let explanation = matcher.explain("support please", false);
        assert!(explanation.candidates[0].reason.starts_with("inactive"));
        let with_inactive = matcher.explain("support please", true);
        assert_eq!(with_inactive.matched.unwrap().workflow, "Support");
    }

    #[test]
    fn nothing_matches_without_a_catch_all() {
        let matcher = Matcher::new(vec![entry("Support", Goal::HelpDeskSupport, 0, true)]);
        assert_eq!(winner(&matcher, "what time do you open"), None);
        let explanation = matcher.explain("what time do you open", false);
        assert!(
            explanation.candidates[0]
                .reason
                .starts_with("no keyword matched")
        );
        assert!(Matcher::new(vec![]).find("anything").is_none());
    }

    #[test]
    fn ties_prefer_a_specific_goal_then_the_older_workflow_and_are_reported() {
        let day = |d: u8| {
            Some(
                time::Date::from_calendar_date(2026, time::Month::January, d)
                    .unwrap()
                    .midnight()
                    .assume_utc(),
            )
        };
        let mut newer = entry("Newer support", Goal::HelpDeskSupport, 5, true);
        newer.created_at = day(2);
        let mut older = entry("Older support", Goal::HelpDeskSupport, 5, true);
        older.created_at = day(1);
        let mut fallback = entry("Fallback", Goal::GeneralInquiry, 5, true);
        fallback.created_at = day(1);
        let matcher = Matcher::new(vec![fallback, newer, older]);
        assert_eq!(
            winner(&matcher, "screen problem").as_deref(),
            Some("Older support")
        );
        let explanation = matcher.explain("screen problem", false);
        assert_eq!(explanation.tie_with, ["Newer support", "Fallback"]);
        let reasons: Vec<&str> = explanation
            .candidates
            .iter()
            .map(|c| c.reason.as_str())
            .collect();
        assert!(
            reasons[1].ends_with("the older workflow is checked first"),
            "{reasons:?}"
        );
        assert!(
            reasons[2].ends_with("a specific goal is checked before General Inquiry"),
            "{reasons:?}"
        );
        assert_eq!(winner(&matcher, "hi").as_deref(), Some("Fallback"));
    }

    #[test]
    fn keywords_match_whole_words_with_inflections() {
        let matcher = Matcher::new(vec![
            entry("Support", Goal::HelpDeskSupport, 0, true),
            entry("Booking", Goal::AppointmentBooking, 0, true),
        ]);
        assert_eq!(winner(&matcher, "that was helpful, thanks"), None);
        assert_eq!(winner(&matcher, "the helpline"), None);
        assert_eq!(
            winner(&matcher, "Having PROBLEMS again").as_deref(),
            Some("Support")
        );
        assert_eq!(
            winner(&matcher, "I booked friday").as_deref(),
            Some("Booking")
        );
        assert_eq!(
            winner(&matcher, "about scheduling").as_deref(),
            Some("Booking")
        );
        assert_eq!(
            winner(&matcher, "¿Tienen citas disponibles mañana?").as_deref(),
            Some("Booking")
        );
        assert_eq!(winner(&matcher, "pls send the link").as_deref(), None);
    }

    #[test]
    fn a_workflows_own_keywords_extend_its_goal() {
        let mut leads = entry("Leads", Goal::LeadCapture, 0, true);
        leads.keywords = vec!["ballpark figure".into(), "Franchise".into()];
        let matcher = Matcher::new(vec![leads]);
        assert_eq!(winner(&matcher, "franchises?").as_deref(), Some("Leads"));
        assert_eq!(
            winner(&matcher, "give me a ballpark figure").as_deref(),
            Some("Leads")
        );
        assert_eq!(
            winner(&matcher, "what's your budget").as_deref(),
            Some("Leads"),
            "built-in keyword"
        );
        let explanation = matcher.explain("interested in a franchise", false);
        assert_eq!(
            explanation.candidates[0].signal,
            Some(Signal::Keyword {
                keyword: "Franchise".into(),
                from: KeywordOrigin::Workflow
            })
        );
    }

    #[test]
    fn a_workflow_can_turn_off_a_built_in_keyword() {
        let mut support = entry("Support", Goal::HelpDeskSupport, 10, true);
        support.disabled_keywords = vec!["help".into()];
        let matcher = Matcher::new(vec![
            support,
            entry("Fallback", Goal::GeneralInquiry, 0, true),
        ]);
        assert_eq!(
            winner(&matcher, "can you help").as_deref(),
            Some("Fallback")
        );
        assert_eq!(
            winner(&matcher, "I have a problem").as_deref(),
            Some("Support")
        );
        let reason = &matcher.explain("can you help", false).candidates[0].reason;
        assert!(!reason.contains("help,"), "{reason}");
    }

    #[test]
    fn broad_words_are_no_longer_keywords() {
        let matcher = Matcher::new(vec![
            entry("Emergency", Goal::HelpDeskSupport, 50, true),
            entry("Fallback", Goal::GeneralInquiry, 0, true),
        ]);
        assert_eq!(
            winner(&matcher, "I'll be 10 minutes late for my 2pm").as_deref(),
            Some("Fallback")
        );
    }

    /// A stand-in for a sentence-embedding model: a bag of hashed words, so texts sharing words are
    /// similar. Counts the messages it embeds.
    #[derive(Default)]
    struct BagOfWords {
        messages: std::sync::atomic::AtomicUsize,
        examples: std::sync::atomic::AtomicUsize,
    }

    impl BagOfWords {
        fn vector(text: &str) -> Vec<f32> {
            let mut vector = vec![0f32; 256];
            for word in normalize(text).split_whitespace() {
                let hash = word
                    .bytes()
                    .fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(b as u32));
                vector[hash as usize % 256] += 1.0;
            }
            let norm = vector.iter().map(|v| v * v).sum::<f32>().sqrt().max(1e-6);
            vector.iter().map(|v| v / norm).collect()
        }
    }

    impl Embedder for BagOfWords {
        fn embed(&self, text: &str) -> Option<Vec<f32>> {
            self.messages
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            Some(BagOfWords::vector(text))
        }

        fn embed_example(&self, text: &str) -> Option<Arc<[f32]>> {
            self.examples
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            Some(BagOfWords::vector(text).into())
        }
    }

    fn config() -> SemanticConfig {
        SemanticConfig {
            training: crate::classifier::Training {
                l2: 0.001,
                steps: 150,
                temperature: 1.0,
                ngrams: 0.0,
                objective: crate::classifier::Objective::Softmax,
            },
            strict: 0.7,
            // Above 0.4: Sales Inquiry adds Lead Capture's probability, 0.2 + 0.2 for a message
            // the classifier knows nothing about.
            balanced: 0.45,
            broad: 0.3,
            margin: 0.05,
            clear: 0.8,
            nearer_none: f32::INFINITY,
        }
    }

    fn semantic_entries() -> Vec<MatchEntry> {
        let mut support = entry("Support", Goal::HelpDeskSupport, 30, true);
        support.examples = vec!["the faucet drips water all night".into()];
        vec![
            entry("Fallback", Goal::GeneralInquiry, 0, true),
            support,
            entry("Sales", Goal::SalesInquiry, 10, true),
        ]
    }

    fn semantic_set(embedder: Arc<dyn Embedder>) -> Matcher {
        Matcher::with_semantic(semantic_entries(), embedder, config())
    }

    fn embedded(embedder: &BagOfWords) -> usize {
        embedder.messages.load(std::sync::atomic::Ordering::Relaxed)
    }

    #[test]
    fn a_message_matches_by_meaning_when_no_keyword_does() {
        let embedder = Arc::new(BagOfWords::default());
        let matcher = semantic_set(embedder.clone());
        let text = "the faucet drips water all night";
        assert_eq!(winner(&matcher, text).as_deref(), Some("Support"));
        let explanation = matcher.explain(text, false);
        let Some(Signal::Semantic {
            example,
            from,
            probability,
            cutoff,
        }) = &explanation.candidates[0].signal
        else {
            panic!("expected a semantic signal: {explanation:?}")
        };
        assert_eq!(example, "the faucet drips water all night");
        assert_eq!(*from, KeywordOrigin::Workflow);
        assert!(*probability >= 0.45 && *probability <= 1.0, "{probability}");
        assert_eq!(*cutoff, 0.45);
        assert_eq!(explanation.probabilities.len(), Goal::ALL.len());
        assert_eq!(explanation.probabilities[0].goal, Goal::HelpDeskSupport);
        assert!(
            explanation.candidates[0]
                .reason
                .starts_with("won: by meaning its goal is"),
            "{}",
            explanation.candidates[0].reason
        );
        // A keyword-only matcher does not see it.
        let keywords_only = Matcher::new(vec![
            entry("Fallback", Goal::GeneralInquiry, 0, true),
            entry("Support", Goal::HelpDeskSupport, 30, true),
        ]);
        assert_eq!(winner(&keywords_only, text).as_deref(), Some("Fallback"));
    }

    #[test]
    fn a_strict_workflow_needs_a_more_probable_goal() {
        let text = "the faucet drips water";
        let probability = {
            let matcher = semantic_set(Arc::new(BagOfWords::default()));
            let explanation = matcher.explain(text, false);
            explanation.probabilities[0].probability
        };
        let mut support = entry("Support", Goal::HelpDeskSupport, 30, true);
        support.examples = vec!["the faucet drips water all night".into()];
        let mut strict = config();
        strict.strict = probability + 0.01;
        support.sensitivity = Sensitivity::Strict;
        let matcher = Matcher::with_semantic(
            vec![support, entry("Fallback", Goal::GeneralInquiry, 0, true)],
            Arc::new(BagOfWords::default()),
            strict,
        );
        assert_eq!(winner(&matcher, text).as_deref(), Some("Fallback"));
        let reason = &matcher.explain(text, false).candidates[0].reason;
        assert!(reason.contains("at strict sensitivity"), "{reason}");
    }

    #[test]
    fn none_of_these_stays_with_the_catch_all_and_says_how_close_it_came() {
        let matcher = semantic_set(Arc::new(BagOfWords::default()));
        let text = "hello, thank you so much";
        assert_eq!(winner(&matcher, text).as_deref(), Some("Fallback"));
        let support = &matcher.explain(text, false).candidates[0];
        assert!(!support.matches);
        assert!(
            support
                .reason
                .contains("by meaning Help Desk Support is only"),
            "{}",
            support.reason
        );
    }

    #[test]
    fn a_goal_does_not_match_when_a_none_of_these_example_is_clearly_closer() {
        let text = "the faucet drips water all night";
        let with = |nearer_none: f32| {
            let mut support = entry("Support", Goal::HelpDeskSupport, 30, true);
            support.examples = vec![text.into()];
            Matcher::with_semantic(
                vec![support, entry("Fallback", Goal::GeneralInquiry, 0, true)],
                Arc::new(BagOfWords::default()),
                SemanticConfig {
                    nearer_none,
                    ..config()
                },
            )
        };
        // The message is the goal's own example: no "none of these" example is nearer.
        assert_eq!(winner(&with(0.0), text).as_deref(), Some("Support"));
        // Below -1 every "none of these" example counts as clearly nearer.
        let vetoed = with(-1.0);
        assert_eq!(winner(&vetoed, text).as_deref(), Some("Fallback"));
        let support = &vetoed.explain(text, false).candidates[0];
        assert!(!support.matches);
        assert!(
            support
                .reason
                .contains("closer to a \"none of these\" example"),
            "{}",
            support.reason
        );
    }

    #[test]
    fn a_message_is_embedded_only_when_a_higher_ranked_workflow_could_still_win() {
        let embedder = Arc::new(BagOfWords::default());
        let matcher = semantic_set(embedder.clone());
        // "problem" is a keyword of the highest-ranked workflow: the keyword decides.
        assert_eq!(matcher.find("I have a problem").unwrap().name, "Support");
        assert_eq!(embedded(&embedder), 0);
        // "discount" selects Sales, but Support ranks above it and could win by meaning.
        assert_eq!(matcher.find("any discount?").unwrap().name, "Sales");
        assert_eq!(embedded(&embedder), 1, "embedded once");
        // Only the catch-all is active: nothing to gain from meaning.
        let catch_all_only = Matcher::with_semantic(
            vec![entry("Fallback", Goal::GeneralInquiry, 0, true)],
            embedder.clone(),
            config(),
        );
        assert_eq!(
            catch_all_only.find("the faucet drips").unwrap().name,
            "Fallback"
        );
        assert_eq!(embedded(&embedder), 1);
    }

    fn classifier(matcher: &Matcher) -> &Arc<GoalClassifier> {
        let semantic = matcher.semantic.as_ref().expect("matches by meaning");
        semantic.classifier.as_ref().expect("trained")
    }

    #[test]
    fn a_recompile_with_the_same_examples_shares_the_classifier() {
        for objective in [Objective::Softmax, Objective::OneVsRest] {
            a_recompile_shares_the_classifier_and_decides_as_a_first_compile(with_objective(
                config(),
                objective,
            ));
        }
    }

    fn a_recompile_shares_the_classifier_and_decides_as_a_first_compile(config: SemanticConfig) {
        let config = || config.clone();
        let embedder = Arc::new(BagOfWords::default());
        let before = Matcher::with_semantic(semantic_entries(), embedder.clone(), config());
        // Another keyword and priority, the same examples: nothing new to learn.
        let mut support = entry("Support", Goal::HelpDeskSupport, 40, true);
        support.examples = vec!["the faucet drips water all night".into()];
        support.keywords = vec!["leak".into()];
        let entries = vec![
            entry("Fallback", Goal::GeneralInquiry, 0, true),
            support,
            entry("Sales", Goal::SalesInquiry, 10, true),
        ];
        let after =
            Matcher::with_semantic_after(&before, entries.clone(), embedder.clone(), config());
        assert!(Arc::ptr_eq(classifier(&before), classifier(&after)));
        // What training again would give, to the bit.
        let cold = Matcher::with_semantic(entries.clone(), embedder.clone(), config());
        let text = "the faucet drips water all night";
        let vector = BagOfWords::vector(text);
        assert_eq!(
            classifier(&cold)
                .probabilities(&vector, text)
                .map(f32::to_bits),
            classifier(&after)
                .probabilities(&vector, text)
                .map(f32::to_bits)
        );

        // A new example, or other training settings: trained again.
        let mut more = entries.clone();
        more[1]
            .examples
            .push("the heater makes a loud noise".into());
        let retrained =
            Matcher::with_semantic_after(&after, more.clone(), embedder.clone(), config());
        assert!(!Arc::ptr_eq(classifier(&after), classifier(&retrained)));
        // The built-in examples' classifier is not trained again, and the result is what a
        // first compile gives, to the bit: it never depends on what was compiled before.
        let base = |matcher: &Matcher| matcher.semantic.as_ref().unwrap().base.clone().unwrap();
        assert!(Arc::ptr_eq(&base(&after), &base(&retrained)));
        let first = Matcher::with_semantic(more, embedder.clone(), config());
        let text = "the heater is noisy";
        let vector = BagOfWords::vector(text);
        assert_eq!(
            classifier(&first)
                .probabilities(&vector, text)
                .map(f32::to_bits),
            classifier(&retrained)
                .probabilities(&vector, text)
                .map(f32::to_bits)
        );
        let other = SemanticConfig {
            training: Training {
                l2: 0.01,
                ..config().training
            },
            ..config()
        };
        let retrained = Matcher::with_semantic_after(&after, entries, embedder, other);
        assert!(!Arc::ptr_eq(classifier(&after), classifier(&retrained)));
    }

    #[test]
    fn without_own_examples_the_classifier_is_trained_from_0_on_the_built_in_ones() {
        let entries = vec![
            entry("Fallback", Goal::GeneralInquiry, 0, true),
            entry("Support", Goal::HelpDeskSupport, 30, true),
        ];
        // The built-in examples as a compile learns them: each (text, goal) once.
        let mut seen = std::collections::HashSet::new();
        let builtin: Vec<(&str, Goal, Vec<f32>)> = Goal::ALL
            .into_iter()
            .flat_map(|goal| {
                goal.builtin_examples()
                    .iter()
                    .map(move |&text| (text, goal))
            })
            .filter(|&example| seen.insert(example))
            .map(|(text, goal)| (text, goal, BagOfWords::vector(text)))
            .collect();
        let labelled: Vec<(&[f32], &str, Goal)> = builtin
            .iter()
            .map(|(text, goal, vector)| (vector.as_slice(), *text, *goal))
            .collect();
        for objective in [Objective::Softmax, Objective::OneVsRest] {
            let config = with_objective(config(), objective);
            let training = config.training;
            let compiled =
                Matcher::with_semantic(entries.clone(), Arc::new(BagOfWords::default()), config);
            let from_0 = GoalClassifier::train(&labelled, training).unwrap();
            for text in ["the sink drips all night", "can I book a visit", "hello"] {
                let vector = BagOfWords::vector(text);
                assert_eq!(
                    classifier(&compiled)
                        .probabilities(&vector, text)
                        .map(f32::to_bits),
                    from_0.probabilities(&vector, text).map(f32::to_bits),
                    "{objective:?}"
                );
            }
        }
    }

    /// [`BagOfWords`] that keeps trained classifiers in memory, as the model keeps them in a file.
    #[derive(Default)]
    struct Keeping {
        kept: std::sync::Mutex<HashMap<u64, Vec<u8>>>,
        /// How many classifiers it was given to keep.
        given: std::sync::atomic::AtomicUsize,
    }

    impl Embedder for Keeping {
        fn embed(&self, text: &str) -> Option<Vec<f32>> {
            Some(BagOfWords::vector(text))
        }

        fn kept_classifier(&self, key: u64) -> Option<Vec<u8>> {
            self.kept.lock().unwrap().get(&key).cloned()
        }

        fn keep_classifier(&self, key: u64, classifier: &[u8]) {
            self.given
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            self.kept.lock().unwrap().insert(key, classifier.to_vec());
        }
    }

    #[test]
    fn a_kept_classifier_of_the_built_in_examples_is_not_trained_again() {
        let keeping = Arc::new(Keeping::default());
        let given = || keeping.given.load(std::sync::atomic::Ordering::Relaxed);
        let first = semantic_set(keeping.clone());
        assert_eq!(given(), 1);
        // A restart: no previous matcher, the kept classifier is read instead of trained.
        let restarted = semantic_set(keeping.clone());
        assert_eq!(given(), 1);
        // Damaged, it is trained and kept again.
        for bytes in keeping.kept.lock().unwrap().values_mut() {
            bytes.truncate(bytes.len() - 1);
        }
        let repaired = semantic_set(keeping.clone());
        assert_eq!(given(), 2);
        // Each decides to the bit as one trained without anything kept.
        let fresh = semantic_set(Arc::new(BagOfWords::default()));
        let text = "the sink drips all night";
        let vector = BagOfWords::vector(text);
        let bits = |matcher: &Matcher| {
            classifier(matcher)
                .probabilities(&vector, text)
                .map(f32::to_bits)
        };
        for matcher in [&first, &restarted, &repaired] {
            assert_eq!(bits(matcher), bits(&fresh));
        }
    }

    #[test]
    fn the_first_compile_after_the_model_is_ready_refines_the_kept_base() {
        for objective in [Objective::Softmax, Objective::OneVsRest] {
            let keeping = Arc::new(Keeping::default());
            let given = || keeping.given.load(std::sync::atomic::Ordering::Relaxed);
            Matcher::prepare_semantic(keeping.clone(), with_objective(config(), objective));
            assert_eq!(given(), 1, "{objective:?}: the base is trained and kept");
            // Ready again (a restart): the kept base is found, not trained again.
            Matcher::prepare_semantic(keeping.clone(), with_objective(config(), objective));
            assert_eq!(given(), 1, "{objective:?}");
            let entries = semantic_entries();
            let first = Matcher::with_semantic(
                entries.clone(),
                keeping.clone(),
                with_objective(config(), objective),
            );
            assert_eq!(
                given(),
                1,
                "{objective:?}: the first compile trains no base"
            );
            // The same bits as a compile that trained the base itself.
            let trained_itself = Matcher::with_semantic(
                entries,
                Arc::new(BagOfWords::default()),
                with_objective(config(), objective),
            );
            assert_eq!(
                classifier(&first).to_bytes(),
                classifier(&trained_itself).to_bytes(),
                "{objective:?}"
            );
            let base = |matcher: &Matcher| {
                let semantic = matcher.semantic.as_ref().unwrap();
                semantic.base.as_ref().unwrap().to_bytes()
            };
            assert_eq!(base(&first), base(&trained_itself), "{objective:?}");
        }
    }

    #[test]
    fn examples_are_embedded_when_the_matcher_is_built() {
        let embedder = Arc::new(BagOfWords::default());
        let _matcher = semantic_set(embedder.clone());
        let builtin: usize = Goal::ALL.iter().map(|g| g.builtin_examples().len()).sum();
        assert_eq!(
            embedder.examples.load(std::sync::atomic::Ordering::Relaxed),
            builtin + 1
        );
        assert_eq!(embedded(&embedder), 0);
    }

    #[test]
    fn a_turned_off_example_is_not_learnt() {
        let embedder = Arc::new(BagOfWords::default());
        let example = Goal::HelpDeskSupport.builtin_examples()[0];
        let mut support = entry("Support", Goal::HelpDeskSupport, 30, true);
        support.disabled_examples = vec![example.to_string()];
        let _matcher = Matcher::with_semantic(vec![support], embedder.clone(), config());
        let builtin: usize = Goal::ALL.iter().map(|g| g.builtin_examples().len()).sum();
        assert_eq!(
            embedder.examples.load(std::sync::atomic::Ordering::Relaxed),
            builtin - 1
        );
    }

    #[test]
    fn sales_inquiry_also_matches_lead_captures_examples() {
        let embedder = Arc::new(BagOfWords::default());
        let matcher = Matcher::with_semantic(
            vec![entry("Sales", Goal::SalesInquiry, 0, true)],
            embedder,
            config(),
        );
        // One without a sales keyword, so only meaning can match it.
        let keywords_only = Matcher::new(vec![entry("Sales", Goal::SalesInquiry, 0, true)]);
        let explanation = Goal::LeadCapture
            .builtin_examples()
            .iter()
            .filter(|example| keywords_only.find(example).is_none())
            .map(|example| matcher.explain(example, false))
            .find(|explanation| explanation.probabilities[0].goal == Goal::LeadCapture)
            .expect("some lead example without a sales keyword is most probably Lead Capture");
        assert!(
            matches!(
                &explanation.candidates[0].signal,
                Some(Signal::Semantic { .. })
            ),
            "{explanation:?}"
        );
    }

    proptest! {
        #[test]
        fn find_agrees_with_explain(text in "\\PC{0,160}", priorities in proptest::collection::vec((0i64..3, 0usize..5, any::<bool>()), 0..12)) {
            let entries = priorities.iter().enumerate().map(|(i, (priority, goal, active))| {
                entry(&format!("w{i}"), Goal::ALL[*goal], *priority, *active)
            }).collect();
            let matcher = Matcher::new(entries);
            let found = matcher.find(&text).map(|e| e.name.clone());
            let explained = matcher.explain(&text, false).matched.map(|m| m.workflow);
            prop_assert_eq!(found, explained);
        }

        #[test]
        fn a_keyword_glued_inside_a_longer_word_never_matches(prefix in "[a-z]{0,4}", suffix in "[a-z]{0,4}") {
            prop_assume!(!prefix.is_empty() || !suffix.is_empty());
            let matcher = Matcher::new(vec![entry("Support", Goal::HelpDeskSupport, 0, true)]);
            let single_words: Vec<String> = Goal::HelpDeskSupport.builtin_keywords().iter()
                .map(|k| normalize(k).trim().to_string()).filter(|k| !k.contains(' ')).collect();
            let glued = format!("{prefix}help{suffix}");
            let is_itself_a_keyword = single_words.contains(&normalize(&glued).trim().to_string());
            prop_assert_eq!(matcher.find(&glued).is_some(), is_itself_a_keyword);
        }
    }

    fn objective() -> impl Strategy<Value = Objective> {
        proptest::prop_oneof![Just(Objective::Softmax), Just(Objective::OneVsRest)]
    }

    fn with_objective(config: SemanticConfig, objective: Objective) -> SemanticConfig {
        SemanticConfig {
            training: Training {
                objective,
                ..config.training
            },
            ..config
        }
    }

    proptest! {
        // Each case trains a classifier: fewer cases than the keyword-only properties.
        #![proptest_config(ProptestConfig::with_cases(48))]

        #[test]
        fn find_agrees_with_explain_with_meaning(
            words in proptest::collection::vec(proptest::sample::select(vec![
                "help", "price", "book", "faucet", "drips", "water", "tomorrow", "hello", "order", "zebra",
            ]), 0..8),
            priorities in proptest::collection::vec((0i64..3, 0usize..5, any::<bool>()), 0..8),
            nearer_none in proptest::prop_oneof![Just(f32::INFINITY), -0.2f32..0.2],
            objective in objective(),
        ) {
            let entries = priorities.iter().enumerate().map(|(i, (priority, goal, active))| {
                let mut entry = entry(&format!("w{i}"), Goal::ALL[*goal], *priority, *active);
                entry.examples = vec![format!("water drips {i}")];
                entry
            }).collect();
            let config = with_objective(SemanticConfig { nearer_none, ..config() }, objective);
            let matcher = Matcher::with_semantic(entries, Arc::new(BagOfWords::default()), config);
            let text = words.join(" ");
            let found = matcher.find(&text).map(|e| e.name.clone());
            let explained = matcher.explain(&text, false).matched.map(|m| m.workflow);
            prop_assert_eq!(found, explained);
        }

        /// A keyword the business typed is never beaten by a higher-ranked workflow's match by
        /// meaning below the clear cut-off: whatever wins instead matched a keyword itself, is the
        /// catch-all ranked above, or matched by meaning at least clearly.
        #[test]
        fn a_typed_keyword_loses_to_meaning_only_when_meaning_is_clear(
            words in proptest::collection::vec(proptest::sample::select(vec![
                "faucet", "drips", "water", "price", "book", "tomorrow", "hello", "zebra", "night",
            ]), 0..8),
            priorities in proptest::collection::vec((0i64..3, 0usize..5), 1..6),
            keyword_priority in 0i64..3,
            clear in 0.3f32..1.0,
            nearer_none in proptest::prop_oneof![Just(f32::INFINITY), -0.2f32..0.2],
            objective in objective(),
        ) {
            let mut entries: Vec<MatchEntry> = priorities.iter().enumerate().map(|(i, (priority, goal))| {
                let mut entry = entry(&format!("w{i}"), Goal::ALL[*goal], *priority, true);
                entry.examples = vec![format!("{} drips {i}", words.first().copied().unwrap_or("water"))];
                entry
            }).collect();
            let mut typed = entry("Typed", Goal::LeadCapture, keyword_priority, true);
            typed.keywords = vec!["insurance".into()];
            entries.push(typed);
            let config = with_objective(SemanticConfig { clear, nearer_none, ..config() }, objective);
            let matcher = Matcher::with_semantic(entries, Arc::new(BagOfWords::default()), config);
            let text = format!("{} insurance", words.join(" "));
            let explanation = matcher.explain(&text, false);
            let winner = explanation.candidates.iter().find(|c| c.winner).expect("the keyword matches");
            match &winner.signal {
                Some(Signal::Semantic { probability, .. }) => prop_assert!(*probability >= clear - 1e-3, "{:?}", explanation),
                Some(Signal::Keyword { .. }) | Some(Signal::CatchAll) => {}
                None => prop_assert!(false, "a winner without a signal"),
            }
            prop_assert_eq!(matcher.find(&text).map(|e| e.name.clone()), Some(winner.workflow.clone()));
        }

    }
}

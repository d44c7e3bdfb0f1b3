//! The workflow matcher: which workflow handles a message, and why.
//!
//! A set of workflows is compiled once into one Aho-Corasick automaton over normalised keyword
//! phrases (see [`crate::text`]). Finding the winner for a message is one pass over its normalised
//! text: each keyword hit looks up the best-ranked active workflow it can select, so the cost does
//! not grow with the number of workflows, and no keyword allocates. [`Matcher::explain`] is the slower,
//! complete answer for people: every workflow with whether it matched and why it won or lost.
//!
//! Keywords are the first signal. The second, optional one is meaning: with an [`Embedder`] (a
//! sentence-embedding model run by an adapter crate), a workflow also matches a message that is close
//! enough to one of its goal's example phrases or its own (see [`crate::semantic`]). The examples are
//! embedded once, when the matcher is built; [`Matcher::find`] embeds a message at most once, and only
//! when a workflow ranked above the best keyword match could still win by meaning. The explanation
//! names the signal that fired, with its score.

use std::cell::RefCell;
use std::cmp::Reverse;
use std::collections::HashMap;
use std::sync::Arc;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::goal::Goal;
use crate::semantic::{Embedder, SemanticConfig, similarity};
use crate::text::{normalize, normalize_into};
use crate::workflow::{Workflow, WorkflowSpec};

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
    /// Breaks priority ties (oldest first); `None` keeps the order given (a file's order).
    pub created_at: Option<OffsetDateTime>,
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
            created_at: None,
        }
    }
}

/// Where a keyword comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum KeywordSource {
    Goal(Goal),
    /// A workflow's own keywords, by rank.
    Workflow(usize),
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

/// The embedded example phrases and the model that embeds messages.
struct SemanticIndex {
    embedder: Arc<dyn Embedder>,
    config: SemanticConfig,
    examples: Vec<EmbeddedExample>,
    /// Indices into `examples` of each goal's built-in examples, by `Goal as usize`.
    by_goal: [Vec<usize>; Goal::ALL.len()],
    /// Indices into `examples` of each ranked workflow's own examples.
    by_rank: Vec<Vec<usize>>,
    /// The first active workflow with a specific goal: a message is embedded only if it ranks above
    /// the best keyword match.
    first_active_specific: usize,
}

struct EmbeddedExample {
    text: String,
    vector: Arc<[f32]>,
}

/// How close a message is to each workflow's examples.
struct SemanticScores {
    /// The closest example of each ranked workflow (its goal's and its own): (index, similarity).
    by_rank: Vec<Option<(usize, f32)>>,
    /// The similarity of the closest example of any goal, catch-all included.
    best: f32,
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
            if !patterns[index].sources.contains(&source) {
                patterns[index].sources.push(source);
            }
        };
        for goal in Goal::ALL {
            for keyword in goal.builtin_keywords() {
                add(keyword, KeywordSource::Goal(goal));
            }
        }
        for (rank, entry) in ranked.iter().enumerate() {
            for keyword in &entry.keywords {
                add(keyword, KeywordSource::Workflow(rank));
            }
        }

        let mut matcher = Matcher {
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
        };
        for index in 0..matcher.patterns.len() {
            let best = matcher.patterns[index]
                .sources
                .iter()
                .filter_map(|&source| matcher.first_rank_selected_by(source, false))
                .min()
                .unwrap_or(NO_RANK);
            matcher.patterns[index].best_active_rank = best;
        }
        matcher
    }

    pub fn from_workflows<'a>(workflows: impl IntoIterator<Item = &'a Workflow>) -> Matcher {
        Matcher::new(workflows.into_iter().map(MatchEntry::from).collect())
    }

    /// A matcher with both signals: keywords, and meaning through `embedder`. Embeds every example
    /// phrase now (the embedder may remember them across builds); examples it cannot embed are left out.
    pub fn with_semantic(
        entries: Vec<MatchEntry>,
        embedder: Arc<dyn Embedder>,
        config: SemanticConfig,
    ) -> Matcher {
        let mut matcher = Matcher::new(entries);
        // Every phrase in one call, so the embedder can batch: goals' built-in ones, then workflows'.
        let mut texts: Vec<&str> = Vec::new();
        for goal in Goal::ALL {
            texts.extend(goal.builtin_examples().iter().copied());
        }
        for entry in &matcher.ranked {
            texts.extend(entry.examples.iter().map(String::as_str));
        }
        let vectors = embedder.embed_examples(&texts);
        let mut examples: Vec<EmbeddedExample> = Vec::new();
        let mut next = texts.iter().zip(vectors);
        let mut take = |count: usize| -> Vec<usize> {
            next.by_ref()
                .take(count)
                .filter_map(|(text, vector)| {
                    examples.push(EmbeddedExample {
                        text: text.to_string(),
                        vector: vector?,
                    });
                    Some(examples.len() - 1)
                })
                .collect()
        };
        let own_by_goal: [Vec<usize>; Goal::ALL.len()] =
            Goal::ALL.map(|goal| take(goal.builtin_examples().len()));
        let by_rank: Vec<Vec<usize>> = matcher
            .ranked
            .iter()
            .map(|entry| take(entry.examples.len()))
            .collect();
        let by_goal = Goal::ALL.map(|goal| {
            goal.example_goals()
                .iter()
                .flat_map(|&from| own_by_goal[from as usize].iter().copied())
                .collect()
        });
        matcher.semantic = Some(SemanticIndex {
            first_active_specific: matcher
                .ranked
                .iter()
                .position(|entry| entry.active && !entry.goal.is_catch_all())
                .unwrap_or(NO_RANK),
            embedder,
            config,
            examples,
            by_goal,
            by_rank,
        });
        matcher
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
            let mut best = self.first_active_catch_all;
            for hit in self.automaton.find_overlapping_iter(normalised.as_str()) {
                best = best.min(self.patterns[hit.pattern().as_usize()].best_active_rank);
            }
            if let Some(semantic) = &self.semantic
                && semantic.first_active_specific < best
                && let Some(scores) = semantic.score(text, &self.ranked, false)
            {
                // Only workflows ranked above the keyword winner can change the answer.
                let above = semantic.first_active_specific..best.min(self.ranked.len());
                if let Some(rank) = above.into_iter().find(|&rank| {
                    self.ranked[rank].active
                        && semantic.matches(&self.ranked[rank], &scores.by_rank[rank], scores.best)
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

    /// The lowest-ranked workflow that a keyword from `source` selects.
    fn first_rank_selected_by(
        &self,
        source: KeywordSource,
        include_inactive: bool,
    ) -> Option<usize> {
        let eligible = |entry: &MatchEntry| entry.active || include_inactive;
        match source {
            KeywordSource::Goal(goal) => self
                .ranked
                .iter()
                .position(|entry| entry.goal == goal && eligible(entry)),
            KeywordSource::Workflow(rank) => eligible(&self.ranked[rank]).then_some(rank),
        }
    }

    /// The full answer for people: the winner and, for every workflow, whether it matched and why
    /// it won or lost. `include_inactive` considers inactive workflows as if they were active.
    pub fn explain(&self, text: &str, include_inactive: bool) -> MatchExplanation {
        let normalised = normalize(text);
        // The first keyword found (in text order) for each source.
        let mut found: HashMap<KeywordSource, &str> = HashMap::new();
        for hit in self.automaton.find_overlapping_iter(normalised.as_str()) {
            let pattern = &self.patterns[hit.pattern().as_usize()];
            for &source in &pattern.sources {
                found.entry(source).or_insert(pattern.keyword.as_str());
            }
        }

        let scores = self
            .semantic
            .as_ref()
            .and_then(|semantic| semantic.score(text, &self.ranked, include_inactive));
        let signals: Vec<Option<Signal>> = self
            .ranked
            .iter()
            .enumerate()
            .map(|(rank, entry)| {
                if entry.goal.is_catch_all() {
                    return Some(Signal::CatchAll);
                }
                let own =
                    found
                        .get(&KeywordSource::Workflow(rank))
                        .map(|keyword| Signal::Keyword {
                            keyword: keyword.to_string(),
                            from: KeywordOrigin::Workflow,
                        });
                own.or_else(|| {
                    found
                        .get(&KeywordSource::Goal(entry.goal))
                        .map(|keyword| Signal::Keyword {
                            keyword: keyword.to_string(),
                            from: KeywordOrigin::Goal,
                        })
                })
                .or_else(|| {
                    let (semantic, scores) = self.semantic.as_ref().zip(scores.as_ref())?;
                    let closest = scores.by_rank[rank];
                    if semantic.matches(entry, &closest, scores.best) {
                        closest.map(|closest| semantic.signal(entry, closest))
                    } else {
                        None
                    }
                })
            })
            .collect();
        let considered = |entry: &MatchEntry| entry.active || include_inactive;
        let winner = (0..self.ranked.len())
            .find(|&rank| considered(&self.ranked[rank]) && signals[rank].is_some());

        let candidates =
            self.ranked
                .iter()
                .zip(signals)
                .enumerate()
                .map(|(rank, (entry, signal))| {
                    let matches = considered(entry) && signal.is_some();
                    let closeness = self.semantic.as_ref().zip(scores.as_ref()).and_then(
                        |(semantic, scores)| {
                            let (example, score) = scores.by_rank[rank]?;
                            Some(Closeness {
                                example: &semantic.examples[example].text,
                                score,
                                threshold: semantic.config.threshold(entry.goal),
                                best: scores.best,
                            })
                        },
                    );
                    let reason =
                        self.reason(rank, winner, considered(entry), signal.as_ref(), closeness);
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
        MatchExplanation {
            matched: winner.map(|rank| MatchedWorkflow {
                workflow: self.ranked[rank].name.clone(),
                id: self.ranked[rank].id,
                goal: self.ranked[rank].goal,
                priority: self.ranked[rank].priority,
            }),
            tie_with,
            candidates,
        }
    }

    fn reason(
        &self,
        rank: usize,
        winner: Option<usize>,
        considered: bool,
        signal: Option<&Signal>,
        closeness: Option<Closeness<'_>>,
    ) -> String {
        let entry = &self.ranked[rank];
        if !considered {
            return "inactive: only active workflows are considered (activate it, or test with include_inactive)".into();
        }
        let Some(signal) = signal else {
            let examples: Vec<&str> = entry
                .keywords
                .iter()
                .map(String::as_str)
                .chain(entry.goal.builtin_keywords().iter().copied())
                .take(4)
                .collect();
            let meaning = match closeness {
                None => String::new(),
                Some(c) if c.score < c.threshold => format!(
                    "; and its meaning is not close enough: the closest example {:?} scores {:.2} (needs {:.2})",
                    c.example, c.score, c.threshold
                ),
                Some(c) => format!(
                    "; the closest example {:?} scores {:.2}, but another goal's example is closer ({:.2})",
                    c.example, c.score, c.best
                ),
            };
            return format!(
                "no keyword matched: the message has none of the {} keywords (e.g. {}){}{meaning}",
                entry.goal,
                examples.join(", "),
                if entry.keywords.is_empty() {
                    ""
                } else {
                    " or the workflow's own"
                }
            );
        };
        let why = signal.describe();
        let Some(winner_rank) = winner else {
            unreachable!("a considered workflow with a signal makes a winner")
        };
        if rank == winner_rank {
            return format!("won: {why}; it is the highest-ranked match");
        }
        let winner_entry = &self.ranked[winner_rank];
        if winner_entry.priority > entry.priority {
            return format!(
                "{why}, but lost to {:?}: higher priority ({} > {})",
                winner_entry.name, winner_entry.priority, entry.priority
            );
        }
        let tie_break = if entry.goal.is_catch_all() && !winner_entry.goal.is_catch_all() {
            "a specific goal is checked before general_inquiry"
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

/// The answer of `POST /workflows/test` and `smsflow workflows test --json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MatchExplanation {
    /// The workflow that would handle the message, or null when none matches.
    pub matched: Option<MatchedWorkflow>,
    /// Other matching workflows with the winner's priority: the tie the order broke.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tie_with: Vec<String>,
    /// Every workflow, in the order they are checked.
    pub candidates: Vec<Candidate>,
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
    /// The message means nearly the same as an example phrase (cosine similarity of their sentence
    /// embeddings, from -1 to 1): `score` reached the goal's `threshold`, and no other goal's
    /// example was clearly closer.
    Semantic {
        example: String,
        from: KeywordOrigin,
        score: f32,
        threshold: f32,
    },
}

/// How close a message came to a workflow's examples, for the explanation of a miss.
#[derive(Clone, Copy)]
struct Closeness<'a> {
    example: &'a str,
    score: f32,
    threshold: f32,
    best: f32,
}

impl SemanticIndex {
    /// Embeds `text` once and scores it against every workflow's examples; `None` if the embedder
    /// cannot embed it (the keyword signal still applies).
    fn score(
        &self,
        text: &str,
        ranked: &[MatchEntry],
        include_inactive: bool,
    ) -> Option<SemanticScores> {
        let vector = self.embedder.embed(text)?;
        let closest = |indices: &[usize]| -> Option<(usize, f32)> {
            indices
                .iter()
                .map(|&i| (i, similarity(&vector, &self.examples[i].vector)))
                .max_by(|a, b| a.1.total_cmp(&b.1))
        };
        let goal_best = self.by_goal.each_ref().map(|indices| closest(indices));
        let mut best = goal_best
            .iter()
            .flatten()
            .map(|&(_, score)| score)
            .fold(f32::NEG_INFINITY, f32::max);
        let by_rank: Vec<Option<(usize, f32)>> = ranked
            .iter()
            .zip(&self.by_rank)
            .map(|(entry, own)| {
                let own = closest(own);
                if let Some((_, score)) = own
                    && (entry.active || include_inactive)
                {
                    best = best.max(score);
                }
                let goal = goal_best[entry.goal as usize];
                match (goal, own) {
                    (Some(g), Some(o)) => Some(if o.1 >= g.1 { o } else { g }),
                    (g, o) => g.or(o),
                }
            })
            .collect();
        Some(SemanticScores { by_rank, best })
    }

    /// Whether a workflow matches by meaning: its closest example reaches its goal's threshold and is
    /// within the margin of the closest example of any goal (the catch-all's included).
    fn matches(&self, entry: &MatchEntry, closest: &Option<(usize, f32)>, best: f32) -> bool {
        match closest {
            Some((_, score)) if !entry.goal.is_catch_all() => {
                *score >= self.config.threshold(entry.goal) && *score >= best - self.config.margin()
            }
            _ => false,
        }
    }

    fn signal(&self, entry: &MatchEntry, (example, score): (usize, f32)) -> Signal {
        let text = &self.examples[example].text;
        Signal::Semantic {
            example: text.clone(),
            from: if entry.examples.contains(text) {
                KeywordOrigin::Workflow
            } else {
                KeywordOrigin::Goal
            },
            score: (score * 1000.0).round() / 1000.0,
            threshold: self.config.threshold(entry.goal),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
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
            Signal::CatchAll => "general_inquiry matches every message".into(),
            Signal::Keyword { keyword, from } => match from {
                KeywordOrigin::Goal => format!("matched the goal keyword {keyword:?}"),
                KeywordOrigin::Workflow => format!("matched its own keyword {keyword:?}"),
            },
            Signal::Semantic {
                example,
                from,
                score,
                threshold,
            } => format!(
                "means the same as {} example {example:?} (similarity {score:.2} >= {threshold:.2})",
                match from {
                    KeywordOrigin::Goal => "the goal's",
                    KeywordOrigin::Workflow => "its own",
                }
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn entry(name: &str, goal: Goal, priority: i64, active: bool) -> MatchEntry {
        MatchEntry {
            id: None,
            name: name.into(),
            goal,
            priority,
            active,
            keywords: vec![],
            examples: vec![],
            created_at: None,
        }
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
            winner(&matcher, "broken screen").as_deref(),
            Some("Older support")
        );
        let explanation = matcher.explain("broken screen", false);
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
            reasons[2].ends_with("a specific goal is checked before general_inquiry"),
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
            winner(&matcher, "a ballpark").as_deref(),
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

    /// A stand-in for a sentence-embedding model: a bag of hashed words, so texts sharing words are
    /// similar. Counts the messages it embeds.
    #[derive(Default)]
    struct BagOfWords {
        messages: std::sync::atomic::AtomicUsize,
        examples: std::sync::atomic::AtomicUsize,
    }

    impl BagOfWords {
        fn vector(text: &str) -> Vec<f32> {
            let mut vector = vec![0f32; 1024];
            for word in normalize(text).split_whitespace() {
                let hash = word
                    .bytes()
                    .fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(b as u32));
                vector[hash as usize % 1024] += 1.0;
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

    fn semantic_set(embedder: Arc<BagOfWords>) -> Matcher {
        let mut support = entry("Support", Goal::HelpDeskSupport, 30, true);
        support.examples = vec!["the faucet drips water all night".into()];
        Matcher::with_semantic(
            vec![
                entry("Fallback", Goal::GeneralInquiry, 0, true),
                support,
                entry("Sales", Goal::SalesInquiry, 10, true),
            ],
            embedder,
            SemanticConfig::new(|_| 0.5, 0.0),
        )
    }

    fn embedded(embedder: &BagOfWords) -> usize {
        embedder.messages.load(std::sync::atomic::Ordering::Relaxed)
    }

    #[test]
    fn a_message_matches_by_meaning_when_no_keyword_does() {
        let embedder = Arc::new(BagOfWords::default());
        let matcher = semantic_set(embedder.clone());
        let text = "the faucet drips water";
        assert_eq!(winner(&matcher, text).as_deref(), Some("Support"));
        let explanation = matcher.explain(text, false);
        let Some(Signal::Semantic {
            example,
            from,
            score,
            threshold,
        }) = &explanation.candidates[0].signal
        else {
            panic!("expected a semantic signal: {explanation:?}")
        };
        assert_eq!(example, "the faucet drips water all night");
        assert_eq!(*from, KeywordOrigin::Workflow);
        assert!(*score >= 0.5 && *score <= 1.0, "{score}");
        assert_eq!(*threshold, 0.5);
        assert!(
            explanation.candidates[0]
                .reason
                .starts_with("won: means the same as its own example"),
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
    fn unrelated_messages_stay_with_the_catch_all_and_say_how_close_they_came() {
        let matcher = semantic_set(Arc::new(BagOfWords::default()));
        let text = "zebra quartz violin";
        assert_eq!(winner(&matcher, text).as_deref(), Some("Fallback"));
        let support = &matcher.explain(text, false).candidates[0];
        assert!(!support.matches);
        assert!(
            support.reason.contains("its meaning is not close enough"),
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
            SemanticConfig::new(|_| 0.5, 0.0),
        );
        assert_eq!(
            catch_all_only.find("the faucet drips").unwrap().name,
            "Fallback"
        );
        assert_eq!(embedded(&embedder), 1);
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
    fn sales_inquiry_also_matches_lead_captures_examples() {
        let embedder = Arc::new(BagOfWords::default());
        let matcher = Matcher::with_semantic(
            vec![entry("Sales", Goal::SalesInquiry, 0, true)],
            embedder,
            SemanticConfig::new(|_| 0.9, 0.0),
        );
        // One without a sales keyword, so only meaning can match it.
        let keywords_only = Matcher::new(vec![entry("Sales", Goal::SalesInquiry, 0, true)]);
        let lead_example = *Goal::LeadCapture
            .builtin_examples()
            .iter()
            .find(|example| keywords_only.find(example).is_none())
            .expect("some lead example has no sales keyword");
        let explanation = matcher.explain(lead_example, false);
        assert!(
            matches!(&explanation.candidates[0].signal, Some(Signal::Semantic { example, .. }) if example == lead_example),
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
        fn find_agrees_with_explain_with_meaning(
            words in proptest::collection::vec(proptest::sample::select(vec![
                "help", "price", "book", "faucet", "drips", "water", "tomorrow", "hello", "order", "zebra",
            ]), 0..8),
            priorities in proptest::collection::vec((0i64..3, 0usize..5, any::<bool>()), 0..8),
        ) {
            let entries = priorities.iter().enumerate().map(|(i, (priority, goal, active))| {
                let mut entry = entry(&format!("w{i}"), Goal::ALL[*goal], *priority, *active);
                entry.examples = vec![format!("water drips {i}")];
                entry
            }).collect();
            let matcher = Matcher::with_semantic(entries, Arc::new(BagOfWords::default()), SemanticConfig::new(|_| 0.4, 0.05));
            let text = words.join(" ");
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
}

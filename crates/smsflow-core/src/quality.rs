//! Matching quality on a labelled sample set: per-goal precision, recall and F1, macro-F1, how
//! often the winning workflow has one of the message's goals (top-1 routing accuracy), and where the
//! others went (a confusion matrix and the misrouted texts).

use serde::{Deserialize, Serialize};

use crate::goal::Goal;
use crate::matcher::Matcher;

/// One labelled message: the goals a careful reader says apply (empty: only the catch-all).
#[derive(Debug, Clone, Deserialize)]
pub struct LabelledMessage {
    pub text: String,
    #[serde(default)]
    pub goals: Vec<Goal>,
    /// `en`, `es` or `mixed`, when the set says; for scoring each language apart.
    #[serde(default)]
    pub lang: Option<String>,
}

/// The messages of a labelled set, one JSON object a line (blank lines skipped; keys other than
/// `text`, `goals` and `lang` ignored).
pub fn parse_jsonl(set: &str) -> Result<Vec<LabelledMessage>, serde_json::Error> {
    set.lines()
        .filter(|line| !line.trim().is_empty())
        .map(serde_json::from_str)
        .collect()
}

#[derive(Debug, Clone, Serialize)]
pub struct GoalScore {
    pub goal: Goal,
    pub true_positives: usize,
    pub false_positives: usize,
    pub false_negatives: usize,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct QualityReport {
    pub messages: usize,
    /// The four keyword goals; `general_inquiry` matches everything and is not scored.
    pub goals: Vec<GoalScore>,
    pub macro_f1: f64,
    /// Share of messages whose winner has one of its goals, or is the catch-all (or nothing) for a
    /// message with no goal.
    pub top1_accuracy: f64,
    /// Messages routed wrongly, for reading.
    pub misrouted: Vec<Misrouted>,
    /// Where messages went: `confusion[expected][routed]`, goals in [`Goal::ALL`] order
    /// (`general_inquiry` for "none of these" and for no workflow). A message with several goals
    /// counts under the one it was routed to if that is one of them, else under its first.
    pub confusion: [[usize; Goal::ALL.len()]; Goal::ALL.len()],
}

#[derive(Debug, Clone, Serialize)]
pub struct Misrouted {
    pub text: String,
    pub expected: Vec<Goal>,
    pub routed_to: Option<Goal>,
}

pub fn score(matcher: &Matcher, samples: &[LabelledMessage]) -> QualityReport {
    let outcomes: Vec<Outcome> = samples
        .iter()
        .map(|sample| Outcome::of(matcher, &sample.text))
        .collect();
    score_outcomes(samples, &outcomes)
}

/// Where a matcher sent one message: every goal it detected, and the goal of the winning workflow.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub detected: Vec<Goal>,
    pub routed_to: Option<Goal>,
}

impl Outcome {
    pub fn of(matcher: &Matcher, text: &str) -> Outcome {
        Outcome {
            detected: matcher.detected_goals(text),
            routed_to: matcher.find(text).map(|entry| entry.goal),
        }
    }
}

/// [`score`] from outcomes already known, one per sample in order (to score many subsets of a set,
/// as cross-validation does, without matching each message again).
pub fn score_outcomes(samples: &[LabelledMessage], outcomes: &[Outcome]) -> QualityReport {
    let scored: Vec<Goal> = Goal::ALL
        .into_iter()
        .filter(|g| !g.is_catch_all())
        .collect();
    let mut counts = vec![(0usize, 0usize, 0usize); scored.len()];
    let mut correct = 0;
    let mut misrouted = Vec::new();
    let mut confusion = [[0usize; Goal::ALL.len()]; Goal::ALL.len()];
    for (sample, outcome) in samples.iter().zip(outcomes) {
        let detected = &outcome.detected;
        for (i, goal) in scored.iter().enumerate() {
            match (detected.contains(goal), sample.goals.contains(goal)) {
                (true, true) => counts[i].0 += 1,
                (true, false) => counts[i].1 += 1,
                (false, true) => counts[i].2 += 1,
                (false, false) => {}
            }
        }
        let routed_to = outcome.routed_to;
        let right = match routed_to {
            Some(goal) if !goal.is_catch_all() => sample.goals.contains(&goal),
            _ => sample.goals.is_empty(),
        };
        let routed = routed_to.unwrap_or(Goal::GeneralInquiry);
        let expected = if right {
            routed
        } else {
            sample
                .goals
                .first()
                .copied()
                .unwrap_or(Goal::GeneralInquiry)
        };
        confusion[expected as usize][routed as usize] += 1;
        if right {
            correct += 1;
        } else {
            misrouted.push(Misrouted {
                text: sample.text.clone(),
                expected: sample.goals.clone(),
                routed_to,
            });
        }
    }
    let goals: Vec<GoalScore> = scored
        .into_iter()
        .zip(counts)
        .map(|(goal, (tp, fp, fn_))| {
            let precision = ratio(tp, tp + fp);
            let recall = ratio(tp, tp + fn_);
            let f1 = if precision + recall > 0.0 {
                2.0 * precision * recall / (precision + recall)
            } else {
                0.0
            };
            GoalScore {
                goal,
                true_positives: tp,
                false_positives: fp,
                false_negatives: fn_,
                precision,
                recall,
                f1,
            }
        })
        .collect();
    QualityReport {
        messages: samples.len(),
        macro_f1: goals.iter().map(|g| g.f1).sum::<f64>() / goals.len() as f64,
        goals,
        top1_accuracy: ratio(correct, samples.len()),
        misrouted,
        confusion,
    }
}

/// `part / whole`, with an empty whole counting as perfect (nothing to get wrong).
fn ratio(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        1.0
    } else {
        part as f64 / whole as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matcher::MatchEntry;

    #[test]
    fn counts_hits_misses_and_routing() {
        let entry = |name: &str, goal, priority| MatchEntry::new(name, goal, priority, true);
        let matcher = Matcher::new(vec![
            entry("Support", Goal::HelpDeskSupport, 10),
            entry("Fallback", Goal::GeneralInquiry, 0),
        ]);
        let samples = vec![
            LabelledMessage {
                text: "I have a problem".into(),
                goals: vec![Goal::HelpDeskSupport],
                lang: None,
            },
            LabelledMessage {
                text: "my screen is black".into(),
                goals: vec![Goal::HelpDeskSupport],
                lang: None,
            },
            LabelledMessage {
                text: "hi".into(),
                goals: vec![],
                lang: None,
            },
        ];
        let report = score(&matcher, &samples);
        let support = report
            .goals
            .iter()
            .find(|g| g.goal == Goal::HelpDeskSupport)
            .unwrap();
        assert_eq!(
            (
                support.true_positives,
                support.false_positives,
                support.false_negatives
            ),
            (1, 0, 1)
        );
        assert_eq!(support.precision, 1.0);
        assert_eq!(support.recall, 0.5);
        assert!((report.top1_accuracy - 2.0 / 3.0).abs() < 1e-9);
        assert_eq!(report.misrouted.len(), 1);
        assert_eq!(report.misrouted[0].routed_to, Some(Goal::GeneralInquiry));
        let (support, none) = (
            Goal::HelpDeskSupport as usize,
            Goal::GeneralInquiry as usize,
        );
        assert_eq!(report.confusion[support][support], 1);
        assert_eq!(report.confusion[support][none], 1);
        assert_eq!(report.confusion[none][none], 1);
    }
}

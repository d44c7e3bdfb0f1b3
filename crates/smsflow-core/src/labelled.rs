//! The routing corpus as built-in examples: the texts people wrote and labelled to score routing
//! (`crates/smsflow-semantic/tests/data/routing/`; how and by whom: its README) teach the goal
//! classifier beside the phrases written for [`Goal::written_examples`]. Each set here has been
//! scored once and is spent; the blind set being written next is scored against a build that has
//! never seen it. The files are compiled into the binary and read once, on first use.

use std::sync::LazyLock;

use crate::goal::Goal;
use crate::quality::{LabelledMessage, parse_jsonl};

/// The spent routing sets and the set written for training (`written.jsonl`), one JSON object a
/// line; `text` and `goals` are read, the rest ignored.
const SETS: [&str; 11] = [
    include_str!("../../smsflow-semantic/tests/data/routing/train.jsonl"),
    include_str!("../../smsflow-semantic/tests/data/routing/test.jsonl"),
    include_str!("../../smsflow-semantic/tests/data/routing/test2.jsonl"),
    include_str!("../../smsflow-semantic/tests/data/routing/test3.jsonl"),
    include_str!("../../smsflow-semantic/tests/data/routing/test4.jsonl"),
    include_str!("../../smsflow-semantic/tests/data/routing/test5.jsonl"),
    include_str!("../../smsflow-semantic/tests/data/routing/test6.jsonl"),
    include_str!("../../smsflow-semantic/tests/data/routing/test7.jsonl"),
    include_str!("../../smsflow-semantic/tests/data/routing/test8.jsonl"),
    include_str!("../../smsflow-semantic/tests/data/routing/test9.jsonl"),
    include_str!("../../smsflow-semantic/tests/data/routing/written.jsonl"),
];

static TEXTS: LazyLock<Vec<LabelledMessage>> = LazyLock::new(|| {
    SETS.iter()
        .flat_map(|set| parse_jsonl(set).expect("the routing sets are valid (a test reads them)"))
        .collect()
});

/// The goals a text labelled `goals` is an example of. The classifier learns one goal per example,
/// so a text with several goals is an example of each, but of Lead Capture alone when it has Lead
/// Capture and Sales Inquiry: a sales workflow counts Lead Capture's probability as its own (see
/// [`Goal::example_goals`]), so teaching it both would blur the line between a price question and
/// a product question. No goal: an example of "none of these".
pub fn taught(goals: &[Goal]) -> Vec<Goal> {
    if goals.is_empty() {
        return vec![Goal::GeneralInquiry];
    }
    goals
        .iter()
        .copied()
        .filter(|&goal| !(goal == Goal::SalesInquiry && goals.contains(&Goal::LeadCapture)))
        .collect()
}

/// The corpus's texts that are examples of `goal` (see [`taught`]), in the sets' order.
pub fn labelled_examples(goal: Goal) -> &'static [&'static str] {
    static BY_GOAL: LazyLock<[Vec<&'static str>; Goal::ALL.len()]> = LazyLock::new(|| {
        let mut by_goal: [Vec<&'static str>; Goal::ALL.len()] = Default::default();
        for labelled in TEXTS.iter() {
            for goal in taught(&labelled.goals) {
                by_goal[goal as usize].push(labelled.text.as_str());
            }
        }
        by_goal
    });
    &BY_GOAL[goal as usize]
}

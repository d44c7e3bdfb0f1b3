//! `smsflow workflows import`: a YAML list of workflows read into drafts and validated. A valid
//! workflow exported (as `workflows export` writes it) and imported again is the same workflow.
#![no_main]

use libfuzzer_sys::fuzz_target;
use smsflow_core::WorkflowDraft;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(drafts) = serde_norway::from_str::<Vec<WorkflowDraft>>(text) else {
        return;
    };
    for draft in &drafts {
        let Ok(spec) = draft.validate() else {
            continue;
        };
        let exported =
            serde_norway::to_string(&[WorkflowDraft::from(&spec)]).expect("a draft serialises");
        let again: Vec<WorkflowDraft> =
            serde_norway::from_str(&exported).expect("an export parses");
        let respec = again[0].validate().expect("an exported workflow is valid");
        assert_eq!(
            respec, spec,
            "export/import changed the workflow:\n{exported}"
        );
    }
});

//! Two runs at once on the same pipeline, and pipelines holding copies of our hooks:
//! the verifying list after creates leaves exactly one hook per event, keeping the
//! oldest, and hooks that are not ours are never touched.

mod support;
use support::providers::ours;
use support::*;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

fn inputs<'a>(url: &'a str, pipelines: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("api-token", TOKEN),
        ("pipeline-ids", pipelines),
        ("api-url", url),
        ("timeout-seconds", "20"),
    ]
}

#[test]
fn two_runs_at_once_on_a_new_pipeline_leave_exactly_three_hooks() {
    let fake = fake_with(&[]);
    let want = reference(&fake, 1);
    let url = fake.base_url();
    let started = Instant::now();
    let mut copies_removed = 0;
    for round in 0..32u64 {
        let pipeline = 1_000 + round;
        fake.add_pipeline(pipeline);
        fake.set_latency(Duration::from_millis(10 + (round * 7) % 21));
        fake.clear_requests();
        let ids = pipeline.to_string();
        let a = start_action(&inputs(&url, &ids), &[]);
        // Half the rounds start together; the others stagger B by up to 60 ms so
        // it lists while A's creates or its verifying list are under way.
        if round % 2 == 1 {
            std::thread::sleep(Duration::from_millis((round * 13) % 61));
        }
        let b = start_action(&inputs(&url, &ids), &[]);
        let (a, b) = (a.wait(), b.wait());
        assert_eq!(a.code, 0, "round {round}, run A: {}", show(&a));
        assert_eq!(b.code, 0, "round {round}, run B: {}", show(&b));
        assert_exactly_three(&fake, pipeline, &want);
        let posts = fake
            .requests()
            .iter()
            .filter(|r| r.method == "POST")
            .count();
        let deletes = fake
            .requests()
            .iter()
            .filter(|r| r.method == "DELETE" && r.status == 204)
            .count();
        assert_eq!(posts - deletes, 3, "round {round}: {:?}", fake.requests());
        copies_removed += deletes;
        // Both report the hook that is kept.
        let kept: Vec<String> = ours(&fake, pipeline)
            .iter()
            .map(|h| h["id"].as_str().unwrap_or_default().to_owned())
            .collect();
        for run in [&a, &b] {
            for entry in run.hooks() {
                let id = entry["hook_id"].as_str().unwrap_or_default();
                assert!(
                    kept.iter().any(|k| k == id),
                    "round {round}: output names hook {id}, not kept ({kept:?}): {}",
                    show(run)
                );
            }
        }
    }
    fake.set_latency(Duration::ZERO);
    println!(
        "race: 32 rounds of two concurrent runs, {copies_removed} concurrent copies removed, {:?}",
        started.elapsed()
    );
}

fn foreign_hooks(
    fake: &FakeDevopness,
    pipeline: u64,
    want: &BTreeMap<String, Value>,
) -> Vec<String> {
    // Another context on our event; our context on two events; an incoming hook.
    let mut other = want["action.started"].clone();
    other["settings"]["request_body"]["context"] = json!("ci/other");
    let mut two_events = want["action.failed"].clone();
    two_events["trigger_when"]["events"] = json!(["action.failed", "action.completed"]);
    fake.insert_incoming_hook(pipeline, json!([]));
    vec![
        fake.insert_hook(pipeline, other),
        fake.insert_hook(pipeline, two_events),
    ]
}

fn snapshot(fake: &FakeDevopness, pipeline: u64, ids: &[String]) -> Vec<Value> {
    fake.hooks(pipeline)
        .into_iter()
        .filter(|h| ids.iter().any(|id| h["id"] == id.as_str()))
        .collect()
}

fn deleted_ids(fake: &FakeDevopness) -> Vec<String> {
    fake.requests()
        .iter()
        .filter(|r| r.method == "DELETE")
        .map(|r| r.path.rsplit('/').next().unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn exact_copies_go_hand_made_duplicates_only_with_prune_duplicates() {
    let fake = fake_with(&[]);
    let want = reference(&fake, 1);
    for (pipeline, prune) in [(2_001, false), (2_002, true)] {
        fake.add_pipeline(pipeline);
        let foreign = foreign_hooks(&fake, pipeline, &want);
        let original = fake.insert_hook(pipeline, want["action.started"].clone());
        let copy = fake.insert_hook(pipeline, want["action.started"].clone());
        let mut hand_made = want["action.started"].clone();
        hand_made["settings"]["request_body"]["description"] = json!("set up by hand");
        hand_made["name"] = json!("my started status");
        let hand_made = fake.insert_hook(pipeline, hand_made);
        let before = snapshot(&fake, pipeline, &foreign);
        fake.clear_requests();

        let prune_input = if prune { "true" } else { "false" };
        let run = apply(
            &fake,
            &pipeline.to_string(),
            &[("prune-duplicates", prune_input)],
        );
        assert_eq!(run.code, 0, "prune {prune}: {}", show(&run));
        assert_eq!(run.output("created"), "2", "prune {prune}");
        let deleted = deleted_ids(&fake);
        let ids: Vec<String> = fake
            .hooks(pipeline)
            .iter()
            .map(|h| h["id"].as_str().unwrap_or_default().to_owned())
            .collect();
        assert!(ids.contains(&original), "the oldest was not kept");
        assert!(!ids.contains(&copy), "the exact copy is still there");
        assert!(deleted.contains(&copy));
        if prune {
            assert!(
                !ids.contains(&hand_made),
                "prune-duplicates kept {hand_made}"
            );
            assert_exactly_three(&fake, pipeline, &want);
        } else {
            assert!(
                ids.contains(&hand_made),
                "the hand-made duplicate was deleted"
            );
            assert!(!deleted.contains(&hand_made));
            assert!(
                run.stdout.contains("prune-duplicates") && run.stdout.contains(&hand_made),
                "the duplicate is not reported: {}",
                show(&run)
            );
        }
        for id in &foreign {
            assert!(!deleted.contains(id), "deleted foreign hook {id}");
            assert!(
                !fake
                    .requests()
                    .iter()
                    .any(|r| r.is_write() && r.path.ends_with(id.as_str())),
                "wrote to foreign hook {id}"
            );
        }
        assert_eq!(
            snapshot(&fake, pipeline, &foreign),
            before,
            "foreign hooks changed"
        );
        assert_eq!(
            fake.hooks(pipeline).len(),
            3 + foreign.len() + usize::from(!prune)
        );

        // Settled: the next run writes nothing.
        fake.clear_requests();
        let again = apply(
            &fake,
            &pipeline.to_string(),
            &[("prune-duplicates", prune_input)],
        );
        assert_eq!(again.code, 0, "{}", show(&again));
        assert!(writes(&fake).is_empty(), "{:?}", writes(&fake));
    }
}

#[test]
fn two_runs_at_once_on_a_pipeline_with_copies_and_foreign_hooks() {
    let fake = fake_with(&[]);
    let want = reference(&fake, 1);
    let url = fake.base_url();
    for round in 0..6u64 {
        let pipeline = 3_000 + round;
        fake.add_pipeline(pipeline);
        let foreign = foreign_hooks(&fake, pipeline, &want);
        let kept = fake.insert_hook(pipeline, want["action.failed"].clone());
        fake.insert_hook(pipeline, want["action.failed"].clone());
        fake.insert_hook(pipeline, want["action.failed"].clone());
        let before = snapshot(&fake, pipeline, &foreign);
        fake.set_latency(Duration::from_millis(10 + round * 4));
        let ids = pipeline.to_string();
        let a = start_action(&inputs(&url, &ids), &[]);
        let b = start_action(&inputs(&url, &ids), &[]);
        let (a, b) = (a.wait(), b.wait());
        fake.set_latency(Duration::ZERO);
        assert_eq!(a.code, 0, "round {round}, A: {}", show(&a));
        assert_eq!(b.code, 0, "round {round}, B: {}", show(&b));
        assert_exactly_three(&fake, pipeline, &want);
        assert!(
            fake.hooks(pipeline)
                .iter()
                .any(|h| h["id"] == kept.as_str()),
            "round {round}: the oldest copy was not kept"
        );
        assert_eq!(snapshot(&fake, pipeline, &foreign), before, "round {round}");
    }
}

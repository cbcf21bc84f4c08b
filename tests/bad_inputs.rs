//! A corpus of bad inputs, each run through the real binary against a fake Devopness
//! API. Every case must: exit 1; report an `::error` naming the input; send nothing
//! (zero requests recorded by the fake); write no step output; print nothing that
//! the runner could read as a command other than our own (`::add-mask::` of the
//! secret inputs, `::error`, `::warning`, `::notice`, `::group::`, `::endgroup::`);
//! and leak no secret outside the `::add-mask::` lines.
//!
//! In a value, `{fake}` stands for the fake's `127.0.0.1:PORT`, so a bad `api-url`
//! that slipped through validation would be seen by the fake.

mod support;
use support::*;

/// Command prefixes this program may print (after leading whitespace, which the
/// runner skips).
const ALLOWED_COMMANDS: &[&str] = &[
    "::add-mask::",
    "::error::",
    "::error ",
    "::warning::",
    "::warning ",
    "::notice::",
    "::notice ",
    "::group::",
    "::endgroup::",
];

/// `%`, CR and LF escaped, as in a command message.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn unescape_data(s: &str) -> String {
    s.replace("%0D", "\r")
        .replace("%0A", "\n")
        .replace("%25", "%")
}

/// The `::word...` runs in the inputs of a case: a hostile payload must never begin
/// a log line (other than inside our own `::add-mask::`).
fn payloads(inputs: &[(&str, String)]) -> Vec<String> {
    let mut out = Vec::new();
    for (_, v) in inputs {
        let mut rest = v.as_str();
        while let Some(i) = rest.find("::") {
            let tail = &rest[i..];
            let end = tail.find(|c: char| c.is_whitespace()).unwrap_or(tail.len());
            let run = &tail[..end];
            // `::` alone, or `::error::` with nothing after, would also begin our own lines.
            if run.trim_end_matches(':').len() > 2 && !ALLOWED_COMMANDS.contains(&run) {
                out.push(run.to_owned());
            }
            rest = &rest[i + 2..];
        }
    }
    out
}

/// Runs the binary with `overrides` in front of valid defaults (the first value given
/// for an input wins) and checks everything a rejected run must hold to.
fn rejected(input: &str, overrides: &[(&'static str, String)]) {
    let fake = fake_with(&[1]);
    let base = fake.base_url();
    let host = base.trim_start_matches("http://").to_owned();
    let given: Vec<(&str, String)> = overrides
        .iter()
        .map(|(k, v)| (*k, v.replace("{fake}", &host)))
        .collect();
    let mut inputs: Vec<(&str, &str)> = given.iter().map(|(k, v)| (*k, v.as_str())).collect();
    inputs.extend([
        ("api-token", TOKEN),
        ("pipeline-ids", "1"),
        ("api-url", base.as_str()),
    ]);
    let run = run_action(&inputs, &[]);
    let ctx = format!(
        "case {input} {given:?}\nexit {}\nstdout:\n{}\nstderr:\n{}",
        run.code, run.stdout, run.stderr
    );

    assert_eq!(run.code, 1, "exit code\n{ctx}");
    let named = format!("input `{input}`");
    assert!(
        run.errors().iter().any(|l| l.contains(&named)),
        "no ::error names {named}\n{ctx}"
    );
    assert!(
        fake.requests().is_empty(),
        "requests were sent: {:?}\n{ctx}",
        fake.requests()
            .iter()
            .map(|r| format!("{} {}", r.method, r.path))
            .collect::<Vec<_>>()
    );
    assert!(
        run.outputs.is_empty() && run.outputs_raw.is_empty(),
        "step outputs written: {:?}\n{ctx}",
        run.outputs_raw
    );

    // The secret inputs, as the binary gets them (the first value per name).
    let secrets: Vec<&str> = ["api-token", "github-token", "extra-headers"]
        .iter()
        .filter_map(|name| inputs.iter().find(|(k, _)| k == name).map(|(_, v)| *v))
        .collect();

    // The runner reads stdout and stderr line by line, and .NET's reader ends a line
    // at CR too.
    let hostile = payloads(&given);
    let log = format!("{}\n{}", run.stdout, run.stderr);
    for line in log.split(['\n', '\r']) {
        let trimmed = line.trim_start();
        if let Some(value) = trimmed.strip_prefix("::add-mask::") {
            let value = unescape_data(value);
            assert!(
                !value.is_empty() && secrets.iter().any(|s| s.contains(&value)),
                "::add-mask:: of something that is not a secret input: {line:?}\n{ctx}"
            );
            continue;
        }
        if trimmed.starts_with("::") {
            assert!(
                ALLOWED_COMMANDS.iter().any(|c| trimmed.starts_with(c)),
                "forged workflow command: {line:?}\n{ctx}"
            );
        }
        for p in &hostile {
            assert!(
                !trimmed.starts_with(p.as_str()),
                "the payload {p:?} begins a log line: {line:?}\n{ctx}"
            );
        }
    }
    assert!(
        !log.contains('\r'),
        "a raw CR in the log would end the line for the runner\n{ctx}"
    );
    for line in run.stdout.lines() {
        if line.starts_with("::error") || line.starts_with("::warning") {
            assert!(!line.contains('\r'), "raw CR in {line:?}\n{ctx}");
        }
    }

    // Secrets appear only in `::add-mask::` lines.
    let written = run.everything_written();
    assert!(
        !written.contains(TOKEN),
        "the token leaked outside ::add-mask::\n{written}"
    );
    for line in run.stdout.lines() {
        if let Some(value) = line.strip_prefix("::add-mask::") {
            let value = unescape_data(value);
            if value.chars().count() >= 4 {
                assert!(
                    !written.contains(&value) && !written.contains(&escape_data(&value)),
                    "masked value {value:?} printed elsewhere\n{written}"
                );
            }
        }
    }
}

/// One `#[test]` per case: `name => "input named in the error": [input = value, ...];`
macro_rules! bad_inputs {
    ($( $name:ident => $input:literal : [ $( $k:literal = $v:expr ),+ $(,)? ] ; )+) => {
        $(
            #[test]
            fn $name() {
                rejected($input, &[$( ($k, ($v).to_string()) ),+]);
            }
        )+
        /// Every case of the corpus, by name.
        const CORPUS: &[&str] = &[$( stringify!($name) ),+];
    };
}

bad_inputs! {
    // pipeline-ids
    pipeline_ids_empty => "pipeline-ids": ["pipeline-ids" = ""];
    pipeline_ids_blank => "pipeline-ids": ["pipeline-ids" = "   \n  "];
    pipeline_ids_zero => "pipeline-ids": ["pipeline-ids" = "0"];
    pipeline_ids_negative => "pipeline-ids": ["pipeline-ids" = "-5"];
    pipeline_ids_over_2_53 => "pipeline-ids": ["pipeline-ids" = "9007199254740992"];
    pipeline_ids_over_u64 => "pipeline-ids": ["pipeline-ids" = "1, 184467440737095516160"];
    pipeline_ids_non_numeric => "pipeline-ids": ["pipeline-ids" = "abc"];
    pipeline_ids_decimal => "pipeline-ids": ["pipeline-ids" = "1.5"];
    pipeline_ids_duplicated => "pipeline-ids": ["pipeline-ids" = "1, 2\n1"];
    pipeline_ids_only_separators => "pipeline-ids": ["pipeline-ids" = " ,\n, ,\t"];
    pipeline_ids_too_many => "pipeline-ids": [
        "pipeline-ids" = (1..=1001).map(|i: u32| i.to_string()).collect::<Vec<_>>().join(","),
    ];
    pipeline_ids_set_output_payload => "pipeline-ids": [
        "pipeline-ids" = "1\n::set-output name=changed::true",
    ];
    pipeline_ids_cr_add_mask_payload => "pipeline-ids": ["pipeline-ids" = "1\r::add-mask::1"];

    // mode and provider
    mode_unknown => "mode": ["mode" = "destroy"];
    mode_error_payload => "mode": ["mode" = "apply\n::error::forged-by-mode"];
    provider_unknown => "provider": ["provider" = "gitea"];

    // api-url (pointed at the fake, so a request would be seen)
    api_url_malformed => "api-url": ["api-url" = "http//{fake}"];
    api_url_with_space => "api-url": ["api-url" = "not a url"];
    api_url_no_host => "api-url": ["api-url" = "https://"];
    api_url_plain_http => "api-url": ["api-url" = "http://api.devopness.com"];
    api_url_ftp => "api-url": ["api-url" = "ftp://{fake}"];
    api_url_credentials => "api-url": ["api-url" = "http://user:pass@{fake}"];
    api_url_template => "api-url": ["api-url" = "http://{fake}/{{ env.HOST }}"];
    api_url_query => "api-url": ["api-url" = "http://{fake}/?page=1"];
    api_url_fragment => "api-url": ["api-url" = "http://{fake}/#x"];
    api_url_newline => "api-url": ["api-url" = "http://{fake}\n::set-output name=x::y"];

    // provider-api-url
    provider_api_url_malformed => "provider-api-url": ["provider-api-url" = "api.github.com"];
    provider_api_url_plain_http => "provider-api-url": ["provider-api-url" = "http://ghe.example.com/api/v3"];
    provider_api_url_ftp => "provider-api-url": ["provider-api-url" = "ftp://api.github.com"];
    provider_api_url_credentials => "provider-api-url": [
        "provider-api-url" = "https://x-access-token:ghp_abc@api.github.com",
    ];
    provider_api_url_template => "provider-api-url": [
        "provider-api-url" = "https://{{ application.source_provider.host }}/api",
    ];
    provider_api_url_query => "provider-api-url": ["provider-api-url" = "https://api.github.com?per_page=1"];

    // repository
    repository_with_spaces => "repository": ["repository" = "octo org/my app"];
    repository_dot_dot => "repository": ["repository" = "octo-org/.."];
    repository_missing_owner => "repository": ["repository" = "/my-app"];
    repository_no_slash => "repository": ["repository" = "my-app"];
    repository_owner_too_long => "repository": ["repository" = format!("{}/my-app", "o".repeat(40))];
    repository_name_too_long => "repository": ["repository" = format!("octo-org/{}", "n".repeat(101))];
    repository_traversal => "repository": ["repository" = "octo-org/../../orgs/x"];
    repository_gitlab_dot_part => "repository": ["provider" = "gitlab", "repository" = "group/../project"];

    // context
    context_too_long => "context": ["context" = "c".repeat(41)];
    context_newline => "context": ["context" = "ci/x\nmore"];
    context_control_character => "context": ["context" = "ci/\u{7}bell"];
    context_error_command => "context": ["context" = "::error::forged-by-context"];
    context_percent_0a => "context": ["context" = "ci%0A::warning::x"];
    context_template => "context": ["context" = "ci/{{ action.id }}"];
    context_unknown_placeholder => "context": ["context" = "ci/{branch}"];
    context_too_long_without_its_placeholders => "context": [
        "context" = format!("{}({{environment}})", "c".repeat(39)),
    ];

    // descriptions
    description_started_too_long => "description-started": ["description-started" = "d".repeat(141)];
    description_failed_newline => "description-failed": [
        "description-failed" = "failed\n::set-output name=changed::true",
    ];
    description_completed_double_colon => "description-completed": [
        "description-completed" = "done ::notice::forged-notice",
    ];
    description_started_percent_0d => "description-started": ["description-started" = "a%0Db"];
    description_failed_carriage_return => "description-failed": [
        "description-failed" = "x\r::add-mask::public",
    ];

    // details-url
    details_url_space => "details-url": ["details-url" = "https://app.devopness.com/a b"];
    details_url_unclosed_template => "details-url": [
        "details-url" = "https://app.devopness.com/actions/{{ action.id",
    ];
    details_url_javascript => "details-url": ["details-url" = "javascript:alert(1)"];

    // hook-name
    hook_name_without_event => "hook-name": ["hook-name" = "{context} hook"];
    hook_name_too_long => "hook-name": ["hook-name" = format!("{} {{event}}", "h".repeat(60))];
    hook_name_unknown_placeholder => "hook-name": ["hook-name" = "{pipeline}: {event}"];

    // extra-headers
    extra_headers_carriage_return => "extra-headers": ["extra-headers" = "X-A: b\r\nX-B: c"];
    extra_headers_no_colon => "extra-headers": ["extra-headers" = "X-Thing value"];
    extra_headers_bad_name => "extra-headers": ["extra-headers" = "X Bad(name): v4lue-x"];
    extra_headers_authorization => "extra-headers": [
        "extra-headers" = "authorization: Bearer override_secret_1",
    ];
    extra_headers_payload_line => "extra-headers": [
        "extra-headers" = "X-A: ok-value\n::set-output name=x::y",
    ];

    // api-token
    api_token_empty => "api-token": ["api-token" = ""];
    api_token_newline_inside => "api-token": [
        "api-token" = format!("{}\n{}", &TOKEN[..12], &TOKEN[12..]),
    ];
    api_token_payload => "api-token": [
        "api-token" = format!("{TOKEN}\n::set-output name=changed::true"),
    ];

    // numbers and booleans
    max_concurrency_zero => "max-concurrency": ["max-concurrency" = "0"];
    max_concurrency_65 => "max-concurrency": ["max-concurrency" = "65"];
    max_concurrency_abc => "max-concurrency": ["max-concurrency" = "abc"];
    max_concurrency_negative => "max-concurrency": ["max-concurrency" = "-1"];
    only_when_commit_yes => "only-when-commit": ["only-when-commit" = "yes"];
    gitlab_ref_with_github => "gitlab-ref": ["gitlab-ref" = "true", "provider" = "github"];
    dry_run_maybe => "dry-run": ["dry-run" = "maybe"];
    prune_duplicates_one => "prune-duplicates": ["prune-duplicates" = "1"];
    timeout_seconds_zero => "timeout-seconds": ["timeout-seconds" = "0"];
    timeout_seconds_words => "timeout-seconds": ["timeout-seconds" = "two minutes"];

    // the other secret and the certificate
    github_token_newline_inside => "github-token": ["github-token" = "ghs_abcdef\n123456"];
    ca_certificate_not_pem => "ca-certificate": ["ca-certificate" = "not a certificate ::error::x-cert"];
}

#[test]
fn the_corpus_has_at_least_40_cases() {
    println!("bad-input corpus: {} cases", CORPUS.len());
    assert!(CORPUS.len() >= 40, "only {} bad-input cases", CORPUS.len());
}

/// All problems are reported at once, each naming its input, and nothing is sent.
#[test]
fn every_problem_is_reported_at_once() {
    let fake = fake_with(&[1]);
    let long_context = "c".repeat(41);
    let bad = [
        ("pipeline-ids", "1, x"),
        ("mode", "destroy"),
        ("context", long_context.as_str()),
        ("max-concurrency", "0"),
        ("only-when-commit", "yes"),
        ("description-failed", "a\nb"),
        ("extra-headers", "nocolon"),
    ];
    let run = apply(&fake, "1", &bad);
    // `apply` puts its pipeline-ids first: that one is valid.
    assert_eq!(run.code, 1, "{}", run.stdout);
    for (input, _) in &bad[1..] {
        let named = format!("input `{input}`");
        assert!(
            run.errors().iter().any(|l| l.contains(&named)),
            "{named} not reported:\n{}",
            run.stdout
        );
    }
    assert!(fake.requests().is_empty());
    assert!(run.outputs_raw.is_empty());
}

/// The harness itself: the same defaults with nothing overridden do reach the fake,
/// so "zero requests" in the cases above means something.
#[test]
fn control_valid_defaults_reach_the_fake() {
    let fake = fake_with(&[1]);
    let run = apply(&fake, "1", &[]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(!fake.requests().is_empty());
    assert!(!run.everything_written().contains(TOKEN));
}

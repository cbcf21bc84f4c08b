//! The fake Devopness's applications fit Devopness's published description: `getApplication`
//! (an `Application`, on each kind of credential, without a repository or a credential) and
//! `listPipelinesByResourceType` (a `PipelineList`, paginated with a `Link`), and their
//! errors (401, 403, 404, 422). The requests are valid ones, so they are checked too.

use fake_devopness::{FakeDevopness, NewApplication};
use fake_http::testing::{send_at, Reply};
use openapi_contract::devopness;

const TOKEN: &str = "dvp_contract";

fn get(fake: &FakeDevopness, path: &str) -> Reply {
    let auth = format!("Bearer {TOKEN}");
    let headers = [
        ("Authorization", auth.as_str()),
        ("Accept", "application/json"),
        ("Content-Type", "application/json"),
    ];
    send_at(fake.addr(), "GET", path, &headers, None)
}

fn assert_contract(fake: &FakeDevopness, requests: bool) -> usize {
    match devopness().check_exchanges(&fake.exchanges(), requests) {
        Ok(checked) => checked,
        Err(problems) => panic!("the fake Devopness departs from its openapi.json:\n{problems}"),
    }
}

#[test]
fn applications_and_their_pipeline_lists_fit_the_spec() {
    let fake = FakeDevopness::start(TOKEN);
    let seeded = fake.seed_applications();
    fake.add_application(NewApplication::new(7, "o/r", "github").without_repository());
    fake.add_application(NewApplication::new(8, "o/s", "gitlab").without_credential());
    for id in 1..=5 {
        fake.add_application_pipeline(8, 800 + id, if id == 3 { "deploy" } else { "restart" });
    }
    let mut statuses = Vec::new();
    for id in seeded.iter().map(|a| a.id).chain([7, 8]) {
        statuses.push(get(&fake, &format!("/applications/{id}")).status);
        statuses.push(get(&fake, &format!("/pipelines/application/{id}")).status);
    }
    for page in 1..=3 {
        let reply = get(
            &fake,
            &format!("/pipelines/application/8?page={page}&per_page=2"),
        );
        assert!(reply.header("link").is_some());
        statuses.push(reply.status);
    }
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    assert_eq!(assert_contract(&fake, true), statuses.len());
}

#[test]
fn application_errors_fit_the_spec() {
    let fake = FakeDevopness::start(TOKEN);
    fake.add_application(NewApplication::new(1, "o/r", "github"));
    fake.add_application(NewApplication::new(2, "o/s", "github"));
    fake.forbid_application(2);
    let statuses: Vec<u16> = [
        "/applications/9",
        "/pipelines/application/9",
        "/applications/2",
        "/pipelines/application/2",
    ]
    .iter()
    .map(|path| get(&fake, path).status)
    .collect();
    assert_eq!(statuses, [404, 404, 403, 403]);
    assert_eq!(assert_contract(&fake, true), 4);

    // Errors the requests cause on purpose: only the responses are checked.
    fake.clear_requests();
    get(&fake, "/pipelines/application/1?per_page=101");
    send_at(
        fake.addr(),
        "GET",
        "/applications/1",
        &[
            ("Authorization", "Bearer wrong"),
            ("Accept", "application/json"),
        ],
        None,
    );
    let statuses: Vec<u16> = fake.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [422, 401]);
    match devopness().check_exchanges(&fake.exchanges(), false) {
        Ok(checked) => assert_eq!(checked, 2),
        Err(problems) => panic!("the fake Devopness departs from its openapi.json:\n{problems}"),
    }
}

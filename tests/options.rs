//! One list of inputs: the option table of the library (`inputs::OPTIONS`) and the
//! inputs `action.yml` declares must agree on names and their order, defaults,
//! required flags and descriptions. The test support starts the binary with
//! `action.yml`'s defaults, as the runner does; the library falls back to the
//! table's. This test is what makes the two the same.

mod support;
use support::{declared_inputs, DeclaredInput};

use devopness_status_hooks::inputs::{self, OPTIONS};

fn table() -> Vec<DeclaredInput> {
    OPTIONS
        .iter()
        .map(|o| DeclaredInput {
            name: o.name.to_owned(),
            default: o.default.to_owned(),
            required: o.required,
            description: o.description.to_owned(),
        })
        .collect()
}

#[test]
fn the_option_table_is_action_yml_s_inputs() {
    let declared = declared_inputs();
    let table = table();
    let names =
        |list: &[DeclaredInput]| -> Vec<String> { list.iter().map(|d| d.name.clone()).collect() };
    assert_eq!(
        names(&table),
        names(declared),
        "inputs::OPTIONS and action.yml list different inputs (or in another order)"
    );
    for (t, d) in table.iter().zip(declared) {
        assert_eq!(
            t, d,
            "input {}: the option table differs from action.yml",
            t.name
        );
    }
}

#[test]
fn an_input_left_out_means_the_same_as_its_action_yml_default() {
    let required = [
        ("INPUT_API-TOKEN".to_owned(), "tok".to_owned()),
        ("INPUT_PIPELINE-IDS".to_owned(), "1".to_owned()),
        ("GITHUB_REPOSITORY".to_owned(), "octo-org/my-app".to_owned()),
    ];
    let mut with_defaults = required.to_vec();
    let given = |name: &str| required.iter().any(|(k, _)| *k == support::input_var(name));
    for d in declared_inputs()
        .iter()
        .filter(|d| !d.required && !given(&d.name))
    {
        with_defaults.push((support::input_var(&d.name), d.default.clone()));
    }
    let left_out = inputs::read(&required).expect("valid without optional inputs");
    let defaults = inputs::read(&with_defaults).expect("valid with action.yml's defaults");
    assert_eq!(format!("{left_out:?}"), format!("{defaults:?}"));
    assert_eq!(left_out.ca_certificates, defaults.ca_certificates);
}

use super::*;

fn raw(pairs: &[(&str, &str)]) -> BTreeMap<String, Secret> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), Secret::new(*v)))
        .collect()
}

fn catalogue() -> crate::provider::Catalogue {
    crate::provider::Catalogue::embedded().expect("catalogue")
}

#[test]
fn previews_report_changes_and_problems_by_field() {
    let cat = catalogue();
    let namely = cat.get("namely").expect("namely");
    let preview = preview_fields(
        namely,
        raw(&[(
            "subdomain",
            " https://acme.namely.com/people
",
        )]),
    );
    let notes: Vec<(&str, Change)> = preview
        .notes
        .iter()
        .map(|n| (n.field.as_str(), n.change))
        .collect();
    assert_eq!(
        notes,
        [
            ("subdomain", Change::TrimmedWhitespace),
            ("subdomain", Change::RemovedScheme),
            ("subdomain", Change::RemovedPath),
            ("subdomain", Change::RemovedDomain),
        ],
        "the subdomain's clean-up"
    );
    assert_eq!(
        preview.problems,
        [FieldProblem {
            field: "access_token".into(),
            problem: Problem::Empty,
            other: None
        }],
        "the empty token box"
    );
    let hibob = cat.get("hibob").expect("hibob");
    let preview = preview_fields(
        hibob,
        raw(&[
            ("service_user_id", "SERVICE-1:abc"),
            ("service_user_token", "abc def"),
            ("region", "eu"),
        ]),
    );
    let problems: Vec<(&str, Problem, Option<&str>)> = preview
        .problems
        .iter()
        .map(|p| (p.field.as_str(), p.problem, p.other.as_deref()))
        .collect();
    assert_eq!(
        problems,
        [
            ("region", Problem::UnknownField, None),
            ("service_user_token", Problem::InnerSpace, None),
            (
                "service_user_id",
                Problem::PastedTogether,
                Some("service_user_token")
            ),
        ],
        "unknown keys first, then each field, then between fields"
    );
}

#[test]
fn previews_name_both_fields_of_a_mix_up() {
    let cat = catalogue();
    let hibob = cat.get("hibob").expect("hibob");
    let long = "A".repeat(40);
    let same = preview_fields(
        hibob,
        raw(&[
            ("service_user_id", "abcdefgh"),
            ("service_user_token", "abcdefgh"),
        ]),
    );
    assert_eq!(
        same.problems,
        [FieldProblem {
            field: "service_user_token".into(),
            problem: Problem::SameValue,
            other: Some("service_user_id".into())
        }],
        "the same value twice"
    );
    let swapped = preview_fields(
        hibob,
        raw(&[
            ("service_user_id", &long),
            ("service_user_token", "SERVICE-1"),
        ]),
    );
    assert_eq!(
        swapped.problems,
        [FieldProblem {
            field: "service_user_id".into(),
            problem: Problem::Swapped,
            other: Some("service_user_token".into())
        }],
        "swapped boxes"
    );
    assert!(
        swapped
            .notes
            .iter()
            .any(|n| n.field == "service_user_token" && n.change == Change::UnusualFormat),
        "a token box holding an ID is unusual: {:?}",
        swapped.notes
    );
}

#[test]
fn parsing_refuses_what_the_preview_reports_first() {
    let cat = catalogue();
    let hibob = cat.get("hibob").expect("hibob");
    let long = "A".repeat(40);
    let cases: [&[(&str, &str)]; 7] = [
        &[
            ("service_user_id", "abcdefgh"),
            ("service_user_token", "abcdefgh"),
        ],
        &[
            ("service_user_id", "SERVICE-1"),
            ("service_user_token", "abc"),
        ],
        &[
            ("service_user_id", &long),
            ("service_user_token", "SERVICE-1"),
        ],
        &[("service_user_id", "a:b"), ("service_user_token", &long)],
        &[("service_user_id", ""), ("service_user_token", &long)],
        &[("nope", "x"), ("service_user_id", "abc")],
        &[
            ("service_user_id", "SERVICE-1"),
            ("service_user_token", &long),
        ],
    ];
    for pairs in cases {
        let preview = preview_fields(hibob, raw(pairs));
        let parsed = parse_fields(hibob, raw(pairs));
        match (preview.problems.first(), parsed) {
            (None, Ok(creds)) => assert_eq!(creds.notes, preview.notes, "{pairs:?}"),
            (Some(first), Err(e)) => {
                assert_eq!(e.field, first.field, "{pairs:?}");
                assert_eq!(e.message, first.sentence(hibob), "{pairs:?}");
            }
            (p, c) => panic!("{pairs:?}: preview {p:?} but parse {c:?}"),
        }
    }
}

#[test]
fn previews_and_sentences_never_hold_a_value() {
    let cat = catalogue();
    let hibob = cat.get("hibob").expect("hibob");
    let canary = "CanaryValue0123456789Canary";
    for pairs in [
        vec![("service_user_id", canary), ("service_user_token", canary)],
        vec![
            ("service_user_id", "  \"x1\" "),
            ("service_user_token", &*format!("Bearer {canary} x")),
        ],
        vec![("service_user_id", &*format!("{canary}:{canary}"))],
    ] {
        let preview = preview_fields(hibob, raw(&pairs));
        let json = serde_json::to_string(&preview).expect("serializes");
        assert!(!json.contains("Canary"), "no value in {json}");
        for p in &preview.problems {
            assert!(!p.sentence(hibob).contains("Canary"), "{p:?}");
        }
    }
}

#[test]
fn codes_serialize_as_documented() {
    let json = serde_json::to_value(FieldsPreview {
        notes: vec![Note {
            field: "api_key".into(),
            change: Change::RemovedAuthorizationPrefix,
        }],
        problems: vec![
            FieldProblem {
                field: "subdomain".into(),
                problem: Problem::NotASubdomain,
                other: None,
            },
            FieldProblem {
                field: "b".into(),
                problem: Problem::PastedTogether,
                other: Some("a".into()),
            },
        ],
    })
    .expect("serializes");
    assert_eq!(
        json,
        serde_json::json!({
            "notes": [{"field": "api_key", "change": "removed_authorization_prefix"}],
            "problems": [
                {"field": "subdomain", "problem": "not_a_subdomain"},
                {"field": "b", "problem": "pasted_together", "other": "a"}
            ]
        }),
        "the shape the window relies on"
    );
}

#[test]
fn swapped_values_need_both_patterns_to_say_so() {
    let field = |key: &str, pattern: Option<&str>| Field {
        key: key.into(),
        label: key.into(),
        help: String::new(),
        secret: false,
        kind: FieldKind::Token,
        example: String::new(),
        usual_pattern: pattern.map(String::from),
        domain: None,
        options: Vec::new(),
        default: None,
        retired: None,
    };
    let id = field("id", Some("^[A-Za-z0-9-]{1,36}$"));
    let token = field("token", Some("^[A-Za-z0-9]{20,128}$"));
    let long = "A".repeat(40);
    assert!(
        looks_swapped(&id, &long, &token, "SERVICE-1"),
        "each looks like the other"
    );
    assert!(
        !looks_swapped(&id, "SERVICE-1", &token, &long),
        "the right way round"
    );
    assert!(
        !looks_swapped(&id, "A1", &token, "B2"),
        "short token: each fits its own box, not a clear swap"
    );
    assert!(
        !looks_swapped(&field("id", None), &long, &token, "SERVICE-1"),
        "without both patterns nothing is claimed"
    );
}

//! Every tool of `keystep mcp` for every provider, one row each: a real MCP client that is
//! not Keystep's (the official Python SDK) starts the built binary for one linked account
//! and reads the first page of people, the next one, the fourth person, one `request` that
//! reaches a record with sensitive fields, and for a recruiting system the same for
//! candidates. Each row proves that the provider file's mapping reads the emulator's model
//! of the vendor's answers: pages that lead on, a person read alone as the list maps them,
//! a sensitive field withheld, an outsider's text marked untrusted; and that nothing
//! sensitive, no key and no date of birth comes out in any answer, output or file.
//!
//! `mcp.rs` keeps what is not per provider (the tool list, the filters, the use log, the
//! refusals); this file adds a row when a provider gains a mapping.

use serde_json::{json, Value};

use crate::accounts::{keyring_present, last_json, stderr, Cli};
use crate::mcp_client::{
    assert_no_sensitive_answer, call, call_from, drive, every_file, plan, venv_python,
};

use keystep_emulator::Emulator;

/// One provider as this test reads it.
struct Case {
    /// The provider's id.
    provider: &'static str,
    /// `keystep link`'s `--field` values.
    fields: &'static [&'static str],
    /// What `keystep link` reads on standard input.
    stdin: String,
    /// The secret, searched for everywhere.
    secret: &'static str,
    /// Puts the account's tenant in the emulator, with more people than a page holds.
    add: fn(&Emulator),
    /// Whether the people list has a second page (HiBob answers everyone at once).
    pages: bool,
    /// The `request` tool's arguments (the account is added): a read that reaches a record
    /// with sensitive fields.
    read: Value,
    /// Whether the provider is a recruiting system with candidates.
    candidates: bool,
}

fn cases() -> Vec<Case> {
    use crate::accounts::{HIBOB, HUMAANS, JAZZHR, NAMELY, PAYFIT};
    use keystep_emulator::{
        AshbyTenant, BamboohrTenant, DeelTenant, FactorialTenant, GreenhouseTenant, HibobTenant,
        HumaansTenant, JazzhrAccount, LeverTenant, NamelyTenant, PayfitTenant, PersonioTenant,
        RipplingTenant, TeamtailorTenant, WorkableTenant,
    };
    const DEEL: &str = "DeelMcpTok3nCanary0000000000042";
    const RIPPLING: &str = "RipplingMcpTok3nCanary00000042";
    const TEAMTAILOR: &str = "TeamtailorMcpKeyCanary0000042";
    const BAMBOOHR: &str = "c0ffee00c0ffee00c0ffee00c0ffee00c0ffe042";
    const PERSONIO: &str = "papi-PersonioEverySecretCanary0042";
    const FACTORIAL: &str = "FactorialEveryKeyCanary000000042";
    const LEVER: &str = "LeverMcpKeyCanary00000000000042";
    const WORKABLE: &str = "WorkableMcpTok3nCanary000000042";
    const GREENHOUSE: &str = "GreenhouseMcpSecretCanary00042";
    const ASHBY: &str = "AshbyMcpEveryKeyCanary0000042";
    vec![
        Case {
            provider: "payfit",
            fields: &[],
            stdin: format!("api_key={PAYFIT}\n"),
            secret: PAYFIT,
            add: |e| e.add_payfit(PAYFIT, PayfitTenant::full("Acme SAS", 120)),
            pages: true,
            read: json!({"path": "/companies/5f1e2d3c4b5a69788796a5b4/collaborators/col_00003"}),
            candidates: false,
        },
        Case {
            provider: "hibob",
            fields: &["service_user_id=SERVICE-7001"],
            stdin: format!("service_user_token={HIBOB}\n"),
            secret: HIBOB,
            add: |e| e.add_hibob(HibobTenant::full("SERVICE-7001", HIBOB, 12)),
            pages: false,
            read: json!({"path": "/people/search", "method": "POST", "body": {"fields": ["root.id", "personal.birthDate", "payroll.salary"]}}),
            candidates: false,
        },
        Case {
            provider: "humaans",
            fields: &[],
            stdin: format!("api_token={HUMAANS}\n"),
            secret: HUMAANS,
            add: |e| {
                e.add_humaans(
                    HUMAANS,
                    HumaansTenant {
                        company_id: "cmp_cli_acme".into(),
                        ..HumaansTenant::full("Acme Ltd", 250)
                    },
                )
            },
            pages: true,
            read: json!({"path": "/people/per_00003"}),
            candidates: false,
        },
        Case {
            provider: "jazzhr",
            fields: &[],
            stdin: format!("api_key={JAZZHR}\n"),
            secret: JAZZHR,
            add: |e| {
                e.add_jazzhr(
                    JAZZHR,
                    JazzhrAccount::with_users("admin@acme.example", 150).with_applicants(130),
                )
            },
            pages: true,
            read: json!({"path": "/applicants/prospect_000003"}),
            candidates: true,
        },
        Case {
            provider: "namely",
            fields: &["subdomain=acme"],
            stdin: format!("access_token={NAMELY}\n"),
            secret: NAMELY,
            add: |e| e.add_namely("acme", NamelyTenant::full("Acme Inc.", NAMELY, 120)),
            pages: true,
            read: json!({"path": "/profiles", "query": {"per_page": "5"}}),
            candidates: false,
        },
        Case {
            provider: "deel",
            fields: &[],
            stdin: format!("api_token={DEEL}\n"),
            secret: DEEL,
            add: |e| e.add_deel(DeelTenant::full(DEEL, "Acme Global Inc.").for_purpose("read")),
            pages: true,
            read: json!({"path": "/people/9b9fc43a-0000-4000-8000-000000000003/personal"}),
            candidates: false,
        },
        // A worker's name is on its user, which only users.read expands (Rippling redacts it
        // otherwise): the read purpose with that scope (docs/providers/rippling.md).
        Case {
            provider: "rippling",
            fields: &[],
            stdin: format!("api_token={RIPPLING}\n"),
            secret: RIPPLING,
            add: |e| {
                e.add_rippling(
                    RipplingTenant::full(RIPPLING, "Acme Corp")
                        .for_purpose("read")
                        .with("users.read"),
                )
            },
            pages: true,
            read: json!({"path": "/workers/6553a1f0c0ffee0000000003"}),
            candidates: false,
        },
        Case {
            provider: "teamtailor",
            fields: &[],
            stdin: format!("api_key={TEAMTAILOR}\n"),
            secret: TEAMTAILOR,
            add: |e| {
                e.add_teamtailor(TeamtailorTenant::full(TEAMTAILOR, "Acme AB").boxes(true, false))
            },
            pages: true,
            read: json!({"path": "/candidates/900003"}),
            candidates: true,
        },
        Case {
            provider: "bamboohr",
            fields: &["subdomain=acme"],
            stdin: format!("api_key={BAMBOOHR}\n"),
            secret: BAMBOOHR,
            // 120 active employees and the leavers among them: two pages of 100.
            add: |e| e.add_bamboohr(BamboohrTenant::full("acme", BAMBOOHR, "Acme Inc.", 120)),
            pages: true,
            // Get Employee answers the fields asked for, sensitive ones included.
            read: json!({"path": "/v1/employees/4", "query": {"fields": "firstName,dateOfBirth,ssn,payRate,address1,homeEmail,gender"}}),
            candidates: false,
        },
        Case {
            provider: "personio",
            fields: &["client_id=papi-every-0000-0000-0000-000000000042"],
            stdin: format!("client_secret={PERSONIO}\n"),
            secret: PERSONIO,
            // 60 people: a page of 50, then the `cursor` of `_meta.links.next.href`.
            add: |e| {
                e.add_personio(PersonioTenant::full(
                    "papi-every-0000-0000-0000-000000000042",
                    PERSONIO,
                ))
            },
            pages: true,
            read: json!({"path": "/v2/persons/31000003"}),
            candidates: false,
        },
        Case {
            provider: "factorial",
            fields: &[],
            stdin: format!("api_key={FACTORIAL}\n"),
            secret: FACTORIAL,
            add: |e| e.add_factorial(FactorialTenant::new(FACTORIAL, "Acme Software S.L.", 60)),
            pages: true,
            read: json!({"path": "/employees/employees/103"}),
            candidates: false,
        },
        // Users and opportunities (its candidates), each read with the read purpose's
        // permissions; an opportunity's phones and location are withheld.
        Case {
            provider: "lever",
            fields: &[],
            stdin: format!("api_key={LEVER}\n"),
            secret: LEVER,
            add: |e| e.add_lever(LeverTenant::full(LEVER).for_purpose("read")),
            pages: true,
            read: json!({"path": "/opportunities/250d8f03-0000-4000-8000-000000000003"}),
            candidates: true,
        },
        // Members (paged by the since_id of paging.next's URL) and candidates; a candidate's
        // address, phone and location are withheld, its cover letter marked untrusted.
        Case {
            provider: "workable",
            fields: &["subdomain=acme"],
            stdin: format!("access_token={WORKABLE}\n"),
            secret: WORKABLE,
            add: |e| {
                e.add_workable(
                    WorkableTenant::full("acme", "Acme Recruiting", WORKABLE).for_purpose("read"),
                )
            },
            pages: true,
            read: json!({"path": "/candidates/ce40003"}),
            candidates: true,
        },
        Case {
            provider: "greenhouse",
            fields: &["client_id=CliEveryGreenhouseClient01"],
            stdin: format!("client_secret={GREENHOUSE}\n"),
            secret: GREENHOUSE,
            add: |e| {
                e.add_greenhouse(GreenhouseTenant::full(
                    "CliEveryGreenhouseClient01",
                    GREENHOUSE,
                ))
            },
            pages: true,
            read: json!({"path": "/candidates", "query": {"ids": "5000003"}}),
            candidates: true,
        },
        Case {
            provider: "ashby",
            fields: &[],
            stdin: format!("api_key={ASHBY}\n"),
            secret: ASHBY,
            add: |e| e.add_ashby(AshbyTenant::full(ASHBY)),
            pages: true,
            read: json!({"path": "/candidate.info", "method": "POST",
                         "body": {"id": "f9e52a51-a075-4116-a7b8-000000000003"}}),
            candidates: true,
        },
    ]
}

#[test]
fn every_tool_reads_every_provider_and_withholds_what_its_file_marks() {
    if !keyring_present() {
        return;
    }
    let Some(python) = venv_python() else {
        return;
    };
    for case in cases() {
        every_tool_for(&python, &case);
    }
}

/// Links `case`'s account in a fresh home and drives every tool against it.
fn every_tool_for(python: &std::path::PathBuf, case: &Case) {
    let p = case.provider;
    let cli = Cli::new();
    (case.add)(&cli.emu);
    let mut args = vec!["link", p, "--json"];
    for f in case.fields {
        args.extend(["--field", f]);
    }
    let out = cli.run(&args, &case.stdin);
    assert_eq!(out.status.code(), Some(0), "{p} links: {}", stderr(&out));
    let linked = last_json(&out);
    let handle = linked["handle"]
        .as_str()
        .unwrap_or_else(|| panic!("{p}: a handle: {linked}"))
        .to_string();
    let account = json!({ "account": handle });
    let mut read = case.read.clone();
    read["account"] = json!(handle);
    let mut calls = vec![
        call("list_people", account.clone()),
        call_from(
            "list_people",
            account.clone(),
            json!({"cursor": [0, "next_cursor"]}),
        ),
        call_from(
            "get_person",
            account.clone(),
            json!({"id": [0, "people", 3, "id"]}),
        ),
        call("request", read),
    ];
    if case.candidates {
        calls.extend([
            call("list_candidates", account.clone()),
            call_from(
                "list_candidates",
                account.clone(),
                json!({"cursor": [4, "next_cursor"]}),
            ),
            call_from(
                "get_candidate",
                account,
                json!({"id": [4, "candidates", 3, "id"]}),
            ),
        ]);
    }
    let (out, printed) = drive(python, &plan(&cli, &["mcp", "--account", &handle], calls));
    let results = out["results"].as_array().expect("results");
    for (i, r) in results.iter().enumerate() {
        if i == 1 && !case.pages {
            assert!(r.is_null(), "{p}: no next page to follow: {r}");
            continue;
        }
        assert_eq!(r["is_error"], false, "{p}: call {i} answered: {r}");
    }
    let first = &results[0]["structured"];
    let people = first["people"].as_array().map_or(0, Vec::len);
    assert!(people >= 4, "{p}: a first page of people: {first}");
    assert_eq!(
        first["next_cursor"].is_string(),
        case.pages,
        "{p}: a next page: {first}"
    );
    if case.pages {
        let second = &results[1]["structured"]["people"];
        assert!(
            second.as_array().is_some_and(|s| !s.is_empty())
                && second[0]["id"] != first["people"][0]["id"],
            "{p}: the next page holds other people: {second}"
        );
    }
    let listed = &first["people"][3];
    let person = &results[2]["structured"]["person"];
    for key in ["id", "name", "work_email"] {
        assert_eq!(
            person[key], listed[key],
            "{p}: get_person reads {key} as the list does: {person} / {listed}"
        );
    }
    assert!(
        listed["name"].as_str().is_some_and(|n| !n.is_empty()) && listed["provider"] == p,
        "{p}: a named person of this provider: {listed}"
    );
    let request = &results[3]["structured"];
    assert!(
        request["withheld"]
            .as_object()
            .is_some_and(|w| !w.is_empty()),
        "{p}: the read reached sensitive fields, and they were withheld: {request}"
    );
    if case.candidates {
        let page = &results[4]["structured"];
        assert!(
            page["candidates"].as_array().is_some_and(|c| c.len() >= 4)
                && page["next_cursor"].is_string(),
            "{p}: a first page of candidates with a next one: {page}"
        );
        let second = &results[5]["structured"]["candidates"];
        assert!(
            second.as_array().is_some_and(|s| !s.is_empty())
                && second[0]["id"] != page["candidates"][0]["id"],
            "{p}: the next page holds other candidates: {second}"
        );
        let got = &results[6]["structured"];
        assert_eq!(
            got["candidate"]["id"], page["candidates"][3]["id"],
            "{p}: the candidate asked for: {got}"
        );
        assert!(
            got["record"].to_string().contains("\"untrusted_content\""),
            "{p}: an outsider's text comes back marked untrusted: {got}"
        );
    }
    assert_no_sensitive_answer(results, p);
    assert!(
        !printed.contains(case.secret),
        "{p}: the client's output holds no key"
    );
    assert!(
        !every_file(cli.home.path()).contains(case.secret),
        "{p}: no file Keystep wrote holds the key"
    );
}

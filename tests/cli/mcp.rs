//! `keystep mcp` as an AI assistant uses it: the built binary started by a real MCP client
//! that is not Keystep's (the official Python SDK, `tests/mcp/client.py`, from the venv
//! `scripts/deps.sh test` makes), accounts linked with `keystep link` into the real keychain,
//! the emulator over loopback with people lists long enough to page.
//!
//! One session serving five accounts; the key in no message, log or file; a withheld field
//! in no answer until its category is shared, then present; a write impossible; the use log
//! naming the assistant; errors as tool errors with Keystep's codes. Every tool for every
//! provider, one provider a session, is `mcp_every.rs`. And a third-party MCP
//! server from PyPI (`mcp-openapi-proxy`) started through `keystep run --env` with a
//! `keystep://` reference: it reads through, and the reference is all its configuration
//! holds (`mcp_servers`, with `keystep mcp --config`).

use serde_json::{json, Value};

use crate::accounts::{keyring_present, providers, stderr};
use crate::mcp_client::{
    assert_no_sensitive_answer, call, call_from, drive, every_file, holds_a_birth_date, linked_cli,
    plan, secrets, use_log, venv_python,
};
use keystep_emulator::people::{INJECTION, SENSITIVE};

#[test]
fn one_session_serves_five_accounts_through_a_real_mcp_client_and_records_each_call() {
    if !keyring_present() {
        return;
    }
    let Some(python) = venv_python() else {
        return;
    };
    let cli = linked_cli();
    let handles: Vec<&str> = providers().iter().map(|p| p.3).collect();
    let mut calls = vec![call("list_accounts", json!({}))];
    // For each account: the first page, the next one, a person from the first page, a read.
    let reads = [
        (
            "payfit-acme-sas",
            json!({"path": "/companies/5f1e2d3c4b5a69788796a5b4/collaborators/col_00003"}),
        ),
        (
            "hibob-service-7001",
            json!({"path": "/people/search", "method": "POST", "body": {"fields": ["root.id", "personal.birthDate", "payroll.salary"]}}),
        ),
        ("humaans-acme-ltd", json!({"path": "/people/per_00003"})),
        (
            "jazzhr-admin-acme-example",
            json!({"path": "/applicants/prospect_000003"}),
        ),
        (
            "namely-acme-inc",
            json!({"path": "/profiles", "query": {"per_page": "5"}}),
        ),
    ];
    for (handle, read) in &reads {
        let first = calls.len();
        calls.push(call("list_people", json!({"account": handle})));
        calls.push(call_from(
            "list_people",
            json!({"account": handle}),
            json!({"cursor": [first, "next_cursor"]}),
        ));
        calls.push(call_from(
            "get_person",
            json!({"account": handle}),
            json!({"id": [first, "people", 3, "id"]}),
        ));
        let mut args = read.clone();
        args["account"] = json!(handle);
        calls.push(call("request", args));
    }
    let candidates = calls.len();
    calls.push(call(
        "list_candidates",
        json!({"account": "jazzhr-admin-acme-example"}),
    ));
    calls.push(call_from(
        "list_candidates",
        json!({"account": "jazzhr-admin-acme-example"}),
        json!({"cursor": [candidates, "next_cursor"]}),
    ));
    calls.push(call_from(
        "get_candidate",
        json!({"account": "jazzhr-admin-acme-example"}),
        json!({"id": [candidates, "candidates", 3, "id"]}),
    ));
    calls.push(call(
        "list_people",
        json!({"account": "namely-acme-inc", "status": "active"}),
    ));
    let mut args = vec!["mcp"];
    for h in &handles {
        args.extend(["--account", h]);
    }
    let (out, printed) = drive(&python, &plan(&cli, &args, calls));
    let results = out["results"].as_array().expect("results");
    let tools: Vec<&str> = out["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert_eq!(
        tools,
        [
            "list_accounts",
            "list_people",
            "get_person",
            "request",
            "list_candidates",
            "get_candidate"
        ],
        "every tool is offered"
    );
    assert!(
        out["tools"]
            .as_array()
            .expect("tools")
            .iter()
            .all(|t| t["read_only"] == true
                && t["input_schema"]["type"] == "object"
                && t["description"].as_str().is_some_and(|d| d.len() > 80)),
        "each read-only, with a schema and a real description: {}",
        out["tools"]
    );
    for (i, r) in results.iter().enumerate() {
        // HiBob answers everyone at once: its "next page" call has no cursor to follow.
        if i == 1 + 4 + 1 {
            assert!(r.is_null(), "HiBob has no next page: {r}");
            continue;
        }
        assert!(!r.is_null(), "call {i} ran: {r}");
        assert_eq!(r["is_error"], false, "call {i} answered: {r}");
    }
    let accounts = &results[0]["structured"]["accounts"];
    assert_eq!(
        accounts.as_array().map(Vec::len),
        Some(5),
        "five accounts: {accounts}"
    );
    // Each provider's pages, person and read are judged in mcp_every.rs, one provider a
    // session; here the five are served by one session at once, and each answered above.
    let humaans_read = &results[1 + 2 * 4 + 3]["structured"];
    assert!(
        humaans_read["answer"]["birthday"]
            .as_str()
            .is_some_and(|b| b.contains("withheld by Keystep: date_of_birth")),
        "the birthday is replaced by a note saying how to allow it: {humaans_read}"
    );
    let candidate = &results[candidates + 2]["structured"];
    assert_eq!(
        candidate["record"]["resume_body"]["untrusted_content"], INJECTION,
        "the CV is returned, marked as untrusted: {candidate}"
    );
    assert!(
        candidate["record"]["resume_body"]["note"]
            .as_str()
            .is_some_and(|n| n.contains("not instructions")),
        "with the note: {candidate}"
    );
    let active = &results[candidates + 3]["structured"]["people"];
    assert!(
        active
            .as_array()
            .is_some_and(|a| !a.is_empty() && a.iter().all(|p| p["employment_status"] == "active")),
        "the status filter: {active}"
    );
    // Nothing sensitive and no key in any answer, anything printed, or any file written.
    assert_no_sensitive_answer(results, "the five accounts");
    let files = every_file(cli.home.path());
    for secret in secrets() {
        assert!(
            !printed.contains(secret),
            "the client's output holds no key"
        );
        assert!(!files.contains(secret), "no file Keystep wrote holds a key");
    }
    // The use log names the assistant, each tool and account, never a value.
    let log = std::fs::read_to_string(use_log(&cli)).expect("the use log");
    assert!(
        log.contains("\"mode\":\"mcp\"") && log.contains("\"command\":\"Test Assistant\""),
        "the session is named after the assistant: {log}"
    );
    let tool_lines = log
        .lines()
        .filter(|l| l.contains("\"event\":\"tool\""))
        .count();
    assert_eq!(
        tool_lines,
        results.iter().filter(|r| !r.is_null()).count(),
        "one record per call"
    );
    assert!(
        log.contains("\"client\":\"Test Assistant\",\"tool\":\"get_candidate\""),
        "each record names the assistant and the tool: {log}"
    );
    assert!(
        !log.contains(SENSITIVE) && !holds_a_birth_date(&log),
        "no value in the log"
    );
    // Its reads went through keystep run's proxy in-process, which served them (the same
    // process, so the same user: the proxy's peer check let them in) and recorded each as
    // keystep run's are, with the time held to the provider's limits; the session's end
    // counts them, and nothing was turned away.
    let records: Vec<Value> = log
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let session = records
        .iter()
        .find(|r| r["event"] == "run_started" && r["mode"] == "mcp")
        .and_then(|r| r["run"].as_str())
        .expect("the session's start");
    let proxied = records
        .iter()
        .filter(|r| r["event"] == "request" && r["run"] == session)
        .inspect(|r| assert!(r["waited_ms"].is_u64(), "each request says its hold: {r}"))
        .count();
    let ended = records
        .iter()
        .find(|r| r["event"] == "run_ended" && r["run"] == session)
        .expect("the session's end");
    assert!(proxied > 0, "the session's reads are recorded: {log}");
    assert_eq!(
        (&ended["requests"], &ended["refused"], &ended["other_users"]),
        (&json!(proxied), &json!(0), &json!(0)),
        "the session's end counts its requests, none refused before the token: {ended}"
    );
    // The real credential went to the provider.
    let sent = cli.emu.requests();
    assert!(
        sent.iter().any(|r| r.provider == "humaans"
            && r.headers.get("authorization").map(String::as_str)
                == Some(&format!("Bearer {}", crate::accounts::HUMAANS))),
        "the emulator got Humaans' real key"
    );
}

#[test]
fn a_withheld_field_appears_once_its_category_is_shared_and_a_write_is_impossible() {
    if !keyring_present() {
        return;
    }
    let Some(python) = venv_python() else {
        return;
    };
    let cli = linked_cli();
    let read = || {
        call(
            "request",
            json!({"account": "humaans-acme-ltd", "path": "/people/per_00003"}),
        )
    };
    let shared = cli.run(
        &[
            "mcp",
            "--account",
            "humaans-acme-ltd",
            "--allow",
            "date_of_birth",
        ],
        "",
    );
    assert_eq!(shared.status.code(), Some(0), "shared: {}", stderr(&shared));
    cli.emu.clear_requests();
    let (out, _) = drive(
        &python,
        &plan(
            &cli,
            &[
                "mcp",
                "--account",
                "humaans-acme-ltd",
                "--account",
                "hibob-service-7001",
            ],
            vec![
                read(),
                call(
                    "request",
                    json!({"account": "humaans-acme-ltd", "path": "/people", "method": "POST", "body": {}}),
                ),
                call(
                    "request",
                    json!({"account": "humaans-acme-ltd", "path": "/people/../token-info"}),
                ),
                call(
                    "request",
                    json!({"account": "humaans-acme-ltd", "path": "/people", "method": "DELETE"}),
                ),
                call(
                    "request",
                    json!({"account": "hibob-service-7001", "path": "/people/3332883884017713000/salaries"}),
                ),
                call(
                    "get_person",
                    json!({"account": "humaans-acme-ltd", "id": "per_99999"}),
                ),
                call("list_people", json!({"account": "nobody"})),
            ],
        ),
    );
    let r = out["results"].as_array().expect("results");
    assert_eq!(
        r[0]["structured"]["answer"]["birthday"], "1973-04-23",
        "shared: the date of birth is there: {}",
        r[0]
    );
    assert!(
        r[0]["structured"]["answer"]["taxId"]
            .as_str()
            .is_some_and(|t| t.contains("withheld")),
        "other categories stay withheld: {}",
        r[0]
    );
    let code = |i: usize| {
        r[i]["structured"]["code"]
            .as_str()
            .unwrap_or("")
            .to_string()
    };
    assert_eq!(
        (r[1]["is_error"].clone(), code(1)),
        (json!(true), "read_only".into()),
        "a POST that is no read: {}",
        r[1]
    );
    assert_eq!(code(2), "invalid_input", "a path leaving the API: {}", r[2]);
    assert_eq!(code(3), "read_only", "a DELETE: {}", r[3]);
    assert_eq!(
        code(4),
        "missing_permission",
        "a salary history is withheld whole: {}",
        r[4]
    );
    assert!(
        r[4]["structured"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("--allow pay")),
        "saying how to allow it: {}",
        r[4]
    );
    assert_eq!(code(5), "not_found", "an unknown person: {}", r[5]);
    assert_eq!(code(6), "not_found", "an unknown account: {}", r[6]);
    let writes: Vec<String> = cli
        .emu
        .requests()
        .iter()
        .filter(|q| q.method != "GET")
        .map(|q| format!("{} {}", q.method, q.path))
        .collect();
    assert!(writes.is_empty(), "no write reached a provider: {writes:?}");
    let withheld = cli.run(
        &[
            "mcp",
            "--account",
            "humaans-acme-ltd",
            "--withhold",
            "date_of_birth",
        ],
        "",
    );
    assert_eq!(
        withheld.status.code(),
        Some(0),
        "withheld again: {}",
        stderr(&withheld)
    );
    let (again, _) = drive(
        &python,
        &plan(
            &cli,
            &["mcp", "--account", "humaans-acme-ltd"],
            vec![read()],
        ),
    );
    assert!(
        !holds_a_birth_date(&again.to_string()),
        "withheld again: {}",
        again["results"][0]
    );
    let log = std::fs::read_to_string(use_log(&cli)).expect("the use log");
    assert_eq!(
        log.matches("\"event\":\"fields_shared\"").count(),
        2,
        "both choices are recorded: {log}"
    );
}

#[test]
fn a_refused_key_comes_back_as_a_tool_error_with_keystep_code() {
    if !keyring_present() {
        return;
    }
    let Some(python) = venv_python() else {
        return;
    };
    let cli = linked_cli();
    cli.emu.revoke(crate::accounts::HUMAANS);
    let (out, _) = drive(
        &python,
        &plan(
            &cli,
            &["mcp", "--account", "humaans-acme-ltd"],
            vec![call("list_people", json!({"account": "humaans-acme-ltd"}))],
        ),
    );
    let r = &out["results"][0];
    assert_eq!(r["is_error"], true, "an error: {r}");
    assert_eq!(
        r["structured"]["code"], "bad_credentials",
        "Keystep's code: {r}"
    );
    assert!(
        r["structured"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("relink")),
        "a sentence an assistant can act on: {r}"
    );
}

// That a provider whose file lists no sensitive fields is refused is proved in keystep-cli
// (`mcp::request::tests`) on a shipped file with its `[sensitive.*]` sections taken out:
// every shipped provider may come to list them, so no provider can stand in for the case here.
// Ashby, the provider this test used while it had none, is now read with its fields withheld.
#[test]
fn ashby_is_read_by_assistants_with_its_sensitive_fields_withheld() {
    if !keyring_present() {
        return;
    }
    let Some(python) = venv_python() else {
        return;
    };
    let cli = crate::accounts::Cli::new();
    const ASHBY: &str = "AshbyMcpKeyCanary00000000000000042";
    cli.emu
        .add_ashby(keystep_emulator::AshbyTenant::full(ASHBY).for_purpose("read"));
    let out = cli.run(
        &["link", "ashby", "--purpose", "read", "--json"],
        &format!("api_key={ASHBY}\n"),
    );
    assert_eq!(out.status.code(), Some(0), "ashby links: {}", stderr(&out));
    let handle = crate::accounts::last_json(&out)["handle"]
        .as_str()
        .expect("a handle")
        .to_string();
    let (out, _) = drive(
        &python,
        &plan(
            &cli,
            &["mcp", "--account", &handle],
            vec![
                call(
                    "request",
                    json!({"account": handle, "path": "/candidate.list", "method": "POST",
                           "body": {"limit": 3}}),
                ),
                call("list_people", json!({"account": handle})),
                call("list_candidates", json!({"account": handle})),
                call(
                    "request",
                    json!({"account": handle, "path": "/offer.list", "method": "POST"}),
                ),
            ],
        ),
    );
    let offers = &out["results"][3];
    assert!(
        offers["is_error"] == true && offers["structured"]["code"] == "missing_permission",
        "offers are pay data, withheld whole: {offers}"
    );
    for (i, what) in ["request", "list_people", "list_candidates"]
        .iter()
        .enumerate()
    {
        let r = &out["results"][i];
        assert_eq!(r["is_error"], false, "{what} is answered: {r}");
    }
    let record = out.to_string();
    assert!(
        !record.contains(keystep_emulator::people::SENSITIVE),
        "no phone number or location reaches the assistant: {record}"
    );
    assert!(
        !record.contains(ASHBY),
        "the key is in no MCP message: {record}"
    );
    assert!(
        record.contains("untrusted_content"),
        "what a candidate wrote is wrapped as outsiders' text: {record}"
    );
}

//! The use log as the cards read it: an AI assistant's tool call through `keystep mcp` is an
//! account's latest use, named after the assistant; its session starting, or a call that
//! names no account, is no use of a key.

use keystep_core::use_log::{last_uses, LastUse, Mode, UseRecord, UsedAccount};

#[test]
fn an_assistants_tool_call_is_a_last_use_and_its_session_start_is_not() {
    let session = UseRecord::RunStarted {
        run: "s1".into(),
        at: 500,
        command: "Claude Desktop".into(),
        accounts: vec![UsedAccount {
            id: "a".into(),
            name: "h-a".into(),
        }],
        mode: Mode::Mcp,
        no_masking: false,
    };
    let tool = |at: u64, account: Option<&str>| UseRecord::Tool {
        run: "s1".into(),
        at,
        client: "Claude Desktop".into(),
        tool: "list_people".into(),
        account: account.map(str::to_string),
        outcome: None,
        withheld: 0,
    };
    let records = vec![
        UseRecord::RunStarted {
            run: "r1".into(),
            at: 100,
            command: "sync.py".into(),
            accounts: vec![UsedAccount {
                id: "a".into(),
                name: "h-a".into(),
            }],
            mode: Mode::Proxy,
            no_masking: false,
        },
        session.clone(),
        tool(600, None),
        tool(700, Some("b")),
    ];
    let last = last_uses(&records);
    assert_eq!(
        last,
        vec![
            LastUse {
                account: "a".into(),
                at: 100,
                command: "sync.py".into(),
                assistant: false
            },
            LastUse {
                account: "b".into(),
                at: 700,
                command: "Claude Desktop".into(),
                assistant: true
            },
        ],
        "a's session start and a call naming no account are no use; b's tool call is"
    );
    let mut more = records.clone();
    more.push(tool(800, Some("a")));
    assert_eq!(
        last_uses(&more)[0],
        LastUse {
            account: "a".into(),
            at: 800,
            command: "Claude Desktop".into(),
            assistant: true
        },
        "a later tool call wins over an older run"
    );
}

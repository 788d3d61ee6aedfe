//! Handles: each account's short, stable, unique, lower-case name.
//!
//! - Made from the provider id and the company (the label when there is no company),
//!   accents folded, runs of anything else one `-`, trimmed; `-2`, `-3`… when taken.
//! - Kept across relinks and label renames; changed only by `rename_handle`, which refuses a
//!   malformed or taken handle with `invalid_input` on field `handle`.
//! - A book written before handles gets them on load, the same in every process, and keeps
//!   them once written; duplicates from two writers are settled the same way.
//! - `resolve`: exact match (any case), else an error listing every handle and never
//!   repeating what was typed.

use std::sync::Arc;
use std::time::Duration;

use keystep_core::account::{
    merge, settle_handles, slug, AccountBook, Accounts, BookStore, FileBook, LinkError, BOOK_FILE,
};
use keystep_core::clock::{Clock, ManualClock};
use keystep_core::files::DataDir;
use keystep_core::vault::{MemoryVault, Vault};
use keystep_core::Code;
use keystep_emulator::{Emulator, HumaansTenant};

use crate::support::{catalogue, verifier_for};
use crate::world::{World, ACME_1, ACME_2, BETA};

/// A second Humaans company that is also called "Acme Ltd".
const OTHER_ACME: &str = "OtherAcmeToken000000000000004444";

#[test]
fn a_slug_is_lower_case_ascii_with_single_hyphens() {
    let cases = [
        ("Acme SAS", "acme-sas"),
        ("  ACME -- S.A.S.  ", "acme-s-a-s"),
        ("Société Générale", "societe-generale"),
        ("Müller & Söhne GmbH", "muller-sohne-gmbh"),
        ("Œuvre 42", "oeuvre-42"),
        ("株式会社", ""),
        ("a/b\\c\n\td", "a-b-c-d"),
    ];
    for (text, want) in cases {
        assert_eq!(slug(text), want, "slug of {text:?}");
    }
    let long = slug(&"word ".repeat(30));
    assert!(
        long.len() <= 40 && !long.ends_with('-'),
        "a long name is cut to 40 characters without a trailing hyphen: {long}"
    );
}

fn account(id: &str, provider: &str, company: Option<&str>, label: &str) -> serde_json::Value {
    serde_json::json!({
        "id": id, "provider": provider, "label": label, "fields": {},
        "identity": {"company": company, "head_count": null, "user": null},
        "status": "ok", "last_code": null, "message": "", "fingerprint": "…abcd",
        "permissions": {"required": [], "granted": [], "missing": [], "extra": [], "unchecked": []},
        "created_at": 1, "verified_at": 1, "changed_at": 1
    })
}

fn book(accounts: Vec<serde_json::Value>) -> AccountBook {
    serde_json::from_value(serde_json::json!({"version": 1, "accounts": accounts}))
        .expect("a book without handles parses")
}

fn handles(book: &AccountBook) -> Vec<&str> {
    book.accounts.iter().map(|a| a.handle.as_str()).collect()
}

#[test]
fn handles_come_from_provider_and_company_and_are_made_unique() {
    let mut b = book(vec![
        account("1", "payfit", Some("Acme SAS"), "Acme SAS"),
        account("2", "payfit", Some("ACME sas"), "Paris office"),
        account("3", "jazzhr", None, "Hiring team"),
        account("4", "payfit", Some("Acme SAS"), "Acme SAS"),
        account("5", "namely", Some("株式会社"), "東京"),
    ]);
    settle_handles(&mut b.accounts);
    assert_eq!(
        handles(&b),
        [
            "payfit-acme-sas",
            "payfit-acme-sas-2",
            "jazzhr-hiring-team",
            "payfit-acme-sas-3",
            "namely"
        ],
        "provider and company; the label without a company; -2, -3 when taken; the provider alone when nothing else has a letter"
    );
    let again = {
        let mut b2 = b.clone();
        settle_handles(&mut b2.accounts);
        b2
    };
    assert_eq!(again, b, "settling settled handles changes nothing");
}

#[test]
fn a_kept_handle_is_not_taken_by_an_earlier_account_without_one() {
    let mut second = account("2", "payfit", Some("Acme SAS"), "Acme SAS");
    second["handle"] = "payfit-acme-sas".into();
    let mut b = book(vec![
        account("1", "payfit", Some("Acme SAS"), "Acme SAS"),
        second,
    ]);
    settle_handles(&mut b.accounts);
    assert_eq!(
        handles(&b),
        ["payfit-acme-sas-2", "payfit-acme-sas"],
        "the account that has the handle keeps it"
    );
}

#[test]
fn a_book_with_a_handle_twice_or_malformed_is_settled_in_book_order() {
    let mut one = account("1", "payfit", Some("Acme SAS"), "Acme SAS");
    one["handle"] = "acme".into();
    let mut two = account("2", "humaans", Some("Beta"), "Beta");
    two["handle"] = "acme".into();
    let mut three = account("3", "humaans", Some("Gamma"), "Gamma");
    three["handle"] = "Not A Handle".into();
    let mut b = book(vec![one, two, three]);
    settle_handles(&mut b.accounts);
    assert_eq!(
        handles(&b),
        ["acme", "humaans-beta", "humaans-gamma"],
        "the first keeps a duplicated handle; the others get theirs anew"
    );
}

#[test]
fn two_writers_giving_the_same_handle_are_merged_into_unique_handles() {
    let base = book(vec![]);
    let mut ours = book(vec![account("a", "humaans", Some("Acme Ltd"), "Acme Ltd")]);
    settle_handles(&mut ours.accounts);
    let mut theirs = book(vec![account("b", "humaans", Some("Acme Ltd"), "Acme Ltd")]);
    settle_handles(&mut theirs.accounts);
    assert_eq!(
        handles(&ours),
        handles(&theirs),
        "both chose the same handle"
    );
    let merged = merge(&base, &ours, &theirs);
    assert_eq!(
        handles(&merged),
        ["humaans-acme-ltd", "humaans-acme-ltd-2"],
        "the first in the merged book keeps it, the other gets -2"
    );
}

#[tokio::test]
async fn linking_gives_a_handle_that_relinking_and_renaming_keep() {
    let w = World::new();
    w.emu.add_humaans(
        OTHER_ACME,
        HumaansTenant {
            company_id: "cmp_other_acme".into(),
            ..HumaansTenant::full("Acme Ltd", 3)
        },
    );
    let acme = w.link(ACME_1).await.expect("linked").account;
    assert_eq!(acme.handle, "humaans-acme-ltd", "provider and company");
    let beta = w.link(BETA).await.expect("linked").account;
    assert_eq!(beta.handle, "humaans-beta-gmbh", "provider and company");
    let other = w.link(OTHER_ACME).await.expect("linked").account;
    assert_eq!(other.handle, "humaans-acme-ltd-2", "a taken handle gets -2");

    let relinked = w.relink(&acme.id, ACME_2).await.expect("relinked").account;
    assert_eq!(relinked.handle, acme.handle, "a relink keeps the handle");
    let renamed = w
        .accounts
        .rename(&acme.id, "Head office")
        .await
        .expect("renamed");
    assert_eq!(renamed.handle, acme.handle, "a new label keeps the handle");

    let saved = w.store.saved().expect("saved");
    assert_eq!(
        handles(&saved),
        [
            "humaans-acme-ltd",
            "humaans-beta-gmbh",
            "humaans-acme-ltd-2"
        ],
        "the saved book holds the handles"
    );
    let reopened = w.reopen();
    let listed: Vec<String> = reopened
        .list()
        .await
        .into_iter()
        .map(|a| a.handle)
        .collect();
    assert_eq!(listed, handles(&saved), "handles survive a restart");
}

#[tokio::test]
async fn a_handle_can_be_renamed_to_a_free_well_formed_one() {
    let w = World::new();
    let acme = w.link(ACME_1).await.expect("linked").account;
    let beta = w.link(BETA).await.expect("linked").account;

    let renamed = w
        .accounts
        .rename_handle(&acme.id, "  Acme-HQ ")
        .await
        .expect("a well-formed handle, in any case, is accepted");
    assert_eq!(renamed.handle, "acme-hq", "trimmed and lower-cased");
    assert_eq!(
        w.store.saved().expect("saved").accounts[0].handle,
        "acme-hq",
        "saved"
    );

    for bad in [
        "",
        "acme hq",
        "acme--hq",
        "-acme",
        "acme_hq",
        "é",
        &"a".repeat(41),
    ] {
        let err = w
            .accounts
            .rename_handle(&beta.id, bad)
            .await
            .expect_err("a malformed handle is refused");
        assert_eq!(err.code(), Code::InvalidInput, "{bad:?}: invalid_input");
        let LinkError::Input(input) = &err else {
            panic!("{bad:?}: an input error, got {err:?}");
        };
        assert_eq!(input.field, "handle", "{bad:?}: on the handle field");
        assert!(
            input.message.contains("hyphen"),
            "{bad:?}: says what a handle may hold: {}",
            input.message
        );
    }
    let taken = w
        .accounts
        .rename_handle(&beta.id, "acme-hq")
        .await
        .expect_err("a taken handle is refused");
    assert_eq!(taken.code(), Code::InvalidInput, "taken: invalid_input");
    assert!(
        taken.to_string().contains("already has the handle"),
        "says it is taken: {taken}"
    );
    assert_eq!(
        w.accounts.get(&beta.id).await.expect("still there").handle,
        "humaans-beta-gmbh",
        "a refused rename changes nothing"
    );
    let unknown = w
        .accounts
        .rename_handle("no-such-id", "fresh")
        .await
        .expect_err("no such account");
    assert_eq!(unknown.code(), Code::NotFound, "unknown account");
}

#[tokio::test]
async fn a_handle_resolves_exactly_or_lists_every_handle() {
    let w = World::new();
    let acme = w.link(ACME_1).await.expect("linked").account;
    w.link(BETA).await.expect("linked");

    let found = w
        .accounts
        .resolve(" HUMAANS-ACME-LTD ")
        .await
        .expect("exact match, any case, trimmed");
    assert_eq!(found.id, acme.id, "the right account");

    for asked in ["humaans-acme", "humaans", "", ACME_1] {
        let err = w
            .accounts
            .resolve(asked)
            .await
            .expect_err("only an exact match resolves");
        assert_eq!(err.code(), Code::NotFound, "{asked:?}: not_found");
        assert_eq!(
            err.handles,
            ["humaans-acme-ltd", "humaans-beta-gmbh"],
            "{asked:?}: every handle, in book order"
        );
        let said = err.to_string();
        assert!(
            said.contains("humaans-acme-ltd, humaans-beta-gmbh"),
            "{asked:?}: the sentence lists the handles: {said}"
        );
        assert!(
            !said.to_lowercase().contains(&ACME_1.to_lowercase()),
            "{asked:?}: what was typed is not repeated (it could be a key): {said}"
        );
    }
    let empty = World::new();
    let none = empty
        .accounts
        .resolve("anything")
        .await
        .expect_err("no accounts");
    assert!(
        none.handles.is_empty() && none.to_string().contains("no account is linked"),
        "an empty book says so: {none}"
    );
}

#[tokio::test]
async fn an_old_book_on_disk_gets_handles_on_load_and_keeps_them_when_written() {
    let root = tempfile::tempdir().expect("temp dir");
    let dir = Arc::new(DataDir::open(root.path().join("keystep")).expect("data dir"));
    let old = serde_json::json!({"book": {"version": 1, "accounts": [
        account("1", "payfit", Some("Acme SAS"), "Acme SAS"),
        account("2", "payfit", Some("Acme SAS"), "Acme SAS (test)"),
    ]}});
    dir.write(BOOK_FILE, old.to_string().as_bytes())
        .expect("old book written");

    let first = FileBook::new(dir.clone()).load().expect("loads");
    let second = FileBook::new(dir.clone()).load().expect("loads");
    assert_eq!(
        handles(&first),
        ["payfit-acme-sas", "payfit-acme-sas-2"],
        "handles given on load"
    );
    assert_eq!(first, second, "every process gives the same handles");
    let on_disk = std::fs::read_to_string(dir.file(BOOK_FILE)).expect("read");
    assert!(
        !on_disk.contains("handle"),
        "loading alone writes nothing: {on_disk}"
    );

    let emu = Emulator::start();
    let accounts = Accounts::open(
        catalogue(),
        verifier_for(&emu, Duration::from_secs(5)),
        Arc::new(MemoryVault::default()) as Arc<dyn Vault>,
        Arc::new(FileBook::new(dir.clone())) as Arc<dyn BookStore>,
        Arc::new(ManualClock::at(1_700_000_000)) as Arc<dyn Clock>,
    )
    .expect("opens");
    accounts.rename("2", "Staging").await.expect("renamed");
    let written: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.file(BOOK_FILE)).expect("read")).expect("JSON");
    let written_handles: Vec<&str> = written["book"]["accounts"]
        .as_array()
        .expect("accounts")
        .iter()
        .map(|a| a["handle"].as_str().expect("a handle is written"))
        .collect();
    assert_eq!(
        written_handles,
        ["payfit-acme-sas", "payfit-acme-sas-2"],
        "the next write saves the handles given on load"
    );
}

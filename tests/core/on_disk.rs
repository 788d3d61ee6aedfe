//! The account book on disk ([`FileBook`] in a [`DataDir`]) and safe mode.
//!
//! - A save that fails part-way leaves the old file whole and loadable, and the accounts in
//!   memory equal the file: nothing rolled back comes back later.
//! - Files and the folder are private.
//! - Two writers (two processes: here two `Accounts` over two `FileBook`s on one folder,
//!   each with its own lock file handle) never overwrite each other's changes.
//! - A book this build cannot read puts `Accounts` in safe mode: every keychain item is
//!   shown, none is offered for removal, every change is refused before anything is sent,
//!   and the file is never written.
//! - A damaged book is set aside and rebuilt from the keychain at start-up
//!   (`Accounts::open_or_recover`), and what happened is a code with its values.

use std::collections::BTreeSet;
use std::os::unix::fs::PermissionsExt;
use std::sync::Arc;
use std::time::Duration;

use keystep_core::account::{
    Accounts, BookError, BookStore, FileBook, LinkError, SafeMode, SafeReason, StartNotice, Status,
    BOOK_FILE,
};
use keystep_core::clock::{Clock, ManualClock};
use keystep_core::files::{DataDir, WriteFault};
use keystep_core::vault::{Faults, ItemRef, MemoryVault, Vault};
use keystep_core::Code;
use keystep_emulator::Emulator;

use crate::support::{catalogue, raw, verifier_for};
use crate::world::{acme, beta, ACME_1, BETA};

pub(crate) struct Disk {
    _root: tempfile::TempDir,
    pub(crate) dir: Arc<DataDir>,
    emu: Emulator,
    pub(crate) vault: Arc<MemoryVault>,
    clock: Arc<ManualClock>,
}

impl Disk {
    pub(crate) fn new() -> Disk {
        let root = tempfile::tempdir().expect("temp dir");
        let dir = Arc::new(DataDir::open(root.path().join("keystep")).expect("data dir"));
        let emu = Emulator::start();
        emu.add_humaans(ACME_1, acme());
        emu.add_humaans(BETA, beta());
        Disk {
            _root: root,
            dir,
            emu,
            vault: Arc::new(MemoryVault::default()),
            clock: Arc::new(ManualClock::at(1_700_000_000)),
        }
    }

    /// A second process's view of the same folder: its own `DataDir` (and lock handle).
    pub(crate) fn other_dir(&self) -> Arc<DataDir> {
        Arc::new(DataDir::open(self.dir.path()).expect("same data dir"))
    }

    pub(crate) fn open(&self, dir: Arc<DataDir>) -> Result<Accounts, BookError> {
        Accounts::open(
            catalogue(),
            verifier_for(&self.emu, Duration::from_secs(5)),
            self.vault.clone() as Arc<dyn Vault>,
            Arc::new(FileBook::new(dir)) as Arc<dyn BookStore>,
            self.clock.clone() as Arc<dyn Clock>,
        )
    }

    /// Opens the folder's book as the app does at start-up.
    fn open_or_recover(&self) -> (Accounts, Option<StartNotice>) {
        Accounts::open_or_recover(
            catalogue(),
            verifier_for(&self.emu, Duration::from_secs(5)),
            self.vault.clone() as Arc<dyn Vault>,
            Arc::new(FileBook::new(self.dir.clone())),
            self.clock.clone() as Arc<dyn Clock>,
        )
    }

    fn file(&self) -> Vec<u8> {
        std::fs::read(self.dir.file(BOOK_FILE)).expect("the book file exists")
    }

    fn ids_on_disk(&self) -> BTreeSet<String> {
        let book = FileBook::new(self.other_dir())
            .load()
            .expect("the file on disk is a readable book");
        book.accounts.into_iter().map(|a| a.id).collect()
    }
}

pub(crate) async fn link(accounts: &Accounts, token: &str) -> Result<String, LinkError> {
    accounts
        .link("humaans", raw(&[("api_token", token)]), &|_| {})
        .await
        .map(|l| l.account.id)
}

async fn ids_in_memory(accounts: &Accounts) -> BTreeSet<String> {
    accounts.list().await.into_iter().map(|a| a.id).collect()
}

#[tokio::test]
async fn a_save_that_fails_part_way_leaves_the_old_book_whole_and_memory_equal_to_it() {
    let disk = Disk::new();
    let accounts = disk.open(disk.dir.clone()).expect("a new book opens");
    let first = link(&accounts, ACME_1).await.expect("the first link");
    let before = disk.file();
    for fault in [WriteFault::PartWritten, WriteFault::BeforeRename] {
        disk.dir.inject(fault);
        let err = link(&accounts, BETA)
            .await
            .expect_err("the link fails when the book cannot be saved");
        assert_eq!(err.code(), Code::StorageFailed, "{fault:?}: storage_failed");
        assert_eq!(disk.file(), before, "{fault:?}: the old file is untouched");
        assert_eq!(
            disk.ids_on_disk(),
            BTreeSet::from([first.clone()]),
            "{fault:?}: the old file still loads, with the first account"
        );
        assert_eq!(
            ids_in_memory(&accounts).await,
            disk.ids_on_disk(),
            "{fault:?}: memory equals the disk"
        );
        assert_eq!(
            disk.vault.ids(),
            BTreeSet::from([first.clone()]),
            "{fault:?}: the failed link's key was taken out of the keychain again"
        );
    }
    disk.dir.inject(WriteFault::None);
    // What is written next is the state of memory, which never held the failed link.
    accounts.rename(&first, "Acme").await.expect("a later save");
    assert_eq!(
        disk.ids_on_disk(),
        BTreeSet::from([first.clone()]),
        "a later save does not bring the failed link back"
    );
    let reopened = disk.open(disk.other_dir()).expect("reopens");
    assert_eq!(
        ids_in_memory(&reopened).await,
        BTreeSet::from([first]),
        "after a restart, the book is as it was before the failed change"
    );
}

#[tokio::test]
async fn the_book_and_its_folder_are_private() {
    let disk = Disk::new();
    let accounts = disk.open(disk.dir.clone()).expect("opens");
    link(&accounts, ACME_1).await.expect("links");
    let mode =
        |p: &std::path::Path| std::fs::metadata(p).expect("metadata").permissions().mode() & 0o777;
    assert_eq!(
        mode(disk.dir.path()),
        0o700,
        "the folder is the owner's only"
    );
    assert_eq!(
        mode(&disk.dir.file(BOOK_FILE)),
        0o600,
        "the book is the owner's only"
    );
}

#[tokio::test]
async fn two_writers_never_overwrite_each_others_changes() {
    let disk = Disk::new();
    // Two processes open the same (empty) book.
    let window = disk.open(disk.dir.clone()).expect("the window opens it");
    let cli = disk
        .open(disk.other_dir())
        .expect("the command line opens it");
    let a = link(&window, ACME_1).await.expect("the window links Acme");
    let b = link(&cli, BETA)
        .await
        .expect("the command line links Beta, not knowing of Acme");
    assert_eq!(
        disk.ids_on_disk(),
        BTreeSet::from([a.clone(), b.clone()]),
        "both links are on disk: the second writer re-read the book before writing"
    );
    assert_eq!(
        ids_in_memory(&cli).await,
        BTreeSet::from([a.clone(), b.clone()]),
        "the second writer now knows of the first one's account"
    );
    assert_eq!(
        ids_in_memory(&window).await,
        BTreeSet::from([a.clone(), b.clone()]),
        "the first process sees the second one's link without writing anything"
    );
    // The window renames Acme, then the command line forgets Acme: the forget wins, and
    // the window's next save does not bring Acme back.
    window.rename(&a, "Acme (payroll)").await.expect("renames");
    cli.forget(&a).await.expect("the command line forgets Acme");
    window
        .rename(&b, "Beta")
        .await
        .expect("the window renames Beta");
    assert_eq!(
        disk.ids_on_disk(),
        BTreeSet::from([b.clone()]),
        "a forget in one process is not undone by another's later save"
    );
    let book = FileBook::new(disk.other_dir()).load().expect("loads");
    assert_eq!(
        book.accounts[0].label, "Beta",
        "the window's rename of Beta is on disk"
    );
}

#[test]
fn concurrent_writers_from_threads_lose_nothing() {
    let disk = Disk::new();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let a = runtime
        .block_on(async {
            let window = disk.open(disk.dir.clone()).expect("opens");
            link(&window, ACME_1).await
        })
        .expect("links");
    // Eight "processes" rename the same account and add a label each at once; every write
    // goes through the lock and the re-read, so the file is always a whole book.
    std::thread::scope(|scope| {
        for n in 0..8 {
            let disk = &disk;
            let a = a.clone();
            scope.spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime");
                rt.block_on(async {
                    let accounts = disk.open(disk.other_dir()).expect("opens");
                    accounts
                        .rename(&a, &format!("Acme {n}"))
                        .await
                        .expect("renames");
                });
            });
        }
    });
    let book = FileBook::new(disk.other_dir())
        .load()
        .expect("a whole book");
    assert_eq!(book.accounts.len(), 1, "one account, never duplicated");
    assert!(
        book.accounts[0].label.starts_with("Acme "),
        "one of the renames won: {}",
        book.accounts[0].label
    );
}

fn future_book(id: &str) -> Vec<u8> {
    serde_json::to_vec_pretty(&serde_json::json!({
        "book": {"version": 2, "accounts": [{"id": id, "provider": "humaans", "something": "new"}]}
    }))
    .expect("json")
}

#[tokio::test]
async fn a_book_from_a_newer_keystep_opens_read_only_and_offers_no_key_for_removal() {
    let disk = Disk::new();
    let id = "0123456789abcdef0123456789abcdef";
    std::fs::write(disk.dir.file(BOOK_FILE), future_book(id)).expect("write the newer book");
    let item = ItemRef {
        account: id.into(),
        label: "Keystep — Humaans (Acme Ltd)".into(),
    };
    disk.vault
        .put(&item, &raw(&[("api_token", ACME_1)]))
        .expect("the live key");
    // A key whose label names no provider this build knows (a newer Keystep's provider):
    // it cannot be rebuilt into an account, and without the book it would look like a
    // leftover.
    let newer_provider = ItemRef {
        account: "fedcba9876543210fedcba9876543210".into(),
        label: "Keystep — Workday (Acme GmbH)".into(),
    };
    disk.vault
        .put(&newer_provider, &raw(&[("client_secret", BETA)]))
        .expect("the newer provider's key");
    let error = disk
        .open(disk.dir.clone())
        .expect_err("this build cannot open a newer book");
    assert!(
        matches!(error, BookError::TooNew { found: 2 }),
        "too new: {error}"
    );
    let accounts = Accounts::read_only(
        catalogue(),
        verifier_for(&disk.emu, Duration::from_secs(5)),
        disk.vault.clone() as Arc<dyn Vault>,
        disk.clock.clone() as Arc<dyn Clock>,
        SafeMode::after(&error, None),
    );
    let mode = accounts.safe_mode().expect("safe mode");
    assert_eq!(mode.reason, SafeReason::TooNew, "the reason is a code");
    assert!(
        mode.rebuilt,
        "the accounts were rebuilt from the keychain labels"
    );
    let shown = accounts.list().await;
    assert_eq!(shown.len(), 1, "the live key's account is shown");
    assert_eq!(shown[0].id, id, "by its keychain id");
    assert_eq!(shown[0].label, "Acme Ltd", "with its label's name");

    let found = accounts.reconcile().await;
    assert!(
        found.orphans.is_empty(),
        "no keychain item is offered for removal in safe mode: {:?}",
        found.orphans
    );
    let refusals = [
        ("remove the item", accounts.remove_orphan(id).await.err()),
        (
            "remove the other item",
            accounts.remove_orphan(&newer_provider.account).await.err(),
        ),
        ("forget", accounts.forget(id).await.err()),
        ("rename", accounts.rename(id, "x").await.err()),
        ("check", accounts.check(id, &|_| {}).await.err()),
        (
            "link",
            accounts
                .link("humaans", raw(&[("api_token", BETA)]), &|_| {})
                .await
                .err(),
        ),
        (
            "relink",
            accounts
                .relink(id, raw(&[("api_token", ACME_1)]), &|_| {})
                .await
                .err(),
        ),
    ];
    for (what, err) in refusals {
        let err = err.unwrap_or_else(|| panic!("{what} is refused in safe mode"));
        assert_eq!(err.code(), Code::ReadOnly, "{what}: read_only");
    }
    assert!(
        disk.emu.requests().is_empty(),
        "nothing was sent to the provider in safe mode"
    );
    assert_eq!(
        disk.vault.ids(),
        BTreeSet::from([id.to_string(), newer_provider.account.clone()]),
        "both live keys are still in the keychain"
    );
    assert_eq!(
        std::fs::read(disk.dir.file(BOOK_FILE)).expect("read"),
        future_book(id),
        "the newer book was not written"
    );
    assert_eq!(
        accounts.list().await[0].status,
        Status::Unknown,
        "the account shown was not marked anything by reconcile"
    );
}

#[tokio::test]
async fn an_unreadable_book_is_unreadable_not_empty() {
    let disk = Disk::new();
    // A folder where the file should be: reading it fails with an I/O error.
    std::fs::create_dir(disk.dir.file(BOOK_FILE)).expect("mkdir");
    let error = disk
        .open(disk.dir.clone())
        .expect_err("an unreadable book does not open as an empty one");
    assert!(matches!(error, BookError::Io(_)), "an I/O error: {error}");
    assert_eq!(
        SafeMode::after(&error, None).reason,
        SafeReason::Unreadable,
        "safe mode says unreadable"
    );
}

const DAMAGED: &[u8] = b"{\"book\": {\"version\": 1, \"accounts\": [";
/// The name a damaged book is kept under, at the disk's clock.
const KEPT_AS: &str = "accounts.json.damaged-1700000000";

#[tokio::test]
async fn a_damaged_book_is_set_aside_and_rebuilt_and_the_notice_is_a_code() {
    let disk = Disk::new();
    std::fs::write(disk.dir.file(BOOK_FILE), DAMAGED).expect("write the damaged book");
    let id = "0123456789abcdef0123456789abcdef";
    let item = ItemRef {
        account: id.into(),
        label: "Keystep — Humaans (Acme Ltd)".into(),
    };
    disk.vault
        .put(&item, &raw(&[("api_token", ACME_1)]))
        .expect("the live key");
    let (accounts, notice) = disk.open_or_recover();
    match notice {
        Some(StartNotice::Recovered {
            kept_as,
            rebuilt,
            detail,
        }) => {
            assert_eq!(kept_as, KEPT_AS, "the damaged file's new name");
            assert_eq!(rebuilt, 1, "one account rebuilt");
            assert!(
                detail.contains("not valid JSON"),
                "what was wrong: {detail}"
            );
        }
        other => panic!("a recovery notice, got {other:?}"),
    }
    assert!(
        accounts.safe_mode().is_none(),
        "the rebuilt book is writable"
    );
    assert_eq!(
        std::fs::read(disk.dir.file(KEPT_AS)).expect("the damaged book was kept"),
        DAMAGED,
        "set aside as it was, not deleted"
    );
    assert_eq!(
        disk.ids_on_disk(),
        BTreeSet::from([id.to_string()]),
        "the rebuilt book was saved"
    );
    assert_eq!(
        ids_in_memory(&accounts).await,
        BTreeSet::from([id.to_string()]),
        "and opened"
    );
}

#[tokio::test]
async fn a_damaged_book_with_nothing_to_rebuild_or_no_keychain_says_which() {
    let empty = Disk::new();
    std::fs::write(empty.dir.file(BOOK_FILE), DAMAGED).expect("write the damaged book");
    let (accounts, notice) = empty.open_or_recover();
    assert!(
        matches!(&notice, Some(StartNotice::NoneRebuilt { kept_as, .. }) if kept_as == KEPT_AS),
        "nothing in the keychain to rebuild: {notice:?}"
    );
    assert!(accounts.safe_mode().is_none(), "a new, empty book is open");
    assert!(empty.ids_on_disk().is_empty(), "and saved empty");

    let locked = Disk::new();
    std::fs::write(locked.dir.file(BOOK_FILE), DAMAGED).expect("write the damaged book");
    locked.vault.set_faults(Faults::locked());
    let (_, notice) = locked.open_or_recover();
    match notice {
        Some(StartNotice::RebuildFailed { kept_as, detail }) => {
            assert_eq!(kept_as, KEPT_AS, "the damaged file's new name");
            assert!(
                detail.contains("not valid JSON") && detail.contains("nothing rebuilt"),
                "what was wrong, and why nothing was rebuilt: {detail}"
            );
        }
        other => panic!("a failed rebuild, got {other:?}"),
    }
}

#[tokio::test]
async fn a_damaged_book_that_cannot_be_set_aside_opens_in_safe_mode_untouched() {
    let disk = Disk::new();
    std::fs::write(disk.dir.file(BOOK_FILE), DAMAGED).expect("write the damaged book");
    // A folder already holding the name the book would be kept under: the rename fails.
    std::fs::create_dir(disk.dir.file(KEPT_AS)).expect("mkdir");
    std::fs::write(disk.dir.file(KEPT_AS).join("x"), b"x").expect("not empty");
    let (accounts, notice) = disk.open_or_recover();
    assert_eq!(notice, None, "nothing was set aside or rebuilt to tell of");
    let mode = accounts.safe_mode().expect("safe mode");
    assert_eq!(mode.reason, SafeReason::Damaged, "the reason is a code");
    assert_eq!(disk.file(), DAMAGED, "the damaged book is left as it was");
}

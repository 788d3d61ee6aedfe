//! Keystep's own trouble (a keychain that refuses, one that never answers, a book that
//! cannot be saved, a provider this build does not know) backs off like network trouble:
//! over a simulated hour of the app's schedule (the window's own loop,
//! `schedule::keep_watch`, on the injected clock) the keychain and the provider are asked a
//! handful of times, not every five seconds. And a keychain call that hangs holds up
//! nothing but itself: other accounts answer meanwhile, and a write that lands after
//! Keystep gave up on it is taken back.

use std::sync::Arc;
use std::time::Duration;

use keystep_core::account::{Accounts, BookStore, Swept};
use keystep_core::clock::{Clock, ManualClock};
use keystep_core::lang::Lang;
use keystep_core::notice::notice_for;
use keystep_core::schedule::{keep_watch, Watch, DEFAULT_INTERVAL_SECS, FIRST_RETRY_SECS};
use keystep_core::vault::{Faults, MemoryVault};
use keystep_core::Code;

use crate::world::{humaans_secret, ids, World, ACME_1, ACME_2, BETA};

const HOUR: Duration = Duration::from_secs(60 * 60);

/// A keychain wait far above what an in-memory call takes, so only a hung call runs out.
const SHORT_WAIT: Duration = Duration::from_millis(300);

/// The app's schedule (`schedule::keep_watch`, the very loop the window runs) over the
/// injected clock: each sleep moves the clock instead of sleeping, and the sweeps are
/// kept. It runs for `span`; with a turn, it stops at the first sleep past `span`, lets
/// the test look and change the world ([`Simulated::turn`]), then goes on for `after`.
struct Simulated<'a> {
    accounts: &'a Accounts,
    clock: &'a ManualClock,
    end: std::sync::atomic::AtomicU64,
    after: Option<Duration>,
    turned: std::sync::atomic::AtomicBool,
    at_turn: tokio::sync::Notify,
    go_on: tokio::sync::Notify,
    swept: std::sync::Mutex<Vec<Swept>>,
}

impl<'a> Simulated<'a> {
    fn new(accounts: &'a Accounts, clock: &'a ManualClock, span: Duration) -> Self {
        Simulated {
            accounts,
            clock,
            end: std::sync::atomic::AtomicU64::new(clock.unix_now() + span.as_secs()),
            after: None,
            turned: std::sync::atomic::AtomicBool::new(false),
            at_turn: tokio::sync::Notify::new(),
            go_on: tokio::sync::Notify::new(),
            swept: std::sync::Mutex::new(Vec::new()),
        }
    }

    /// The same, pausing after `span` for the test, then going on for `after`.
    fn with_turn(mut self, after: Duration) -> Self {
        self.after = Some(after);
        self
    }

    /// Waits until the schedule pauses at the turn; returns what it swept until then.
    async fn turn(&self) -> Vec<Swept> {
        self.at_turn.notified().await;
        self.taken()
    }

    /// Lets the schedule go on after the turn.
    fn go_on(&self) {
        self.go_on.notify_one();
    }

    /// What the sweeps checked since the last look.
    fn taken(&self) -> Vec<Swept> {
        std::mem::take(&mut *self.swept.lock().expect("swept"))
    }
}

impl Watch for Simulated<'_> {
    fn interval_secs(&self) -> u64 {
        DEFAULT_INTERVAL_SECS
    }

    async fn sweep(&self, ids: &[String]) {
        let swept = self.accounts.sweep(ids, 4).await;
        self.swept.lock().expect("swept").extend(swept);
    }

    async fn sleep(&self, sleep: Duration) -> bool {
        use std::sync::atomic::Ordering::SeqCst;
        self.clock.advance(sleep);
        if self.clock.unix_now() < self.end.load(SeqCst) {
            return true;
        }
        match self.after {
            Some(after) if !self.turned.swap(true, SeqCst) => {
                self.at_turn.notify_one();
                self.go_on.notified().await;
                self.end
                    .store(self.clock.unix_now() + after.as_secs(), SeqCst);
                true
            }
            _ => false,
        }
    }
}

/// [`Simulated`] without a turn: the window's schedule for `span`, and what it checked.
async fn keep_watch_for(accounts: &Accounts, clock: &ManualClock, span: Duration) -> Vec<Swept> {
    let simulated = Simulated::new(accounts, clock, span);
    keep_watch(accounts, &simulated).await;
    simulated.taken()
}

/// How many notifications these sweeps would raise.
fn notices(swept: &[Swept]) -> usize {
    swept
        .iter()
        .filter(|s| notice_for(&s.before, &s.after, "Humaans", Lang::En).is_some())
        .count()
}

/// How many verification chains the emulator saw (each Humaans chain opens on /token-info).
fn chains(w: &World<MemoryVault>) -> usize {
    w.emu
        .requests()
        .iter()
        .filter(|r| r.path == "/token-info")
        .count()
}

/// Acme linked and due for its regular check, with the emulator's and the vault's counts
/// taken from here.
async fn acme_due() -> (World<MemoryVault>, String, usize) {
    let w = World::new();
    let id = w.link(ACME_1).await.expect("linked").account.id;
    w.clock.advance(Duration::from_secs(DEFAULT_INTERVAL_SECS));
    w.emu.clear_requests();
    let calls = w.vault.calls();
    (w, id, calls)
}

/// Lets hung vault calls go on when the test ends, even by a panic: the runtime waits for
/// its blocking threads before it ends.
struct Release<'a>(&'a MemoryVault);

impl Drop for Release<'_> {
    fn drop(&mut self) {
        self.0.set_faults(Faults::default());
    }
}

#[tokio::test]
async fn a_keychain_that_refuses_is_asked_a_few_times_an_hour() {
    let (w, id, calls) = acme_due().await;
    let before = w.accounts.list().await;
    w.vault.set_faults(Faults {
        get: true,
        ..Faults::default()
    });
    // An hour locked; then unlocked, the next retry (at most 40 minutes on) checks the
    // account, and the regular interval applies again.
    let schedule =
        Simulated::new(&w.accounts, &w.clock, HOUR).with_turn(Duration::from_secs(40 * 60));
    let an_hour = async {
        let swept = schedule.turn().await;
        let asked = w.vault.calls() - calls;
        assert!(
            (2..=5).contains(&asked),
            "retried after 5, 10, 20… minutes: the keychain was asked {asked} times in an hour"
        );
        assert_eq!(chains(&w), 0, "nothing was sent without the key");
        assert_eq!(
            w.accounts.list().await,
            before,
            "a locked keychain says nothing about the key: the account is as it was"
        );
        assert_eq!(notices(&swept), 0, "and it raised no notification");
        w.vault.set_faults(Faults::default());
        schedule.go_on();
    };
    tokio::join!(keep_watch(&w.accounts, &schedule), an_hour);
    assert_eq!(chains(&w), 1, "checked once the keychain answered");
    let a = w.accounts.get(&id).await.expect("still linked");
    assert!(
        a.checked_at > before[0].checked_at,
        "the check was recorded: {}",
        a.message
    );
    let plan = w.accounts.plan(DEFAULT_INTERVAL_SECS).await;
    assert!(plan.due.is_empty(), "nothing due right after");
}

#[tokio::test]
async fn a_keychain_that_never_answers_is_given_up_on_and_backed_off() {
    let (w, id, calls) = acme_due().await;
    let accounts = w.reopen().with_keychain_wait(SHORT_WAIT);
    let _release = Release(&w.vault);
    w.vault.set_faults(Faults {
        hang_get: true,
        ..Faults::default()
    });
    let err = tokio::time::timeout(Duration::from_secs(30), accounts.check(&id, &|_| {}))
        .await
        .expect("the check gives up on the keychain instead of waiting for it")
        .expect_err("and fails");
    assert_eq!(err.code(), Code::KeychainUnavailable, "{err}");
    assert!(
        err.to_string().contains("unlock"),
        "the message says what to do: {err}"
    );
    let swept = tokio::time::timeout(
        Duration::from_secs(60),
        keep_watch_for(&accounts, &w.clock, HOUR),
    )
    .await
    .expect("the schedule neither waits on the hung keychain nor keeps asking it");
    let asked = w.vault.calls() - calls;
    assert!(
        (2..=5).contains(&asked),
        "the hung keychain was asked {asked} times in an hour (the first check included)"
    );
    assert_eq!(chains(&w), 0, "nothing was sent without the key");
    assert_eq!(notices(&swept), 0, "no notification");
    assert_eq!(
        w.vault.hung(),
        asked,
        "setup: every call is still hung, abandoned rather than waited for"
    );
}

#[tokio::test]
async fn a_book_that_cannot_be_saved_does_not_send_the_chain_again_and_again() {
    let (w, id, _) = acme_due().await;
    let before = w.accounts.list().await;
    w.store.fail_saves(true);
    // An hour without saves, then the disk is back for 40 minutes.
    let schedule =
        Simulated::new(&w.accounts, &w.clock, HOUR).with_turn(Duration::from_secs(40 * 60));
    let sent = std::sync::atomic::AtomicUsize::new(0);
    let an_hour = async {
        let swept = schedule.turn().await;
        sent.store(chains(&w), std::sync::atomic::Ordering::SeqCst);
        let sent = chains(&w);
        assert!(
            (2..=5).contains(&sent),
            "a verification whose result could not be saved is not repeated at once: {sent} chains in an hour"
        );
        assert_eq!(
            w.accounts.list().await,
            before,
            "memory stays what the book on disk says"
        );
        assert_eq!(notices(&swept), 0, "no notification");
        w.store.fail_saves(false);
        schedule.go_on();
    };
    tokio::join!(keep_watch(&w.accounts, &schedule), an_hour);
    let sent = sent.into_inner();
    assert_eq!(
        chains(&w),
        sent + 1,
        "checked once more when the disk is back"
    );
    let saved = w.store.saved().expect("saved");
    assert!(
        saved.accounts[0].checked_at > before[0].checked_at,
        "and that check was saved"
    );
    assert_eq!(saved.accounts[0].id, id, "the same account");
}

#[tokio::test]
async fn a_provider_this_build_does_not_know_waits_like_any_trouble() {
    let w = World::new();
    w.link(ACME_1).await.expect("linked");
    let mut book = w.store.saved().expect("saved");
    book.accounts[0].provider = "workday".into();
    w.store.save(&book).expect("saved");
    let accounts = w.reopen();
    w.clock
        .advance(Duration::from_secs(DEFAULT_INTERVAL_SECS + 1));
    let id = book.accounts[0].id.clone();
    let err = accounts
        .check(&id, &|_| {})
        .await
        .expect_err("unknown provider");
    assert_eq!(err.code(), Code::NotFound, "{err}");
    let plan = accounts.plan(DEFAULT_INTERVAL_SECS).await;
    assert!(plan.due.is_empty(), "not due again at once: {plan:?}");
    assert_eq!(
        plan.sleep,
        Duration::from_secs(FIRST_RETRY_SECS),
        "the schedule sleeps until the first retry"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_keychain_prompt_left_open_holds_up_no_other_account() {
    let w = World::new();
    let acme = w.link(ACME_1).await.expect("linked").account;
    let _release = Release(&w.vault);
    w.vault.set_faults(Faults {
        hang_put: true,
        ..Faults::default()
    });
    let accounts = Arc::clone(&w.accounts);
    let link = tokio::spawn(async move {
        accounts
            .link(
                "humaans",
                crate::support::raw(&[("api_token", BETA)]),
                &|_| {},
            )
            .await
    });
    let stuck = async {
        while w.vault.hung() == 0 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(10), stuck)
        .await
        .expect("setup: the link is waiting on the keychain");
    let answers = Duration::from_secs(10);
    let listed = tokio::time::timeout(answers, w.accounts.list())
        .await
        .expect("the list answers while a keychain call hangs");
    assert_eq!(listed, vec![acme.clone()], "Acme, and the link not yet");
    let got = tokio::time::timeout(answers, w.accounts.get(&acme.id))
        .await
        .expect("one account answers");
    assert!(got.is_some(), "Acme is there");
    let renamed = tokio::time::timeout(answers, w.accounts.rename(&acme.id, "Acme HQ"))
        .await
        .expect("renaming another account answers")
        .expect("renamed");
    assert_eq!(renamed.label, "Acme HQ", "renamed");
    let checked = tokio::time::timeout(answers, w.accounts.check(&acme.id, &|_| {}))
        .await
        .expect("checking another account answers")
        .expect("checked");
    assert_eq!(checked.last_code, None, "{}", checked.message);
    assert!(!link.is_finished(), "setup: the link was hung all along");

    // The prompt is answered within the keychain wait: the link completes.
    w.vault.set_faults(Faults::default());
    let linked = link.await.expect("no panic").expect("the link completes");
    assert_eq!(linked.account.label, "Beta GmbH", "Beta linked");
    assert_eq!(
        w.assert_agree("after the prompt").await,
        ids([acme.id.as_str(), linked.account.id.as_str()]),
        "both accounts, in the book and the keychain"
    );
    assert_eq!(
        w.vault.labels()[&acme.id],
        "Keystep — Humaans (Acme HQ)",
        "Acme's item follows its new name"
    );
}

/// Waits until the vault has no call under way and `settled` holds.
async fn settles(w: &World<MemoryVault>, settled: impl Fn() -> bool, what: &str) {
    let wait = async {
        while w.vault.busy() > 0 || !settled() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(10), wait)
        .await
        .unwrap_or_else(|_| panic!("{what}"));
}

#[tokio::test]
async fn a_keychain_write_that_lands_after_keystep_gave_up_is_taken_back() {
    let w = World::new();
    let acme = w.link(ACME_1).await.expect("linked").account;
    let accounts = w.reopen().with_keychain_wait(SHORT_WAIT);
    let _release = Release(&w.vault);
    let hang = Faults {
        hang_put: true,
        ..Faults::default()
    };

    w.vault.set_faults(hang);
    let link = accounts.link(
        "humaans",
        crate::support::raw(&[("api_token", BETA)]),
        &|_| {},
    );
    let err = tokio::time::timeout(Duration::from_secs(30), link)
        .await
        .expect("the link gives up on the keychain")
        .expect_err("the keychain did not answer");
    assert_eq!(err.code(), Code::KeychainUnavailable, "{err}");
    assert_eq!(w.vault.hung(), 1, "setup: the write is still under way");
    w.vault.set_faults(Faults::default());
    settles(
        &w,
        || w.vault.ids() == ids([acme.id.as_str()]),
        "the late link's item is removed again",
    )
    .await;
    assert_eq!(accounts.list().await, vec![acme.clone()], "no Beta account");

    w.vault.set_faults(hang);
    let relink = accounts.relink(
        &acme.id,
        crate::support::raw(&[("api_token", ACME_2)]),
        &|_| {},
    );
    let err = tokio::time::timeout(Duration::from_secs(30), relink)
        .await
        .expect("the relink gives up on the keychain")
        .expect_err("the keychain did not answer");
    assert_eq!(err.code(), Code::KeychainUnavailable, "{err}");
    w.vault.set_faults(Faults::default());
    settles(
        &w,
        || w.secret_of(&acme.id) == humaans_secret(ACME_1),
        "the late relink's key is swapped back for the old one",
    )
    .await;
    assert_eq!(
        accounts.list().await,
        vec![acme.clone()],
        "Acme as it was, with its old key's fingerprint"
    );
    w.assert_agree("after the late writes").await;
}

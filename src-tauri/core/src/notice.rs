//! Which status changes deserve a desktop notification, and what it says.
//!
//! A change for the worse raises one urgent notice naming the account and the fix; a
//! recovery raises a quiet one; anything else (a check that changed nothing, transient
//! trouble still within its tolerance) raises none, so a flaky network never nags.

use crate::account::{Account, Status};
use crate::error::Code;
use crate::lang::Lang;
use crate::store::CopyState;
use crate::words::words;

/// A notification to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// "PayFit — Acme SAS: key rejected".
    pub title: String,
    /// What happened and what to do next.
    pub body: String,
    /// A change for the worse (shown with urgency), or a quiet recovery.
    pub urgent: bool,
}

/// Where notices go: the desktop's notification service in the app, a list in tests.
pub trait Notifier: Send + Sync {
    /// Shows `notice`.
    ///
    /// # Errors
    /// The desktop has no notification service, or it refused; the message says which.
    fn notify(&self, notice: &Notice) -> Result<(), String>;
}

/// A [`Notifier`] that keeps what it is given, for tests and for a desktop without a
/// notification service.
#[derive(Debug, Default)]
pub struct MemoryNotifier {
    shown: std::sync::Mutex<Vec<Notice>>,
}

impl MemoryNotifier {
    /// Every notice given so far, oldest first.
    pub fn shown(&self) -> Vec<Notice> {
        self.shown.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

impl Notifier for MemoryNotifier {
    fn notify(&self, notice: &Notice) -> Result<(), String> {
        self.shown
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(notice.clone());
        Ok(())
    }
}

/// How bad a status is, for comparing two of them.
fn severity(status: Status) -> u8 {
    match status {
        Status::Ok => 0,
        Status::Unknown => 1,
        Status::Limited => 2,
        Status::Failing | Status::NeedsRelink => 3,
    }
}

/// The one notice for checks that trouble inside Keystep has begun to hold back (`code`:
/// `keychain_unavailable`, `storage_failed`, `host_changed`), in `lang`; `None` for any other
/// code. The caller raises it when such trouble starts, not on every retry.
pub fn paused_notice(code: Code, lang: Lang) -> Option<Notice> {
    let w = words(lang);
    let body = match code {
        Code::KeychainUnavailable => w.paused_keychain,
        Code::StorageFailed => w.paused_storage,
        Code::HostChanged => w.paused_host,
        _ => return None,
    };
    Some(Notice {
        title: w.paused_title.into(),
        body: body.into(),
        urgent: false,
    })
}

/// The notice for an account that went from `before` to `after`, if it deserves one, in
/// `lang`. The body is the account's own sentence (what happened and the fix), which the
/// engine words in English; in another language the body points to the window instead.
pub fn notice_for(
    before: &Account,
    after: &Account,
    provider_name: &str,
    lang: Lang,
) -> Option<Notice> {
    let w = words(lang);
    let (was, now) = (severity(before.status), severity(after.status));
    let who = format!("{provider_name} — {}", after.label);
    let body = if lang == Lang::En {
        after.message.clone()
    } else {
        w.notice_open.to_string()
    };
    if now > was {
        let what = crate::tray::status_phrase(after, w);
        return Some(Notice {
            title: w
                .notice_worse
                .replace("{who}", &who)
                .replace("{what}", what),
            body,
            urgent: true,
        });
    }
    if now == 0 && was > 0 {
        return Some(Notice {
            title: w.notice_better.replace("{who}", &who),
            body,
            urgent: false,
        });
    }
    // A copy in a team store that someone changed since the last look (issue 24).
    let changed = after.copies.iter().find(|c| {
        c.state == CopyState::ChangedOutside
            && !before
                .copies
                .iter()
                .any(|b| b.target == c.target && b.state == CopyState::ChangedOutside)
    });
    if let Some(copy) = changed {
        return Some(Notice {
            title: w.notice_copy_changed.replace("{who}", &who),
            body: w
                .notice_copy_changed_body
                .replace("{target}", &copy.target.to_string()),
            urgent: false,
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(status: Status, message: &str) -> Account {
        let mut a: Account = serde_json::from_value(serde_json::json!({
            "id": "a1", "provider": "payfit", "label": "Acme SAS", "fields": {},
            "identity": {"company": "Acme SAS", "head_count": null, "user": null},
            "status": "ok", "last_code": null, "message": message, "fingerprint": "…abcd",
            "permissions": {"required": [], "granted": [], "missing": [], "extra": [], "unchecked": []},
            "created_at": 1, "verified_at": 1, "changed_at": 1
        }))
        .expect("a minimal account parses");
        a.status = status;
        a
    }

    #[test]
    fn a_copy_changed_outside_keystep_is_raised_once() {
        use crate::store::{StoreCopy, Target};
        let before = account(Status::Ok, "Works.");
        let mut after = before.clone();
        after.copies.push(StoreCopy {
            target: Target::parse("aws-sm://eu-west-1/hr/x").expect("valid"),
            version: "v1".into(),
            written_at: 1,
            confirmed_at: 1,
            state: CopyState::ChangedOutside,
            last_code: None,
        });
        let notice = notice_for(&before, &after, "PayFit", Lang::En).expect("raised");
        assert!(
            notice.title.contains("changed outside Keystep")
                && notice.body.contains("aws-sm://eu-west-1/hr/x"),
            "names the copy: {notice:?}"
        );
        assert!(
            notice_for(&after, &after, "PayFit", Lang::En).is_none(),
            "not raised again while it stays changed"
        );
    }

    #[test]
    fn worse_is_urgent_and_names_the_fix() {
        let n = notice_for(
            &account(Status::Ok, "Connected"),
            &account(Status::Failing, "Create a new key on PayFit's API page."),
            "PayFit",
            Lang::En,
        )
        .expect("a key that stopped working is news");
        assert_eq!(n.title, "PayFit — Acme SAS: key rejected");
        assert_eq!(n.body, "Create a new key on PayFit's API page.", "the fix");
        assert!(n.urgent, "worse is urgent");
    }

    #[test]
    fn recovery_is_quiet_and_sameness_is_silent() {
        let n = notice_for(
            &account(Status::Unknown, "PayFit did not answer."),
            &account(Status::Ok, "Connected to Acme SAS"),
            "PayFit",
            Lang::En,
        )
        .expect("recovering is worth a quiet word");
        assert!(!n.urgent, "quiet");
        assert_eq!(n.title, "PayFit — Acme SAS works again");
        for status in [
            Status::Ok,
            Status::Limited,
            Status::Failing,
            Status::Unknown,
            Status::NeedsRelink,
        ] {
            assert_eq!(
                notice_for(
                    &account(status, "a"),
                    &account(status, "b"),
                    "PayFit",
                    Lang::En
                ),
                None,
                "no change, no notice ({status:?})"
            );
        }
        assert_eq!(
            notice_for(
                &account(Status::Failing, "a"),
                &account(Status::Unknown, "b"),
                "PayFit",
                Lang::En
            ),
            None,
            "failing to couldn't-check is not news either way"
        );
    }
}

//! Which status changes deserve a desktop notification, and what it says.
//!
//! A change for the worse raises one urgent notice naming the account and the fix; a
//! recovery raises a quiet one; anything else (a check that changed nothing, transient
//! trouble still within its tolerance) raises none, so a flaky network never nags.

use crate::account::{Account, Status};

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

/// How bad a status is, for comparing two of them.
fn severity(status: Status) -> u8 {
    match status {
        Status::Ok => 0,
        Status::Unknown => 1,
        Status::Limited => 2,
        Status::Failing | Status::NeedsRelink => 3,
    }
}

/// The notice for an account that went from `before` to `after`, if it deserves one.
pub fn notice_for(before: &Account, after: &Account, provider_name: &str) -> Option<Notice> {
    let (was, now) = (severity(before.status), severity(after.status));
    let who = format!("{provider_name} — {}", after.label);
    if now > was {
        let what = match after.status {
            Status::Unknown => "couldn't check",
            Status::Limited => "missing permissions",
            Status::NeedsRelink => "key missing from the keychain",
            Status::Failing => "key no longer works",
            Status::Ok => return None,
        };
        return Some(Notice {
            title: format!("{who}: {what}"),
            body: after.message.clone(),
            urgent: true,
        });
    }
    if now == 0 && was > 0 {
        return Some(Notice {
            title: format!("{who} works again"),
            body: after.message.clone(),
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
    fn worse_is_urgent_and_names_the_fix() {
        let n = notice_for(
            &account(Status::Ok, "Connected"),
            &account(Status::Failing, "Create a new key on PayFit's API page."),
            "PayFit",
        )
        .expect("a key that stopped working is news");
        assert_eq!(n.title, "PayFit — Acme SAS: key no longer works");
        assert_eq!(n.body, "Create a new key on PayFit's API page.", "the fix");
        assert!(n.urgent, "worse is urgent");
    }

    #[test]
    fn recovery_is_quiet_and_sameness_is_silent() {
        let n = notice_for(
            &account(Status::Unknown, "PayFit did not answer."),
            &account(Status::Ok, "Connected to Acme SAS"),
            "PayFit",
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
                notice_for(&account(status, "a"), &account(status, "b"), "PayFit"),
                None,
                "no change, no notice ({status:?})"
            );
        }
        assert_eq!(
            notice_for(
                &account(Status::Failing, "a"),
                &account(Status::Unknown, "b"),
                "PayFit"
            ),
            None,
            "failing to couldn't-check is not news either way"
        );
    }
}

//! What Keystep says outside its window — the tray and desktop notifications — in each
//! language it speaks. The window's own sentences live in `ui/locales/`; these are the few
//! the shell draws itself, kept together so that a language is added in one place and a test
//! can hold the two languages to the same keys and placeholders.

use crate::lang::Lang;

/// A sentence in the singular and the plural; `{n}` is the count.
#[derive(Debug, Clone, Copy)]
pub struct Plural {
    /// For one.
    pub one: &'static str,
    /// For any other number (`{n}`).
    pub other: &'static str,
}

impl Plural {
    /// The sentence for `n`.
    pub fn of(&self, n: usize) -> String {
        if n == 1 {
            self.one.to_string()
        } else {
            self.other.replace("{n}", &n.to_string())
        }
    }
}

/// Every sentence the tray and the notifications use.
#[derive(Debug, Clone, Copy)]
pub struct Words {
    /// Tooltip with nothing linked.
    pub tray_empty: &'static str,
    /// "4 accounts OK".
    pub tray_ok: Plural,
    /// "2 accounts need attention" (nothing OK).
    pub tray_attention: Plural,
    /// "1 needs attention" (after a count of OK accounts).
    pub tray_attention_short: Plural,
    /// Appended to the tooltip while a check runs.
    pub tray_checking: &'static str,
    /// A menu line's "checked {ago}".
    pub checked_ago: &'static str,
    /// Status phrases.
    pub status_ok: &'static str,
    /// Missing permissions.
    pub status_limited: &'static str,
    /// The key is gone from the keychain.
    pub status_needs_relink: &'static str,
    /// Transient trouble persisted.
    pub status_unknown: &'static str,
    /// The key reaches another company.
    pub status_wrong_tenant: &'static str,
    /// The key was rejected.
    pub status_rejected: &'static str,
    /// "just now".
    pub ago_now: &'static str,
    /// "{n} min ago".
    pub ago_minutes: &'static str,
    /// "{n} h ago".
    pub ago_hours: &'static str,
    /// "{n} days ago".
    pub ago_days: Plural,
    /// Menu items.
    pub menu_check_all: &'static str,
    /// Add account.
    pub menu_add: &'static str,
    /// Open the window.
    pub menu_open: &'static str,
    /// Quit.
    pub menu_quit: &'static str,
    /// Notification title for a change for the worse: "{who}: {what}".
    pub notice_worse: &'static str,
    /// Notification title for a recovery.
    pub notice_better: &'static str,
    /// A notification body when the account's own sentence is not in this language.
    pub notice_open: &'static str,
    /// The first time the window is closed with a tray: title and body.
    pub still_running_title: &'static str,
    /// Body.
    pub still_running_body: &'static str,
    /// Checks stopped by trouble inside Keystep (not the provider's): title.
    pub paused_title: &'static str,
    /// Body: the keychain is locked or does not answer.
    pub paused_keychain: &'static str,
    /// Body: the account list cannot be saved.
    pub paused_storage: &'static str,
    /// Body: a host override would send a key elsewhere.
    pub paused_host: &'static str,
    /// Notification title: a copy in a team store was changed outside Keystep.
    pub notice_copy_changed: &'static str,
    /// Its body: `{target}` is the copy's address.
    pub notice_copy_changed_body: &'static str,
    /// Beside the provider's name for an account linked against its sandbox.
    pub sandbox: &'static str,
    /// A key's known expiry ahead: "expires in 12 days".
    pub expires_in: Plural,
    /// The expiry is today.
    pub expires_today: &'static str,
    /// The expiry is past: "expired 2 days ago".
    pub expired: Plural,
    /// A key that dies unused: "dies if unused for {days} days — last used {ago}".
    pub dies_unused: &'static str,
    /// The same, with no use known.
    pub dies_unused_never: &'static str,
}

const EN: Words = Words {
    tray_empty: "Keystep — no accounts yet",
    tray_ok: Plural {
        one: "1 account OK",
        other: "{n} accounts OK",
    },
    tray_attention: Plural {
        one: "1 account needs attention",
        other: "{n} accounts need attention",
    },
    tray_attention_short: Plural {
        one: "1 needs attention",
        other: "{n} need attention",
    },
    tray_checking: " (checking…)",
    checked_ago: "checked {ago}",
    status_ok: "OK",
    status_limited: "missing permissions",
    status_needs_relink: "needs relinking",
    status_unknown: "couldn't check",
    status_wrong_tenant: "wrong address",
    status_rejected: "key rejected",
    ago_now: "just now",
    ago_minutes: "{n} min ago",
    ago_hours: "{n} h ago",
    ago_days: Plural {
        one: "1 day ago",
        other: "{n} days ago",
    },
    menu_check_all: "Check all now",
    menu_add: "Add account…",
    menu_open: "Open Keystep",
    menu_quit: "Quit",
    notice_worse: "{who}: {what}",
    notice_better: "{who} works again",
    notice_open: "Open Keystep to see what to do.",
    still_running_title: "Keystep is still running",
    still_running_body:
        "It keeps checking your accounts from the tray. To quit, choose Quit in the tray menu.",
    paused_title: "Keystep has paused its checks",
    paused_keychain: "Your system keychain is locked or not answering, so Keystep cannot read your keys. Unlock it; Keystep tries again in a few minutes.",
    paused_storage: "Keystep cannot save its account list. Free some disk space; Keystep tries again in a few minutes.",
    paused_host: "A KEYSTEP_…_URL variable would send a key to another address than the one it was checked with, so Keystep did not send it.",
    notice_copy_changed: "{who}: a copy was changed outside Keystep",
    notice_copy_changed_body: "The copy at {target} is no longer the version Keystep wrote, so Keystep will not write to it. Check who changed it.",
    sandbox: "sandbox",
    expires_in: Plural {
        one: "expires in 1 day",
        other: "expires in {n} days",
    },
    expires_today: "expires today",
    expired: Plural {
        one: "expired 1 day ago",
        other: "expired {n} days ago",
    },
    dies_unused: "dies if unused for {days} days — last used {ago}",
    dies_unused_never: "dies if unused for {days} days",
};

const FR: Words = Words {
    tray_empty: "Keystep — aucun compte pour l’instant",
    tray_ok: Plural {
        one: "1 compte OK",
        other: "{n} comptes OK",
    },
    tray_attention: Plural {
        one: "1 compte à vérifier",
        other: "{n} comptes à vérifier",
    },
    tray_attention_short: Plural {
        one: "1 à vérifier",
        other: "{n} à vérifier",
    },
    tray_checking: " (vérification…)",
    checked_ago: "vérifié {ago}",
    status_ok: "OK",
    status_limited: "permissions manquantes",
    status_needs_relink: "à relier de nouveau",
    status_unknown: "vérification impossible",
    status_wrong_tenant: "mauvaise adresse",
    status_rejected: "clé refusée",
    ago_now: "à l’instant",
    ago_minutes: "il y a {n} min",
    ago_hours: "il y a {n} h",
    ago_days: Plural {
        one: "il y a 1 jour",
        other: "il y a {n} jours",
    },
    menu_check_all: "Tout vérifier maintenant",
    menu_add: "Ajouter un compte…",
    menu_open: "Ouvrir Keystep",
    menu_quit: "Quitter",
    notice_worse: "{who} : {what}",
    notice_better: "{who} fonctionne de nouveau",
    notice_open: "Ouvrez Keystep pour voir quoi faire.",
    still_running_title: "Keystep tourne toujours",
    still_running_body:
        "Il continue de vérifier vos comptes depuis la zone de notification. Pour le quitter, choisissez Quitter dans son menu.",
    paused_title: "Keystep a suspendu ses vérifications",
    paused_keychain: "Votre trousseau système est verrouillé ou ne répond pas : Keystep ne peut pas lire vos clés. Déverrouillez-le ; Keystep réessaie dans quelques minutes.",
    paused_storage: "Keystep ne peut pas enregistrer sa liste de comptes. Libérez de l’espace disque ; Keystep réessaie dans quelques minutes.",
    paused_host: "Une variable KEYSTEP_…_URL enverrait une clé à une autre adresse que celle où elle a été vérifiée : Keystep ne l’a pas envoyée.",
    notice_copy_changed: "{who} : une copie a été modifiée hors de Keystep",
    notice_copy_changed_body: "La copie de {target} n’est plus la version écrite par Keystep ; Keystep n’y écrira donc plus. Vérifiez qui l’a modifiée.",
    sandbox: "bac à sable",
    expires_in: Plural {
        one: "expire dans 1 jour",
        other: "expire dans {n} jours",
    },
    expires_today: "expire aujourd’hui",
    expired: Plural {
        one: "expirée depuis 1 jour",
        other: "expirée depuis {n} jours",
    },
    dies_unused: "expire après {days} jours sans usage — dernier usage {ago}",
    dies_unused_never: "expire après {days} jours sans usage",
};

/// The sentences in `lang`.
pub fn words(lang: Lang) -> &'static Words {
    match lang {
        Lang::En => &EN,
        Lang::Fr => &FR,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each sentence of `w` with its name, in declaration order.
    fn all(w: &Words) -> Vec<(&'static str, &'static str)> {
        let p = |name, p: Plural| [(name, p.one), (name, p.other)];
        let mut out = vec![
            ("tray_empty", w.tray_empty),
            ("tray_checking", w.tray_checking),
            ("checked_ago", w.checked_ago),
            ("status_ok", w.status_ok),
            ("status_limited", w.status_limited),
            ("status_needs_relink", w.status_needs_relink),
            ("status_unknown", w.status_unknown),
            ("status_wrong_tenant", w.status_wrong_tenant),
            ("status_rejected", w.status_rejected),
            ("ago_now", w.ago_now),
            ("ago_minutes", w.ago_minutes),
            ("ago_hours", w.ago_hours),
            ("menu_check_all", w.menu_check_all),
            ("menu_add", w.menu_add),
            ("menu_open", w.menu_open),
            ("menu_quit", w.menu_quit),
            ("notice_worse", w.notice_worse),
            ("notice_better", w.notice_better),
            ("notice_open", w.notice_open),
            ("still_running_title", w.still_running_title),
            ("still_running_body", w.still_running_body),
            ("paused_title", w.paused_title),
            ("paused_keychain", w.paused_keychain),
            ("paused_storage", w.paused_storage),
            ("paused_host", w.paused_host),
            ("notice_copy_changed", w.notice_copy_changed),
            ("notice_copy_changed_body", w.notice_copy_changed_body),
            ("sandbox", w.sandbox),
            ("expires_today", w.expires_today),
            ("dies_unused", w.dies_unused),
            ("dies_unused_never", w.dies_unused_never),
        ];
        out.extend(p("tray_ok", w.tray_ok));
        out.extend(p("tray_attention", w.tray_attention));
        out.extend(p("tray_attention_short", w.tray_attention_short));
        out.extend(p("ago_days", w.ago_days));
        out.extend(p("expires_in", w.expires_in));
        out.extend(p("expired", w.expired));
        out
    }

    fn placeholders(s: &str) -> Vec<&str> {
        let mut out: Vec<&str> = s
            .split('{')
            .skip(1)
            .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
            .collect();
        out.sort_unstable();
        out
    }

    #[test]
    fn every_language_has_every_sentence_with_the_same_placeholders() {
        let english = all(words(Lang::En));
        for lang in Lang::ALL {
            for ((name, en), (_, text)) in english.iter().zip(all(words(lang))) {
                assert!(!text.trim().is_empty(), "{lang}: {name} is empty");
                assert_eq!(
                    placeholders(en),
                    placeholders(text),
                    "{lang}: {name} must use the placeholders of the English"
                );
            }
        }
        assert_ne!(
            words(Lang::Fr).menu_quit,
            words(Lang::En).menu_quit,
            "French is not a copy of English"
        );
    }

    #[test]
    fn plurals_pick_by_count() {
        let days = words(Lang::Fr).ago_days;
        assert_eq!(days.of(1), "il y a 1 jour");
        assert_eq!(days.of(3), "il y a 3 jours");
        assert_eq!(words(Lang::En).tray_ok.of(0), "0 accounts OK");
    }
}

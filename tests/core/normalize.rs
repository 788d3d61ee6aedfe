//! Property tests: the normalizers never panic, and a subdomain that passes is always one
//! DNS label, whatever was pasted.

use keystep_core::input::{
    is_dns_label, normalize_identifier, normalize_subdomain, normalize_token,
};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn subdomain_output_is_always_one_label(raw in ".{0,80}") {
        if let Ok((label, _)) = normalize_subdomain(&raw, "namely.com") {
            prop_assert!(is_dns_label(&label), "{raw:?} gave {label:?}");
        }
    }

    #[test]
    fn url_shaped_subdomains_stay_labels(
        scheme in "(https?://)?",
        label in "[a-zA-Z0-9-]{0,70}",
        rest in "(\\.namely\\.com)?(\\.[a-z]{1,8})?(:[0-9]{1,5})?(/[ -~]{0,20})?",
    ) {
        let raw = format!("{scheme}{label}{rest}");
        if let Ok((out, _)) = normalize_subdomain(&raw, "namely.com") {
            prop_assert!(is_dns_label(&out), "{raw:?} gave {out:?}");
            prop_assert!(!out.contains('.') && !out.contains('/'), "{raw:?} gave {out:?}");
        }
    }

    #[test]
    fn tokens_come_out_clean_or_not_at_all(raw in "\\PC{0,64}|[ \\t\\n\"'a-zA-Z0-9]{0,64}") {
        if let Ok((t, _)) = normalize_token(&raw) {
            prop_assert!(!t.is_empty(), "an accepted token is not empty");
            prop_assert!(!t.chars().any(char::is_whitespace), "no whitespace in {t:?}");
        }
        let _ = normalize_identifier(&raw);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// Whatever is typed into a choice box, the result is one of its options or a refusal.
    #[test]
    fn choices_come_out_as_an_option_or_not_at_all(raw in "\\PC{0,24}|[ \"]*(?i:production|sandbox)[ \"\\n]*") {
        let cat = crate::support::catalogue();
        let hibob = cat.get("hibob").expect("hibob");
        let field = hibob.field("environment").expect("environment");
        if let Ok((value, _)) = keystep_core::input::normalize_choice(&raw, field) {
            prop_assert!(
                field.options.iter().any(|o| o.value == value),
                "{raw:?} gave {value:?}"
            );
        }
    }

    /// Whatever is pasted into HiBob's two boxes, parsing never panics, and an accepted pair
    /// never has a colon in the Basic-auth user name or the same value twice.
    #[test]
    fn hibob_pairs_are_safe_for_basic_auth(id in "[ -~]{0,50}", token in "[ -~]{0,60}") {
        if let Ok(creds) = crate::support::parse(
            "hibob",
            &[("service_user_id", &id), ("service_user_token", &token)],
        ) {
            let user = creds.value("service_user_id").unwrap_or_default();
            prop_assert!(!user.contains(':'), "{id:?} reached Basic auth with a colon");
            prop_assert_ne!(Some(user), creds.value("service_user_token"), "one value twice");
        }
    }
}

//! What the guides tell a person where vendor sources corrected them
//! (`shared/research/review-providers-3.md`): the shipped provider files, read as the window
//! and the command line show them, in English and in French; and the evidence pages' labels.

use keystep_core::lang::Lang;
use keystep_core::provider::Provider;
use keystep_emulator::PAYFIT_SCOPES;

use crate::support::catalogue;

/// `company:read`, `payroll:read` and `contracts:write` were in the guide although no PayFit
/// source has them (docs/providers/payfit.md, "Removed"): an admin was told to tick boxes
/// PayFit does not show. Every scope the checklist, `permissions.required` and each purpose
/// name must be one the emulator's own list, written from PayFit's sources, holds.
#[test]
fn payfit_asks_only_for_scopes_payfit_issues() {
    let cat = catalogue();
    let payfit = cat.get("payfit").expect("PayFit is shipped");
    let mut asked: Vec<(String, &str)> = payfit
        .permissions
        .required
        .iter()
        .map(|s| ("permissions.required".to_string(), s.as_str()))
        .collect();
    for step in &payfit.steps {
        asked.extend(
            step.checklist
                .iter()
                .map(|s| (format!("step {}", step.id), s.as_str())),
        );
    }
    for purpose in &payfit.purposes {
        asked.extend(
            purpose
                .permissions
                .iter()
                .map(|s| (format!("purpose {}", purpose.id), s.as_str())),
        );
    }
    let invented: Vec<&(String, &str)> = asked
        .iter()
        .filter(|(_, s)| !PAYFIT_SCOPES.contains(s))
        .collect();
    assert!(
        invented.is_empty(),
        "the PayFit guide asks for scopes PayFit does not issue: {invented:?}"
    );
    assert!(
        payfit.permissions.unconfirmed.is_empty(),
        "no PayFit scope the guide asks for is in doubt any more: {:?}",
        payfit.permissions.unconfirmed
    );
}

/// PayFit's own page names the tab "API access" ("the API access tab from the integrations
/// configuration page"); the guide, the refusal's advice and the revoke text said "API page".
#[test]
fn payfit_names_the_api_access_tab() {
    let cat = catalogue();
    let payfit = cat.get("payfit").expect("shipped");
    for p in [payfit.clone(), payfit.localized(Lang::Fr)] {
        let step = p
            .steps
            .iter()
            .find(|s| s.id == "open-keys")
            .expect("the step that opens the keys");
        let texts = [
            step.body.as_str(),
            step.link_label.as_deref().unwrap_or_default(),
            p.revoke.as_str(),
        ];
        for text in texts {
            assert!(
                text.contains("API access"),
                "PayFit's tab by its name: {text}"
            );
        }
        for text in p.texts().iter().map(|(_, t)| t) {
            assert!(
                !text.contains("API page") && !text.contains("page API"),
                "no \"API page\" left: {text}"
            );
        }
    }
}

/// HiBob's `full` purpose asks for what a permission group offers, in Bob's words: the
/// time-off request permission as HiBob's changelog names it, not a label Keystep made up,
/// and not the retired personal token's "Employee fields: edit".
#[test]
fn hibob_full_asks_for_bobs_time_off_requests_and_no_retired_token_scope() {
    let cat = catalogue();
    let hibob = cat.get("hibob").expect("shipped");
    let bob = "People's data › Time off › Requests › Create, edit all fields, and cancel people's requests that haven't been approved yet";
    let checklist: Vec<&String> = hibob.steps.iter().flat_map(|s| &s.checklist).collect();
    let full = &hibob.purpose("full").expect("a full purpose").permissions;
    for (what, names) in [
        ("the checklist", checklist.clone()),
        ("the full purpose", full.iter().collect()),
        (
            "permissions.required",
            hibob.permissions.required.iter().collect(),
        ),
    ] {
        assert!(
            names.iter().any(|n| *n == bob),
            "{what} names Bob's own time-off request permission: {names:?}"
        );
        assert!(
            !names
                .iter()
                .any(|n| n.contains("Request time off for selected employees")
                    || n.contains("Employee fields")),
            "{what} holds no invented label and no retired token scope: {names:?}"
        );
    }
    assert!(
        hibob.permissions.unconfirmed.is_empty(),
        "every item has a source, so none is shown as not confirmed: {:?}",
        hibob.permissions.unconfirmed
    );
}

/// Humaans' Admins cannot see Compensation and Documents by default, and a token sees only
/// what its creator's role sees: the `full` purpose, the one that asks for those scopes,
/// says which role the creator needs, in English and in French.
#[test]
fn humaans_full_says_the_creator_needs_a_role_that_sees_compensation_and_documents() {
    let cat = catalogue();
    let humaans = cat.get("humaans").expect("shipped");
    let summary = |p: &Provider| p.purpose("full").expect("a full purpose").summary.clone();
    let en = summary(humaans);
    assert!(
        en.contains("a role that can see Compensation and Documents")
            && en.contains("Admins cannot by default"),
        "full says what the creator's role needs: {en}"
    );
    let fr = summary(&humaans.localized(Lang::Fr));
    assert!(
        fr.contains("un rôle qui voit Compensation et Documents")
            && fr.contains("les Admins de Humaans ne les voient pas"),
        "and says it in French: {fr}"
    );
    let read = humaans.purpose("read").expect("a read purpose");
    assert!(
        !read
            .permissions
            .iter()
            .any(|p| p.starts_with("compensations") || p.starts_with("documents")),
        "read needs neither, so it says nothing of the role: {:?}",
        read.permissions
    );
}

/// Namely's help centre advises against Administrator tokens; its developer documentation
/// recommends a dedicated administrator "Integrations User" profile. The guide says they
/// disagree instead of calling one of them Namely's advice.
#[test]
fn namely_says_its_own_texts_disagree_on_administrator_tokens() {
    let cat = catalogue();
    let namely = cat.get("namely").expect("shipped");
    let en = &namely.prerequisite;
    assert!(
        en.contains("disagree on Administrator tokens")
            && en.contains("help centre advises against them")
            && en.contains("developer documentation suggests a dedicated administrator"),
        "both of Namely's texts, side by side: {en}"
    );
    let fr = namely.localized(Lang::Fr).prerequisite;
    assert!(
        fr.contains("se contredisent")
            && fr.contains("centre d’aide")
            && fr.contains("documentation pour les développeurs"),
        "in French too: {fr}"
    );
    for p in [namely.clone(), namely.localized(Lang::Fr)] {
        for (path, text) in p.texts() {
            for one_sided in [
                "Namely advises against tokens from Administrators",
                "as Namely itself recommends",
                "which is why Namely advises",
                "Namely déconseille les jetons créés par des Administrators",
                "comme Namely le recommande",
                "c’est pourquoi Namely conseille",
            ] {
                assert!(
                    !text.contains(one_sided),
                    "{path} presents one side as Namely's: {text}"
                );
            }
        }
    }
}

/// Every fact on an evidence page carries one of the project's three labels, first in its
/// Label cell: vendor, secondary or inferred ("confirmed" was renamed "vendor": it said who
/// vouches, not how sure anyone is). A row that states no provider fact may say "—".
#[test]
fn every_evidence_row_is_labelled_vendor_secondary_or_inferred() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/providers");
    let mut pages = 0;
    let mut rows = 0;
    let mut wrong = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("docs/providers is readable") {
        let path = entry.expect("a directory entry").path();
        if path.extension().is_none_or(|e| e != "md") || path.ends_with("README.md") {
            continue;
        }
        pages += 1;
        let text = std::fs::read_to_string(&path).expect("an evidence page is text");
        let mut labelled = false;
        for line in text.lines() {
            let cells: Vec<&str> = line.trim().split('|').map(str::trim).collect();
            if !line.trim_start().starts_with('|') || cells.len() < 3 {
                labelled = false;
                continue;
            }
            let last = cells[cells.len() - 2];
            if cells.contains(&"Label") {
                labelled = last == "Label";
                continue;
            }
            if !labelled || last.starts_with("---") {
                continue;
            }
            rows += 1;
            let first = last
                .split(|c: char| !c.is_alphabetic() && c != '—')
                .find(|w| !w.is_empty())
                .unwrap_or_default();
            if !["vendor", "secondary", "inferred", "—"].contains(&first) {
                wrong.push(format!("{}: {line}", path.display()));
            }
        }
    }
    assert!(
        pages >= 5,
        "the first five providers' pages are read: {pages}"
    );
    assert!(rows >= 90, "their tables are found: {rows} rows");
    assert!(
        wrong.is_empty(),
        "labels other than vendor, secondary or inferred:\n{}",
        wrong.join("\n")
    );
}

//! Every guide of the ten providers issue 22 added, opened in the real window in light and
//! dark: each shows its provider's name and its own first step, and Factorial's (a key that
//! never expires and reaches everything) says so before the steps. The pictures go to
//! `docs/screenshots/guide-<id>-<theme>.png` when the test command asks for them.

use keystep_core::provider::Catalogue;
use keystep_emulator::Emulator;

use crate::driver::{Sandbox, Session};

/// The providers issue 22 added, in the picker's order of work.
const NEW: [&str; 10] = [
    "bamboohr",
    "greenhouse",
    "personio",
    "ashby",
    "lever",
    "workable",
    "factorial",
    "rippling",
    "deel",
    "teamtailor",
];

#[tokio::test]
async fn every_new_guide_opens_with_its_own_first_step_in_light_and_dark() {
    let Some(sandbox) = Sandbox::new() else {
        return;
    };
    let catalogue = Catalogue::embedded().expect("the shipped providers load");
    let emu = Emulator::start();
    for (theme, env) in [
        ("light", vec![]),
        ("dark", vec![("GTK_THEME", "Adwaita:dark")]),
    ] {
        let s = Session::start_with(&sandbox, &emu, &env).await;
        for id in NEW {
            let provider = catalogue
                .get(id)
                .unwrap_or_else(|| panic!("{id} is a shipped provider"));
            s.wait_for("#add-account").await;
            s.click("#add-account").await;
            s.click(&format!("button[data-provider=\"{id}\"]")).await;
            s.wait_for_text("#guide-title", &provider.name).await;
            let first = &provider.steps.first().expect("a guide has steps").title;
            s.wait_for_text("#guide-steps", first).await;
            assert_eq!(
                s.displayed("#guide-full-access").await,
                provider.lifetime.full_access(),
                "{id}: the full-access warning shows exactly for a key that reaches everything"
            );
            // The steps are the guide: the picture starts at them, below the bar on top.
            s.eval(
                "const top = document.querySelector('.steps-head').getBoundingClientRect().top;\
                 window.scrollBy({top: top - 72, behavior: 'instant'}); return true;",
            )
            .await;
            s.screenshot(&format!("guide-{id}-{theme}")).await;
            s.click("#crumbs a, #crumbs button").await;
        }
        s.end().await;
    }
}

//! What a test does to the page through a session: waits for an element and reads it,
//! clicks and types, moves the focus with the keyboard, runs a script, takes a screenshot.
//! Apart from `driver.rs`, which starts and ends the session, because these are the
//! suite's vocabulary: many helpers, each short, that every test uses.

use std::path::Path;
use std::time::{Duration, Instant};

use fantoccini::Locator;

use super::{Session, PATIENCE, TAB};

impl Session {
    /// Waits for `css` to match a visible element.
    pub async fn wait_for(&self, css: &str) -> fantoccini::elements::Element {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Ok(el) = self.client.find(Locator::Css(css)).await {
                if el.is_displayed().await.unwrap_or(false) {
                    return el;
                }
            }
            if Instant::now() > deadline {
                let src = self.client.source().await.unwrap_or_default();
                let body = src.find("<body").map_or(src.as_str(), |at| &src[at..]);
                let body: String = body.chars().take(4000).collect();
                panic!("`{css}` did not appear within {PATIENCE:?}; page body: {body}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits for at least one match, then counts the matches.
    pub async fn wait_all(&self, css: &str) -> usize {
        self.wait_for(css).await;
        self.client
            .find_all(Locator::Css(css))
            .await
            .map(|v| v.len())
            .unwrap_or(0)
    }

    /// Waits until the text of `css` contains `needle`.
    pub async fn wait_for_text(&self, css: &str, needle: &str) {
        let deadline = Instant::now() + PATIENCE;
        while !self.try_text(css).await.is_some_and(|t| t.contains(needle)) {
            assert!(Instant::now() < deadline, "`{css}` never showed “{needle}”");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// The text of `css` now, or `None` if it is missing or was re-rendered mid-read (the
    /// UI replaces a card when its account changes, which makes a found element stale).
    async fn try_text(&self, css: &str) -> Option<String> {
        self.client
            .find(Locator::Css(css))
            .await
            .ok()?
            .text()
            .await
            .ok()
    }

    /// Waits until nothing matches `css`.
    pub async fn wait_for_none(&self, css: &str) {
        let deadline = Instant::now() + PATIENCE;
        while self.count(css).await > 0 {
            assert!(Instant::now() < deadline, "`{css}` never went away");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Whether `css` matches an element that is displayed right now (false when none).
    pub async fn displayed(&self, css: &str) -> bool {
        match self.client.find(Locator::Css(css)).await {
            Ok(el) => el.is_displayed().await.unwrap_or(false),
            Err(_) => false,
        }
    }

    /// How many elements match right now.
    pub async fn count(&self, css: &str) -> usize {
        self.client
            .find_all(Locator::Css(css))
            .await
            .map(|v| v.len())
            .unwrap_or(0)
    }

    /// From home, links `provider` with `fields` through the guide's form and returns the
    /// result's state (`success`/`error`), error code and message.
    pub async fn link(
        &self,
        provider: &str,
        fields: &[(&str, &str)],
    ) -> (String, Option<String>, String) {
        // After Done the list shows the new account, scrolled to it: #add-account may sit
        // under the sticky header, where a click would land on the header instead.
        self.scroll_to("#add-account").await;
        self.click("#add-account").await;
        self.click(&format!("button[data-provider=\"{provider}\"]"))
            .await;
        for (key, value) in fields {
            self.type_into(&format!("form#credentials input[name=\"{key}\"]"), value)
                .await;
        }
        self.click("button#connect").await;
        self.wait_for("#result[data-state=\"success\"], #result[data-state=\"error\"]")
            .await;
        let state = self.attr("#result", "data-state").await.unwrap_or_default();
        let code = self.attr("#result", "data-code").await;
        (state, code, self.text("#result-message").await)
    }

    /// Clicks the element once it is visible.
    pub async fn click(&self, css: &str) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            match self.wait_for(css).await.click().await {
                Ok(()) => return,
                // Redrawn between finding and clicking (the node found is gone), or not laid
                // out yet (a card out of view is laid out at the next frame: content-visibility):
                // a person would click what is drawn a moment later, so find it again.
                Err(e) => assert!(
                    Instant::now() < deadline && not_yet_clickable(&e),
                    "click {css}: {e} ({e:?})"
                ),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Types into an input once it is visible.
    pub async fn type_into(&self, css: &str, text: &str) {
        let el = self.wait_for(css).await;
        el.clear()
            .await
            .unwrap_or_else(|e| panic!("clear {css}: {e}"));
        el.send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("type into {css}: {e}"));
    }

    /// The visible text of an element.
    pub async fn text(&self, css: &str) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let el = self.wait_for(css).await;
            match el.text().await {
                Ok(text) => return text,
                // Re-rendered between finding and reading: find it again.
                Err(e) => assert!(Instant::now() < deadline, "text of {css}: {e}"),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// An attribute of an element.
    pub async fn attr(&self, css: &str, name: &str) -> Option<String> {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let el = self.wait_for(css).await;
            match el.attr(name).await {
                Ok(value) => return value,
                Err(e) => assert!(Instant::now() < deadline, "attr {name} of {css}: {e}"),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// An input's current value (the property, which typing and the page change; the
    /// attribute keeps the markup's).
    pub async fn value(&self, css: &str) -> String {
        self.wait_for(css).await;
        let script = "const n = document.querySelector(arguments[0]); return n ? n.value : '';";
        self.client
            .execute(script, vec![serde_json::Value::String(css.to_string())])
            .await
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    }

    /// Asserts that neither the page source nor any input's current value holds a secret.
    pub async fn assert_page_lacks(&self, secrets: &[&str]) {
        let source = self.client.source().await.expect("page source");
        let values = self
            .client
            .execute("return Array.from(document.querySelectorAll('input,textarea')).map(e => e.value).join('\\n')", vec![])
            .await
            .expect("input values");
        let values = values.as_str().unwrap_or_default().to_string();
        for s in secrets {
            assert!(
                !source.contains(s),
                "a secret is in the page source after submission"
            );
            assert!(
                !values.contains(s),
                "a secret is still in an input after submission"
            );
        }
    }

    /// Saves a PNG of the window under `KEYSTEP_SCREENSHOT_DIR`, if set.
    pub async fn screenshot(&self, name: &str) {
        let Some(dir) = std::env::var_os("KEYSTEP_SCREENSHOT_DIR") else {
            return;
        };
        // WebKit may hand back the last painted frame; wait until two frames have been
        // painted after the DOM change so the picture matches what the assertions saw.
        let _ = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];\
                 requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(done, 150)));",
                vec![],
            )
            .await;
        let png = tokio::time::timeout(Duration::from_secs(10), self.client.screenshot())
            .await
            .expect("screenshot in time")
            .expect("screenshot");
        std::fs::create_dir_all(&dir).expect("screenshot folder");
        std::fs::write(Path::new(&dir).join(format!("{name}.png")), png).expect("write screenshot");
    }

    /// Presses keys on whatever has the focus, as a keyboard would (WebDriver key codes:
    /// [`TAB`], [`ENTER`], [`ESCAPE`], [`SHIFT`]; text types itself).
    pub async fn press(&self, keys: &str) {
        let focused = self
            .client
            .active_element()
            .await
            .expect("something has the focus");
        focused
            .send_keys(keys)
            .await
            .expect("keys reach the focused element");
    }

    /// What has the focus: "TAG|id|name|data-provider|data-action|text".
    pub async fn focused(&self) -> String {
        let script = "const a = document.activeElement; if (!a) return ''; \
            return [a.tagName, a.id, a.getAttribute('name') || '', a.dataset.provider || '', \
            a.dataset.action || '', (a.textContent || '').trim().slice(0, 40)].join('|');";
        self.client
            .execute(script, vec![])
            .await
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    }

    /// Presses Tab until the focus is on what `wanted` accepts, at most `max` times, and
    /// fails naming the stops it made: proof that the control is reachable by keyboard.
    pub async fn tab_to(&self, wanted: impl Fn(&str) -> bool, max: usize, what: &str) {
        let mut stops = Vec::new();
        for _ in 0..max {
            self.press(TAB).await;
            let now = self.focused().await;
            if wanted(&now) {
                return;
            }
            stops.push(now);
        }
        panic!("{what} is not reachable with Tab; the focus went through {stops:#?}");
    }

    /// Waits until the focus is on what `wanted` accepts.
    pub async fn wait_for_focus(&self, wanted: impl Fn(&str) -> bool, what: &str) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let now = self.focused().await;
            if wanted(&now) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the focus never reached {what}; it is on {now}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// What `script` (a function body that `return`s) gives, as JSON; `Null` if it fails.
    pub async fn eval(&self, script: &str) -> serde_json::Value {
        self.client
            .execute(script, vec![])
            .await
            .unwrap_or(serde_json::Value::Null)
    }

    /// Scrolls `css` into the middle of the window (for a screenshot of it).
    pub async fn scroll_to(&self, css: &str) {
        let el = self.wait_for(css).await;
        let arg = serde_json::to_value(&el).expect("an element serializes");
        let _ = self
            .client
            .execute("arguments[0].scrollIntoView({block: 'center'});", vec![arg])
            .await;
    }
}

/// Whether a WebDriver error says the element found is no longer in the page (WebKit's
/// words, and the standard's "stale element reference") or cannot take a click yet.
fn not_yet_clickable(error: &fantoccini::error::CmdError) -> bool {
    error.is_element_not_interactable()
        || error.is_stale_element_reference()
        || error.to_string().contains("was not found")
}

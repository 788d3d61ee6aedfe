// Test-only driver for the Keystep UI. Mounts ui/index.html into this page
// (stub.js has already defined window.__TAURI__), imports ui/app.js, then runs
// the scenario named by location.hash (see `scenarios` below; tests/ui/browse.mjs runs
// axe-core on each and takes the screenshots), or #selftest: every flow with assertions,
// printed as "ok - …" lines and "N passed, N failed".
//
// When done it sets <body data-harness="done">. Everything here drives the UI through
// the DOM, the way a person would (click, type, submit, Escape).

import { midSentence } from "../../ui/lib/wording.js";
import { firstRun } from "./firstrun.js";
import { pickerChecks } from "./picker.js";
import { walkthrough } from "./walkthrough.js";

const violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  violations.push(`${event.violatedDirective}: ${event.blockedURI || "inline"}`);
});

const sleep = (ms) => new Promise((resolve) => window.setTimeout(resolve, ms));
const $ = (selector, root = document) => root.querySelector(selector);
const $$ = (selector, root = document) => Array.from(root.querySelectorAll(selector));

async function until(predicate, what, timeout = 5000) {
  const start = Date.now();
  for (;;) {
    let value = false;
    try {
      value = predicate();
    } catch {
      value = false;
    }
    if (value) return value;
    if (Date.now() - start > timeout) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** The text a person reads in `node` without opening a "Details" disclosure. */
function outsideDetails(node) {
  const copy = node.cloneNode(true);
  for (const d of copy.querySelectorAll("details")) d.remove();
  return copy.textContent;
}

function visibleView() {
  const shown = $$("[data-view]").filter((view) => !view.hidden);
  return shown.length === 1 ? shown[0].dataset.view : `${shown.length} views visible`;
}

let runs = 0;

async function mount() {
  await window.__stubReady;
  const response = await fetch("../../ui/index.html");
  const html = await response.text();
  const parsed = new DOMParser().parseFromString(html, "text/html");
  // The app's stylesheets, in index.html's order (once: a restart keeps them).
  const sheets = [];
  for (const sheet of parsed.querySelectorAll('link[rel="stylesheet"]')) {
    const href = `../../ui/${sheet.getAttribute("href")}`;
    if (document.querySelector(`link[href="${href}"]`)) continue;
    const link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = href;
    sheets.push(new Promise((resolve) => link.addEventListener("load", resolve, { once: true })));
    document.head.append(link);
  }
  await Promise.all(sheets);
  document.title = parsed.title;
  // A fresh page: its body carries none of the last run's start-up marks.
  delete document.body.dataset.started;
  delete document.body.dataset.shownEarly;
  delete document.body.dataset.ready;
  document.body.replaceChildren(...Array.from(parsed.body.childNodes).map((node) => document.adoptNode(node)));
  // Where this start's page begins, for the checks that measure what moves on it.
  performance.mark("harness-mounted");
  // A new URL is a new module instance: app.js boots again, like a relaunch. (The modules
  // it imports are shared, which is fine: boot resets lib/state.js, where the UI keeps its
  // state, and sets the language; each view mounts again on the new markup.)
  await import(runs === 0 ? "../../ui/app.js" : `../../ui/app.js?run=${runs}`);
  runs += 1;
}

async function homeLoaded() {
  await until(() => $("#home-loading").hidden && !($("#accounts").hidden && $("#home-empty").hidden && $("#home-error").hidden), "home loaded");
  // As a person's first click would, the test's first event comes once the page listens.
  await until(() => window.__stubListens("accounts-changed"), "the page listening to the backend");
}

/** "Restart Keystep": the stub starts again from `query`'s seed, the UI from a fresh page. */
async function restart(query) {
  window.__stubRestart(query);
  await mount();
  await homeLoaded();
}

function card(id) {
  return $$("#accounts [data-account-id]").find((node) => node.dataset.accountId === id) || null;
}

function calls(command) {
  return window.__stubCalls.filter((c) => c.command === command);
}

function lastCall(command) {
  return calls(command).pop();
}

function pressKey(key, target = document.activeElement) {
  target.dispatchEvent(new KeyboardEvent("keydown", { key, bubbles: true, cancelable: true }));
}

/** Enter in a one-line form: implicit submission. */
function pressEnter(input) {
  input.form.requestSubmit();
}

function secretNowhere(secret) {
  return !document.documentElement.outerHTML.includes(secret) && !$$("input").some((i) => i.value.includes(secret));
}

function click(selector) {
  const node = typeof selector === "string" ? $(selector) : selector;
  if (!node) throw new Error(`nothing to click at ${selector}`);
  node.click();
}

function type(selector, value) {
  const input = typeof selector === "string" ? $(selector) : selector;
  if (!input) throw new Error(`no input ${selector}`);
  input.focus();
  input.value = value;
  input.dispatchEvent(new Event("input", { bubbles: true }));
}

const field = (name) => $(`form#credentials [name="${name}"]`);

async function toPicker() {
  await homeLoaded();
  click("#add-account");
  await until(() => $('button[data-provider="humaans"]'), "provider cards");
}

async function toGuide(provider = "humaans") {
  await toPicker();
  click(`button[data-provider="${provider}"]`);
  await until(() => visibleView() === "guide", "guide view");
}

async function submitForm(values) {
  for (const [name, value] of Object.entries(values)) type(field(name), value);
  click("button#connect");
}

async function connectWith(token, provider = "humaans", more = {}) {
  await toGuide(provider);
  const secret = $$("form#credentials input[name]").find((input) => input.dataset.secret === "true");
  await submitForm({ ...more, [secret.name]: token });
}

async function waitResult() {
  await until(() => visibleView() === "result" && $("#result").dataset.state, "result");
}

async function toAccount(id) {
  await homeLoaded();
  click($(`[data-account-id="${id}"] [data-action="details"]`));
  await until(() => visibleView() === "account" && !$("#history-loading").hidden === false && $("#history-rows").childElementCount + Number(!$("#history-empty").hidden) > 0, "account view");
}

// Named states of the window, for screenshots and axe (tests/ui/browse.mjs).
const scenarios = {
  async home() {
    await homeLoaded();
  },
  // The close question (no tray host): the dialog over the accounts.
  async "close-question"() {
    await homeLoaded();
    window.__stubEmit("close-asked", null);
    await until(() => $("#close-question").open, "the close question");
  },
  async confirm() {
    await homeLoaded();
    click($$('#accounts [data-account-id] [data-action="forget"]')[0]);
  },
  // ?seed=lifecycle&slow=check_account
  async checking() {
    await homeLoaded();
    click($('[data-account-id="acc-1"] [data-action="check"]'));
    await until(() => $('[data-account-id="acc-1"] .account-progress').textContent.length > 0, "a progress line");
  },
  async "check-all"() {
    await homeLoaded();
    click("#check-all");
    await until(() => $("#checks-running").textContent, "running indicator");
  },
  async "rename-error"() {
    await homeLoaded();
    click($('[data-account-id="acc-1"] [data-action="rename"]'));
    const input = $('[data-account-id="acc-1"] input[name="label"]');
    input.value = "";
    pressEnter(input);
    await until(() => !$('[data-account-id="acc-1"] .rename-form .field-error').hidden, "rename error");
  },
  async account() {
    await toAccount("acc-1");
  },
  async "account-limited"() {
    await toAccount("acc-2");
  },
  async "account-advice"() {
    await toAccount("acc-1");
    const select = $('#account-body select[data-action="purpose"]');
    select.value = "read";
    select.dispatchEvent(new Event("change"));
    await until(() => $(".least-privilege", $("#account-body")), "least-privilege advice");
    $(".least-privilege", $("#account-body")).scrollIntoView({ block: "center" });
  },
  async relink() {
    await homeLoaded();
    click($('[data-account-id="acc-4"] [data-action="relink"]'));
    await until(() => visibleView() === "guide", "relink guide");
  },
  async relinked() {
    await homeLoaded();
    click($('[data-account-id="acc-2"] [data-action="relink"]'));
    await until(() => visibleView() === "guide", "relink guide");
    await submitForm({ service_user_token: "new-token-abcdefgh1234" });
    await waitResult();
  },
  async "already-linked"() {
    await connectWith("dupe-token-1234567890");
    await waitResult();
  },
  async forgotten() {
    await homeLoaded();
    click($('[data-account-id="acc-2"] [data-action="forget"]'));
    click($('[data-account-id="acc-2"] .confirm [data-action="confirm-forget"]'));
    await until(() => $("#revoke-steps"), "revoke steps");
  },
  async picker() {
    await toPicker();
  },
  async "picker-search"() {
    await toPicker();
    type("#provider-search", "recruit");
  },
  async "picker-none"() {
    await toPicker();
    type("#provider-search", "zzz");
  },
  async guide() {
    await toGuide("namely");
  },
  async "guide-step"() {
    await toGuide("humaans");
    click($('#guide-steps > li.is-current [data-action="step-next"]'));
    click($('#guide-steps > li.is-current [data-action="step-next"]'));
  },
  async form() {
    await toGuide("namely");
    type(field("subdomain"), "https://acme.namely.com/people");
    type(field("access_token"), "  Bearer good-token-1234567890 ");
    await until(() => !$('[data-field="access_token"] .field-note').hidden, "notes");
    field("access_token").scrollIntoView({ block: "center" });
  },
  async "form-errors"() {
    await toGuide("hibob");
    await submitForm({ service_user_id: "SERVICE-1", service_user_token: "SERVICE-1" });
    await until(() => !$("#form-errors").hidden, "error summary");
  },
  async connecting() {
    await connectWith("slow-token-1234567890");
    await until(() => $("#credentials-fieldset").disabled, "connecting");
    $("#credentials").scrollIntoView({ block: "center" });
  },
  async cancelled() {
    await scenarios.connecting();
    click("#connect-cancel");
    $("#credentials").scrollIntoView({ block: "center" });
  },
  async success() {
    await connectWith("  good-extra-token-1234567890");
    await waitResult();
  },
  async "error-bad"() {
    await connectWith("nope-0000");
    await waitResult();
  },
  async "error-missing"() {
    await connectWith("missing-scope-token");
    await waitResult();
  },
  async "error-rate"() {
    await connectWith("rate-limited", "namely", { subdomain: "acme" });
    await waitResult();
  },
  async "error-tenant"() {
    await connectWith("tenant-token-123", "namely", { subdomain: "acme-typo" });
    await waitResult();
  },
  async "error-unreachable"() {
    await connectWith("down-token-123", "payfit");
    await waitResult();
  },
  async settings() {
    await homeLoaded();
    click("#open-settings");
    await until(() => visibleView() === "settings" && $("#settings-loading").hidden, "settings");
  },
  async "settings-error"() {
    await scenarios.settings();
    $("#setting-interval").value = "500";
    $("#settings-form").requestSubmit();
    await until(() => !$("#setting-interval-error").hidden, "interval error");
  },
  selftest,
};

// ---------------------------------------------------------------------------
// Self-test: every flow, with assertions.

async function selftest() {
  const results = [];
  const check = (name, condition, detail = "") => results.push({ name, ok: Boolean(condition), detail });
  const step = async (name, fn) => {
    // Where the self-test got to, for tests/ui/run.sh to say if no report ever comes.
    document.documentElement.dataset.harnessStep = name;
    try {
      await fn();
    } catch (err) {
      results.push({ name: `${name} (threw)`, ok: false, detail: String(err && err.stack ? err.stack : err) });
    }
  };
  const active = () => document.activeElement;
  const describe = (node) => (node ? node.outerHTML.slice(0, 120) : String(node));

  await step("home", async () => {
    await homeLoaded();
    check("only the home view is visible", visibleView() === "home", visibleView());
    check("every view root has data-view", ["home", "account", "picker", "guide", "result", "settings"].every((v) => $(`[data-view="${v}"]`)));
    check("empty state shown without accounts", !$("#home-empty").hidden && $("#accounts").hidden);
    check("#add-account is a visible button", $("#add-account").tagName === "BUTTON" && $("#add-account").offsetParent !== null);
    check("no Check all without accounts", $("#check-all").hidden);
    check("live region exists", $('[aria-live="polite"]'));
    check("header, nav and main exist", $("header") && $("nav") && $("main"));
    check("the language is English by default here", document.documentElement.lang === "en" && $("#home-title").textContent === "Connected accounts");
    // An empty book needs no provider's words: the guides wait for the picker.
    check("get_settings asked, and no guide for an empty book", Boolean(lastCall("get_settings")) && calls("list_providers").length === 0, `list_providers asked ${calls("list_providers").length} times`);
    $("#add-account").focus();
    await until(() => calls("list_providers").length === 1, "the guides asked as Add account is focused");
    check("the picker's guides are asked as the focus reaches Add account, in the language shown", JSON.stringify(lastCall("list_providers").args) === JSON.stringify({ lang: "en" }), JSON.stringify(lastCall("list_providers")));
    $("#add-account").blur();
  });

  await step("picker", async () => {
    click("#add-account");
    await until(() => $('button[data-provider="humaans"]'), "cards");
    check("only the picker view is visible", visibleView() === "picker", visibleView());
    check("focus on the search box", active() === $("#provider-search"), describe(active()));
    const fixtures = window.__stubCatalogue.en;
    const recruiting = fixtures.filter((p) => p.category === "ats").map((p) => p.id);
    check("every provider from the fixtures", $$("#providers button[data-provider]").length === fixtures.length, String(fixtures.length));
    const humaans = $('button[data-provider="humaans"]');
    check("a card shows name, kind and permissions", /Humaans/.test(humaans.textContent) && /API token/.test(humaans.textContent) && /Permissions to tick/.test(humaans.textContent), humaans.textContent);
    check("JazzHR is under Recruiting", /Recruiting/.test($('button[data-provider="jazzhr"]').closest("section").textContent));
    type("#provider-search", "recruit");
    check("search narrows the list to recruiting systems", $$("#providers button[data-provider]").map((b) => b.dataset.provider).join() === recruiting.join(), $$("#providers button[data-provider]").map((b) => b.dataset.provider).join());
    check("the count is announced", $("#provider-count").getAttribute("role") === "status" && new RegExp(`${recruiting.length} systems? match`).test($("#provider-count").textContent), $("#provider-count").textContent);
    type("#provider-search", "zzz");
    check("no match says so", /No system matches “zzz”/.test($("#provider-count").textContent));
    pressKey("Escape", $("#provider-search"));
    check("Escape clears the search", $("#provider-search").value === "" && $$("#providers button[data-provider]").length === fixtures.length);
  });

  await step("a key with full access is said before the guide", async () => {
    const humaans = window.__stubCatalogue.en.find((p) => p.id === "humaans");
    const kept = humaans.lifetime;
    humaans.lifetime = { rule: "no_expiry", full_access: true };
    await restart("");
    await toGuide("humaans");
    const note = $("#guide-full-access");
    check("the callout comes before the steps and names keystep run", !note.hidden && /keystep run/.test(note.textContent) && Boolean(note.compareDocumentPosition($("#guide-steps")) & Node.DOCUMENT_POSITION_FOLLOWING), note.textContent);
    humaans.lifetime = kept;
    await restart("");
    await toGuide("humaans");
    check("a provider whose keys can be narrowed has none", $("#guide-full-access").hidden);
    await restart("");
    click("#add-account");
    await until(() => $('button[data-provider="humaans"]'), "cards");
  });

  await step("guide", async () => {
    click('button[data-provider="humaans"]');
    await until(() => visibleView() === "guide", "guide");
    check("focus on guide heading", active() === $("#guide-title"));
    check("prerequisite shown up front", !$("#guide-prerequisite").hidden && Boolean($("#guide-prerequisite").compareDocumentPosition($("#guide-steps")) & Node.DOCUMENT_POSITION_FOLLOWING));
    check("steps are an ol with 4 items", $$("#guide-steps > li").length === 4);
    check("progress says Step 1 of 4", $("#step-progress").textContent === "Step 1 of 4" && $("#step-progress").getAttribute("aria-live") === "polite");
    const first = $("#guide-steps > li");
    check("the first step is current", first.getAttribute("aria-current") === "step" && first.classList.contains("is-current"));
    click($('[data-action="step-next"]', first));
    const second = $$("#guide-steps > li")[1];
    check("Next moves on: Step 2 of 4, focus on its heading", $("#step-progress").textContent === "Step 2 of 4" && second.getAttribute("aria-current") === "step" && active() === $(".step-title", second), describe(active()));
    check("the first step is marked done", first.classList.contains("is-done") && /\(done\)/.test($(".step-title", first).textContent));
    click($('[data-action="step-previous"]', second));
    check("Previous goes back", $("#step-progress").textContent === "Step 1 of 4" && active() === $(".step-title", first));
    const choice = $("#guide-purpose");
    check("what the key is for comes before the guide, read preselected", choice && Boolean(choice.compareDocumentPosition($("#guide-steps")) & Node.DOCUMENT_POSITION_FOLLOWING) && $('input[value="read"]', choice).checked && $$('input[name="purpose"]', choice).length >= 2);
    check("each purpose says in one sentence what it allows", $$(".purpose-option .field-help", choice).every((p) => p.textContent.trim().length > 20));
    const readList = () => $$("#guide-steps .checklist li").map((li) => li.textContent.trim());
    check("for read, the checklist holds read's boxes only, as the screen labels them", JSON.stringify(readList()) === JSON.stringify(["View public data (public:read)", "View public and private data (private:read)"]), JSON.stringify(readList()));
    click($('input[value="full"]', choice));
    check("for full, every box of the guide", readList().length === 8 && readList().some((n) => n === "Manage webhooks (webhooks:manage)"), JSON.stringify(readList()));
    click($('input[value="read"]', $("#guide-purpose")));
    check("and back to read", readList().length === 2);
    const scopes = $$("#guide-steps > li").find((li) => $(".checklist", li));
    check("scopes are a checklist with a Copy button", scopes && /private:read/.test(scopes.textContent) && $('[data-action="copy-list"]', scopes));
    click($('[data-action="copy-list"]', scopes));
    await until(() => $(".checklist-actions .inline-note", scopes).textContent, "copy note");
    check("copy reports what happened", /Copied|Couldn't copy/.test($(".checklist-actions .inline-note", scopes).textContent));
    check("the shown-once warning is there", /only once/i.test($("#guide-steps").textContent));
    const linkStep = $$("#guide-steps > li").find((li) => $('[data-action="open-link"]', li));
    click($('[data-action="open-link"]', linkStep));
    await until(() => lastCall("open_guide_link"), "open_guide_link");
    check("open_guide_link gets {provider, step} only", JSON.stringify(lastCall("open_guide_link").args) === JSON.stringify({ provider: "humaans", step: linkStep.dataset.step }), JSON.stringify(lastCall("open_guide_link").args));
    check("opening a step's page makes it current", linkStep.classList.contains("is-current"));

    const input = field("api_token");
    check("secret input attributes", input.type === "password" && input.getAttribute("autocomplete") === "off" && input.getAttribute("spellcheck") === "false");
    check("input has its label", $(`label[for="${input.id}"]`) && $(`label[for="${input.id}"]`).textContent === "API token");
    check("placeholder is the example", /^e\.g\. /.test(input.placeholder), input.placeholder);
    const help = document.getElementById((input.getAttribute("aria-describedby") || "").split(" ")[0]);
    check("help text tied with aria-describedby", help && help.classList.contains("field-help"));
    const toggle = $(".reveal");
    toggle.click();
    check("Show reveals", input.type === "text" && toggle.getAttribute("aria-pressed") === "true" && toggle.textContent === "Hide");
    toggle.click();
    check("Hide hides", input.type === "password" && toggle.getAttribute("aria-pressed") === "false");
  });

  await step("inline validation", async () => {
    type(field("api_token"), "  Bearer good-token-1234567890 ");
    await until(() => !$('[data-field="api_token"] .field-note').hidden, "note");
    const note = $('[data-field="api_token"] .field-note');
    check("the clean-up is shown as you type", /We removed spaces or line breaks around it and “Bearer” in front of it\./.test(note.textContent), note.textContent);
    check("the note is tied to the input", field("api_token").getAttribute("aria-describedby").split(" ").includes(note.id));
    const sent = lastCall("preview_fields");
    check("preview_fields gets {provider, fields}", JSON.stringify(sent.args) === JSON.stringify({ provider: "humaans", fields: { api_token: "<secret:31>" } }), JSON.stringify(sent.args));
    type(field("api_token"), "abc def");
    await until(() => !$('[data-field="api_token"] .field-error').hidden, "inner space");
    check("a problem shows on the field while typing", /space or line break in the middle/.test($('[data-field="api_token"] .field-error').textContent) && field("api_token").getAttribute("aria-invalid") === "true");
  });

  await step("nothing sent for a bad value", async () => {
    const before = calls("link_account").length;
    type(field("api_token"), "");
    click("button#connect");
    await until(() => !$("#form-errors").hidden, "error summary");
    check("the error summary is focused", active() === $("#form-errors"), describe(active()));
    check("it names the problem and links to the field", /Paste your API token to continue/.test($("#form-errors").textContent) && $("#form-errors a").getAttribute("href") === `#${field("api_token").id}`);
    check("link_account was not called", calls("link_account").length === before);
    click($("#form-errors a"));
    check("the link focuses the field", active() === field("api_token"));
  });

  await step("bad credentials", async () => {
    type(field("api_token"), "wrong-token-000");
    click("button#connect");
    await until(() => $("#credentials-fieldset").disabled, "busy");
    check("form disabled while connecting", $("#credentials-fieldset").disabled && $("#connect").getAttribute("aria-disabled") === "true");
    check("status names what happens", /Checking the key with Humaans…|Reading|Checking/.test($("#connect-status-text").textContent), $("#connect-status-text").textContent);
    check("Cancel is offered, Back is not", !$("#connect-cancel").hidden && $("#guide-back").hidden);
    await until(() => $("#connect-status-text").textContent !== "Checking the key with Humaans…" || visibleView() === "result", "a progress line");
    const line = $("#connect-status-text").textContent;
    const doing = JSON.parse(JSON.stringify(window.__stubCalls)).length && line;
    check("progress lines come from the provider's checks", visibleView() === "result" || line.length > 0, doing);
    await waitResult();
    check("error state and code", $("#result").dataset.state === "error" && $("#result").dataset.code === "bad_credentials");
    check("heading from the code", $("#result-title").textContent === "The key was not accepted", $("#result-title").textContent);
    check("the provider's own advice", /Humaans did not accept this token/.test($("#result-message").textContent), $("#result-message").textContent);
    check("a next step", /What to do:/.test($("#result-body").textContent));
    const detailsNode = $("#result-body details");
    check("the backend's message in Details", detailsNode && /bad_credentials/.test(detailsNode.textContent) && detailsNode.querySelector("[lang=en]"));
    check("the result opens with the focus on its heading, Try again next in Tab order", active() === $("#result-title") && !$("#retry").hidden, describe(active()));
    check("secret cleared after failure", field("api_token").value === "");
    check("link_account args", JSON.stringify(lastCall("link_account").args) === JSON.stringify({ provider: "humaans", fields: { api_token: "<secret:15>" }, purpose: "read" }), JSON.stringify(lastCall("link_account").args));
    const show = $("#result-show-step");
    check("the relevant step is offered", !show.hidden && /See step 4: /.test(show.textContent), show.textContent);
    click(show);
    await until(() => visibleView() === "guide", "guide");
    const current = $("#guide-steps > li.is-current");
    check("the step is re-opened and focused", current === $$("#guide-steps > li")[3] && active() === $(".step-title", current) && $("#step-progress").textContent === "Step 4 of 4");
  });

  await step("missing permission", async () => {
    type(field("api_token"), "missing-1");
    click("button#connect");
    await waitResult();
    check("missing_permission code", $("#result").dataset.code === "missing_permission");
    check("the missing scope listed in the provider's words", /This token is missing public:read/.test($("#result-message").textContent) && $("#result-body .missing-list code"), $("#result-message").textContent);
    check("the scopes step is offered", /See step 3/.test($("#result-show-step").textContent));
    // Taller than the window: opening on its last button scrolled the headline away.
    const headerBottom = $(".app-header").getBoundingClientRect().bottom;
    const title = $("#result-title").getBoundingClientRect();
    check(
      "a result taller than the window opens at its top: the headline shows below the header, focused",
      document.documentElement.scrollHeight > window.innerHeight && window.scrollY === 0 && title.top >= headerBottom && title.bottom <= window.innerHeight && active() === $("#result-title"),
      `scrollY ${window.scrollY}, page ${document.documentElement.scrollHeight} in ${window.innerHeight}, title ${Math.round(title.top)}–${Math.round(title.bottom)} under a header ending at ${Math.round(headerBottom)}, focus ${describe(active())}`,
    );
    click("#retry");
    await until(() => visibleView() === "guide", "guide");
    check("Try again focuses the key field", active() === field("api_token"));
    check("with the step marked", $("#guide-steps > li.is-current") === $$("#guide-steps > li")[2]);
  });

  await step("rate limited", async () => {
    type(field("api_token"), "rate-1");
    click("button#connect");
    await waitResult();
    check("rate_limited code", $("#result").dataset.code === "rate_limited");
    check("when to retry", /in 30 seconds/.test($("#result-body").textContent + $("#result-message").textContent));
    click("#retry");
    await until(() => visibleView() === "guide", "guide");
  });

  await step("cancel", async () => {
    type(field("api_token"), "slow-token-1234567890");
    click("button#connect");
    await until(() => $("#credentials-fieldset").disabled, "busy");
    click("#connect-cancel");
    check("Cancel returns to the form", !$("#credentials-fieldset").disabled && visibleView() === "guide" && $("#connect-cancel").hidden);
    check("and says the account may still appear", !$("#connect-cancelled").hidden && /appears in your accounts list/.test($("#connect-cancelled").textContent));
    check("focus on the form heading", active() === $("#credentials-title"));
    check("the secret is cleared", field("api_token").value === "" || secretNowhere("slow-token-1234567890"));

    type(field("api_token"), "late-token-1234567890");
    click("button#connect");
    await until(() => $("#credentials-fieldset").disabled, "busy");
    pressKey("Escape", field("api_token"));
    check("Escape cancels too", !$("#credentials-fieldset").disabled);
    await sleep(2200);
    check("the late result is ignored: still on the form", visibleView() === "guide");
    check("it was linked anyway, and that is announced", /finished and the key worked/.test($("#announcer").textContent), $("#announcer").textContent);
  });

  await step("success", async () => {
    type(field("api_token"), "  good-extra-token-1234567890");
    click("button#connect");
    await waitResult();
    check("success state", $("#result").dataset.state === "success" && !$("#result").dataset.code);
    check("the provider's success line", $("#result-message").textContent === "Connected to Acme Ltd (42 people)", $("#result-message").textContent);
    check("localized clean-up notes", /API token: We removed spaces or line breaks around it\./.test($("#result-body").textContent));
    check("stored_in shown", /Secret Service/.test($("#result-body").textContent));
    check("granted ✓ with their names", $$("#result-body .perm-granted").length >= 1);
    check("link_account was told the purpose", lastCall("link_account").args.purpose === "read", JSON.stringify(lastCall("link_account").args.purpose));
    const advice = $(".least-privilege", $("#result-body"));
    check("least-privilege advice: which boxes to untick, in the screen's words, for the purpose", advice && /untick these in Humaans/.test(advice.textContent) && /“Read only”/.test(advice.textContent) && /View compensations \(compensations:read\)/.test(advice.textContent), advice && advice.textContent);
    check("extra is never a failure", $("#result").dataset.state === "success");
    check("the success opens with the focus on its heading", active() === $("#result-title"), describe(active()));
    check("secret cleared after success", field("api_token").value === "");
    click("#done");
    await until(() => visibleView() === "home" && $$("#accounts [data-account-id]").length === 2, "home with two accounts");
    const item = $("#accounts [data-account-id]");
    check("a card shows provider, label, sentence, chip, fingerprint, key age", /Humaans/.test(item.textContent) && /Acme Ltd/.test(item.textContent) && /42 people/.test(item.textContent) && $(".chip-ok", item) && /Key …7890/.test(item.textContent) && /Key created today/.test(item.textContent) && /checked just now/.test(item.textContent), item.textContent);
    check("and when it is checked next", /next check in 5 h|next check in 6 h/.test(item.textContent), item.textContent);
    const handle = $(".account-handle", item);
    check("a card shows the handle, small, beside the provider, in its own case", handle && handle.textContent === "humaans-acme-ltd" && handle.closest(".account-provider") && getComputedStyle(handle).textTransform === "none", item.textContent);
    check("Check all appears", !$("#check-all").hidden);
    check("after Done, the focus is on the new account's card", active().classList.contains("account-new") && /Acme Ltd/.test(active().textContent), describe(active()));
  });

  await step("forget", async () => {
    const item = $("#accounts [data-account-id]");
    const forget = $('[data-action="forget"]', item);
    forget.click();
    check("confirm panel opens, focus on Cancel", $(".confirm", item) && active().textContent === "Cancel");
    pressKey("Escape");
    check("Escape closes it, focus back on Forget", !$(".confirm", item) && active() === forget);
    forget.click();
    click($('.confirm [data-action="confirm-forget"]', item));
    await until(() => $("#revoke-steps"), "revoke");
    const revoke = $("#revoke-steps");
    check("revoke steps are a checklist with the provider's text", $$('input[type="checkbox"]', revoke).length >= 1 && /API access tokens/.test(revoke.textContent) && $$("label", revoke).length === $$('input[type="checkbox"]', revoke).length);
    check("focus on the revoke heading", active() === $("h2", revoke));
    click("#revoke-dismiss");
    check("dismissed", !$("#revoke-steps") && active() === $("#home-title"));
  });

  await step("link anyway", async () => {
    await toGuide("payfit");
    type(field("api_key"), "missing-anyway-0000000001");
    click("button#connect");
    await waitResult();
    check("missing_permission offers to link anyway", $("#result").dataset.code === "missing_permission" && !$("#link-anyway").hidden);
    const refusal = lastCall("link_account");
    const held = (await import("../../ui/lib/state.js")).state.linkAnyway;
    check("the window keeps no key for Link anyway: only the id of the one the backend holds", held && /^pending-/.test(held.pending) && !JSON.stringify(held).includes("missing-anyway-0000000001") && !("fields" in held), JSON.stringify(held));
    click("#link-anyway");
    await until(() => $("#result").dataset.state === "success", "limited link");
    check("Link anyway sends only that id, and no second link_account", JSON.stringify(lastCall("link_pending").args) === JSON.stringify({ id: held.pending }) && lastCall("link_account") === refusal, JSON.stringify(lastCall("link_pending")));
    check("not offered twice", $("#link-anyway").hidden);
    check("no secret in the page", !document.body.innerHTML.includes("missing-anyway-0000000001"));
    click("#done");
    const payfit = () => $$("#accounts [data-account-id]").find((c) => /PayFit/.test(c.textContent));
    await until(() => visibleView() === "home" && payfit(), "the PayFit card");
    check("the account is listed as limited", /limited|missing/i.test(payfit().textContent), payfit().textContent);
  });

  await step("namely: the address cleaned up", async () => {
    await toGuide("namely");
    type(field("subdomain"), "https://acme.namely.com/people");
    await until(() => !$('[data-field="subdomain"] .field-note').hidden, "note");
    check("removed https://, the path and .namely.com", /We removed “https:\/\/” in front of it, the page path after it,? and “\.namely\.com”\./.test($('[data-field="subdomain"] .field-note').textContent), $('[data-field="subdomain"] .field-note').textContent);
    type(field("access_token"), "tenant-token-1234567890");
    click("button#connect");
    await waitResult();
    check("wrong_tenant names the typed company", $("#result").dataset.code === "wrong_tenant" && /acme\.namely\.com/.test($("#result-message").textContent), $("#result-message").textContent);
    click("#retry");
    await until(() => visibleView() === "guide", "guide");
    check("non-secret kept on retry, as cleaned when the person left it", field("subdomain").value === "acme", field("subdomain").value);
    check("secret cleared", field("access_token").value === "");
  });

  await step("hibob: two boxes and a choice", async () => {
    await toGuide("hibob");
    const select = field("environment");
    check("a choice field is a select with its default", select.tagName === "SELECT" && select.value === "production");
    type(field("service_user_id"), "SERVICE-1");
    type(field("service_user_token"), "SERVICE-1");
    click("button#connect");
    await until(() => !$("#form-errors").hidden, "summary");
    check("same value in two boxes is caught before sending", /hold the same value/.test($("#form-errors").textContent) && active() === $("#form-errors"));
  });

  await step("settings", async () => {
    click("#open-settings");
    await until(() => visibleView() === "settings" && $("#settings-loading").hidden, "settings");
    check("focus on the settings heading", active() === $("#settings-title"));
    check("values from get_settings", $("#setting-interval").value === "6" && $("#setting-notifications").checked && !$("#setting-login").checked && $("#setting-rotation").value === "" && $("#setting-language").value === "system");
    check("every control has a label", $$("#settings-form input, #settings-form select").every((c) => $(`label[for="${c.id}"]`)));
    $("#setting-interval").value = "0";
    $("#settings-form").requestSubmit();
    await until(() => !$("#setting-interval-error").hidden, "error");
    check("an out-of-range interval is refused on the field", $("#setting-interval").getAttribute("aria-invalid") === "true" && active() === $("#setting-interval") && !lastCall("save_settings"));
    $("#setting-interval").value = "12";
    $("#setting-rotation").value = "90";
    $("#setting-login").checked = true;
    $("#setting-language").value = "fr";
    $("#settings-form").requestSubmit();
    await until(() => document.documentElement.lang === "fr" && $("#settings-status").textContent, "French");
    check(
      "save_settings gets every setting",
      JSON.stringify(lastCall("save_settings").args) === JSON.stringify({ settings: { check_interval_hours: 12, notifications: true, start_at_login: true, rotation_reminder_days: 90, language: "fr", when_closed: "ask" } }),
      JSON.stringify(lastCall("save_settings").args),
    );
    check("French at once", $("#settings-title").textContent === "Réglages" && $("#settings-status").textContent === "Réglages enregistrés." && $("#home-title").textContent === "Comptes connectés");
    await until(() => JSON.stringify(lastCall("list_providers").args) === JSON.stringify({ lang: "fr" }), "French providers");
    check("providers asked in French", true);
    click($("#crumbs button"));
    await homeLoaded();
    click("#add-account");
    await until(() => $('button[data-provider="hibob"]') && /RH et paie/.test($("#providers").textContent), "French picker");
    check("the picker speaks French", /Autorisations à cocher/.test($('button[data-provider="hibob"]').textContent));
    click("#open-settings");
    await until(() => visibleView() === "settings" && $("#settings-loading").hidden, "settings");
    $("#setting-language").value = "en";
    $("#settings-form").requestSubmit();
    await until(() => document.documentElement.lang === "en" && $("#settings-status").textContent, "English again");
    check("back to English", $("#settings-status").textContent === "Settings saved.");
  });

  await lifecycle(check, step);

  await step("French from the start", async () => {
    await restart("?lang=fr&accounts=3");
    check("home in French", document.documentElement.lang === "fr" && $("#home-title").textContent === "Comptes connectés" && /Tout vérifier/.test($("#check-all").textContent));
    check("status chips in French", /Ne fonctionne plus/.test(card("acc-3").textContent) && /Permissions manquantes/.test(card("acc-2").textContent), card("acc-3").textContent);
    check("key age in French", /Clé vieille de 40 jours/.test(card("acc-1").textContent), card("acc-1").textContent);
    check("every static text is from the locale", $$("[data-i18n]").every((n) => n.textContent.trim() && !/^[a-z_]+\.[a-z_.]+$/.test(n.textContent)));
    await restart("?seed=lifecycle&lang=fr");
    await until(() => !$("#notice").hidden && $("#notice .notice-start"), "the start-up notice");
    const said = outsideDetails($("#notice"));
    check("the damaged-list notice in French, from its code", /La liste de comptes de Keystep était endommagée\. Elle a été conservée sous le nom accounts\.json\.damaged-1700000000, et 1 compte a été reconstruit/.test(said) && !/was damaged|rebuilt from/.test(said), said);
  });

  await step("host overrides banner", async () => {
    check("no banner without overrides", $("#host-overrides").hidden && lastCall("list_host_overrides"));
    await restart("?overrides=1&accounts=1");
    await until(() => !$("#host-overrides").hidden, "the banner");
    const text = () => $("#host-overrides").textContent;
    check("the banner names each overridden host and where it goes", /Test addresses in use/.test(text()) && /Humaans \(api\): http:\/\/127\.0\.0\.1:4010\/humaans\/api/.test(text()) && /Namely \(api\): https:\/\/\{subdomain\}\.staging\.example\/api\/v1/.test(text()), text());
    check("it belongs to no view and cannot be dismissed", !$("#host-overrides").closest("[data-view]") && !$("#host-overrides button"));
    click("#open-settings");
    await until(() => visibleView() === "settings", "settings");
    check("still shown on another view", $("#host-overrides").offsetParent !== null);
    await restart("?overrides=1&lang=fr");
    await until(() => !$("#host-overrides").hidden, "the banner in French");
    check("worded in French", /Adresses de test en service/.test(text()) && /Humaans \(api\)\u00a0: http/.test(text()), text());
  });

  await firstRun({ check, step, $, $$, click, type, until, restart, visibleView, calls, lastCall, pressKey, homeLoaded, toPicker, toGuide, waitResult, field, connectWith, toAccount, midSentence });
  await pickerChecks({ check, step, $, $$, click, type, until, restart, visibleView, pressKey, homeLoaded, toPicker });
  await walkthrough({ check, step, $, $$, click, type, until, restart, visibleView, calls, lastCall, pressKey, homeLoaded, toPicker, toGuide, waitResult, field, connectWith, toAccount });

  check("no CSP violations", violations.length === 0, violations.join("; "));
  check(
    "no secret in the DOM",
    ["good-token-1234567890", "good-extra-token-1234567890", "wrong-token-000", "late-token-1234567890", "tenant-token-1234567890", "new-token-abcdefgh1234", "dupe-token-9876543210", "other-token-xyz98765"].every(secretNowhere),
  );

  const report = document.createElement("pre");
  report.id = "harness-report";
  const passed = results.filter((r) => r.ok).length;
  const failed = results.length - passed;
  report.textContent = results.map((r) => `${r.ok ? "ok" : "not ok"} - ${r.name}${r.ok || !r.detail ? "" : ` :: ${r.detail}`}`).join("\n") + `\n${passed} passed, ${failed} failed\n`;
  document.body.append(report);

}

// ---------------------------------------------------------------------------
// Self-test, part two: the account lifecycle, after "restarting" Keystep with a
// lived-in account list (stub seed "lifecycle").

async function lifecycle(check, step) {
  const active = () => document.activeElement;

  await step("startup reconcile", async () => {
    await restart("?seed=lifecycle");
    await until(() => $$("#accounts [data-account-id]").length === 5, "five accounts");
    await until(() => !$("#notice").hidden, "notice");
    const timeline = window.__stubTimeline;
    const at = (what) => timeline.indexOf(what);
    check(
      "get_settings, list_host_overrides and list_accounts are all asked before the first answer",
      at("asked list_accounts") >= 0 && at("asked list_host_overrides") >= 0 && at("asked list_accounts") < at("answered get_settings") && at("asked list_host_overrides") < at("answered get_settings"),
      timeline.join(", "),
    );
    // Every provider's words are the largest answer: the first view must not wait for them.
    check("the guides are asked only once the accounts have answered, so drawing the cards never waits for them", at("answered list_accounts") >= 0 && at("answered list_accounts") < at("asked list_providers"), timeline.join(", "));
    const commands = window.__stubCalls.map((c) => c.command);
    check("reconcile_accounts runs once, after list_accounts", commands.filter((c) => c === "reconcile_accounts").length === 1 && commands.indexOf("reconcile_accounts") > commands.indexOf("list_accounts"), commands.join(","));
    check("notice shows the backend's notice and the count", /account list was damaged/.test($("#notice").textContent) && /1 account lost its key from the keychain\. Relink it\./.test($("#notice").textContent));
    const said = outsideDetails($("#notice"));
    check("the notice is worded from its code; the system's words only in Details", /It was kept as accounts\.json\.damaged-1700000000, and 1 account was rebuilt from your keychain: check it/.test(said) && !/not valid JSON/.test(said) && /not valid JSON/.test($("#notice details").textContent), said);
    const orphans = $$("#orphans [data-orphan-id]");
    check("#orphans lists both", orphans.length === 2 && orphans[0].dataset.orphanId === "orph-1");
  });

  await step("last use on the cards", async () => {
    await until(() => $(".card-time-used", card("acc-1")), "acc-1's last use");
    check("list_last_uses is asked after list_accounts answered", window.__stubTimeline.indexOf("asked list_last_uses") > window.__stubTimeline.indexOf("answered list_accounts"), window.__stubTimeline.join(", "));
    check("the card says when and by what the key was last used", /used 3 h ago by sync\.py/.test($(".card-time-used", card("acc-1")).textContent), $(".account-meta", card("acc-1")).textContent);
    check("a card used by an AI assistant says which, and when", /used by Claude Desktop, 2 min ago/.test($(".card-time-used_by_assistant", card("acc-2")).textContent), $(".account-meta", card("acc-2")).textContent);
    check("an account never used says nothing of use", !$(".card-time-used", card("acc-2")));
  });

  await step("account cards", async () => {
    const cards = $$("#accounts [data-account-id]");
    const actions = (node) => $$("[data-action]", node).map((b) => b.dataset.action);
    check("every card offers check, details, rename, relink and forget", cards.every((node) => ["check", "details", "rename", "relink", "forget"].every((a) => actions(node).includes(a))));
    check(
      "every action is a button described by the account's name",
      cards.every((node) => $$("[data-action]", node).every((b) => b.tagName === "BUTTON" && b.type === "button" && document.getElementById(b.getAttribute("aria-describedby")) === $(".account-label", node))),
    );
    check("key age", /Key 40 days old/.test(card("acc-1").textContent), card("acc-1").textContent);
    check("last checked", /checked 3 min ago/.test(card("acc-1").textContent));
    check("rotation reminder chip", $(".chip-rotation", card("acc-2")) && /Time to rotate/.test(card("acc-2").textContent));
    check("expiry warning chip, in days (core's key life)", $(".chip-expiry", card("acc-5")) && /Expires in 20 days/.test(card("acc-5").textContent), card("acc-5").textContent);
    check("a sandbox account is labelled", $(".chip-sandbox", card("acc-2")) && /Sandbox/.test(card("acc-2").textContent) && !$(".chip-sandbox", card("acc-1")));
    const { lifeInfo } = await import("../../ui/views/account-card.js");
    const now = Math.floor(Date.now() / 1000);
    const dies = lifeInfo(/** @type {any} */ ({ life: { state: "dies_unused", days: 30, last_used_at: now - 3 * 86400, dies_at: now + 27 * 86400, soon: false } }));
    check("a key that dies unused says so, with its last use", dies !== null && dies.text === "Dies if unused for 30 days — last used 3 days ago" && dies.tone === "neutral", JSON.stringify(dies));
    check("an expiry far away goes unsaid", lifeInfo(/** @type {any} */ ({ life: { state: "expires", at: now + 300 * 86400, days_left: 300, soon: false } })) === null);
    check("Couldn't check is its own state, not red", $(".chip-unknown", card("acc-4")) && /Couldn't check/.test(card("acc-4").textContent) && !$(".chip-error", card("acc-4")));
    check("a passing trouble is a note with the next try", /The last check couldn't get an answer \(Too many requests for now\)\./.test(card("acc-5").textContent) && /tries again in \d+ min/.test(card("acc-5").textContent), card("acc-5").textContent);
    check("limited names what is missing", /missing Payroll \(view\)/.test(card("acc-2").textContent));
    const lost = card("acc-3");
    const first = $(".account-actions button", lost);
    check("a needs_relink card leads with a primary Relink", first.dataset.action === "relink" && first.textContent === "Relink" && first.classList.contains("btn-primary"));
  });

  await step("remove orphan", async () => {
    const button = $('[data-orphan-id="orph-1"] [data-action="remove-orphan"]');
    button.focus();
    button.click();
    await until(() => !$('[data-orphan-id="orph-1"]'), "orphan removed");
    check("remove_orphan gets {id}", JSON.stringify(lastCall("remove_orphan").args) === JSON.stringify({ id: "orph-1" }));
    check("focus moves to the next orphan", active() === $('[data-orphan-id="orph-2"] button'));
  });

  await step("check now", async () => {
    const before = card("acc-1");
    const button = $('[data-action="check"]', before);
    button.focus();
    button.click();
    await until(() => before.getAttribute("aria-busy") === "true", "busy");
    check("busy: the button says Checking… and keeps focus", button.textContent === "Checking…" && button.getAttribute("aria-disabled") === "true" && active() === button);
    const progress = $(".account-progress", before);
    check("busy: a status line", progress.getAttribute("role") === "status" && progress.textContent.length > 0);
    await until(() => !card("acc-1").hasAttribute("aria-busy"), "check done");
    check("check_account gets {id}", JSON.stringify(lastCall("check_account").args) === JSON.stringify({ id: "acc-1" }));
    check("focus on the fresh card's Check now", active() === $('[data-action="check"]', card("acc-1")));
    window.__stubFailNext("check_account", { code: "keychain_unavailable", message: "Keystep could not open your system keychain." });
    $('[data-action="check"]', card("acc-1")).click();
    await until(() => !$(".account-error", card("acc-1")).hidden, "check error");
    check("a failed check says why, from the code", /couldn't open your system keychain/.test($(".account-error", card("acc-1")).textContent));
  });

  await step("check all", async () => {
    click("#check-all");
    await until(() => $("#check-all").getAttribute("aria-disabled") === "true", "running");
    check("running indicator", /checking your accounts/.test($("#checks-running").textContent) && !$("#check-all-spinner").hidden);
    check("check_all_accounts gets {}", JSON.stringify(lastCall("check_all_accounts").args) === "{}");
    await until(() => !$("#check-all").hasAttribute("aria-disabled"), "done");
    await until(() => /Working/.test(card("acc-4").textContent), "refreshed");
    check("accounts-changed redraws the list", !$(".chip-unknown", card("acc-4")));
  });

  await step("advice never contradicts the guide", async () => {
    for (const lang of ["en", "fr"]) {
      const locale = (await import(`../../ui/locales/${lang}.js`)).default;
      const providers = await window.__TAURI__.core.invoke("list_providers", { lang });
      check(`${lang}: every provider has its rules`, providers.every((p) => Object.prototype.hasOwnProperty.call(KEY_RULES, p.id)), providers.map((p) => p.id).join(","));
      for (const provider of providers) {
        const { codes, texts } = adviceTexts(provider, locale);
        const broken = texts.filter(([, text]) => typeof text === "string" && KEY_RULES[provider.id].some((rule) => rule.test(text)));
        check(`${lang}: ${provider.id}: no advice for any of ${codes.length} outcomes contradicts its guide`, codes.length >= 10 && broken.length === 0, JSON.stringify(broken));
      }
    }
  });

  await step("account detail and history", async () => {
    click($('[data-action="details"]', card("acc-1")));
    await until(() => visibleView() === "account" && $("#history-rows").childElementCount > 0, "history");
    check("focus on the account heading", active() === $("#account-title") && $("#account-title").textContent === "Acme Ltd");
    check("list_checks gets {id}", JSON.stringify(lastCall("list_checks").args) === JSON.stringify({ id: "acc-1" }));
    const rows = $$("#history-rows tr");
    check("history rows, newest first, with outcomes", rows.length >= 5 && /Working/.test(rows[0].textContent) && rows.some((r) => /Couldn't reach Humaans/.test(r.textContent)) && rows.some((r) => /documents:read/.test(r.textContent)), rows.map((r) => r.textContent).join(" | "));
    check("a table with headers and a caption", $("#history thead th[scope=col]") && $("#history caption"));
    check("facts: the handle", $$("#account-body .detail-row").some((row) => /Handle/.test(row.textContent) && $("code", row) && /^[a-z0-9-]+$/.test($("code", row).textContent)), $("#account-body").textContent);
    check("facts: key, age, next check, rotation", /Key age/.test($("#account-body").textContent) && /Next check/.test($("#account-body").textContent) && /every 180 days/.test($("#account-body").textContent));
    check("the permission checklist", $$("#account-body .perm-granted").length >= 1);
    await until(() => $("#use-runs").childElementCount > 0, "recent use");
    check("list_recent_use gets {id}", JSON.stringify(lastCall("list_recent_use").args) === JSON.stringify({ id: "acc-1" }));
    const uses = $$("#use-runs li").map((li) => li.textContent);
    check("recent use: each run, its requests, last answer and end", uses.length === 2 && /^sync\.py, 3 h ago · 12 requests · last answer 200 · still running$/.test(uses[0]) && /report\.py.*key in its environment.*exit status 0/.test(uses[1]) && $("#use-empty").hidden, uses.join(" | "));
    const handle = $("code", $$("#account-body .detail-row").find((row) => /Handle/.test(row.textContent)) || document.body);
    check("the line to copy names the account's handle", handle !== null && $("#use-run").textContent === `keystep run --account ${handle.textContent} -- python3 script.py` && /curl/.test($("#use-curl").textContent), $("#use-run").textContent);
    await until(() => $("#assistant-categories").childElementCount > 0, "the assistant section");
    check("get_assistant_setup gets {id}", JSON.stringify(lastCall("get_assistant_setup").args) === JSON.stringify({ id: "acc-1" }));
    check("Claude Desktop's snippet names keystep mcp and the handle", $("#assistant-choice").value === "claude-desktop" && /"mcpServers"/.test($("#assistant-snippet").textContent) && $("#assistant-snippet").textContent.includes(`"${handle.textContent}"`) && /Edit Config/.test($("#assistant-where").textContent), $("#assistant-snippet").textContent);
    $("#assistant-choice").value = "claude-code";
    $("#assistant-choice").dispatchEvent(new Event("change"));
    check("choosing Claude Code shows its command", /^claude mcp add --scope user keystep -- /.test($("#assistant-snippet").textContent) && /terminal/.test($("#assistant-where").textContent), $("#assistant-snippet").textContent);
    check("every sensitive category, none shared yet", $$("#assistant-categories input").length === 8 && $$("#assistant-categories input").every((b) => !b.checked));
    const birth = $('#assistant-categories input[data-category="date_of_birth"]');
    birth.checked = true;
    birth.dispatchEvent(new Event("change"));
    await until(() => lastCall("share_account_fields") && /now see Date of birth/.test($("#assistant-note").textContent), "shared");
    check("share_account_fields gets {id, category, shared}", JSON.stringify(lastCall("share_account_fields").args) === JSON.stringify({ id: "acc-1", category: "date_of_birth", shared: true }), JSON.stringify(lastCall("share_account_fields").args));
    check("the box stays ticked from the answer", $('#assistant-categories input[data-category="date_of_birth"]').checked);
    check("the references name each field", /keystep:\/\/[a-z0-9-]+\/api_token/.test($("#assistant-references").textContent), $("#assistant-references").textContent);
    const purposeSelect = $('#account-body select[data-action="purpose"]');
    check("the details say what the key is used for", purposeSelect && purposeSelect.value === "full" && /Used for/.test($("#account-body").textContent));
    purposeSelect.value = "read";
    purposeSelect.dispatchEvent(new Event("change"));
    await until(() => lastCall("set_account_purpose") && $(".least-privilege", $("#account-body")), "advice after a purpose change");
    check("set_account_purpose gets {id, purpose}", JSON.stringify(lastCall("set_account_purpose").args) === JSON.stringify({ id: "acc-1", purpose: "read" }), JSON.stringify(lastCall("set_account_purpose").args));
    check("the details show the least-privilege advice", /untick these in Humaans/.test($(".least-privilege", $("#account-body")).textContent));
    click($('#account-actions [data-action="check"]'));
    await until(() => $('#account-actions [data-action="check"]').textContent === "Check now" && $$("#history-rows tr").length === rows.length + 1, "checked again");
    check("Check now here adds a history row", true);
    click("#account-back");
    await until(() => visibleView() === "home", "home");
  });

  await step("backend events", async () => {
    window.__stubEmit("open-account", { id: "acc-5" });
    await until(() => visibleView() === "account" && $("#account-title").textContent === "Umbrella Corp", "open-account");
    check("open-account shows that account", true);
    check("its expiry date", /Expires/.test($("#account-body").textContent));
    window.__stubEmit("add-account", null);
    await until(() => visibleView() === "picker", "add-account");
    check("add-account opens the picker, its search box ready", active() === $("#provider-search"));
    window.__stubEmit("checks-running", { running: true });
    check("checks-running shows the indicator", $("#check-all").getAttribute("aria-disabled") === "true");
    window.__stubEmit("checks-running", { running: false });
    check("and clears it", !$("#check-all").hasAttribute("aria-disabled"));
    click($("#crumbs button"));
    await homeLoaded();
  });

  await step("rename", async () => {
    const node = card("acc-1");
    const renameButton = $('[data-action="rename"]', node);
    renameButton.click();
    let input = $('input[name="label"]', node);
    check("rename opens a labelled input, focused", input && active() === input && input.value === "Acme Ltd" && $(`label[for="${input.id}"]`));
    pressKey("Escape", input);
    check("Escape closes it, focus back on Rename", !$(".rename-form", node) && active() === renameButton);
    renameButton.click();
    input = $('input[name="label"]', node);
    input.value = "   ";
    pressEnter(input);
    await until(() => !$(".rename-form .field-error", node).hidden, "rename error");
    check("the error is inline and tied", input.getAttribute("aria-invalid") === "true" && /1 to 80 characters/.test($(".rename-form .field-error", node).textContent));
    input.value = "Acme HR";
    pressEnter(input);
    await until(() => card("acc-1") && !$(".rename-form", card("acc-1")) && $(".account-label", card("acc-1")).textContent === "Acme HR", "renamed");
    check("rename sends {id, label}", JSON.stringify(lastCall("rename_account").args) === JSON.stringify({ id: "acc-1", label: "Acme HR" }));
  });

  await step("replace key", async () => {
    click($('[data-action="relink"]', card("acc-4")));
    await until(() => visibleView() === "guide", "relink guide");
    check("relink heading", $("#guide-title").textContent === "Replace the key for Hooli Jobs", $("#guide-title").textContent);
    check("the provider's rotate warning before the steps", !$("#rotate-warning").hidden && Boolean($("#rotate-warning").compareDocumentPosition($("#guide-steps")) & Node.DOCUMENT_POSITION_FOLLOWING));
    click("#guide-back");
    await homeLoaded();
    click($('[data-action="relink"]', card("acc-2")));
    await until(() => visibleView() === "guide" && /Globex/.test($("#guide-title").textContent), "relink Globex");
    check("non-secret inputs pre-filled", field("service_user_id").value === "SERVICE-4412" && field("environment").value === "sandbox");
    check("the submit button says Replace key", $("button#connect").textContent === "Replace key");
    type(field("service_user_token"), "other-token-xyz98765");
    click("button#connect");
    await waitResult();
    check("wrong_tenant in relink mode", $("#result").dataset.code === "wrong_tenant" && $("#result").dataset.mode === "relink" && $("#result-title").textContent === "The key was not replaced" && /keeps its current key/.test($("#result-body").textContent));
    click("#retry");
    await until(() => visibleView() === "guide", "guide");
    type(field("service_user_id"), "");
    type(field("service_user_token"), "new-token-abcdefgh1234");
    click("button#connect");
    await waitResult();
    check("key replaced", $("#result").dataset.state === "success" && $("#result").dataset.mode === "relink" && $("#result-title").textContent === "Key replaced");
    check("a blank non-secret field is sent blank", JSON.stringify(lastCall("relink_account").args) === JSON.stringify({ id: "acc-2", fields: { service_user_id: "", service_user_token: "<secret:22>", environment: "sandbox" } }), JSON.stringify(lastCall("relink_account").args));
    const revoke = $("#revoke-steps");
    check("revoke the OLD key, told apart by fingerprint", revoke && /revoke the old key/i.test(revoke.textContent) && /…Pq92/.test(revoke.textContent) && /…1234/.test(revoke.textContent));
    click("#done");
    await until(() => visibleView() === "home" && /…1234/.test(card("acc-2").textContent), "home");
  });

  await step("already linked", async () => {
    await toGuide("humaans");
    check("a new link is in link mode again", $("#guide-title").textContent === "Connect Humaans" && $("#rotate-warning").hidden);
    type(field("api_token"), "dupe-token-9876543210");
    click("button#connect");
    await waitResult();
    check("already_linked", $("#result").dataset.code === "already_linked" && $("#result-title").textContent === "This account is already linked");
    const offer = $("#relink-existing");
    check("#relink-existing offers the existing account", !offer.hidden && offer.textContent === "Replace the key of Acme HR", offer.textContent);
    click(offer);
    await until(() => visibleView() === "guide" && $("#guide-title").textContent === "Replace the key for Acme HR", "relink");
    check("paste again, focus on the secret", !$("#paste-again").hidden && active() === field("api_token"));
    click("#guide-back");
    await homeLoaded();
  });

  await step("safe mode", async () => {
    await restart("?seed=safe");
    await until(() => $("#safe-mode"), "the safe-mode notice");
    check("safe mode says why, from its code", $("#safe-mode").dataset.reason === "too_new" && /newer version of Keystep/.test($("#safe-mode").textContent), $("#safe-mode").textContent);
    check("the accounts shown come from the keychain labels", /labels in your system keychain/.test($("#notice").textContent));
    check("no orphan is offered for removal", !$("#orphans"));
    check("the notice cannot be dismissed while it lasts", $("#notice-dismiss").hidden);
    check("nothing that changes anything is offered", $("#add-account").offsetParent === null && $$("#accounts [data-action]").every((b) => b.dataset.action === "details" || b.offsetParent === null));
    window.__stubEmit("add-account", null);
    await sleep(100);
    check("the tray's Add account does not open the picker", visibleView() === "home", visibleView());
  });

  await step("team stores: share, the copies, and Forget's question", async () => {
    await restart("?seed=lifecycle");
    click($('[data-action="details"]', card("acc-1")));
    await until(() => visibleView() === "account", "the account view");
    const section = () => $("#account-body section.copies");
    check("the account view has a Team stores section with Share", section() && /Team stores/.test(section().textContent) && $('form.share-form', section()) && /Share with your team's store/.test(section().textContent), $("#account-body").textContent);
    check("no copy yet says so", !$(".copies-empty", section()).hidden && /not shared with a team store yet/.test($(".copies-empty", section()).textContent));
    click($('[data-action="share"]', section()));
    check("an empty address is refused before anything is sent", !lastCall("push_account") && /Type where the copy goes/.test(section().textContent));
    type($('input[name="target"]', section()), "vault://vault.acme.internal:8200/secret/hr/humaans");
    type($('input[name="token"]', section()), "hvs.StubVaultToken0123456789");
    click($('[data-action="share"]', section()));
    await until(() => $('[data-target="vault://vault.acme.internal:8200/secret/hr/humaans"]', section() || document.body), "the copy listed");
    const sent = lastCall("push_account").args;
    check("push_account gets {id, target, token}, the token only as a secret", sent.id === "acc-1" && sent.target === "vault://vault.acme.internal:8200/secret/hr/humaans" && sent.token === "<secret:28>", JSON.stringify(sent));
    const copy = $('[data-target="vault://vault.acme.internal:8200/secret/hr/humaans"]', section());
    check("the copy shows its version, when confirmed and that it is up to date, and no 'none yet'", $(".copies-empty", section()).hidden && /Version 1/.test(copy.textContent) && /last confirmed/.test(copy.textContent) && /Up to date/.test(copy.textContent), copy.textContent);
    check("the token box is cleared and the token is nowhere in the page", $('input[name="token"]', section()).value === "" && secretNowhere("hvs.StubVaultToken0123456789"));
    // The list is drawn again when the backend says accounts changed: type into the form as it is then.
    await sleep(300);
    type($('input[name="target"]', section()), "aws-sm://eu-west-1/refuse/this");
    click($('[data-action="share"]', section()));
    await until(() => /did not accept Keystep's credentials/.test(section().textContent), "the refusal");
    check("a refusing store is worded by its code, and nothing is listed for it", !$('[data-target="aws-sm://eu-west-1/refuse/this"]', section()), section().textContent);
    await sleep(300);
    type($('input[name="target"]', section()), "aws-sm://eu-west-1/theirs/humaans");
    click($('[data-action="share"]', section()));
    await until(() => $('[data-target="aws-sm://eu-west-1/theirs/humaans"]', section() || document.body), "the second copy listed");
    click("#account-back");
    await until(() => visibleView() === "home", "home");
    click($('[data-action="forget"]', card("acc-1")));
    const panel = $(".confirm", card("acc-1"));
    const box = panel && $('input[data-copy="vault://vault.acme.internal:8200/secret/hr/humaans"]', panel);
    check("Forget asks about each copy, unticked", box && !box.checked && /Delete these copies too/.test(panel.textContent), panel && panel.textContent);
    // Replacing the key writes it to each copy: the result says how each one took it.
    pressKey("Escape");
    click($('[data-action="relink"]', card("acc-1")));
    await until(() => visibleView() === "guide", "relink guide");
    type(field("api_token"), "good-rotated-token-1234567890");
    click("button#connect");
    await waitResult();
    const taken = $('.copy-outcomes [data-target="vault://vault.acme.internal:8200/secret/hr/humaans"]');
    check("the relink result lists each copy and how it took the new key", $("#result").dataset.mode === "relink" && taken && taken.dataset.ok === "true" && /new key is written \(version 2\)/.test(taken.textContent), taken && taken.textContent);
    const theirs = $('.copy-outcomes [data-target="aws-sm://eu-west-1/theirs/humaans"]');
    check("and the copy someone changed, worded by its code", theirs && theirs.dataset.ok === "false" && /someone changed it/.test(theirs.textContent), theirs && theirs.textContent);
    click("#done");
    await until(() => visibleView() === "home", "home");
    click($('[data-action="details"]', card("acc-1")));
    await until(() => visibleView() === "account" && section(), "the account view again");
    const changed = $('[data-target="aws-sm://eu-west-1/theirs/humaans"]', section());
    check("the copy shows as changed outside Keystep, with what to do", changed && changed.dataset.state === "changed_outside" && /Changed outside Keystep/.test(changed.textContent) && /share again to overwrite it/.test(changed.textContent), changed && changed.textContent);
    await sleep(300);
    type($('input[name="target"]', section()), "aws-sm://eu-west-1/theirs/humaans");
    click($('[data-action="share"]', section()));
    await until(() => lastCall("push_account").args.target === "aws-sm://eu-west-1/theirs/humaans" && $('[data-target="aws-sm://eu-west-1/theirs/humaans"][data-state="current"]', section() || document.body), "overwritten");
    check("sharing it again overwrites it (replace)", lastCall("push_account").args.replace === true, JSON.stringify(lastCall("push_account").args));
    click("#account-back");
    await until(() => visibleView() === "home", "home");
    click($('[data-action="forget"]', card("acc-1")));
    const panelAgain = $(".confirm", card("acc-1"));
    $('input[data-copy="vault://vault.acme.internal:8200/secret/hr/humaans"]', panelAgain).checked = true;
    click($('[data-action="confirm-forget"]', panelAgain));
    await until(() => lastCall("forget_account"), "forget_account");
    check("forget_account gets the copies answered yes", JSON.stringify(lastCall("forget_account").args) === JSON.stringify({ id: "acc-1", deleteCopies: ["vault://vault.acme.internal:8200/secret/hr/humaans"] }), JSON.stringify(lastCall("forget_account").args));
  });

  await step("keychain locked before the guide", async () => {
    await restart("?keychain=locked");
    await toPicker();
    await until(() => !$('[data-keychain-warning="picker"]').hidden, "the picker's warning");
    check("the picker says the keychain is locked", /keychain is locked/.test($('[data-keychain-warning="picker"]').textContent), $('[data-keychain-warning="picker"]').textContent);
    click('button[data-provider="humaans"]');
    await until(() => visibleView() === "guide", "guide");
    check("the guide and the form say so too", !$('[data-keychain-warning="guide"]').hidden && !$('[data-keychain-warning="form"]').hidden);
    await submitForm({ api_token: "good-token-0123456789" });
    await waitResult();
    check("verified but not stored: the result says exactly that", $("#result").dataset.code === "keychain_unavailable" && $("#result-title").textContent === "The key works, but it wasn't saved" && $("#not-stored") && /accepted the key/.test($("#not-stored").textContent), $("#result-title").textContent);
    click("#retry");
    await until(() => visibleView() === "guide", "back to the form");
    check("Try again finds the form still filled: no new token needed", field("api_token").value === "good-token-0123456789");
    click("#guide-back");
    await homeLoaded();
    check("leaving the form clears the key", !$$("input").some((i) => i.value.includes("good-token-0123456789")));
  });

}

/**
 * What each provider's guide says about changing a key, as sentences no advice may contain
 * (docs/providers/<id>.md): JazzHR's one key breaks every integration when regenerated;
 * Humaans' token scopes can be edited; whether PayFit's can is unresolved, so nothing may
 * claim either way; a lost HiBob token is reset on its service user; for Namely, whose help
 * centre and developer documentation disagree on Administrator tokens, Keystep advises a
 * custom access role, never an Administrator's token. English and French.
 */
const KEY_RULES = {
  jazzhr: [/\b(create|generate) a new (key|one)\b/i, /or create a new one/i, /créez-en une (autre|nouvelle)/i, /(créez|générez) une nouvelle clé/i],
  humaans: [/can(not|'t) (be )?add(ed)?/i, /scopes cannot be added/i, /ne permet pas d’ajouter/i, /create a new token with these/i],
  payfit: [/can(not|'t) (be )?add(ed)?/i, /fixes a key's scopes/i, /ne permet pas d’ajouter/i, /fixe les scopes/i, /add (these|the) (permissions|scopes) to the key/i, /ajoutez ces permissions à la clé/i],
  hibob: [/(create|make) (a new|another) service user/i, /créez un (nouvel|autre) utilisateur de service/i, /Employee fields: view/],
  namely: [/from an Administrator/i, /with the Administrator role/i, /avec le rôle Administrator/i, /depuis un profil Administrator/i],
  // A key sees its user's access level: no key is made "with" permissions.
  bamboohr: [/new key with (these|the) (permissions|fields)/i, /nouvelle clé avec (ces|les) (autorisations|champs)/i],
  // Scopes can be edited on an existing credential (the pencil icon).
  greenhouse: [/can(not|'t) (be )?(add|edit)(ed)?/i, /(create|make) new credentials with these/i, /créez de nouveaux identifiants avec ces/i],
  // A key's permissions can be changed later (Configure API Key Permissions).
  ashby: [/can(not|'t) (be )?(add|chang)(ed)?/i, /create a new key with these/i, /créez une nouvelle clé avec ces/i],
  // An integration's access rights can be updated; its secret is shown only once.
  // A key's permissions cannot be edited after it is made (Lever's help): the advice is a new key.
  lever: [/edit the (Keystep )?key/i, /(tick|add) (these|them) (on|to) the (Keystep )?key/i, /modifiez la clé/i, /ajoutez[- ](les|ces).* à la clé/i],
  // A token's expiry and scopes are set when it is generated; it is shown only once.
  workable: [/edit the (Keystep )?token/i, /extend the token/i, /modifiez le jeton/i, /prolongez le jeton/i, /copy the token again/i, /copiez de nouveau le jeton/i],
  // A key cannot be edited once created, only deleted (Teamtailor's help).
  teamtailor: [/edit the (Keystep )?key/i, /change the key'?s? scope/i, /modifiez la clé/i, /changez la portée de la clé/i],
  // A key reaches everything and cannot be narrowed (Factorial's FAQ): no advice to narrow it.
  factorial: [/(untick|remove) (these|the) (scopes|permissions)/i, /(fewer|narrower) (scopes|permissions)/i, /décochez (ces|les) (scopes|autorisations)/i, /moins (de|d’) (scopes|autorisations)/i, /key (has )?expired/i],
  // A token is shown once; its rate limit is the whole organization's.
  deel: [/copy the token again/i, /copiez de nouveau le jeton/i, /per token/i, /par jeton/i],
  // A token dies after 30 days without use; it is shown once.
  rippling: [/never expires?/i, /n’expire jamais/i, /copy the token again/i, /copiez de nouveau le jeton/i],
  personio: [/can(not|'t) (be )?(add|chang|edit|updat)(ed)?/i, /ne (peuvent|peut) pas être modifiés?/i, /copy the (client )?secret again/i, /copiez de nouveau le (client )?secret/i],
};

/** Every advice text of `provider` for every outcome code, with the window's own words. */
function adviceTexts(provider, locale) {
  const codes = Object.keys(locale)
    .map((k) => /^error\.([a-z_]+)\.next$/.exec(k))
    .filter(Boolean)
    .map((m) => m[1]);
  const texts = [];
  for (const code of codes) {
    const own = provider.messages && provider.messages[code];
    texts.push([code, own || locale[`error.${code}.text`]]);
    texts.push([code, locale[`error.${code}.next`]]);
  }
  // What a refused key's result says instead, where the key is shown only once.
  if ((provider.steps || []).some((step) => step.secret_shown === "once")) texts.push(["bad_credentials", locale["error.bad_credentials.next_once"]]);
  for (const key of ["result.add_permissions", "perm.missing_advice", "perm.extra_advice", "perm.extra_advice_purpose", "perm.unconfirmed_advice", "purpose.unconfirmed"]) {
    texts.push([key, locale[key]]);
  }
  return { codes, texts };
}

async function main() {
  await mount();
  const name = decodeURIComponent(window.location.hash.slice(1)) || "home";
  const scenario = scenarios[name] || scenarios.home;
  try {
    await scenario();
  } catch (err) {
    const pre = document.createElement("pre");
    pre.id = "harness-report";
    pre.textContent = `not ok - scenario ${name} threw: ${err && err.stack ? err.stack : err}\n0 passed, 1 failed\n`;
    document.body.append(pre);
  }
  await sleep(150);
  document.body.dataset.harness = "done";
}

main();

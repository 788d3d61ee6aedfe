// Test-only driver for the Keystep UI. Mounts ui/index.html into this page
// (stub.js has already defined window.__TAURI__), imports ui/app.js, then runs
// the scenario named by location.hash:
//
//   #home #confirm #picker #guide #form #connecting #success
//   #error-bad #error-missing #error-invalid #error-rate #retry-invalid
//   with ?seed=lifecycle: #checking #rename-error #relink #relinked
//   #already-linked #forgotten
//   #selftest   (runs every flow with assertions; prints "N passed, N failed")
//
// When done it sets <body data-harness="done">. Everything here drives the UI
// through the DOM, the way a person would (click, type, submit).

const violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  violations.push(`${event.violatedDirective}: ${event.blockedURI || "inline"}`);
});

const sleep = (ms) => new Promise((resolve) => window.setTimeout(resolve, ms));
const $ = (selector, root = document) => root.querySelector(selector);
const $$ = (selector, root = document) => Array.from(root.querySelectorAll(selector));

async function until(predicate, what, timeout = 4000) {
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

function visibleView() {
  const shown = $$("[data-view]").filter((view) => !view.hidden);
  return shown.length === 1 ? shown[0].dataset.view : `${shown.length} views visible`;
}

let runs = 0;

async function mount() {
  const response = await fetch("../../ui/index.html");
  const html = await response.text();
  const parsed = new DOMParser().parseFromString(html, "text/html");
  if (!document.querySelector('link[href="../../ui/style.css"]')) {
    const link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = "../../ui/style.css";
    const loaded = new Promise((resolve) => link.addEventListener("load", resolve, { once: true }));
    document.head.append(link);
    await loaded;
  }
  document.title = parsed.title;
  document.body.replaceChildren(...Array.from(parsed.body.childNodes).map((node) => document.adoptNode(node)));
  // A new URL is a new module instance: app.js boots again, like a relaunch.
  await import(runs === 0 ? "../../ui/app.js" : `../../ui/app.js?run=${runs}`);
  runs += 1;
}

/** "Restart Keystep": the stub starts again from `query`'s seed, the UI from a fresh page. */
async function restart(query) {
  window.__stubRestart(query);
  await mount();
  await until(() => $("#home-loading").hidden, "home loaded after restart");
}

function card(id) {
  return $$("#accounts [data-account-id]").find((node) => node.dataset.accountId === id) || null;
}

function lastCall(command) {
  return window.__stubCalls.filter((c) => c.command === command).pop();
}

function pressEscape(target = document.activeElement) {
  target.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true, cancelable: true }));
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
  const input = $(selector);
  if (!input) throw new Error(`no input ${selector}`);
  input.focus();
  input.value = value;
  input.dispatchEvent(new Event("input", { bubbles: true }));
}

async function toPicker() {
  await until(() => $("#home-loading").hidden, "home loaded");
  click("#add-account");
  await until(() => $('button[data-provider="humaans"]'), "provider cards");
}

async function toGuide(provider = "humaans") {
  await toPicker();
  click(`button[data-provider="${provider}"]`);
  await until(() => visibleView() === "guide", "guide view");
}

async function connectWith(token, provider = "humaans") {
  await toGuide(provider);
  const secret = $$('form#credentials input[name]').find((input) => input.dataset.secret === "true");
  type(`form#credentials input[name="${secret.name}"]`, token);
  click("button#connect");
}

async function waitResult() {
  await until(() => visibleView() === "result" && $("#result").dataset.state, "result");
}

const scenarios = {
  async home() {
    await until(() => $("#home-loading").hidden, "home loaded");
  },
  async confirm() {
    await scenarios.home();
    click($$('#accounts [data-account-id] [data-action="forget"]')[0]);
  },
  // The scenarios below expect ?seed=lifecycle.
  // ?seed=lifecycle&slow=check_account
  async checking() {
    await scenarios.home();
    await until(() => !$("#notice").hidden, "notice");
    click($('[data-account-id="acc-1"] [data-action="check"]'));
    await until(() => /Reading company details/.test($('[data-account-id="acc-1"] .account-progress').textContent), "a progress line");
  },
  async "rename-error"() {
    await scenarios.home();
    click($('[data-account-id="acc-1"] [data-action="rename"]'));
    const input = $('[data-account-id="acc-1"] input[name="label"]');
    input.value = "";
    pressEnter(input);
    await until(() => !$('[data-account-id="acc-1"] .rename-form .field-error').hidden, "rename error");
  },
  async relink() {
    await scenarios.home();
    click($('[data-account-id="acc-2"] [data-action="relink"]'));
    await until(() => visibleView() === "guide", "relink guide");
  },
  async relinked() {
    await scenarios.relink();
    type('form#credentials input[name="api_key"]', "new-key-abcd");
    click("button#connect");
    await waitResult();
  },
  async "already-linked"() {
    await connectWith("dupe-token-1");
    await waitResult();
  },
  async forgotten() {
    await scenarios.home();
    click($('[data-account-id="acc-2"] [data-action="forget"]'));
    click($$('[data-account-id="acc-2"] .confirm button').find((b) => b.textContent === "Forget account"));
    await until(() => $("#revoke-steps"), "revoke steps");
  },
  async picker() {
    await toPicker();
  },
  async guide() {
    await toGuide();
  },
  async form() {
    await toGuide();
    type('form#credentials input[name="api_token"]', "good-token-1234567890");
  },
  async connecting() {
    await connectWith("slow-token");
    await until(() => $("#credentials-fieldset").disabled, "connecting");
  },
  async success() {
    await connectWith("good-token-1234567890");
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
  async "error-invalid"() {
    await connectWith("   ");
    await waitResult();
  },
  async "error-rate"() {
    await connectWith("rate-limited");
    await waitResult();
  },
  async "retry-invalid"() {
    await connectWith("");
    await waitResult();
    click("#retry");
    await until(() => visibleView() === "guide", "guide again");
  },
  selftest,
};

// ---------------------------------------------------------------------------
// Self-test: every flow, with assertions.

async function selftest() {
  const results = [];
  const check = (name, condition, detail = "") => results.push({ name, ok: Boolean(condition), detail });
  const step = async (name, fn) => {
    try {
      await fn();
    } catch (err) {
      results.push({ name: `${name} (threw)`, ok: false, detail: String(err && err.stack ? err.stack : err) });
    }
  };

  await step("home", async () => {
    await until(() => $("#home-loading").hidden, "home loaded");
    check("only the home view is visible", visibleView() === "home", visibleView());
    check("every view root has data-view", ["home", "picker", "guide", "result"].every((v) => $(`[data-view="${v}"]`)));
    check("empty state shown without accounts", !$("#home-empty").hidden && $("#accounts").hidden);
    check("#add-account is a visible button", $("#add-account") && $("#add-account").tagName === "BUTTON" && $("#add-account").offsetParent !== null);
    check("live region exists", $('[aria-live="polite"]'));
    check("header, nav and main exist", $("header") && $("nav") && $("main"));
  });

  await step("picker", async () => {
    click("#add-account");
    await until(() => $('button[data-provider="humaans"]'), "cards");
    check("only the picker view is visible", visibleView() === "picker", visibleView());
    check("focus on picker heading", document.activeElement === $('[data-view="picker"] h1'), document.activeElement && document.activeElement.outerHTML.slice(0, 80));
    const card = $('button[data-provider="humaans"]');
    check("card shows name, category, needs, summary", /Humaans/.test(card.textContent) && /HR system/.test(card.textContent) && /API token/.test(card.textContent) && /People data/.test(card.textContent), card.textContent);
    check("ats category shown as Recruiting", /Recruiting/.test($('button[data-provider="example-ats"]').textContent));
  });

  await step("guide", async () => {
    click('button[data-provider="humaans"]');
    await until(() => visibleView() === "guide", "guide");
    check("focus on guide heading", document.activeElement === $('[data-view="guide"] h1'));
    check("prerequisite shown", !$("#guide-prerequisite").hidden && /Owner or Admin/.test($("#guide-prerequisite").textContent));
    check("steps are an ol with 4 items", $("ol#guide-steps") && $$("#guide-steps > li").length === 4);
    const input = $('form#credentials input[name="api_token"]');
    check("secret input attributes", input && input.type === "password" && input.getAttribute("autocomplete") === "off" && input.getAttribute("spellcheck") === "false");
    check("input has a label", input && $(`label[for="${input.id}"]`) && $(`label[for="${input.id}"]`).textContent === "API token");
    check("placeholder is the example", input && input.placeholder === "a 32-character code");
    const help = input && document.getElementById((input.getAttribute("aria-describedby") || "").split(" ")[0]);
    check("help text tied with aria-describedby", help && /showed you once/.test(help.textContent));
    check("connect is a submit button", $("button#connect").type === "submit" && $("form#credentials button#connect"));
    const toggle = $(".reveal");
    toggle.click();
    check("show toggle reveals", input.type === "text" && toggle.getAttribute("aria-pressed") === "true");
    toggle.click();
    check("hide toggle hides", input.type === "password" && toggle.getAttribute("aria-pressed") === "false");

    const linkButton = $$('[data-step="open-tokens"] button')[0];
    linkButton.click();
    await until(() => window.__stubCalls.some((c) => c.command === "open_guide_link"), "open_guide_link call");
    const call = window.__stubCalls.find((c) => c.command === "open_guide_link");
    check("open_guide_link gets {provider, step} only", call && JSON.stringify(call.args) === JSON.stringify({ provider: "humaans", step: "open-tokens" }), JSON.stringify(call && call.args));
    const copy = $$('[data-step="pick-scopes"] button').find((b) => b.textContent === "Copy list");
    check("checklist has a Copy list button", copy);
    copy.click();
    await until(() => $('[data-step="pick-scopes"] .checklist-actions .inline-note').textContent, "copy note");
    check("copy shows a note", /Copied|Couldn't copy/.test($('[data-step="pick-scopes"] .checklist-actions .inline-note').textContent));
  });

  await step("bad credentials", async () => {
    type('form#credentials input[name="api_token"]', "wrong-token");
    click("button#connect");
    await until(() => $("#credentials-fieldset").disabled, "busy");
    check("form disabled while connecting", $("#credentials-fieldset").disabled);
    check("live status while connecting", $("#connect-status-text").textContent === "Checking the key with Humaans…", $("#connect-status-text").textContent);
    check("spinner visible while connecting", !$("#connect-spinner").hidden);
    await waitResult();
    check("error state", $("#result").dataset.state === "error" && $("#result").dataset.code === "bad_credentials");
    check("error heading", /We couldn.t connect/.test($("#result-title").textContent));
    check("error message shown", /didn't accept/.test($("#result-message").textContent));
    check("focus on error summary", document.activeElement === $("#result"));
    check("secret cleared after failure", $('form#credentials input[name="api_token"]').value === "");
    check("form enabled again", !$("#credentials-fieldset").disabled);
    const call = window.__stubCalls.filter((c) => c.command === "link_account").pop();
    check("link_account args shape", call && call.args.provider === "humaans" && call.args.fields.api_token === "<secret:11>", JSON.stringify(call && call.args));
    click("#retry");
    await until(() => visibleView() === "guide", "guide");
  });

  await step("missing permission", async () => {
    type('form#credentials input[name="api_token"]', "missing-1");
    click("button#connect");
    await waitResult();
    check("missing_permission code", $("#result").dataset.code === "missing_permission");
    check("missing list shown", /private:read/.test($("#result-body").textContent));
    check("secret cleared", $('form#credentials input[name="api_token"]').value === "");
    click("#retry");
    await until(() => visibleView() === "guide", "guide");
  });

  await step("invalid input", async () => {
    type('form#credentials input[name="api_token"]', "");
    click("button#connect");
    await waitResult();
    check("invalid_input code", $("#result").dataset.code === "invalid_input");
    click("#retry");
    await until(() => visibleView() === "guide", "guide");
    const input = $('form#credentials input[name="api_token"]');
    check("field marked aria-invalid", input.getAttribute("aria-invalid") === "true");
    const ids = (input.getAttribute("aria-describedby") || "").split(" ");
    const messages = ids.map((id) => document.getElementById(id)).filter(Boolean).map((n) => n.textContent);
    check("message tied with aria-describedby", messages.some((m) => /Please enter/.test(m)), JSON.stringify(messages));
    check("focus on the invalid field", document.activeElement === input);
  });

  await step("rate limited", async () => {
    type('form#credentials input[name="api_token"]', "rate-1");
    click("button#connect");
    await waitResult();
    check("rate_limited code", $("#result").dataset.code === "rate_limited");
    check("retry_after shown", /30 seconds/.test($("#result-body").textContent));
    const input = $('form#credentials input[name="api_token"]');
    check("earlier field error cleared on resubmit", input.getAttribute("aria-invalid") !== "true");
    click("#retry");
    await until(() => visibleView() === "guide", "guide");
  });

  await step("success", async () => {
    type('form#credentials input[name="api_token"]', "good-token-1234567890");
    click("button#connect");
    await waitResult();
    check("success state", $("#result").dataset.state === "success" && !$("#result").dataset.code);
    check("success message", $("#result-message").textContent === "Connected to Acme Ltd (42 people)");
    check("notes shown", /removed spaces/.test($("#result-body").textContent));
    check("stored_in shown", /Secret Service/.test($("#result-body").textContent));
    check("extra permissions advice", /compensation:read/.test($("#result-body").textContent));
    check("focus on result heading", document.activeElement === $("#result-title"));
    check("secret cleared after success", $('form#credentials input[name="api_token"]').value === "");
    check("only result view visible", visibleView() === "result");
    check("#done visible", !$("#done").hidden);
    click("#done");
    await until(() => visibleView() === "home" && $$("#accounts [data-account-id]").length === 1, "home with account");
    const item = $("#accounts [data-account-id]");
    check("account shows provider, label, message, chip, fingerprint, age", /Humaans/.test(item.textContent) && /Acme Ltd/.test(item.textContent) && /42 people/.test(item.textContent) && item.querySelector(".chip-ok") && /x7Qa/.test(item.textContent) && /checked just now/.test(item.textContent), item.textContent);
    check("focus on home heading", document.activeElement === $("#home-title"));
  });

  await step("forget", async () => {
    const item = $("#accounts [data-account-id]");
    const forget = $$("button", item).find((b) => b.textContent === "Forget");
    forget.click();
    check("confirm panel opens", $(".confirm", item) !== null);
    $$(".confirm button", item).find((b) => b.textContent === "Cancel").click();
    check("cancel closes it", $(".confirm") === null && $$("#accounts [data-account-id]").length === 1);
    forget.click();
    $$(".confirm button", item).find((b) => b.textContent === "Forget account").click();
    await until(() => !$("#home-empty").hidden, "empty again");
    check("account forgotten", $$("#accounts [data-account-id]").length === 0);
  });

  await step("non-secret values kept on retry", async () => {
    await toGuide("example-ats");
    type('form#credentials input[name="subdomain"]', "acme");
    type('form#credentials input[name="api_key"]', "bad-key");
    click("button#connect");
    await waitResult();
    check("bad_credentials for other provider", $("#result").dataset.code === "bad_credentials");
    click("#retry");
    await until(() => visibleView() === "guide", "guide");
    check("non-secret kept", $('form#credentials input[name="subdomain"]').value === "acme");
    check("secret cleared", $('form#credentials input[name="api_key"]').value === "");
    check("non-secret input is text", $('form#credentials input[name="subdomain"]').type === "text");
    const select = $('form#credentials select[name="environment"]');
    check("a choice field is a select with its default", select && select.value === "production", select && select.value);
    const sent = window.__stubCalls.filter((c) => c.command === "link_account").pop();
    check("the choice is sent with the other fields", sent && sent.args.fields.environment === "production", JSON.stringify(sent && sent.args));
  });

  await lifecycle(check, step);

  check("no CSP violations", violations.length === 0, violations.join("; "));
  check("no secret in the DOM", !document.documentElement.outerHTML.includes("good-token-1234567890") && !$$("input").some((i) => i.value.includes("good-token")));
  check("no relink secret in the DOM", ["new-key-abcd", "other-key-1", "dupe-token-1", "new-token-wxyz"].every(secretNowhere));

  const report = document.createElement("pre");
  report.id = "harness-report";
  const passed = results.filter((r) => r.ok).length;
  const failed = results.length - passed;
  report.textContent =
    results.map((r) => `${r.ok ? "ok" : "not ok"} - ${r.name}${r.ok || !r.detail ? "" : ` :: ${r.detail}`}`).join("\n") + `\n${passed} passed, ${failed} failed\n`;
  document.body.append(report);
}

// ---------------------------------------------------------------------------
// Self-test, part two: the account lifecycle, after "restarting" Keystep with a
// lived-in account list (stub seed "lifecycle").

async function lifecycle(check, step) {
  await step("startup reconcile", async () => {
    await restart("?seed=lifecycle");
    await until(() => $$("#accounts [data-account-id]").length === 3, "three accounts");
    await until(() => !$("#notice").hidden, "notice");
    const commands = window.__stubCalls.map((c) => c.command);
    check(
      "reconcile_accounts runs once, after the first list_accounts",
      commands.filter((c) => c === "reconcile_accounts").length === 1 && commands.indexOf("reconcile_accounts") > commands.indexOf("list_accounts"),
      commands.join(","),
    );
    check("reconcile_accounts gets an empty args object", JSON.stringify(lastCall("reconcile_accounts").args) === "{}");
    const notice = $("#notice");
    check("#notice is a status region", notice.getAttribute("role") === "status");
    check("notice shows the backend's notice", /account list was damaged/.test(notice.textContent), notice.textContent);
    check("notice counts accounts that lost their key", /1 account lost its key from the keychain\. Relink it\./.test(notice.textContent), notice.textContent);
    const orphans = $$("#orphans [data-orphan-id]");
    check(
      "#orphans lists both orphans by label",
      orphans.length === 2 && orphans[0].dataset.orphanId === "orph-1" && /Umbrella Corp/.test(orphans[0].textContent) && /Hooli Jobs/.test(orphans[1].textContent),
    );
    check("each orphan has a Remove from keychain button", orphans.every((li) => $$("button", li).some((b) => b.textContent === "Remove from keychain")));
    check("the notice can be dismissed", $("#notice-dismiss") && $("#notice-dismiss").tagName === "BUTTON");
  });

  await step("account cards", async () => {
    const cards = $$("#accounts [data-account-id]");
    const actions = (node) => $$("[data-action]", node).map((b) => b.dataset.action);
    check("every card offers check, rename, relink and forget", cards.every((node) => ["check", "rename", "relink", "forget"].every((a) => actions(node).includes(a))));
    check(
      "every action is a button described by the account's name",
      cards.every((node) => $$("[data-action]", node).every((b) => b.tagName === "BUTTON" && b.type === "button" && document.getElementById(b.getAttribute("aria-describedby")) === $(".account-label", node))),
    );
    check("key age from changed_at", /key added 40 days ago/.test(card("acc-1").textContent), card("acc-1").textContent);
    check("check age from checked_at", /checked 3 min ago/.test(card("acc-1").textContent));
    const lost = card("acc-3");
    const first = $(".account-actions button", lost);
    check("a needs_relink card leads with a primary Relink", first.dataset.action === "relink" && first.textContent === "Relink" && first.classList.contains("btn-primary"), first.outerHTML);
    const replace = $('[data-action="relink"]', card("acc-1"));
    check("a working card offers Replace key, not as primary", replace.textContent === "Replace key" && !replace.classList.contains("btn-primary"));
  });

  await step("remove orphan", async () => {
    const button = $('[data-orphan-id="orph-1"] button');
    button.focus();
    button.click();
    await until(() => !$('[data-orphan-id="orph-1"]'), "orphan removed");
    check("remove_orphan gets {id: the orphan's account}", JSON.stringify(lastCall("remove_orphan").args) === JSON.stringify({ id: "orph-1" }), JSON.stringify(lastCall("remove_orphan").args));
    check("focus moves to the next orphan", document.activeElement === $('[data-orphan-id="orph-2"] button'));
    check("the other orphan stays", $$("#orphans [data-orphan-id]").length === 1);
  });

  await step("check now", async () => {
    const before = card("acc-1");
    const button = $('[data-action="check"]', before);
    button.focus();
    button.click();
    check("busy: card is aria-busy", before.getAttribute("aria-busy") === "true");
    check("busy: the button says Checking… and keeps focus", button.textContent === "Checking…" && button.getAttribute("aria-disabled") === "true" && document.activeElement === button);
    const progress = $(".account-progress", before);
    check("busy: progress line in a status region", progress.getAttribute("role") === "status" && /Checking the key with Humaans…/.test(progress.textContent), progress.textContent);
    await until(() => /Reading company details|Checking permissions/.test($(".account-progress", card("acc-1")).textContent), "a link-progress line");
    check("link-progress lines show on the card", true);
    await until(() => !card("acc-1").hasAttribute("aria-busy"), "check done");
    check("check_account gets {id}", JSON.stringify(lastCall("check_account").args) === JSON.stringify({ id: "acc-1" }));
    const after = card("acc-1");
    check("the card is updated in place", after !== before && $$("#accounts [data-account-id]").indexOf(after) === 0 && /checked just now/.test(after.textContent), after.textContent);
    check("focus on the fresh card's Check now", document.activeElement === $('[data-action="check"]', after));

    window.__stubFailNext("check_account", { code: "keychain_unavailable", message: "Keystep could not open your system keychain. Unlock it and try again." });
    $('[data-action="check"]', after).click();
    await until(() => !$(".account-error", card("acc-1")).hidden, "check error");
    const error = $(".account-error", card("acc-1"));
    check("a failed check shows its message on the card", error.getAttribute("role") === "alert" && /could not open your system keychain/.test(error.textContent));
    const again = $('[data-action="check"]', card("acc-1"));
    check("after a failed check the card is usable, focus kept", !card("acc-1").hasAttribute("aria-busy") && again.textContent === "Check now" && !again.hasAttribute("aria-disabled") && document.activeElement === again);
  });

  await step("rename", async () => {
    const node = card("acc-1");
    const renameButton = $('[data-action="rename"]', node);
    renameButton.click();
    let input = $('input[name="label"]', node);
    check("rename opens an inline labelled input, focused, with the name", input && document.activeElement === input && input.value === "Acme Ltd" && $(`label[for="${input.id}"]`));
    check("the Rename button is expanded", renameButton.getAttribute("aria-expanded") === "true");
    pressEscape(input);
    check("Escape closes the form, focus back on Rename", !$(".rename-form", node) && document.activeElement === renameButton && !$(".account-label", node).hidden);
    check("Escape sends nothing", !window.__stubCalls.some((c) => c.command === "rename_account"));

    renameButton.click();
    input = $('input[name="label"]', node);
    input.value = "   ";
    pressEnter(input);
    await until(() => !$(".rename-form .field-error", node).hidden, "rename error");
    check("rename_account gets {id, label}", JSON.stringify(lastCall("rename_account").args) === JSON.stringify({ id: "acc-1", label: "   " }), JSON.stringify(lastCall("rename_account").args));
    const error = $(".rename-form .field-error", node);
    check(
      "the error is shown inline and tied with aria-describedby",
      input.getAttribute("aria-invalid") === "true" && input.getAttribute("aria-describedby").split(" ").includes(error.id) && /1 to 80 characters/.test(error.textContent),
    );
    check("focus back in the input after an error", document.activeElement === input);
    input.value = "x".repeat(81);
    pressEnter(input);
    await until(() => window.__stubCalls.filter((c) => c.command === "rename_account").length === 2 && !input.readOnly, "second rename");
    check("a name over 80 characters is refused", !error.hidden && $(".rename-form", node));

    input.value = "Acme HR";
    pressEnter(input);
    await until(() => card("acc-1") && !$(".rename-form", card("acc-1")) && $(".account-label", card("acc-1")).textContent === "Acme HR", "renamed");
    check("rename sends the new name", lastCall("rename_account").args.label === "Acme HR");
    check("focus on the fresh card's Rename", document.activeElement === $('[data-action="rename"]', card("acc-1")));
  });

  await step("check ending during a rename", async () => {
    const node = card("acc-2");
    $('[data-action="check"]', node).click();
    $('[data-action="rename"]', node).click();
    const input = $('input[name="label"]', node);
    await until(() => !card("acc-2").hasAttribute("aria-busy"), "check done");
    check(
      "the rename form and its focus survive; the facts refresh",
      card("acc-2") === node && $(".rename-form", node) && document.activeElement === input && /checked just now/.test(node.textContent),
      node.textContent,
    );
    pressEscape(input);
    check("Escape still closes it", !$(".rename-form", node) && document.activeElement === $('[data-action="rename"]', node));
  });

  await step("replace key", async () => {
    click($('[data-action="relink"]', card("acc-2")));
    await until(() => visibleView() === "guide", "relink guide");
    check("relink heading", $("#guide-title").textContent === "Replace the key for Globex Careers", $("#guide-title").textContent);
    check("focus on the relink heading", document.activeElement === $("#guide-title"));
    check("the guide is in relink mode", $('[data-view="guide"]').dataset.mode === "relink");
    const warning = $("#rotate-warning");
    check(
      "rotate_warning shown before the steps",
      !warning.hidden && /stops the current key at once/.test(warning.textContent) && Boolean(warning.compareDocumentPosition($("#guide-steps")) & Node.DOCUMENT_POSITION_FOLLOWING),
    );
    check("non-secret inputs pre-filled from fields", $('form#credentials input[name="subdomain"]').value === "globex" && $('form#credentials select[name="environment"]').value === "sandbox");
    check("the secret input starts empty", $('form#credentials input[name="api_key"]').value === "");
    check("the submit button says Replace key", $("button#connect").textContent === "Replace key");
    check("crumbs name the account", /Replace key: Globex Careers/.test($("#crumbs").textContent), $("#crumbs").textContent);

    type('form#credentials input[name="api_key"]', "other-key-1");
    click("button#connect");
    check("status names the new key", $("#connect-status-text").textContent === "Checking the new key with Example Recruiting…", $("#connect-status-text").textContent);
    await waitResult();
    const result = $("#result");
    check("wrong_tenant error in relink mode", result.dataset.state === "error" && result.dataset.code === "wrong_tenant" && result.dataset.mode === "relink" && $('[data-view="result"]').dataset.mode === "relink");
    check("the backend's wrong_tenant message", /reaches another company/.test($("#result-message").textContent));
    check("relink error says nothing changed", $("#result-title").textContent === "We couldn't replace the key" && /keeps its current key/.test($("#result-body").textContent));
    check(
      "relink_account gets {id, fields}",
      JSON.stringify(lastCall("relink_account").args) === JSON.stringify({ id: "acc-2", fields: { subdomain: "globex", api_key: "<secret:11>", environment: "sandbox" } }),
      JSON.stringify(lastCall("relink_account").args),
    );
    check("secret cleared after a failed relink", $('form#credentials input[name="api_key"]').value === "");
    click("#retry");
    await until(() => visibleView() === "guide", "guide again");
    check("retry returns to the relink form, values kept", $("#guide-title").textContent === "Replace the key for Globex Careers" && $('form#credentials input[name="subdomain"]').value === "globex");

    type('form#credentials input[name="subdomain"]', "");
    type('form#credentials input[name="api_key"]', "new-key-abcd");
    click("button#connect");
    await waitResult();
    check("relink success in relink mode", result.dataset.state === "success" && result.dataset.mode === "relink" && $("#result-title").textContent === "Key replaced");
    check(
      "a blank non-secret field is sent blank (the backend keeps the stored value)",
      JSON.stringify(lastCall("relink_account").args) === JSON.stringify({ id: "acc-2", fields: { subdomain: "", api_key: "<secret:12>", environment: "sandbox" } }),
      JSON.stringify(lastCall("relink_account").args),
    );
    const revoke = $("#revoke-steps");
    check("#revoke-steps in the result", revoke && result.contains(revoke));
    check("revoke steps give the provider's revoke text", revoke && /Settings → Integrations → API and click Delete/.test(revoke.textContent));
    check("revoke steps say to revoke the OLD key", revoke && /revoke the old key/i.test(revoke.textContent) && /ending in …Pq92/.test(revoke.textContent) && /…abcd/.test(revoke.textContent), revoke && revoke.textContent);
    check("focus on the result heading", document.activeElement === $("#result-title"));
    check("no secret in the DOM after relink", secretNowhere("new-key-abcd") && secretNowhere("other-key-1"));
    click("#done");
    await until(() => visibleView() === "home" && card("acc-2") && /…abcd/.test(card("acc-2").textContent), "home with the new key");
    check("the card shows the new key's age and status", /key added just now/.test(card("acc-2").textContent) && /Working/.test(card("acc-2").textContent), card("acc-2").textContent);
  });

  await step("relink a lost key", async () => {
    click($('[data-action="relink"]', card("acc-3")));
    await until(() => visibleView() === "guide" && $("#guide-title").textContent === "Replace the key for Initech", "relink Initech");
    check("no rotate warning when the provider has none", $("#rotate-warning").hidden);
    check("the lede says the key was lost", /no longer has this account's key/.test($("#guide-lede").textContent));
    check("the secret input starts empty", $('form#credentials input[name="api_token"]').value === "");
    click("#guide-back");
    await until(() => visibleView() === "home" && $("#home-loading").hidden, "home");
    check("Back from relink mode returns to the accounts", visibleView() === "home" && document.activeElement === $("#home-title"));
  });

  await step("already linked", async () => {
    await toGuide("humaans");
    check("a new link is in link mode again", $("#guide-title").textContent === "Connect Humaans" && $("button#connect").textContent === "Connect" && $("#rotate-warning").hidden && $("#paste-again").hidden);
    type('form#credentials input[name="api_token"]', "dupe-token-1");
    click("button#connect");
    await waitResult();
    check("already_linked code", $("#result").dataset.code === "already_linked" && $("#result").dataset.state === "error");
    check("the backend's message", /already linked as “Acme HR”/.test($("#result-message").textContent));
    check("link_account args", JSON.stringify(lastCall("link_account").args) === JSON.stringify({ provider: "humaans", fields: { api_token: "<secret:12>" } }));
    const offer = $("#relink-existing");
    check("#relink-existing offers to replace the existing account's key", !offer.hidden && offer.textContent === "Replace the key of Acme HR" && offer.classList.contains("btn-primary"), offer.textContent);
    check("says the pasted key was cleared", /cleared the key you pasted/.test($("#result-body").textContent));
    check("no Try again for a duplicate", $("#retry").hidden && !$("#result-cancel").hidden);
    check("secret cleared", secretNowhere("dupe-token-1"));
    click("#relink-existing");
    await until(() => visibleView() === "guide" && $("#guide-title").textContent === "Replace the key for Acme HR", "relink Acme HR");
    const secret = $('form#credentials input[name="api_token"]');
    check("relink mode for account_id, asking to paste again", !$("#paste-again").hidden && $("button#connect").textContent === "Replace key");
    check("focus on the secret field", document.activeElement === secret);
    type('form#credentials input[name="api_token"]', "new-token-wxyz");
    click("button#connect");
    await waitResult();
    check("relink_account for the existing account", JSON.stringify(lastCall("relink_account").args) === JSON.stringify({ id: "acc-1", fields: { api_token: "<secret:14>" } }), JSON.stringify(lastCall("relink_account").args));
    check("key replaced", $("#result").dataset.state === "success" && $("#result").dataset.mode === "relink");
    check("no secret in the DOM after relinking the existing account", secretNowhere("new-token-wxyz"));
    click("#done");
    await until(() => visibleView() === "home" && $("#home-loading").hidden && card("acc-2"), "home");
  });

  await step("forget shows how to revoke", async () => {
    const node = card("acc-2");
    const forget = $('[data-action="forget"]', node);
    forget.click();
    check("confirm panel opens with focus on Cancel", $(".confirm", node) && document.activeElement.textContent === "Cancel");
    pressEscape();
    check("Escape closes the confirm panel, focus back on Forget", !$(".confirm", node) && document.activeElement === forget && forget.getAttribute("aria-expanded") === "false");
    forget.click();
    click($$(".confirm button", node).find((b) => b.textContent === "Forget account"));
    await until(() => $("#revoke-steps") && !card("acc-2"), "revoke steps on home");
    check("forget_account gets {id}", JSON.stringify(lastCall("forget_account").args) === JSON.stringify({ id: "acc-2" }));
    const revoke = $("#revoke-steps");
    check("#revoke-steps on home", $('[data-view="home"]').contains(revoke));
    check("it gives the provider's revoke text and the key's end", /Settings → Integrations → API and click Delete/.test(revoke.textContent) && /…abcd/.test(revoke.textContent));
    check("focus on the revoke heading", document.activeElement === $("h2", revoke));
    click("#revoke-dismiss");
    check("dismissed, focus on the home heading", !$("#revoke-steps") && document.activeElement === $("#home-title"));
  });

  await step("dismiss notice", async () => {
    $("#notice-dismiss").focus();
    click("#notice-dismiss");
    check("notice hidden, focus on the home heading", $("#notice").hidden && document.activeElement === $("#home-title"));
  });

  await step("keychain problem at startup", async () => {
    await restart("?seed=problem&accounts=1");
    await until(() => !$("#notice").hidden, "notice");
    check("the problem's message shows", /could not open your system keychain/.test($("#notice").textContent));
    check("with a Try again button", $("#notice-retry") && $("#notice-retry").textContent === "Try again");
    check("no orphans listed", !$("#orphans"));
    click("#notice-retry");
    await until(() => $("#notice").hidden, "notice cleared");
    check("Try again re-runs reconcile_accounts", window.__stubCalls.filter((c) => c.command === "reconcile_accounts").length === 2);
    check("focus on the home heading once all is well", document.activeElement === $("#home-title"));
  });
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
  await sleep(100);
  document.body.dataset.harness = "done";
}

main();

// Test-only driver for the Keystep UI. Mounts ui/index.html into this page
// (stub.js has already defined window.__TAURI__), imports ui/app.js, then runs
// the scenario named by location.hash:
//
//   #home #confirm #picker #guide #form #connecting #success
//   #error-bad #error-missing #error-invalid #error-rate #retry-invalid
//   #selftest   (runs every flow with assertions; prints "N passed, N failed")
//
// When done it sets <body data-harness="done">. Everything here drives the UI
// through the DOM, the way a person would (click, type, submit).

const violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  violations.push(`${event.violatedDirective}: ${event.blockedURI || "inline"}`);
});

const sleep = (ms) => new Promise((resolve) => window.setTimeout(resolve, ms));
const $ = (selector) => document.querySelector(selector);
const $$ = (selector) => Array.from(document.querySelectorAll(selector));

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

async function mount() {
  const response = await fetch("../../ui/index.html");
  const html = await response.text();
  const parsed = new DOMParser().parseFromString(html, "text/html");
  const link = document.createElement("link");
  link.rel = "stylesheet";
  link.href = "../../ui/style.css";
  const loaded = new Promise((resolve) => link.addEventListener("load", resolve, { once: true }));
  document.head.append(link);
  await loaded;
  document.title = parsed.title;
  document.body.replaceChildren(...Array.from(parsed.body.childNodes).map((node) => document.adoptNode(node)));
  await import("../../ui/app.js");
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
    click($$("#accounts [data-account-id] .account-side button")[0]);
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

  check("no CSP violations", violations.length === 0, violations.join("; "));
  check("no secret in the DOM", !document.documentElement.outerHTML.includes("good-token-1234567890") && !$$("input").some((i) => i.value.includes("good-token")));

  const report = document.createElement("pre");
  report.id = "harness-report";
  const passed = results.filter((r) => r.ok).length;
  const failed = results.length - passed;
  report.textContent =
    results.map((r) => `${r.ok ? "ok" : "not ok"} - ${r.name}${r.ok || !r.detail ? "" : ` :: ${r.detail}`}`).join("\n") + `\n${passed} passed, ${failed} failed\n`;
  document.body.append(report);
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

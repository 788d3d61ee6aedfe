// Test-only: the harness self-test's checks for what a first-time user trips over (issue
// #16), kept apart from harness.js, which passes its helpers in. Each step starts from a
// fresh page (restart) so it does not depend on the steps before it.

/**
 * @param {object} h the harness's helpers
 */
export async function firstRun(h) {
  const { check, step, $, $$, click, until, restart, visibleView, calls } = h;

  await step("no tray: the first close asks, and the answer is kept", async () => {
    await restart("?accounts=1");
    check("the question is not shown at start", !$("#close-question").open);
    window.__stubEmit("close-asked", null);
    await until(() => $("#close-question").open, "the close question");
    const text = $("#close-question").textContent;
    check("it says what each answer means", /notifications still come/.test(text) && /applications menu/.test(text) && /checks stop/.test(text), text);
    check("it says how to get a tray icon on GNOME", /gnome-shell-extension-appindicator/.test(text), text);
    check("the focus is on Keep checking in the background", document.activeElement === $("#close-background"), document.activeElement && document.activeElement.outerHTML.slice(0, 80));
    click("#close-cancel");
    check("Cancel keeps the window and saves nothing", !$("#close-question").open && calls("save_settings").length === 0 && calls("close_window").length === 0);
    window.__stubEmit("close-asked", null);
    await until(() => $("#close-question").open, "asked again");
    click("#close-background");
    await until(() => calls("close_window").length === 1 && window.__stubClosed.length > 0, "close_window");
    const saved = calls("save_settings").pop();
    check("the answer is saved with the other settings", saved && saved.args.settings.when_closed === "background" && saved.args.settings.check_interval_hours === 6, JSON.stringify(saved && saved.args));
    check("then the backend closes the window as answered", window.__stubClosed[window.__stubClosed.length - 1] === "background" && !$("#close-question").open);
    click("#open-settings");
    await until(() => visibleView() === "settings" && $("#settings-loading").hidden, "settings");
    check("Settings shows the answer and can change it", $("#setting-closed").value === "background" && $('label[for="setting-closed"]'), $("#setting-closed").value);
    /** @type {HTMLSelectElement} */ ($("#setting-closed")).value = "quit";
    $("#settings-form").requestSubmit();
    await until(() => calls("save_settings").length === 2, "saved");
    check("Settings saves the new answer", calls("save_settings").pop().args.settings.when_closed === "quit");
    check("the question is worded in French too", $$("#close-question [data-i18n]").length >= 7);
  });

  await step("picker: focused, Enter opens a lone match, a fresh search each time", async () => {
    await restart("");
    await h.toPicker();
    const search = $("#provider-search");
    check("the search box has the focus", document.activeElement === search, document.activeElement && document.activeElement.outerHTML.slice(0, 80));
    h.type(search, "jazz");
    check("one match", $$("#providers button[data-provider]").length === 1);
    h.pressKey("Enter", search);
    await until(() => visibleView() === "guide", "the guide of the lone match");
    check("Enter opened it", /JazzHR/.test($("#guide-title").textContent), $("#guide-title").textContent);
    click("#guide-back");
    await h.homeLoaded();
    click("#add-account");
    await until(() => visibleView() === "picker" && $$("#providers button[data-provider]").length, "picker again");
    check("the next Add account shows every system", search.value === "" && $$("#providers button[data-provider]").length === window.__stubCatalogue.en.length, `${search.value} ${$$("#providers button[data-provider]").length}`);
    h.type(search, "qqq");
    h.pressKey("Enter", search);
    check("Enter without a lone match stays", visibleView() === "picker");
    h.type(search, "");
    const range = document.createRange();
    const clipped = $$(".provider-card").filter((c) => {
      const name = c.querySelector(".provider-name");
      range.selectNodeContents(name);
      return range.getBoundingClientRect().right > c.getBoundingClientRect().right + 1;
    }).map((c) => c.querySelector(".provider-name").textContent);
    check("no name is cut short by its card", clipped.length === 0, clipped.join());
    const mono = (node) => /mono/i.test(getComputedStyle(node).fontFamily);
    check("the search box is not monospace", !mono(search), getComputedStyle(search).fontFamily);
    click('button[data-provider="namely"]');
    await until(() => visibleView() === "guide" && h.field("subdomain"), "namely form");
    check("the subdomain is not monospace, the token is", !mono(h.field("subdomain")) && mono(h.field("access_token")), `${getComputedStyle(h.field("subdomain")).fontFamily}`);
  });

  await step("keyboard: Try again without a red field; Escape goes back one step everywhere", async () => {
    await restart("");
    await h.toGuide();
    // As a person does: type the key, leave the field for Connect.
    h.type(h.field("api_token"), "wrong-token-000");
    h.field("api_token").dispatchEvent(new Event("blur"));
    click("button#connect");
    await h.waitResult();
    check("the result focuses its heading", document.activeElement === $("#result-title"));
    click("#retry");
    await until(() => visibleView() === "guide", "the form again");
    const secret = h.field("api_token");
    check("the emptied key field has the focus", document.activeElement === secret);
    await new Promise((resolve) => window.setTimeout(resolve, 400));
    check("and is not red before the person leaves it empty", secret.getAttribute("aria-invalid") !== "true" && $(`#${secret.dataset.errorId}`).hidden, secret.outerHTML);
    const escape = () => h.pressKey("Escape", document.activeElement || document.body);
    escape();
    await until(() => visibleView() === "picker", "Escape on the guide: the picker");
    check("Escape on the guide goes back to the picker", true);
    escape();
    await until(() => visibleView() === "home", "Escape on the picker: the accounts");
    check("Escape on the picker goes back to the accounts", true);
    await h.connectWith("wrong-token-000");
    await h.waitResult();
    escape();
    await until(() => visibleView() === "guide", "Escape on a failed result: the guide");
    check("Escape on a failed result goes back to the guide", true);
    await h.connectWith("good-token-1234567890");
    await h.waitResult();
    escape();
    await until(() => visibleView() === "home", "Escape on success: Done");
    await until(() => $$("#accounts [data-account-id]").length === 1, "the new account listed");
    check("Escape on a success is Done", true);
    click("#open-settings");
    await until(() => visibleView() === "settings" && $("#settings-loading").hidden, "settings");
    escape();
    await until(() => visibleView() === "home", "Escape on Settings");
    check("Escape on Settings goes back to the accounts", true);
    escape();
    check("Escape on the accounts page stays", visibleView() === "home");
  });

  await step("namely: the cleaned value in the box on leaving it, the address on the result", async () => {
    await restart("");
    await h.toGuide("namely");
    const sub = h.field("subdomain");
    h.type(sub, "https://acme.namely.com/people");
    sub.dispatchEvent(new Event("blur"));
    await until(() => sub.value === "acme", "the cleaned value");
    const note = $('[data-field="subdomain"] .field-note');
    check("the box shows the subdomain Keystep uses", sub.value === "acme");
    await new Promise((resolve) => window.setTimeout(resolve, 400));
    check("and the note still says what was removed", !note.hidden && /We removed/.test(note.textContent), note.textContent);
    h.type(h.field("access_token"), "tenant-token-1234567890");
    click("button#connect");
    await h.waitResult();
    check("the result names the address asked", /Keystep asked acme\.namely\.com\./.test($("#result-body").textContent), $("#result-body").textContent);
  });

  await step("a browser that cannot be opened: said so, with the address to copy", async () => {
    await restart("");
    await h.toGuide();
    const url = "https://app.humaans.io/settings/api-access-tokens";
    window.__stubFailNext("open_guide_link", { code: "internal", message: "Keystep could not open your web browser.", url });
    const linkStep = $$("#guide-steps > li").find((li) => li.querySelector('[data-action="open-link"]'));
    click(linkStep.querySelector('[data-action="open-link"]'));
    const note = () => linkStep.querySelector(".inline-note");
    await until(() => note().classList.contains("inline-note-error"), "the failure note");
    check("it says the browser was not opened, not that the page was", /could not be opened/.test(note().textContent) && !/Opened in your browser/.test(note().textContent), note().textContent);
    const address = note().querySelector("input");
    check("the address is there to copy", address && address.value === url && address.readOnly, address && address.outerHTML);
  });

  await step("labels in sentence case inside sentences, in both languages", async () => {
    await restart("");
    await h.toGuide("namely");
    click("button#connect");
    await until(() => !$("#form-errors").hidden, "the summary");
    const summary = $("#form-errors").textContent;
    check("“Paste your company subdomain”, not “your Company subdomain”", /Paste your company subdomain to continue/.test(summary) && !/your Company/.test(summary), summary);
    check("a label that opens with an acronym keeps it", h.midSentence("API token") === "API token" && h.midSentence("Service user ID") === "service user ID");
    await restart("?lang=fr");
    await h.toGuide("namely");
    click("button#connect");
    await until(() => !$("#form-errors").hidden, "le résumé");
    const fr = $("#form-errors").textContent;
    check("French too: “Collez votre sous-domaine…”", /Collez votre [a-zé]/.test(fr) && !/Collez votre [A-Z]/.test(fr), fr);
  });

  await step("times agree with the schedule; a new key is created today", async () => {
    await restart("?accounts=1");
    const first = $("#accounts [data-account-id]");
    check("a check due in 5 h 40 min reads “in 6 h”", /next check in 6 h/.test(first.textContent), first.textContent);
    await h.connectWith("good-token-1234567890", "hibob", { service_user_id: "SERVICE-1" });
    await h.waitResult();
    click("#done");
    await until(() => $$("#accounts [data-account-id]").length === 2, "two accounts");
    const text = $("#accounts").textContent;
    check("a new key is “created today”, not “0 days old”", /Key created today/.test(text) && !/Key 0 days old/.test(text), text);
  });

  await step("settings: each box beside its label; “Settings saved.” in view", async () => {
    await restart("");
    click("#open-settings");
    await until(() => visibleView() === "settings" && $("#settings-loading").hidden && getComputedStyle($("#setting-login").parentElement).flexDirection === "row", "settings styled");
    for (const id of ["setting-notifications", "setting-login"]) {
      const box = $(`#${id}`).getBoundingClientRect();
      const label = $(`label[for="${id}"]`).getBoundingClientRect();
      check(`the ${id} box is on its label's line, before it`, box.right <= label.left && Math.abs(box.top - label.top) < 12, `${JSON.stringify(box)} ${JSON.stringify(label)}`);
    }
    window.scrollTo(0, 0);
    $("#settings-save").focus();
    $("#settings-form").requestSubmit();
    await until(() => $("#settings-status").textContent, "saved");
    const status = $("#settings-status").getBoundingClientRect();
    check("“Settings saved.” is in view", status.top >= 0 && status.bottom <= window.innerHeight, `${status.top}-${status.bottom} of ${window.innerHeight}`);
    check("the focus stays on Save", document.activeElement === $("#settings-save"), document.activeElement && document.activeElement.id);
  });

  await step("accounts: trouble first; a new account shown in view", async () => {
    await restart("?accounts=3");
    const order = $$("#accounts [data-account-id]").map((c) => c.dataset.status);
    check("failing, then limited, then working", JSON.stringify(order) === JSON.stringify(["failing", "limited", "ok"]), JSON.stringify(order));
    await h.connectWith("good-token-1234567890", "hibob", { service_user_id: "SERVICE-1" });
    await h.waitResult();
    click("#done");
    await until(() => $$("#accounts [data-account-id]").length === 4, "four accounts");
    const fresh = $("#accounts .account-new");
    check("the new account is marked and has the focus", fresh && document.activeElement === fresh && /HiBob/.test(fresh.textContent), document.activeElement && document.activeElement.outerHTML.slice(0, 80));
    const box = fresh.getBoundingClientRect();
    check("and is in view", box.top >= 0 && box.top < window.innerHeight, `${box.top} of ${window.innerHeight}`);
    const asked = calls("list_last_uses").length;
    window.__stubEmit("accounts-changed", null);
    // The last uses are asked once the cards are drawn again.
    await until(() => calls("list_last_uses").length > asked, "the cards drawn again after accounts-changed");
    check("a redraw keeps the mark and the focus", $("#accounts .account-new") === fresh && document.activeElement === fresh, document.activeElement && document.activeElement.outerHTML.slice(0, 80));
    await h.connectWith("good-humaans-token-0123456789", "humaans");
    await h.waitResult();
    click("#done");
    await until(() => $$("#accounts [data-account-id]").length === 5, "five accounts");
    const marked = $$("#accounts .account-new");
    check("the mark moves to the account linked last: one card carries it", marked.length === 1 && marked[0] !== fresh, `${marked.length} marked`);
  });

  await step("account details: the buttons apart and alike; after Forget the checklist in view, the key's ending a fact", async () => {
    await restart("?accounts=3");
    await h.toAccount("acc-1");
    const buttons = $$("#account-actions > button");
    const gaps = buttons.slice(1).map((b, i) => b.getBoundingClientRect().left - buttons[i].getBoundingClientRect().right);
    const sameRow = buttons.every((b) => Math.abs(b.getBoundingClientRect().top - buttons[0].getBoundingClientRect().top) < 2);
    check("Check now, Replace key and Forget do not touch", buttons.length === 3 && (!sameRow || gaps.every((g) => g >= 6)), JSON.stringify(gaps));
    const border = (b) => getComputedStyle(b).borderTopColor;
    check("Forget has the same border as Check now", border(buttons[2]) === border(buttons[0]), `${border(buttons[2])} vs ${border(buttons[0])}`);
    click("#crumbs button");
    await h.homeLoaded();
    window.scrollTo(0, document.body.scrollHeight);
    const card = $$("#accounts [data-account-id]").pop();
    click(card.querySelector('[data-action="forget"]'));
    await until(() => card.querySelector(".confirm"), "the confirmation");
    click(card.querySelector('.confirm [data-action="confirm-forget"]') || card.querySelector(".confirm .btn-danger") || card.querySelector(".confirm button:last-child"));
    await until(() => $("#revoke-steps"), "the revoke checklist");
    await new Promise((resolve) => window.setTimeout(resolve, 100));
    const title = $(".revoke-title").getBoundingClientRect();
    const header = $(".app-header").getBoundingClientRect();
    check("its heading is in view, below the header", title.top >= header.bottom - 1 && title.bottom <= window.innerHeight, `${title.top} vs header ${header.bottom}`);
    check("and has the focus", document.activeElement === $(".revoke-title"));
    const fact = $("#revoke-steps .revoke-fact");
    check("“The key to revoke ends in …” is a fact, not a checkbox", fact && /ends in/.test(fact.textContent) && !$$("#revoke-steps label").some((l) => /ends in/.test(l.textContent)), $("#revoke-steps").textContent);
  });

  await step("error details add information; the keychain banner's Try again stays put", async () => {
    await restart("?seed=problem&accounts=1");
    await until(() => $("#notice-retry"), "the keychain banner");
    const retry = $("#notice-retry");
    const before = retry.getBoundingClientRect();
    const disclosure = $("#notice .tech-details");
    click(disclosure.querySelector("summary"));
    const after = retry.getBoundingClientRect();
    check("opening Details does not move Try again", before.top === after.top && before.left === after.left, `${JSON.stringify(before)} → ${JSON.stringify(after)}`);
    const text = disclosure.textContent;
    check("Details say the code, when, and the technical message", /keychain_unavailable/.test(text) && /When:/.test(text) && /Technical message:/.test(text), text);
  });

  await step("French at 800 px: the result's buttons fill even rows, nothing wider than the window", async () => {
    await restart("?lang=fr");
    await h.connectWith("missing-1");
    await h.waitResult();
    const box = $("#result-actions").getBoundingClientRect();
    const rows = new Map();
    for (const b of $$("#result-actions .btn").filter((b) => !b.hidden)) {
      const r = b.getBoundingClientRect();
      const key = Math.round(r.top);
      const row = rows.get(key) || { left: Infinity, right: -Infinity };
      rows.set(key, { left: Math.min(row.left, r.left), right: Math.max(row.right, r.right) });
    }
    const ragged = Array.from(rows.values()).filter((r) => Math.abs(r.left - box.left) > 2 || Math.abs(r.right - box.right) > 2);
    check(`every row of buttons spans the width (${window.innerWidth} px wide, ${rows.size} rows)`, window.innerWidth <= 820 && ragged.length === 0, JSON.stringify(Array.from(rows.values())));
    check("nothing is wider than the window", document.documentElement.scrollWidth <= window.innerWidth, `${document.documentElement.scrollWidth}`);
  });

  // Last: the slow list_providers it leaves pending settles after the self-test.
  await step("start-up: the accounts from the book at once, without waiting for the providers", async () => {
    await restart("?accounts=2&slow=list_providers");
    check("the cards are drawn while the providers still load", $$("#accounts [data-account-id]").length === 2 && $("#home-loading").hidden, `${$$("#accounts [data-account-id]").length}`);
    check("with their last known status", $$("#accounts [data-account-id] .chip").length >= 2);
  });
}

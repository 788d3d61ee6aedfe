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
}

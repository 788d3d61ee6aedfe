// Test-only: the harness self-test's checks for the picker at fifteen systems (issue 22):
// search by name and by other names, the two groups, each card's credential kind and
// whether it has permissions to tick, the keyboard, the empty result, and no sideways
// scroll in English and French. harness.js passes its helpers in; each step starts from a
// fresh page.

/**
 * @param {object} h the harness's helpers
 */
export async function pickerChecks(h) {
  const { check, step, $, $$, click, until, restart, visibleView } = h;
  const shownIds = () => $$("#providers button[data-provider]").map((b) => b.dataset.provider);
  const cardOf = (id) => $(`#providers button[data-provider="${id}"]`);
  const noSidewaysScroll = () => document.documentElement.scrollWidth <= document.documentElement.clientWidth;
  // A name, its other names or its kind line cut short by the card (the summary's one line
  // ends in an ellipsis on purpose).
  const clipped = () =>
    $$("#providers .provider-card")
      .filter((c) => c.scrollWidth > c.clientWidth + 1 || [...c.querySelectorAll(".provider-card-head, .provider-kind")].some((n) => n.scrollWidth > n.clientWidth + 1))
      .map((c) => c.dataset.provider);

  await step("picker at fifteen: groups, kinds, permissions", async () => {
    await restart("");
    await h.toPicker();
    const fixtures = window.__stubCatalogue.en;
    const groups = $$("#providers .provider-group");
    check("two groups, HR and payroll first", groups.map((g) => g.dataset.group).join() === "hris,ats", groups.map((g) => g.dataset.group).join());
    const heading = (g) => g && g.querySelector("h2") && g.querySelector("h2").textContent;
    check("their headings", heading(groups[0]) === "HR and payroll" && heading(groups[1]) === "Recruiting (ATS)", `${heading(groups[0])} / ${heading(groups[1])}`);
    for (const group of groups) {
      const members = $$("button[data-provider]", group).map((b) => b.dataset.provider).join();
      const expected = fixtures.filter((p) => p.category === group.dataset.group).map((p) => p.id).join();
      check(`the ${group.dataset.group} group holds exactly its systems`, members === expected, members);
      check(`the ${group.dataset.group} group is named by its heading`, group.getAttribute("aria-labelledby") === group.querySelector("h2").id);
    }
    check("HiBob and JazzHR are in their groups", $('[data-group="hris"] [data-provider="hibob"]') && $('[data-group="ats"] [data-provider="jazzhr"]'));
    const kind = (id) => cardOf(id).querySelector(".provider-kind").textContent;
    const expect = {
      humaans: "API token · Permissions to tick",
      bamboohr: "API key + company subdomain · Permissions to tick",
      greenhouse: "Client ID and secret · Permissions to tick",
      hibob: "User ID and token · Permissions to tick",
      factorial: "API key · No permissions to tick: full access",
      jazzhr: "API key · No permissions to tick",
      namely: "API token + company subdomain · No permissions to tick",
    };
    for (const [id, line] of Object.entries(expect)) check(`${id}'s card says its kind and permissions`, kind(id) === line, kind(id));
    check("every card has a kind line", $$("#providers .provider-card").every((c) => c.querySelector(".provider-credential").textContent && c.querySelector(".provider-scopes").textContent));
    check("other names are on the card", /also Bob/.test(cardOf("hibob").textContent) && /also Harvest/.test(cardOf("greenhouse").textContent), cardOf("hibob").textContent);
    check("no sideways scroll, no card cut short", noSidewaysScroll() && clipped().length === 0, `${document.documentElement.scrollWidth} ${clipped().join()}`);
  });

  await step("picker search: other names, Enter, arrows, nothing found", async () => {
    await restart("");
    await h.toPicker();
    const search = $("#provider-search");
    const top = $("#providers").getBoundingClientRect().top;
    for (const [query, ids] of [
      ["resumator", "jazzhr"],
      ["levertrm", "lever"],
      ["Harvest", "greenhouse"],
      ["bob", "hibob"],
      ["ashbyhq", "ashby"],
      ["client secret", "greenhouse,personio"],
      ["payroll subdomain", "bamboohr,namely"],
    ]) {
      h.type(search, query);
      const got = shownIds().join();
      // Each group keeps its place in reading order (HR and payroll first).
      const want = ids.split(",").sort((a, b) => (cardOf(a).closest("[data-group]").dataset.group === "hris" ? 0 : 1) - (cardOf(b).closest("[data-group]").dataset.group === "hris" ? 0 : 1)).join();
      check(`“${query}” finds ${ids}`, got === want, got);
    }
    h.type(search, "recruit");
    check("the list does not move as the search narrows it", Math.abs($("#providers").getBoundingClientRect().top - top) < 1, `${top} → ${$("#providers").getBoundingClientRect().top}`);
    check("the first match is marked for Enter, and the count says so", cardOf("ashby").classList.contains("is-first") && /Enter opens Ashby\./.test($("#provider-count").textContent), $("#provider-count").textContent);
    h.pressKey("ArrowDown", search);
    check("ArrowDown goes to the first card", document.activeElement === cardOf("ashby"));
    h.pressKey("ArrowDown");
    check("and to the next", document.activeElement === cardOf("greenhouse"));
    h.pressKey("ArrowUp");
    h.pressKey("ArrowUp");
    check("ArrowUp from the first card goes back to the search", document.activeElement === search);
    h.pressKey("Enter", search);
    await until(() => visibleView() === "guide", "the guide of the first match");
    check("Enter opens the first match", /Ashby/.test($("#guide-title").textContent), $("#guide-title").textContent);
    click("#guide-back");
    await h.homeLoaded();
    await h.toPicker();
    h.type(search, "resumator");
    h.pressKey("Enter", search);
    await until(() => visibleView() === "guide", "the guide of the lone match");
    check("Enter opens the lone match found by another name", /JazzHR/.test($("#guide-title").textContent), $("#guide-title").textContent);
    click("#guide-back");
    await h.homeLoaded();
    await h.toPicker();
    check("no Clear button while something matches", $("#picker-empty").hidden);
    h.type(search, "zzz");
    check("nothing found says so and offers clearing", shownIds().length === 0 && /No system matches “zzz”/.test($("#provider-count").textContent) && !$("#picker-empty").hidden && $("#picker-clear").offsetParent !== null, $("#provider-count").textContent);
    h.pressKey("Enter", search);
    check("Enter with nothing found stays", visibleView() === "picker");
    click("#picker-clear");
    check("Clear shows every system again, the search focused", search.value === "" && shownIds().length === window.__stubCatalogue.en.length && document.activeElement === search && $("#picker-empty").hidden);
  });

  await step("picker in French: groups, kinds, no sideways scroll", async () => {
    await restart("?lang=fr");
    await h.homeLoaded();
    click("#add-account");
    await until(() => $('button[data-provider="hibob"]') && /RH et paie/.test($("#providers").textContent), "French picker");
    const headings = $$("#providers .provider-group h2").map((n) => n.textContent).join(" / ");
    check("the groups in French", headings === "RH et paie / Recrutement (ATS)", headings);
    const kind = (id) => cardOf(id).querySelector(".provider-kind").textContent;
    check("kinds and permissions in French", kind("bamboohr") === "Clé d’API + sous-domaine de l’entreprise · Autorisations à cocher" && kind("factorial") === "Clé d’API · Aucune autorisation à cocher\u00a0: accès complet", `${kind("bamboohr")} | ${kind("factorial")}`);
    h.type($("#provider-search"), "bob");
    check("other names find in French too", shownIds().join() === "hibob" && /aussi Bob/.test(cardOf("hibob").textContent));
    h.type($("#provider-search"), "");
    check("no sideways scroll, no card cut short (French)", noSidewaysScroll() && clipped().length === 0, `${document.documentElement.scrollWidth} ${clipped().join()}`);
  });
}

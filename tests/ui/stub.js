// Test-only stand-in for the Rust side: defines window.__TAURI__.core.invoke and
// window.__TAURI__.event.listen following Keystep's IPC contract. NOT loaded by
// ui/index.html; the harness (tests/ui/harness.html) loads it before ui/app.js.
//
// Providers are the golden fixtures tests/ui/fixtures/providers.{en,fr}.json: exactly what
// list_providers({lang}) returns, regenerated from the real catalogue by the app's tests,
// so the stub cannot drift from the provider files.
//
// What the key decides, for link_account and relink_account (the first secret field's value):
//   starts with "good" or "new" -> success ("good-extra…": with an extra permission)
//   "missing…"  -> missing_permission (missing: the provider's first checklist item); with
//                 acceptMissing: true, linked as a limited account instead
//   "slow…"     -> never settles (to look at the "connecting" state and Cancel)
//   "late…"     -> succeeds after 1.5 s (to test a result arriving after Cancel)
//   "rate…"     -> rate_limited (retry_after_secs: 30)
//   "tenant…"   -> wrong_tenant;  "down…" -> unreachable
//   "dupe…"     -> already_linked (account_id: the provider's first account) when one exists
//   anything else -> bad_credentials
// relink_account: "other…" -> wrong_tenant; blank non-secret fields keep their stored values.
// Every value goes through the same checks as preview_fields first (invalid_input + field).
//
// Seeds (query string): ?accounts=N (1-3 simple accounts, then N-3 working ones), ?seed=lifecycle (accounts in
// every state, orphans and a start-up notice), ?seed=problem (the first reconcile can't
// list the keychain), ?lang=fr (settings.language), ?overrides=1 (KEYSTEP_*_URL overrides
// in effect, for the banner), ?slow=<command> (that command takes a minute), ?late=<command>
// (that command answers after the others),
// ?delay=<ms> (every other command's delay, 250 by default), ?keychain=locked|absent
// (get_keychain_state's answer; link and relink then verify the key and fail to store it:
// keychain_unavailable), ?flaky=<account id> (its checks get no answer: couldnt_check, as
// core records it), ?seed=safe (safe mode: the account list is too new, accounts shown
// from keychain labels, every change refused with read_only), ?first=1 (the window hands
// the first view's answers over with the page, as src-tauri/src/first_view.rs does),
// ?first=stale (the same, without the last account: linked after the window was made).
// Hooks: __stubFailNext(command, error), __stubRestart(query), __stubEmit(event, payload),
// __stubCalls (every call, secrets redacted), __stubReady (a promise: fixtures loaded),
// __stubCatalogue (the fixtures as loaded, by language), __stubTimeline (what was asked,
// answered and listened to, and the frames of start-up with the cards they drew),
// __stubListens(event) (whether the page listens to it).

(function () {
  "use strict";

  const NOW = Math.floor(Date.now() / 1000);
  const DAY = 86400;
  const HOUR = 3600;
  const here = document.currentScript ? document.currentScript.src : window.location.href;

  const CATALOGUE = { en: [], fr: [] };
  const ready = Promise.all(
    ["en", "fr"].map((lang) =>
      fetch(new URL(`fixtures/providers.${lang}.json`, here))
        .then((r) => (r.ok ? r.json() : Promise.reject(new Error(`fixtures/providers.${lang}.json: ${r.status}`))))
        .then((list) => {
          CATALOGUE[lang] = list;
        }),
    ),
  );
  window.__stubReady = ready;
  // The fixtures as loaded, for the harness to count providers instead of naming a number.
  window.__stubCatalogue = CATALOGUE;

  const provider = (id) => CATALOGUE.en.find((p) => p.id === id);
  const requiredOf = (p) => p.steps.flatMap((s) => s.checklist || []);
  // What purpose `id` of provider `p` needs (older accounts: `full`, everything).
  const purposePerms = (p, id) => {
    const found = (p.purposes || []).find((x) => x.id === id);
    return found ? found.permissions.slice() : requiredOf(p);
  };

  function account(id, providerId, label, extra) {
    const p = provider(providerId);
    const required = requiredOf(p);
    return Object.assign(
      {
        id,
        handle: `${p.id}-${label.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "")}`,
        provider: p.id,
        provider_name: p.name,
        label,
        company: label,
        head_count: 42,
        user: "jane@acme.example",
        status: "ok",
        last_code: null,
        fingerprint: "…x7Qa",
        fields: {},
        created_at: NOW - 40 * DAY,
        changed_at: NOW - 40 * DAY,
        checked_at: NOW - 180,
        verified_at: NOW - 180,
        message: `Connected to ${label} (42 people)`,
        permissions: { required, granted: required.slice(), missing: [], extra: [], unchecked: [] },
        purpose: "full",
        key_age_days: 40,
        rotation_due: false,
        expires_at: null,
        expiry_warning: false,
        couldnt_check: null,
        next_check_at: NOW + 5 * HOUR + 40 * 60,
      },
      extra || {},
    );
  }

  let params = new URLSearchParams(window.location.search);
  const accounts = [];
  const orphans = [];
  const history = new Map();
  let settings = null;
  // What each close_window call did (the saved when_closed at the time): the harness reads it.
  const closed = [];
  window.__stubClosed = closed;
  let reconcileProblem = null; // reported by the next reconcile, then cleared
  let notice = null;
  let safeMode = null; // ?seed=safe: every change is refused with read_only
  // When this page's story began: the use log's times are fixed from then, as the backend's
  // are, so asking again answers the same.
  let seededAt = Math.floor(Date.now() / 1000);
  const failNext = {};

  function seedFrom(query) {
    params = new URLSearchParams(query);
    seededAt = Math.floor(Date.now() / 1000);
    accounts.length = 0;
    orphans.length = 0;
    history.clear();
    reconcileProblem = null;
    notice = null;
    safeMode = null;
    settings = { check_interval_hours: 6, notifications: true, start_at_login: false, rotation_reminder_days: null, language: params.get("lang") || "system", when_closed: "ask" };
    const seed = params.get("seed") || "";
    const count = Number(params.get("accounts") || "0");
    if (seed === "lifecycle") {
      settings.rotation_reminder_days = 180;
      accounts.push(account("acc-1", "humaans", "Acme Ltd", { created_at: NOW - 120 * DAY }));
      accounts.push(
        account("acc-2", "hibob", "Globex", {
          head_count: 310,
          status: "limited",
          last_code: "missing_permission",
          fingerprint: "…Pq92",
          checked_at: NOW - 3 * HOUR,
          verified_at: NOW - 3 * HOUR,
          created_at: NOW - 200 * DAY,
          changed_at: NOW - 200 * DAY,
          key_age_days: 200,
          rotation_due: true,
          fields: { service_user_id: "SERVICE-4412", environment: "sandbox" },
          sandbox: true,
          message: "The service user works, but its permission group lacks Payroll (view).",
          permissions: { required: ["People's data (view)", "Payroll (view)"], granted: ["People's data (view)"], missing: ["Payroll (view)"], extra: [], unchecked: [] },
        }),
      );
      accounts.push(
        account("acc-3", "humaans", "Initech", {
          status: "needs_relink",
          fingerprint: "…Zz01",
          verified_at: NOW - 9 * DAY,
          checked_at: NOW - 60,
          created_at: NOW - 300 * DAY,
          changed_at: NOW - 300 * DAY,
          key_age_days: 300,
          message: "The Humaans key is no longer in your system keychain (it was removed outside Keystep). Relink the account with a key.",
        }),
      );
      accounts.push(
        account("acc-4", "jazzhr", "Hooli Jobs", {
          company: null,
          head_count: null,
          user: "talent@hooli.example",
          status: "unknown",
          last_code: "unreachable",
          fingerprint: "…m3Jk",
          checked_at: NOW - 20 * 60,
          verified_at: NOW - 2 * DAY,
          key_age_days: 12,
          changed_at: NOW - 12 * DAY,
          couldnt_check: { code: "unreachable", since: NOW - 2 * DAY, attempts: 4, next_try_at: NOW + 25 * 60 },
          message: "Keystep could not reach JazzHR.",
          permissions: { required: [], granted: [], missing: [], extra: [], unchecked: [] },
        }),
      );
      accounts.push(
        account("acc-5", "namely", "Umbrella Corp", {
          head_count: 142,
          fingerprint: "…8wQe",
          key_age_days: 710,
          changed_at: NOW - 710 * DAY,
          created_at: NOW - 710 * DAY,
          rotation_due: true,
          expires_at: NOW + 20 * DAY,
          expiry_warning: true,
          life: { state: "expires", at: NOW + 20 * DAY, days_left: 20, soon: true },
          couldnt_check: { code: "rate_limited", since: NOW - HOUR, attempts: 1, next_try_at: NOW + 10 * 60 },
          // Its last check got no answer: the attempt is dated, the last verdict is older.
          verified_at: NOW - 6 * HOUR,
          fields: { subdomain: "umbrella" },
          message: "Connected to Umbrella Corp (142 active employees)",
          permissions: { required: [], granted: [], missing: [], extra: [], unchecked: [] },
        }),
      );
      history.set("acc-1", [
        { at: NOW - 180, status: "ok", code: null, granted: requiredOf(provider("humaans")), missing: [] },
        { at: NOW - 6 * HOUR, status: "ok", code: null, granted: requiredOf(provider("humaans")), missing: [] },
        { at: NOW - 12 * HOUR, status: "unknown", code: "unreachable", granted: [], missing: [] },
        { at: NOW - 18 * HOUR, status: "limited", code: "missing_permission", granted: ["public:read"], missing: ["documents:read"] },
      ]);
      orphans.push({ account: "orph-1", label: "Keystep — Humaans (Umbrella Corp)" });
      orphans.push({ account: "orph-2", label: "Keystep — JazzHR (Hooli Jobs)" });
      notice = { code: "recovered", kept_as: "accounts.json.damaged-1700000000", rebuilt: 1, detail: "it is not valid JSON: EOF while parsing a list at line 1 column 31" };
      return;
    }
    if (seed === "safe") {
      safeMode = { reason: "too_new", detail: "schema 2", rebuilt: true };
      accounts.push(account("acc-1", "humaans", "Acme Ltd", { status: "unknown", fingerprint: "" }));
      orphans.push({ account: "orph-1", label: "Keystep — Humaans (Umbrella Corp)" });
      return;
    }
    if (seed === "problem") {
      reconcileProblem = { code: "keychain_unavailable", message: "Keystep could not open your system keychain. Unlock it (or start your keyring service) and try again." };
    }
    if (count >= 1) accounts.push(account("acc-1", "humaans", "Acme Ltd"));
    if (count >= 2) {
      accounts.push(
        account("acc-2", "hibob", "Globex", {
          status: "limited",
          last_code: "missing_permission",
          fingerprint: "…Pq92",
          checked_at: NOW - 3 * HOUR,
          verified_at: NOW - 3 * HOUR,
          changed_at: NOW - 200 * DAY,
          key_age_days: 200,
          fields: { service_user_id: "SERVICE-4412", environment: "production" },
          permissions: { required: ["People's data (view)", "Payroll (view)"], granted: ["People's data (view)"], missing: ["Payroll (view)"], extra: [], unchecked: [] },
        }),
      );
    }
    if (count >= 3) {
      accounts.push(
        account("acc-3", "payfit", "Initech", {
          status: "failing",
          last_code: "bad_credentials",
          fingerprint: "…Zz01",
          checked_at: NOW - 2 * DAY,
          verified_at: NOW - 9 * DAY,
          message: "PayFit did not accept this API key, or reports it as revoked.",
        }),
      );
    }
    // Beyond three, working accounts: a list longer than a screen (start-up draws a
    // screenful of cards before its first paint, the rest after it).
    for (let k = 4; k <= count; k += 1) accounts.push(account(`acc-${k}`, "humaans", `Company ${k}`));
  }

  const calls = [];
  window.__stubCalls = calls;
  // Asks and answers in the order they happened, to see what the window asks side by side.
  const timeline = [];
  window.__stubTimeline = timeline;
  // When each entry happened (performance.now(): the self-test's virtual clock).
  const timelineAt = [];
  window.__stubTimelineAt = timelineAt;
  /** @param {string} entry */
  function note(entry) {
    timeline.push(entry);
    timelineAt.push(performance.now());
  }
  const delay = () => Number(params.get("delay") || "250");

  // Tauri's event API, as far as Keystep uses it: listen() -> Promise<unlisten>.
  const listeners = new Map();
  let listenerId = 0;
  function listen(name, handler) {
    note(`listened ${name}`);
    listenerId += 1;
    const id = listenerId;
    listeners.set(id, { name, handler });
    return Promise.resolve(() => listeners.delete(id));
  }
  /** Uses recorded by another process (`__stubUseFromOutside`). */
  const outsideUses = [];
  function emit(name, payload) {
    for (const { name: wanted, handler } of Array.from(listeners.values())) {
      if (wanted === name) handler({ event: name, id: 0, payload });
    }
  }
  /** link-progress {check, doing} for each check of the chain while a request runs. */
  function progress(p) {
    const checks = p ? p.checks : [];
    const total = Math.min(delay(), 400 * (checks.length + 1));
    checks.forEach((check, index) =>
      window.setTimeout(() => emit("link-progress", { check: check.id, doing: check.doing }), Math.floor((total * (index + 1)) / (checks.length + 1))),
    );
  }

  function later(fn, command) {
    // ?slow=check_account: that command takes a minute (to look at its busy state).
    // ?late=list_host_overrides: that command answers after the others (three times the delay).
    const wait = command && params.getAll("slow").includes(command) ? 60000 : command && params.getAll("late").includes(command) ? 3 * delay() : delay();
    return new Promise((resolve, reject) => {
      window.setTimeout(() => {
        Promise.resolve()
          .then(fn)
          .then(resolve, reject);
      }, wait);
    });
  }

  function fail(code, message, extra) {
    return Object.assign({ code, message }, extra || {});
  }

  function requireArgs(command, args, names, optional = []) {
    if (!args || typeof args !== "object") throw fail("internal", `stub: ${command} called without an args object`);
    for (const name of names) {
      if (!(name in args)) throw fail("internal", `stub: ${command} missing argument ${name}`);
    }
    for (const name of Object.keys(args)) {
      if (!names.includes(name) && !optional.includes(name)) throw fail("internal", `stub: ${command} got an unknown argument ${name}`);
    }
  }

  // --- preview_fields: the normalizers and checks link_account runs (core's input.rs) ---

  function normalize(field, raw) {
    const notes = [];
    let v = String(raw);
    const trimmed = v.trim();
    if (trimmed !== v && trimmed) notes.push("trimmed_whitespace");
    v = trimmed;
    const quoted = v.match(/^(["'`“‘«])\s*(.*?)\s*(["'`”’»])$/);
    if (quoted && quoted[2]) {
      v = quoted[2];
      notes.push("removed_quotes");
    }
    if (field.kind === "token") {
      if (/^authorization:\s*/i.test(v)) {
        v = v.replace(/^authorization:\s*/i, "");
        notes.push("removed_authorization_prefix");
      }
      if (/^bearer\s+/i.test(v)) {
        v = v.replace(/^bearer\s+/i, "");
        notes.push("removed_bearer_prefix");
      } else if (/^token\s+/i.test(v)) {
        v = v.replace(/^token\s+/i, "");
        notes.push("removed_token_prefix");
      }
    }
    if (field.kind === "subdomain") {
      if (/^https?:\/\//i.test(v)) {
        v = v.replace(/^https?:\/\//i, "");
        notes.push("removed_scheme");
      }
      if (/[/?#]/.test(v)) {
        v = v.split(/[/?#]/)[0];
        notes.push("removed_path");
      }
      const domain = `.${field.domain}`;
      if (field.domain && v.toLowerCase().endsWith(domain)) {
        v = v.slice(0, -domain.length);
        notes.push("removed_domain");
      }
    }
    return { value: v, notes };
  }

  function preview(p, fields) {
    const notes = [];
    const problems = [];
    const values = {};
    for (const key of Object.keys(fields)) {
      if (!p.fields.some((f) => f.key === key)) problems.push({ field: key, problem: "unknown_field" });
    }
    for (const field of p.fields) {
      const raw = key(fields, field.key);
      if (field.kind === "choice") {
        const value = raw.trim() || field.default || "";
        values[field.key] = value;
        if (!value) problems.push({ field: field.key, problem: "empty" });
        else if (!field.options.some((o) => o.value === value)) problems.push({ field: field.key, problem: "not_an_option" });
        continue;
      }
      const { value, notes: changes } = normalize(field, raw);
      values[field.key] = value;
      for (const change of changes) notes.push({ field: field.key, change });
      if (!value) problems.push({ field: field.key, problem: "empty" });
      else if (value.length > 4096) problems.push({ field: field.key, problem: "too_long" });
      else if (/\s/.test(value)) problems.push({ field: field.key, problem: "inner_space" });
      else if (/[\u200b-\u200f\u2060\ufeff]/.test(value)) problems.push({ field: field.key, problem: "invisible" });
      else if (field.kind === "subdomain" && /\./.test(value)) problems.push({ field: field.key, problem: "other_domain" });
      else if (field.kind === "subdomain" && !/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i.test(value)) problems.push({ field: field.key, problem: "not_a_subdomain" });
    }
    const texts = p.fields.filter((f) => f.kind !== "choice");
    texts.forEach((field, i) => {
      for (const before of texts.slice(0, i)) {
        if (values[field.key] && values[field.key] === values[before.key] && !problems.some((x) => x.field === field.key)) {
          problems.push({ field: field.key, problem: "same_value", other: before.key });
        }
      }
    });
    return { notes, problems, values };
  }

  function key(fields, name) {
    return Object.prototype.hasOwnProperty.call(fields, name) && fields[name] !== null && fields[name] !== undefined ? String(fields[name]) : "";
  }

  function englishProblem(p, problem) {
    const field = p.fields.find((f) => f.key === problem.field);
    return `${field ? field.label : problem.field}: ${problem.problem.replace(/_/g, " ")}.`;
  }

  // --- link, relink and the rest ---

  function providerArg(command, id) {
    const p = provider(id);
    if (!p) throw fail("not_found", "Keystep doesn't know this system.");
    return p;
  }

  function providerMessage(p, code, extra) {
    const template = p.messages && p.messages[code];
    if (!template || (template.includes("{missing}") && !(extra.missing || []).length)) return null;
    return template
      .replace(/\{provider\}/g, p.name)
      .replace(/\{missing\}/g, (extra.missing || []).join(", "))
      .replace(/\{retry\}/g, "in 30 seconds")
      .replace(/\{([a-z_]+)\}/g, (whole, name) => (extra.values && extra.values[name]) || whole);
  }

  /** Rejections shared by link and relink (the key itself decides). */
  function verdict(p, token, values) {
    const say = (code, fallback, extra) => {
      throw fail(code, providerMessage(p, code, Object.assign({ values }, extra || {})) || fallback, extra);
    };
    if (token.startsWith("rate")) say("rate_limited", `${p.name} is asking Keystep to slow down. Try again in 30 seconds.`, { retry_after_secs: 30 });
    if (token.startsWith("missing")) {
      const missing = requiredOf(p).slice(0, 1);
      say("missing_permission", `The key works, but it can't read everything Keystep needs (${missing.join(", ") || "a permission"}).`, { missing: missing.length ? missing : ["read access"] });
    }
    if (token.startsWith("tenant")) say("wrong_tenant", `Keystep could not find your company at ${p.name}.`);
    if (token.startsWith("down")) say("unreachable", `Keystep could not reach ${p.name}. Check your internet connection.`);
  }

  function secretKey(p) {
    return p.fields.find((f) => f.secret).key;
  }

  function fingerprintOf(token) {
    return token.length >= 16 ? `…${token.slice(-4)}` : "";
  }

  function checkedPreview(p, fields) {
    const result = preview(p, fields);
    if (result.problems.length) {
      throw fail("invalid_input", englishProblem(p, result.problems[0]), { field: result.problems[0].field });
    }
    return result;
  }

  function publicOf(p, values) {
    const out = {};
    for (const field of p.fields.filter((f) => !f.secret)) out[field.key] = values[field.key];
    return out;
  }

  /**
   * @param {object} args link_account's
   * @param {boolean} [held] linking the key a refusal held ("Link anyway", link_pending)
   */
  async function linkAccount(args, held = false) {
    requireArgs("link_account", args, ["provider", "fields"], ["purpose", "name"]);
    const p = providerArg("link_account", args.provider);
    const { values, notes } = checkedPreview(p, args.fields);
    const token = values[secretKey(p)];
    if (token.startsWith("slow")) return new Promise(() => {});
    if (token.startsWith("late")) await new Promise((r) => window.setTimeout(r, 1500));
    // "Link anyway" (link_pending) links a held key that only lacks permissions, as limited.
    const limited = held && token.startsWith("missing");
    if (token.startsWith("missing") && !limited) {
      // As the backend: refused, and the verified key held under an id for link_pending.
      pendingId += 1;
      pending = { id: `pending-${pendingId}`, provider: p.id, fields: args.fields, purpose: args.purpose };
      const missing = requiredOf(p).slice(0, 1);
      throw fail("missing_permission", providerMessage(p, "missing_permission", { values, missing }) || "The key works, but lacks permissions.", { missing, pending: pending.id });
    }
    if (!limited) verdict(p, token, values);
    const existing = accounts.find((a) => a.provider === p.id);
    if (token.startsWith("dupe") && existing) {
      throw fail("already_linked", `This ${p.name} account is already linked as “${existing.label}”. Choose Replace key on “${existing.label}” instead of linking it again.`, {
        account_id: existing.id,
      });
    }
    if (!limited && !token.startsWith("good") && !token.startsWith("new") && !token.startsWith("dupe") && !token.startsWith("late")) {
      throw fail("bad_credentials", providerMessage(p, "bad_credentials", { values }) || `${p.name} did not accept this key.`);
    }
    storeOrFail();
    const now = Math.floor(Date.now() / 1000);
    const purpose = typeof args.purpose === "string" ? args.purpose : "read";
    const required = purposePerms(p, purpose);
    // "good-extra…": a key with every permission, so what the purpose does not need is extra.
    const beyond = purposePerms(p, "full").filter((n) => !required.includes(n));
    const made = account(`acc-${calls.length}-${Date.now()}`, p.id, typeof args.name === "string" && args.name.trim() ? args.name.trim() : "Acme Ltd", {
      purpose,
      fingerprint: fingerprintOf(token),
      checked_at: now,
      verified_at: now,
      created_at: now,
      changed_at: now,
      key_age_days: 0,
      next_check_at: now + 6 * HOUR,
      fields: publicOf(p, values),
      permissions: limited
        ? { required, granted: required.slice(1), missing: required.slice(0, 1), extra: [], unchecked: [] }
        : { required, granted: required.slice(), missing: [], extra: token.startsWith("good-extra") ? (beyond.length ? beyond : ["compensation:read"]) : [], unchecked: [] },
    });
    if (limited) Object.assign(made, { status: "limited", last_code: "missing_permission" });
    accounts.push(made);
    history.set(made.id, [{ at: now, status: "ok", code: null, granted: required.slice(), missing: [] }]);
    return Object.assign(view(made), {
      notes: notes.map((n) => ({ field: n.field, change: n.change })),
      stored_in: { store: "secret_service", label: `Keystep — ${p.name} (Acme Ltd)` },
    });
  }

  // The one key held for "Link anyway" (the backend's state::PendingLink), and its count.
  let pending = null;
  let pendingId = 0;

  async function linkPending(args) {
    requireArgs("link_pending", args, ["id"]);
    const held = pending;
    pending = null;
    if (!held || held.id !== args.id) throw fail("not_found", "Keystep no longer holds that key: it keeps one for ten minutes, to link once. Paste it again.");
    const again = { provider: held.provider, fields: held.fields };
    if (held.purpose !== undefined) again.purpose = held.purpose;
    return linkAccount(again, true);
  }

  /** What each account shares with assistants (share_account_fields). */
  const sharedFields = new Map();
  /** get_assistant_setup's answer for `account`, as core builds it. */
  function assistantView(account) {
    const entry = { command: "/usr/bin/keystep", args: ["mcp", "--account", account.handle] };
    const json = (outer, typed) => `{\n  "${outer}": {\n    "keystep": {${typed}\n      "command": "${entry.command}",\n      "args": [${entry.args.map((a) => `"${a}"`).join(", ")}]\n    }\n  }\n}`;
    const shared = sharedFields.get(account.id) || new Set();
    return {
      snippets: [
        { assistant: "claude-desktop", text: json("mcpServers", "") },
        { assistant: "claude-code", text: `claude mcp add --scope user keystep -- ${entry.command} ${entry.args.join(" ")}` },
        { assistant: "cursor", text: json("mcpServers", "") },
        { assistant: "vscode", text: json("servers", '\n      "type": "stdio",') },
      ],
      categories: ["pay", "bank", "national_id", "date_of_birth", "home_address", "health", "demographics", "background"].map((category) => ({ category, shared: shared.has(category), known: category !== "background" })),
      references: [{ field: "api_token", reference: `keystep://${account.handle}/api_token` }],
      keystep_found: true,
    };
  }

  function find(id) {
    const found = accounts.find((a) => a.id === id);
    if (!found) throw fail("not_found", "This account is no longer linked.");
    return found;
  }

  function view(stored) {
    return JSON.parse(JSON.stringify(stored));
  }

  async function relinkAccount(args) {
    requireArgs("relink_account", args, ["id", "fields"]);
    const stored = find(args.id);
    const p = provider(stored.provider);
    const fields = {};
    for (const field of p.fields) {
      const sent = key(args.fields, field.key);
      // Non-secret fields left blank keep their stored values.
      fields[field.key] = !field.secret && !sent.trim() && stored.fields[field.key] ? stored.fields[field.key] : sent;
    }
    const { values } = checkedPreview(p, fields);
    const token = values[secretKey(p)];
    if (token.startsWith("slow")) return new Promise(() => {});
    verdict(p, token, values);
    if (token.startsWith("other")) {
      throw fail("wrong_tenant", `This key reaches another company than “${stored.label}”, so nothing was changed.`);
    }
    if (!token.startsWith("good") && !token.startsWith("new")) {
      throw fail("bad_credentials", providerMessage(p, "bad_credentials", { values }) || `${p.name} did not accept this key.`);
    }
    storeOrFail();
    const now = Math.floor(Date.now() / 1000);
    Object.assign(stored, {
      status: "ok",
      last_code: null,
      couldnt_check: null,
      fingerprint: fingerprintOf(token),
      verified_at: now,
      checked_at: now,
      changed_at: now,
      key_age_days: 0,
      rotation_due: false,
      fields: publicOf(p, values),
      message: `Connected to ${stored.company || stored.label} (42 people)`,
    });
    stored.permissions = Object.assign({}, stored.permissions, { granted: stored.permissions.required.slice(), missing: [] });
    // Team store copies take the new key, except one whose address names "theirs" (someone
    // changed it outside Keystep).
    const outcomes = (stored.copies || []).map((c) => (/theirs/.test(c.target) ? { target: c.target, ok: false, code: "store_changed", message: `The copy at ${c.target} was changed outside Keystep.` } : { target: c.target, ok: true, message: "written", version: String(Number(c.version) + 1) }));
    stored.copies = (stored.copies || []).map((c, i) => Object.assign({}, c, outcomes[i].ok ? { version: outcomes[i].version, state: "current" } : { state: "changed_outside", last_code: "store_changed" }));
    return Object.assign(view(stored), { stored_in: { store: "secret_service", label: `Keystep — ${p.name} (${stored.label})` } }, outcomes.length ? { copy_outcomes: outcomes } : {});
  }

  function checkOne(stored) {
    const now = Math.floor(Date.now() / 1000);
    stored.checked_at = now;
    stored.next_check_at = now + settings.check_interval_hours * HOUR;
    const flaky = params.getAll("flaky").includes(stored.id) && stored.status !== "needs_relink";
    if (flaky) {
      // ?flaky=<id>: its provider gives no answer. As core's health.rs: the attempt is
      // dated (checked_at), the last verdict (verified_at, status) stands until the third.
      const attempts = stored.couldnt_check ? stored.couldnt_check.attempts + 1 : 1;
      stored.couldnt_check = { code: "unreachable", since: stored.couldnt_check ? stored.couldnt_check.since : now, attempts, next_try_at: now + 10 * 60 };
      stored.next_check_at = now + 10 * 60;
      if (attempts >= 3) Object.assign(stored, { status: "unknown", last_code: "unreachable" });
    } else if (stored.status !== "needs_relink") {
      stored.verified_at = now;
      stored.couldnt_check = null;
      if (stored.status === "unknown" || stored.status === "failing") {
        stored.status = "ok";
        stored.last_code = null;
      }
    }
    const list = history.get(stored.id) || [];
    list.unshift({ at: now, status: stored.status, code: flaky ? "unreachable" : stored.last_code, granted: stored.permissions.granted.slice(), missing: stored.permissions.missing.slice() });
    history.set(stored.id, list.slice(0, 50));
  }

  function checkAccount(args) {
    requireArgs("check_account", args, ["id"]);
    const stored = find(args.id);
    checkOne(stored);
    return view(stored);
  }

  async function checkAllAccounts(args) {
    requireArgs("check_all_accounts", args, []);
    emit("checks-running", { running: true });
    await new Promise((r) => window.setTimeout(r, delay() * 2));
    for (const stored of accounts) checkOne(stored);
    emit("accounts-changed", null);
    emit("checks-running", { running: false });
    return null;
  }

  function renameAccount(args) {
    requireArgs("rename_account", args, ["id", "label"]);
    const label = String(args.label).trim();
    if (!label || Array.from(label).length > 80 || /[\u0000-\u001f\u007f]/.test(label)) {
      throw fail("invalid_input", "A name needs 1 to 80 characters, on one line.", { field: "label" });
    }
    const stored = find(args.id);
    stored.label = label;
    return view(stored);
  }

  function setAccountPurpose(args) {
    requireArgs("set_account_purpose", args, ["id", "purpose"]);
    const stored = find(args.id);
    const p = provider(stored.provider);
    if (!(p.purposes || []).some((x) => x.id === args.purpose)) throw fail("invalid_input", "No such purpose.", { field: "purpose" });
    // What the key holds stays; what the new purpose needs decides missing and extra.
    const held = [...stored.permissions.granted, ...stored.permissions.extra];
    const required = purposePerms(p, String(args.purpose));
    stored.purpose = String(args.purpose);
    stored.permissions = {
      required,
      granted: required.filter((n) => held.includes(n)),
      missing: required.filter((n) => !held.includes(n)),
      extra: held.filter((n) => !required.includes(n)),
      unchecked: [],
    };
    if (stored.permissions.missing.length) Object.assign(stored, { status: "limited", last_code: "missing_permission" });
    else Object.assign(stored, { status: "ok", last_code: null });
    return view(stored);
  }

  function reconcileAccounts(args) {
    requireArgs("reconcile_accounts", args, []);
    if (reconcileProblem) {
      const problem = reconcileProblem;
      reconcileProblem = null;
      return { needs_relink: [], orphans: [], problem, notice: null };
    }
    if (safeMode) return { needs_relink: [], orphans: [], problem: null, notice: null, safe_mode: Object.assign({}, safeMode) };
    return {
      needs_relink: accounts.filter((a) => a.status === "needs_relink").map((a) => a.id),
      orphans: orphans.map((o) => Object.assign({}, o)),
      problem: null,
      notice,
      safe_mode: null,
    };
  }

  // A leftover item becomes an account again from its label ("Keystep — <provider> (<name>)"),
  // as core's restore: to check, or to relink where the provider has a non-secret field.
  function restoreOrphan(args) {
    requireArgs("restore_orphan", args, ["id"]);
    const existing = accounts.find((a) => a.id === args.id);
    if (existing) return view(existing);
    const index = orphans.findIndex((o) => o.account === args.id);
    if (index < 0) throw fail("not_found", "No Keystep keychain item has that id.");
    const match = /^Keystep — (.+) \((.+)\)$/.exec(orphans[index].label);
    const p = match && CATALOGUE.en.find((x) => x.name === match[1]);
    if (!p) throw fail("not_found", "Keystep doesn't know this system.");
    const lost = p.fields.some((f) => !f.secret && f.kind !== "choice");
    const made = account(args.id, p.id, match[2], {
      status: lost ? "needs_relink" : "unknown",
      fingerprint: "",
      verified_at: 0,
      checked_at: 0,
      head_count: null,
      user: null,
      key_age_days: 0,
      message: "Recovered from your system keychain after Keystep's account list was lost. Check it to refresh its details.",
    });
    accounts.push(made);
    orphans.splice(index, 1);
    return view(made);
  }

  function removeOrphan(args) {
    requireArgs("remove_orphan", args, ["id"]);
    if (accounts.some((a) => a.id === args.id)) {
      throw fail("invalid_input", "That keychain item belongs to a linked account. Forget the account to remove its key.");
    }
    const index = orphans.findIndex((o) => o.account === args.id);
    if (index >= 0) orphans.splice(index, 1);
    return null;
  }

  function saveSettings(args) {
    requireArgs("save_settings", args, ["settings"]);
    const s = args.settings || {};
    const wanted = ["check_interval_hours", "notifications", "start_at_login", "rotation_reminder_days", "language", "when_closed"];
    for (const name of Object.keys(s)) if (!wanted.includes(name)) throw fail("invalid_input", `Unknown setting ${name}.`, { field: name });
    if (!Number.isInteger(s.check_interval_hours) || s.check_interval_hours < 1 || s.check_interval_hours > 168) {
      throw fail("invalid_input", "The check interval must be 1 to 168 hours.", { field: "check_interval_hours" });
    }
    if (typeof s.notifications !== "boolean") throw fail("invalid_input", "notifications must be true or false.", { field: "notifications" });
    if (typeof s.start_at_login !== "boolean") throw fail("invalid_input", "start_at_login must be true or false.", { field: "start_at_login" });
    if (s.rotation_reminder_days !== null && !(Number.isInteger(s.rotation_reminder_days) && s.rotation_reminder_days > 0)) {
      throw fail("invalid_input", "The rotation reminder must be off or a number of days.", { field: "rotation_reminder_days" });
    }
    if (!["system", "en", "fr"].includes(s.language)) throw fail("invalid_input", "The language must be system, en or fr.", { field: "language" });
    if (!["ask", "background", "quit"].includes(s.when_closed)) throw fail("invalid_input", "when_closed must be ask, background or quit.", { field: "when_closed" });
    settings = Object.assign({}, s);
    return Object.assign({}, settings);
  }

  // The commands a call reports progress for (link-progress) while it talks to a provider.
  const PROGRESS = {
    link_account: (args) => provider(args && args.provider),
    relink_account: (args) => {
      const stored = accounts.find((a) => a.id === (args && args.id));
      return stored ? provider(stored.provider) : null;
    },
    check_account: (args) => {
      const stored = accounts.find((a) => a.id === (args && args.id));
      return stored && stored.status !== "needs_relink" ? provider(stored.provider) : null;
    },
  };

  const COMMANDS = {
    list_providers: (args) => {
      requireArgs("list_providers", args, ["lang"]);
      const lang = /^fr\b/i.test(String(args.lang || "")) ? "fr" : "en";
      return JSON.parse(JSON.stringify(CATALOGUE[lang]));
    },
    preview_fields: (args) => {
      requireArgs("preview_fields", args, ["provider", "fields"]);
      const p = providerArg("preview_fields", args.provider);
      const { notes, problems } = preview(p, args.fields || {});
      return { notes, problems };
    },
    list_accounts: (args) => {
      requireArgs("list_accounts", args, []);
      return JSON.parse(JSON.stringify(accounts));
    },
    link_account: (args) => linkAccount(args),
    link_pending: linkPending,
    relink_account: relinkAccount,
    check_account: checkAccount,
    check_all_accounts: checkAllAccounts,
    list_checks: (args) => {
      requireArgs("list_checks", args, ["id"]);
      find(args.id);
      return JSON.parse(JSON.stringify(history.get(args.id) || []));
    },
    // The same story as list_recent_use: acc-1 was last used by sync.py three hours ago.
    // And acc-2 by an AI assistant through keystep mcp, two minutes ago. Like the backend,
    // one entry an account: its latest use (a use from outside, a minute ago, is later).
    list_last_uses: () => {
      const now = seededAt;
      const uses = [
        { account: "acc-1", at: now - 3 * 3600, command: "sync.py", assistant: false },
        { account: "acc-2", at: now - 120, command: "Claude Desktop", assistant: true },
        ...outsideUses.filter((u) => u.account !== "acc-1").map((u) => ({ ...u, assistant: false })),
      ];
      const latest = new Map();
      for (const use of uses) {
        if (!accounts.some((a) => a.id === use.account)) continue;
        const seen = latest.get(use.account);
        if (!seen || use.at >= seen.at) latest.set(use.account, use);
      }
      return [...latest.values()];
    },
    // keystep mcp's snippets for the account, and what it shares (acc-1 shares nothing yet).
    get_assistant_setup: (args) => {
      requireArgs("get_assistant_setup", args, ["id"]);
      return assistantView(find(args.id));
    },
    share_account_fields: (args) => {
      requireArgs("share_account_fields", args, ["id", "category", "shared"]);
      const account = find(args.id);
      const set = sharedFields.get(account.id) || new Set();
      if (args.shared) set.add(args.category);
      else set.delete(args.category);
      sharedFields.set(account.id, set);
      return assistantView(account);
    },
    list_recent_use: (args) => {
      requireArgs("list_recent_use", args, ["id"]);
      const account = find(args.id);
      // The first account has been used by two scripts; the others never.
      const runs = args.id === "acc-1"
        ? [
            { run: "r2", started_at: Math.floor(Date.now() / 1000) - 3 * 3600, ended_at: null, command: "sync.py", mode: "proxy", exit_status: null, requests: 12, last_status: 200 },
            { run: "r1", started_at: Math.floor(Date.now() / 1000) - 86400, ended_at: Math.floor(Date.now() / 1000) - 86300, command: "report.py", mode: "env", exit_status: 0, requests: 0, last_status: null },
          ]
        : [];
      const run = `keystep run --account ${account.handle} -- python3 script.py`;
      return { runs, example: { run, curl: `keystep run --account ${account.handle} -- sh -c 'curl -sS -H "Authorization: Bearer $KEYSTEP_TOKEN" "$KEYSTEP_URL/me"'` } };
    },
    rename_account: renameAccount,
    set_account_purpose: setAccountPurpose,
    reconcile_accounts: reconcileAccounts,
    remove_orphan: removeOrphan,
    // Team stores (issue 24): a copy per target; a target naming "refuse" is refused by its
    // store, one naming "down" cannot be reached.
    push_account: (args) => {
      requireArgs("push_account", args, ["id", "target"], ["token", "replace"]);
      const stored = find(args.id);
      const target = String(args.target).trim();
      if (!/^(vault|aws-sm):\/\/[^/@?#\s]+\/\S+\/?\S*$/.test(target)) throw fail("invalid_input", "A store address starts with vault:// or aws-sm://.", { field: "target" });
      if (/refuse/.test(target)) throw fail("store_refused", `${target} refused Keystep (permission denied).`);
      if (/down/.test(target)) throw fail("store_unreachable", `Keystep could not reach ${target}.`);
      const known = (stored.copies || []).find((c) => c.target === target);
      if (known && known.state === "changed_outside" && !args.replace) throw fail("store_changed", `The copy at ${target} was changed outside Keystep.`);
      const now = Math.floor(Date.now() / 1000);
      stored.copies = (stored.copies || []).filter((c) => c.target !== target).concat([{ target, version: "1", written_at: now, confirmed_at: now, state: "current" }]);
      return view(stored);
    },
    restore_orphan: restoreOrphan,
    forget_account: (args) => {
      requireArgs("forget_account", args, ["id"], ["deleteCopies"]);
      const index = accounts.findIndex((a) => a.id === args.id);
      if (index < 0) throw fail("not_found", "This account is already gone.");
      accounts.splice(index, 1);
      return null;
    },
    open_guide_link: (args) => {
      requireArgs("open_guide_link", args, ["provider", "step"]);
      const p = providerArg("open_guide_link", args.provider);
      if (!p.steps.some((s) => s.id === args.step && s.link_label)) throw fail("not_found", "That step has no page to open.");
      return null;
    },
    get_keychain_state: (args) => {
      requireArgs("get_keychain_state", args, []);
      return { state: params.get("keychain") || "ready" };
    },
    get_settings: (args) => {
      requireArgs("get_settings", args, []);
      return Object.assign({}, settings);
    },
    list_host_overrides: (args) => {
      requireArgs("list_host_overrides", args, []);
      if (params.get("overrides") !== "1") return [];
      return [
        { provider: "humaans", provider_name: "Humaans", host: "api", url: "http://127.0.0.1:4010/humaans/api", variable: "KEYSTEP_HUMAANS_API_URL" },
        { provider: "namely", provider_name: "Namely", host: "api", url: "https://{subdomain}.staging.example/api/v1", variable: "KEYSTEP_NAMELY_API_URL" },
      ];
    },
    // ?tray=0: no tray host (the window then offers Quit itself).
    get_desktop: (args) => {
      requireArgs("get_desktop", args, []);
      // ?font=Family: the desktop's interface font, as the backend reads it from GTK.
      const font = params.get("font");
      return font ? { tray: params.get("tray") !== "0", font } : { tray: params.get("tray") !== "0" };
    },
    quit_app: (args) => {
      requireArgs("quit_app", args, []);
      window.__stubQuit = true;
      return null;
    },
    save_settings: saveSettings,
    close_window: (args) => {
      requireArgs("close_window", args, []);
      closed.push(settings.when_closed);
      return null;
    },
  };

  function redact(command, args) {
    if (command === "push_account" && args && typeof args.token === "string") return Object.assign({}, args, { token: `<secret:${args.token.length}>` });
    const hasFields = command === "link_account" || command === "relink_account" || command === "preview_fields";
    if (!hasFields || !args || !args.fields) return args;
    const providerId = command === "relink_account" ? (accounts.find((a) => a.id === args.id) || {}).provider : args.provider;
    const p = provider(providerId);
    const fields = {};
    for (const [name, value] of Object.entries(args.fields)) {
      const secret = !p || p.fields.some((f) => f.key === name && f.secret);
      fields[name] = secret ? `<secret:${String(value).length}>` : value;
    }
    return Object.assign({}, args, { fields });
  }

  // What safe mode refuses (the backend's `writable` guard).
  const CHANGES = new Set(["link_account", "link_pending", "relink_account", "check_account", "rename_account", "set_account_purpose", "forget_account", "remove_orphan", "restore_orphan", "push_account"]);

  /** ?keychain=locked|absent: the key was verified, then could not be stored. */
  function storeOrFail() {
    const keychain = params.get("keychain");
    if (keychain === "locked" || keychain === "absent") {
      throw fail("keychain_unavailable", "Keystep could not open your system keychain. Unlock it and try again.");
    }
  }

  async function invoke(command, args) {
    await ready;
    calls.push({ command, args: redact(command, args) });
    note(`asked ${command}`);
    const settle = () => note(`answered ${command}`);
    return answer(command, args).then(
      (value) => {
        settle();
        return value;
      },
      (error) => {
        settle();
        throw error;
      },
    );
  }

  async function answer(command, args) {
    const handler = COMMANDS[command];
    if (!handler) return Promise.reject(`Command ${command} not found`);
    if (failNext[command]) {
      const error = failNext[command];
      delete failNext[command];
      return later(() => {
        throw error;
      });
    }
    if (safeMode && CHANGES.has(command)) {
      return later(() => {
        throw fail("read_only", "Keystep could not read its account list, so it changes nothing until it can. Nothing was sent or saved.");
      });
    }
    // Tauri hands the command a deserialised copy of the args.
    const copy = args === undefined ? undefined : JSON.parse(JSON.stringify(args));
    if (PROGRESS[command]) {
      const p = PROGRESS[command](copy);
      if (p) progress(p);
    }
    // preview_fields is local work in Rust: answer at once.
    if (command === "preview_fields") return handler(copy);
    return later(() => handler(copy), command);
  }

  window.__TAURI__ = { core: { invoke }, event: { listen } };

  // Test hooks (see the header).
  // A use recorded by another process (keystep run from a terminal): the use log changes,
  // the book does not, and the backend's follow loop says accounts-changed.
  window.__stubUseFromOutside = (account, command) => {
    outsideUses.push({ account, at: Math.floor(Date.now() / 1000) - 60, command });
    emit("accounts-changed", null);
  };
  window.__stubFailNext = (command, error) => {
    failNext[command] = Object.assign({}, error);
  };
  window.__stubRestart = (query) => {
    calls.length = 0;
    timeline.length = 0;
    timelineAt.length = 0;
    listeners.clear();
    for (const name of Object.keys(failNext)) delete failNext[name];
    begin(query || "");
  };

  /** The page's story from `query`: the seed, then what the window hands over. */
  function begin(query) {
    seedFrom(query);
    handOver();
    watchFrames();
  }

  /**
   * Start-up's frames in the timeline, with the cards they drew: a frame's callbacks run
   * before it is painted, so what is asked after "frame with N cards" was asked once N cards
   * were on screen. Beside them, "N cards in the page" as the page puts them there.
   */
  let framesWatched = 0;
  /** @type {MutationObserver | null} */
  let cardsWatch = null;
  function watchFrames() {
    // Each change of the count once, for 3 s (start-up is over by then), and only for this
    // start: a restart ends the last one's watch.
    framesWatched += 1;
    const watch = framesWatched;
    const end = performance.now() + 3000;
    const count = () => document.querySelectorAll("#accounts [data-account-id]").length;
    let drawn = -1;
    const frame = () => {
      if (watch !== framesWatched) return;
      const now = count();
      if (now !== drawn) note(`frame with ${now} cards`);
      drawn = now;
      if (performance.now() < end) window.requestAnimationFrame(frame);
      else cardsWatch?.disconnect();
    };
    window.requestAnimationFrame(frame);
    cardsWatch?.disconnect();
    let inPage = count();
    cardsWatch = new MutationObserver(() => {
      const now = count();
      if (now !== inPage) note(`${now} cards in the page`);
      inPage = now;
    });
    cardsWatch.observe(document.documentElement, { childList: true, subtree: true });
  }

  /**
   * ?first=1|stale: what the window's initialization script sets before the page runs (stale:
   * without the last account, linked as the window was made); &words=0: without the
   * accounts' providers, as an older window handed over.
   */
  function handOver() {
    delete window.__keystepFirstView;
    const first = params.get("first");
    if (first !== "1" && first !== "stale") return;
    const listed = COMMANDS.list_accounts({});
    const accounts = first === "stale" ? listed.slice(0, -1) : listed;
    const settings = COMMANDS.get_settings({});
    // The backend words them in the language it resolves (the settings', English for "system"
    // here, like this browser).
    const lang = settings.language === "fr" ? "fr" : "en";
    const used = new Set(accounts.map((a) => a.provider));
    window.__keystepFirstView = {
      settings,
      host_overrides: COMMANDS.list_host_overrides({}),
      desktop: COMMANDS.get_desktop({}),
      accounts,
      ...(params.get("words") === "0" ? {} : { providers: { lang, list: CATALOGUE[lang].filter((p) => used.has(p.id)).map((p) => JSON.parse(JSON.stringify(p))) } }),
    };
  }
  window.__stubEmit = emit;
  /** Whether the page listens to `name` (start-up listens once its first frame is drawn). */
  window.__stubListens = (name) => Array.from(listeners.values()).some((l) => l.name === name);

  ready.then(() => begin(window.location.search));

  // Tauri runs Keystep with freezePrototype: behave the same here.
  Object.freeze(Object.prototype);
})();

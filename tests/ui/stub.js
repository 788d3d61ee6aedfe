// Test-only stand-in for the Rust side: defines window.__TAURI__.core.invoke
// following Keystep's IPC contract. NOT loaded by ui/index.html; the harness
// (tests/ui/harness.html) loads it before ui/app.js.
//
// Behaviour of link_account (provider "humaans", field api_token):
//   "good-token-1234567890"  -> success (AccountSummary)
//   starts with "missing"    -> missing_permission (missing: [...])
//   starts with "slow"       -> never settles (to look at the "connecting" state)
//   starts with "rate"       -> rate_limited (retry_after_secs: 30)
//   empty / whitespace       -> invalid_input (field: "api_token")
//   starts with "dupe"       -> already_linked (account_id: the provider's first account),
//                               or success when that provider has no account yet
//   anything else            -> bad_credentials
// A second, test-only provider exercises a non-secret field, category "ats" and a
// rotate_warning.
//
// The account lifecycle:
//   relink_account({id, fields}): blank non-secret fields keep their stored values;
//     secret "good-token-1234567890" or starting "new" -> success (AccountView);
//     starting "other" -> wrong_tenant; "slow"/"rate"/"missing" as for link; empty ->
//     invalid_input; anything else -> bad_credentials. Emits link-progress.
//   check_account({id}): emits link-progress, returns the account with fresh times;
//     a needs_relink account stays needs_relink.
//   rename_account({id, label}): 1-80 characters on one line, else invalid_input (label).
//   reconcile_accounts(), remove_orphan({id}): from the seed (below).
//   __stubFailNext(command, {code, message, ...}): the next call of command rejects so.
//
// Seed data: put `accounts` in the query string (?accounts=2) to start with
// stored accounts, or `seed=lifecycle` for accounts with fields, a needs_relink
// account, two orphaned keychain items and a start-up notice; `seed=problem` for a
// keychain that can't be listed at the first reconcile. `slow=<command>` makes that
// command take a minute; `delay=<ms>` sets every other command's delay. __stubRestart(query) starts
// the stub again from another seed (the harness uses it to "restart Keystep").
// `window.__stubCalls` records every call (secrets redacted).

(function () {
  "use strict";

  const NOW = Math.floor(Date.now() / 1000);
  const DAY = 86400;

  const PROVIDERS = [
    {
      id: "humaans",
      name: "Humaans",
      category: "hris",
      needs: "API token",
      summary: "People data, documents and compensation.",
      prerequisite: "You need the Owner or Admin role in Humaans to create API tokens.",
      revoke: "In Humaans, click ⋮ next to your name, choose API access tokens, then click Revoke next to the token named “Keystep”.",
      fields: [
        {
          key: "api_token",
          label: "API token",
          help: "The token Humaans showed you once, right after you created it. It is a long code of letters and numbers.",
          secret: true,
          example: "a 32-character code",
        },
      ],
      steps: [
        {
          id: "open-tokens",
          title: "Open API access tokens",
          body: "In Humaans, click ⋮ next to your name at the bottom left, then choose API access tokens.",
          link_label: "Open Humaans",
          checklist: null,
          warning: null,
        },
        {
          id: "create-token",
          title: "Generate a new token",
          body: "Click Generate new token and name it “Keystep” so you can recognise it later.",
          link_label: null,
        },
        {
          id: "pick-scopes",
          title: "Choose what the token can read",
          body: "Tick only these scopes. Keystep never needs write access.",
          checklist: ["public:read", "private:read"],
        },
        {
          id: "copy-token",
          title: "Copy the token",
          body: "Click Generate, then copy the token and paste it below.",
          warning: "Humaans shows the token only once. Copy it now.",
        },
      ],
    },
    {
      id: "example-ats",
      name: "Example Recruiting",
      category: "ats",
      needs: "API key and subdomain",
      summary: "Test-only provider: candidates and jobs.",
      prerequisite: null,
      revoke: "In Example Recruiting, open Settings → Integrations → API and click Delete next to the key.",
      rotate_warning:
        "Generating a new key in Example Recruiting stops the current key at once: Keystep can't reach Example Recruiting until you paste the new key here.",
      fields: [
        { key: "subdomain", label: "Subdomain", help: "The first part of your web address.", secret: false, example: "acme" },
        { key: "api_key", label: "API key", help: "From Settings → Integrations.", secret: true, example: "a 40-character code" },
        {
          key: "environment",
          label: "Environment",
          help: "Where your company's data lives.",
          secret: false,
          kind: "choice",
          example: "",
          options: [
            { value: "production", label: "Production" },
            { value: "sandbox", label: "Sandbox (test data)" },
          ],
          default: "production",
        },
      ],
      steps: [
        { id: "settings", title: "Open Settings", body: "Go to Settings → Integrations → API.", link_label: "Open Example" },
        { id: "key", title: "Create a key", body: "Create a read-only key and copy it." },
      ],
    },
  ];

  function account(id, provider, label, extra) {
    return Object.assign(
      {
        id,
        provider: provider.id,
        provider_name: provider.name,
        label,
        company: label,
        head_count: 42,
        user: "jane@acme.example",
        status: "ok",
        fingerprint: "…x7Qa",
        verified_at: NOW - 180,
        checked_at: NOW - 180,
        created_at: NOW - 40 * DAY,
        changed_at: NOW - 40 * DAY,
        fields: {},
        message: `Connected to ${label} (42 people)`,
        notes: [],
        permissions: { required: ["public:read", "private:read"], granted: ["public:read", "private:read"], missing: [], extra: [], unchecked: [] },
        stored_in: `your system keychain (Secret Service) as “Keystep — ${provider.name} (${label})”`,
      },
      extra || {},
    );
  }

  let params = new URLSearchParams(window.location.search);
  const accounts = [];
  const orphans = [];
  let reconcileProblem = null; // reported by the next reconcile, then cleared
  let notice = null;
  const failNext = {};

  function seedFrom(query) {
    params = new URLSearchParams(query);
    accounts.length = 0;
    orphans.length = 0;
    reconcileProblem = null;
    notice = null;
    const seed = params.get("seed") || "";
    const count = Number(params.get("accounts") || "0");
    if (seed === "lifecycle") {
      accounts.push(account("acc-1", PROVIDERS[0], "Acme Ltd", { created_at: NOW - 120 * DAY, changed_at: NOW - 40 * DAY }));
      accounts.push(
        account("acc-2", PROVIDERS[1], "Globex Careers", {
          company: "Globex",
          head_count: null,
          status: "limited",
          fingerprint: "…Pq92",
          verified_at: NOW - 3 * 3600,
          checked_at: NOW - 3 * 3600,
          created_at: NOW - 200 * DAY,
          changed_at: NOW - 200 * DAY,
          fields: { subdomain: "globex", environment: "sandbox" },
          message: "Connected, but the key can't read job postings.",
        }),
      );
      accounts.push(
        account("acc-3", PROVIDERS[0], "Initech", {
          status: "needs_relink",
          fingerprint: "…Zz01",
          verified_at: NOW - 9 * DAY,
          checked_at: NOW - 60,
          created_at: NOW - 300 * DAY,
          changed_at: NOW - 300 * DAY,
          message: "The Humaans key is no longer in your system keychain (it was removed outside Keystep). Relink the account with a key.",
        }),
      );
      orphans.push({ account: "orph-1", label: "Keystep — Humaans (Umbrella Corp)" });
      orphans.push({ account: "orph-2", label: "Keystep — Example Recruiting (Hooli Jobs)" });
      notice = "Keystep's account list was damaged; 1 account was rebuilt from your keychain and needs its key re-entered.";
      return;
    }
    if (seed === "problem") {
      reconcileProblem = {
        code: "keychain_unavailable",
        message: "Keystep could not open your system keychain. Unlock it (or start your keyring service) and try again.",
      };
    }
    if (count >= 1) accounts.push(account("acc-1", PROVIDERS[0], "Acme Ltd"));
    if (count >= 2) {
      accounts.push(
        account("acc-2", PROVIDERS[1], "Globex Careers", {
          company: "Globex",
          head_count: null,
          status: "limited",
          fingerprint: "…Pq92",
          verified_at: NOW - 3 * 3600,
          checked_at: NOW - 3 * 3600,
          changed_at: NOW - 200 * DAY,
          fields: { subdomain: "globex", environment: "production" },
          message: "Connected, but the key can't read job postings.",
        }),
      );
    }
    if (count >= 3) {
      accounts.push(
        account("acc-3", PROVIDERS[0], "Initech", {
          status: "failing",
          fingerprint: "…Zz01",
          verified_at: NOW - 2 * 86400,
          checked_at: NOW - 2 * 86400,
          message: "Humaans no longer accepts this token. It may have been revoked.",
        }),
      );
    }
  }
  seedFrom(window.location.search);

  const calls = [];
  window.__stubCalls = calls;
  const delay = () => Number(params.get("delay") || "250");

  // Tauri's event API, as far as Keystep uses it: listen() -> Promise<unlisten>.
  const listeners = new Map();
  let listenerId = 0;
  function listen(name, handler) {
    listenerId += 1;
    const id = listenerId;
    listeners.set(id, { name, handler });
    return Promise.resolve(() => listeners.delete(id));
  }
  function emit(name, payload) {
    for (const { name: wanted, handler } of Array.from(listeners.values())) {
      if (wanted === name) handler({ event: name, payload });
    }
  }
  /** Sends progress lines while a request runs (never after it settles). */
  function progress(lines) {
    const total = Math.min(delay(), 400 * (lines.length + 1));
    lines.forEach((line, index) => window.setTimeout(() => emit("link-progress", line), Math.floor((total * (index + 1)) / (lines.length + 1))));
  }

  function later(fn, command) {
    // ?slow=check_account: that command takes a minute (to look at its busy state).
    const wait = command && params.getAll("slow").includes(command) ? 60000 : delay();
    return new Promise((resolve, reject) => {
      window.setTimeout(() => {
        try {
          resolve(fn());
        } catch (err) {
          reject(err);
        }
      }, wait);
    });
  }

  function fail(code, message, extra) {
    return Object.assign({ code, message }, extra || {});
  }

  function requireArgs(command, args, names) {
    if (!args || typeof args !== "object") throw fail("internal", `stub: ${command} called without an args object`);
    for (const name of names) {
      if (!(name in args)) throw fail("internal", `stub: ${command} missing argument ${name}`);
    }
  }

  function linkAccount(args) {
    requireArgs("link_account", args, ["provider", "fields"]);
    const provider = PROVIDERS.find((p) => p.id === args.provider);
    if (!provider) throw fail("not_found", "Keystep doesn't know this system.");
    for (const field of provider.fields) {
      if (!(field.key in args.fields)) throw fail("internal", `stub: field ${field.key} not sent`);
    }
    const secretField = provider.fields.find((f) => f.secret);
    const token = String(args.fields[secretField.key] || "").trim();

    for (const field of provider.fields) {
      if (!String(args.fields[field.key] || "").trim()) {
        throw fail("invalid_input", `Please enter the ${field.label}.`, { field: field.key });
      }
    }
    if (token.startsWith("slow")) return new Promise(() => {});
    verdict(provider, token);
    const existing = accounts.find((a) => a.provider === provider.id);
    if (token.startsWith("dupe") && existing) {
      throw fail(
        "already_linked",
        `This ${provider.name} account is already linked as “${existing.label}”. To give it this key, choose Replace key on “${existing.label}” instead of linking it again.`,
        { account_id: existing.id },
      );
    }
    if (token !== "good-token-1234567890" && !token.startsWith("dupe")) {
      throw fail("bad_credentials", `${provider.name} didn't accept this token. Check that you copied all of it, or create a new one.`);
    }
    const now = Math.floor(Date.now() / 1000);
    const publicFields = {};
    for (const field of provider.fields.filter((f) => !f.secret)) publicFields[field.key] = String(args.fields[field.key]);
    const summary = account(`acc-${calls.length}-${Date.now()}`, provider, "Acme Ltd", {
      verified_at: now,
      checked_at: now,
      created_at: now,
      changed_at: now,
      fields: publicFields,
      stored_in: `your system keychain (Secret Service) as “Keystep — ${provider.name} (Acme Ltd)”`,
      notes: ["We removed spaces around the token."],
      permissions: {
        required: ["public:read", "private:read"],
        granted: ["public:read", "private:read"],
        missing: [],
        extra: ["compensation:read"],
        unchecked: [],
      },
    });
    accounts.push(summary);
    return summary;
  }

  /** Rejections shared by link and relink (the key itself decides). */
  function verdict(provider, token) {
    if (token.startsWith("rate")) {
      throw fail("rate_limited", `${provider.name} is asking us to slow down.`, { retry_after_secs: 30 });
    }
    if (token.startsWith("missing")) {
      throw fail("missing_permission", `The token works, but it can't read everything Keystep needs. Add the missing scopes in ${provider.name} and try again.`, {
        missing: ["private:read"],
      });
    }
  }

  function fingerprintOf(token) {
    return `…${token.slice(-4)}`;
  }

  function find(id) {
    const found = accounts.find((a) => a.id === id);
    if (!found) throw fail("not_found", "This account is no longer linked.");
    return found;
  }

  function view(stored, extra) {
    const copy = JSON.parse(JSON.stringify(stored));
    delete copy.stored_in;
    copy.notes = [];
    return Object.assign(copy, extra || {});
  }

  function relinkAccount(args) {
    requireArgs("relink_account", args, ["id", "fields"]);
    const stored = find(args.id);
    const provider = PROVIDERS.find((p) => p.id === stored.provider);
    const fields = {};
    for (const field of provider.fields) {
      const sent = field.key in args.fields ? String(args.fields[field.key]) : "";
      // Non-secret fields left blank keep their stored values.
      fields[field.key] = !field.secret && !sent.trim() && stored.fields[field.key] ? stored.fields[field.key] : sent;
      if (!fields[field.key].trim()) throw fail("invalid_input", `Please enter the ${field.label}.`, { field: field.key });
    }
    const token = fields[provider.fields.find((f) => f.secret).key].trim();
    if (token.startsWith("slow")) return new Promise(() => {});
    verdict(provider, token);
    if (token.startsWith("other")) {
      throw fail(
        "wrong_tenant",
        `This key reaches another company than “${stored.label}”, so nothing was changed. Paste a key made for “${stored.label}”, or link this key as a new account.`,
      );
    }
    if (token !== "good-token-1234567890" && !token.startsWith("new")) {
      throw fail("bad_credentials", `${provider.name} didn't accept this token. Check that you copied all of it, or create a new one.`);
    }
    const now = Math.floor(Date.now() / 1000);
    const publicFields = {};
    for (const field of provider.fields.filter((f) => !f.secret)) publicFields[field.key] = fields[field.key];
    Object.assign(stored, {
      status: "ok",
      fingerprint: fingerprintOf(token),
      verified_at: now,
      checked_at: now,
      changed_at: now,
      fields: publicFields,
      message: `Connected to ${stored.company || stored.label} (42 people)`,
    });
    return view(stored, { notes: [], stored_in: `your system keychain (Secret Service) as “Keystep — ${provider.name} (${stored.label})”` });
  }

  function checkAccount(args) {
    requireArgs("check_account", args, ["id"]);
    const stored = find(args.id);
    const now = Math.floor(Date.now() / 1000);
    stored.checked_at = now;
    if (stored.status !== "needs_relink") {
      stored.verified_at = now;
      if (stored.status === "unknown" || stored.status === "failing") stored.status = "ok";
    }
    return view(stored);
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

  function reconcileAccounts(args) {
    if (!args || typeof args !== "object") throw fail("internal", "stub: reconcile_accounts called without an args object");
    if (reconcileProblem) {
      const problem = reconcileProblem;
      reconcileProblem = null;
      return { needs_relink: [], orphans: [], problem, notice: null };
    }
    return {
      needs_relink: accounts.filter((a) => a.status === "needs_relink").map((a) => a.id),
      orphans: orphans.map((o) => Object.assign({}, o)),
      problem: null,
      notice,
    };
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

  // What the backend reports on `link-progress` while these commands talk to a provider.
  const PROGRESS = {
    relink_account: () => ["Reading company details…", "Checking permissions…"],
    check_account: (args) => {
      const stored = accounts.find((a) => a.id === (args && args.id));
      return stored && stored.status !== "needs_relink" ? ["Reading company details…", "Checking permissions…"] : [];
    },
  };

  const COMMANDS = {
    list_providers: () => JSON.parse(JSON.stringify(PROVIDERS)),
    list_accounts: () => JSON.parse(JSON.stringify(accounts)),
    link_account: linkAccount,
    relink_account: relinkAccount,
    check_account: checkAccount,
    rename_account: renameAccount,
    reconcile_accounts: reconcileAccounts,
    remove_orphan: removeOrphan,
    forget_account: (args) => {
      requireArgs("forget_account", args, ["id"]);
      const index = accounts.findIndex((a) => a.id === args.id);
      if (index < 0) throw fail("not_found", "This account is already gone.");
      accounts.splice(index, 1);
      return null;
    },
    open_guide_link: (args) => {
      requireArgs("open_guide_link", args, ["provider", "step"]);
      if ("url" in args) throw fail("internal", "stub: a URL must never be passed");
      return null;
    },
  };

  function redact(command, args) {
    if ((command !== "link_account" && command !== "relink_account") || !args || !args.fields) return args;
    const providerId = command === "link_account" ? args.provider : (accounts.find((a) => a.id === args.id) || {}).provider;
    const provider = PROVIDERS.find((p) => p.id === providerId);
    const fields = {};
    for (const [key, value] of Object.entries(args.fields)) {
      const secret = !provider || provider.fields.some((f) => f.key === key && f.secret);
      fields[key] = secret ? `<secret:${String(value).length}>` : value;
    }
    return command === "link_account" ? { provider: args.provider, fields } : { id: args.id, fields };
  }

  async function invoke(command, args) {
    calls.push({ command, args: redact(command, args) });
    const handler = COMMANDS[command];
    if (!handler) return Promise.reject(`Command ${command} not found`);
    if (failNext[command]) {
      const error = failNext[command];
      delete failNext[command];
      return later(() => {
        throw error;
      });
    }
    if (PROGRESS[command]) progress(PROGRESS[command](args));
    // Tauri hands the command a deserialised copy of the args.
    const copy = args === undefined ? undefined : JSON.parse(JSON.stringify(args));
    return later(() => handler(copy), command);
  }

  window.__TAURI__ = { core: { invoke }, event: { listen } };

  // Test hooks (see the header).
  window.__stubFailNext = (command, error) => {
    failNext[command] = Object.assign({}, error);
  };
  window.__stubRestart = (query) => {
    calls.length = 0;
    listeners.clear();
    for (const key of Object.keys(failNext)) delete failNext[key];
    seedFrom(query || "");
  };

  // Tauri runs Keystep with freezePrototype: behave the same here.
  Object.freeze(Object.prototype);
})();

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
//   anything else            -> bad_credentials
// A second, test-only provider exercises a non-secret field and category "ats".
//
// Seed data: put `accounts` in the query string (?accounts=2) to start with
// stored accounts. `window.__stubCalls` records every call (secrets redacted).

(function () {
  "use strict";

  const NOW = Math.floor(Date.now() / 1000);

  const PROVIDERS = [
    {
      id: "humaans",
      name: "Humaans",
      category: "hris",
      needs: "API token",
      summary: "People data, documents and compensation.",
      prerequisite: "You need the Owner or Admin role in Humaans to create API tokens.",
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
        message: `Connected to ${label} (42 people)`,
        notes: [],
        permissions: { required: ["public:read", "private:read"], granted: ["public:read", "private:read"], missing: [], extra: [], unchecked: [] },
        stored_in: `your system keychain (Secret Service) as “Keystep — ${provider.name} (${label})”`,
      },
      extra || {},
    );
  }

  const params = new URLSearchParams(window.location.search);
  const seed = Number(params.get("accounts") || "0");
  const accounts = [];
  if (seed >= 1) accounts.push(account("acc-1", PROVIDERS[0], "Acme Ltd"));
  if (seed >= 2) {
    accounts.push(
      account("acc-2", PROVIDERS[1], "Globex Careers", {
        company: "Globex",
        head_count: null,
        status: "limited",
        fingerprint: "…Pq92",
        verified_at: NOW - 3 * 3600,
        message: "Connected, but the key can't read job postings.",
      }),
    );
  }
  if (seed >= 3) {
    accounts.push(
      account("acc-3", PROVIDERS[0], "Initech", {
        status: "failing",
        fingerprint: "…Zz01",
        verified_at: NOW - 2 * 86400,
        message: "Humaans no longer accepts this token. It may have been revoked.",
      }),
    );
  }

  const calls = [];
  window.__stubCalls = calls;
  const DELAY = Number(params.get("delay") || "250");

  function later(fn) {
    return new Promise((resolve, reject) => {
      window.setTimeout(() => {
        try {
          resolve(fn());
        } catch (err) {
          reject(err);
        }
      }, DELAY);
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
    if (token.startsWith("rate")) {
      throw fail("rate_limited", `${provider.name} is asking us to slow down.`, { retry_after_secs: 30 });
    }
    if (token.startsWith("missing")) {
      throw fail("missing_permission", `The token works, but it can't read everything Keystep needs. Add the missing scopes in ${provider.name} and try again.`, {
        missing: ["private:read"],
      });
    }
    if (token !== "good-token-1234567890") {
      throw fail("bad_credentials", `${provider.name} didn't accept this token. Check that you copied all of it, or create a new one.`);
    }
    const summary = account(`acc-${calls.length}-${Date.now()}`, provider, "Acme Ltd", {
      verified_at: Math.floor(Date.now() / 1000),
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

  const COMMANDS = {
    list_providers: () => JSON.parse(JSON.stringify(PROVIDERS)),
    list_accounts: () => JSON.parse(JSON.stringify(accounts)),
    link_account: linkAccount,
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
    if (command !== "link_account" || !args || !args.fields) return args;
    const provider = PROVIDERS.find((p) => p.id === args.provider);
    const fields = {};
    for (const [key, value] of Object.entries(args.fields)) {
      const secret = provider && provider.fields.some((f) => f.key === key && f.secret);
      fields[key] = secret ? `<secret:${String(value).length}>` : value;
    }
    return { provider: args.provider, fields };
  }

  async function invoke(command, args) {
    calls.push({ command, args: redact(command, args) });
    const handler = COMMANDS[command];
    if (!handler) return Promise.reject(`Command ${command} not found`);
    // Tauri hands the command a deserialised copy of the args.
    const copy = args === undefined ? undefined : JSON.parse(JSON.stringify(args));
    return later(() => handler(copy));
  }

  window.__TAURI__ = { core: { invoke } };

  // Tauri runs Keystep with freezePrototype: behave the same here.
  Object.freeze(Object.prototype);
})();

// @ts-check
// Keystep UI: the shapes the backend sends, as src-tauri/src/ipc.rs serializes them, for
// JSDoc only (`import("../shapes.js").AccountView`): nothing here runs, and nothing imports
// this module at run time. ui/api.js, which receives them, keeps the error codes and the
// wrappers.

/**
 * @typedef {"invalid_input"|"bad_credentials"|"missing_permission"|"wrong_tenant"|"rate_limited"|"blocked"|"unreachable"|"provider_error"|"unexpected_response"|"keychain_unavailable"|"storage_failed"|"not_found"|"already_linked"|"read_only"|"host_changed"|"store_unreachable"|"store_refused"|"store_changed"|"internal"} Code
 *   An outcome code: the UI words each one itself (ui/locales, `error.<code>.*`).
 * @typedef {"ok"|"limited"|"failing"|"needs_relink"|"unknown"} Status an account's state
 * @typedef {{store: string, label: string}} StoredInView the keychain kind (a code) and the item's label
 * @typedef {{code: string, kept_as: string, rebuilt: number, detail: string}} StartNotice what start-up did to a damaged account list
 * @typedef {{value: string, label: string}} ChoiceView one option of a choice field
 * @typedef {object} FieldView a field of the credential form
 * @property {string} key
 * @property {string} label
 * @property {string} help
 * @property {boolean} secret
 * @property {string} example
 * @property {string} kind "token", "subdomain", "choice", …
 * @property {ChoiceView[]} [options]
 * @property {string} [default]
 * @property {string} [domain] a subdomain field's vendor domain ("example.com")
 * @property {string} [retired] the provider's sentence about a retired credential this box may receive
 * @typedef {object} StepView one step of a provider's guide
 * @property {string} id
 * @property {string} title
 * @property {string} [body]
 * @property {string|null} [link_label] set when the step opens a page (open_guide_link)
 * @property {string[]} [checklist] scopes or permissions to tick
 * @property {string|null} [warning]
 * @property {"once"|"anytime"|null} [secret_shown] set on the step where the secret is copied:
 *   whether the provider shows it there only once, or whenever asked
 * @typedef {object} ProviderView a provider as the picker and the guide show it
 * @property {string} id
 * @property {string} name
 * @property {string} category "hris" or "ats"
 * @property {string[]} [aliases] other names people call the system by, for the search
 * @property {string} needs
 * @property {string} summary
 * @property {string} prerequisite
 * @property {string} revoke
 * @property {string} credential_kind how the key is sent: "bearer", "basic", "query", "basic_key", "header", "client_credentials"
 * @property {{rule: string, days?: number, full_access?: boolean}} lifetime how long keys live
 * @property {string} [rotate_warning]
 * @property {FieldView[]} fields
 * @property {StepView[]} steps
 * @property {PurposeView[]} purposes what a key may be for, `read` first chosen, each with its permissions
 * @property {Record<string, string>} permission_labels the screen's label for a permission named by an id
 * @property {string[]} unconfirmed permissions only the original guide names ("skip it if not offered")
 * @property {Array<{id: string, doing: string}>} checks the chain's lines, for link-progress
 * @property {Partial<Record<Code, string>>} messages the provider's advice per outcome code
 * @property {string[]} success success lines, the first whose placeholders are known wins
 * @property {boolean} names_company whether verification names the company (else the form asks for a name)
 * @typedef {object} PurposeView what a key may be for
 * @property {string} id `read`, `full`, or the provider's own
 * @property {string} label a short name for the choice
 * @property {string} summary one sentence on what it allows
 * @property {string[]} permissions the permissions it needs, in the provider's words
 */

/**
 * @typedef {object} Permissions what a key may do, by the provider's names
 * @property {string[]} [required]
 * @property {string[]} [granted]
 * @property {string[]} [missing]
 * @property {string[]} [extra]
 * @property {string[]} [unchecked]
 * @property {string[]} [unconfirmed] asked for by the original guide, not granted, maybe not offered: never a failure
 * @typedef {object} TroubleView transient trouble the latest checks hit
 * @property {Code} code
 * @property {number} since
 * @property {number} attempts
 * @property {number|null} next_try_at
 * @typedef {object} AccountView a linked account (also what link, relink and check return)
 * @property {string} id
 * @property {string} handle its short name on the command line ("provider-company-name")
 * @property {string} provider provider id
 * @property {string} provider_name
 * @property {string} label
 * @property {string|null} [company]
 * @property {number|null} [head_count]
 * @property {boolean} [head_count_more] head_count is a full first page: that many or more
 * @property {string|null} [user]
 * @property {Status} status
 * @property {Code|null} [last_code]
 * @property {string} fingerprint the key's last characters ("…x7Qa")
 * @property {Record<string, string>} fields the non-secret values it was linked with
 * @property {number} created_at
 * @property {number} changed_at
 * @property {number} checked_at
 * @property {number} verified_at
 * @property {string} message the backend's English sentence (shown under "Details")
 * @property {Permissions} permissions
 * @property {string} purpose what the key is for (a purpose id); `permissions` compares with it
 * @property {FieldNote[]} [notes] what input clean-up changed (after a link or a relink)
 * @property {StoredInView|null} [stored_in] where the key is kept (after a link or a relink)
 * @property {number} key_age_days
 * @property {boolean} rotation_due
 * @property {number|null} [expires_at]
 * @property {boolean} expiry_warning
 * @property {KeyLife} [life] where the key stands against its provider's lifetime rule
 * @property {boolean} [sandbox] verified against the provider's sandbox
 * @property {TroubleView|null} [couldnt_check]
 * @property {number|null} [next_check_at]
 * @property {StoreCopyView[]} [copies] its copies in team stores (keystep push, Share)
 * @property {CopyOutcomeView[]} [copy_outcomes] after a relink: how each copy took the new key
 * @typedef {object} StoreCopyView one copy of an account's key in a team store
 * @property {string} target where: vault://HOST[:PORT]/MOUNT/PATH or aws-sm://REGION/NAME
 * @property {string} version the version Keystep wrote
 * @property {number} written_at
 * @property {number} confirmed_at when the store last confirmed that version
 * @property {"current"|"stale"|"changed_outside"} state
 * @property {Code|null} [last_code] the last attempt's problem
 * @typedef {{target: string, ok: boolean, code?: Code|null, message: string, version?: string|null}} CopyOutcomeView
 * @typedef {{state: "open", full_access: boolean} | {state: "expires", at: number, days_left: number, soon: boolean} | {state: "expiry_unknown"} | {state: "dies_unused", days: number, last_used_at: number|null, dies_at: number|null, soon: boolean}} KeyLife
 *   a key against its lifetime rule (core's lifetime::KeyLife)
 * @typedef {{at: number, status: Status, code: Code|null, granted: string[], missing: string[]}} CheckView
 *   one check in an account's history
 * @typedef {{run: string, started_at: number, ended_at: number|null, command: string, mode: "proxy"|"env", exit_status: number|null, requests: number, last_status: number|null}} RunUse one keystep run that used an account
 * @typedef {{run: string, curl: string}} UseExample the keystep run line and a curl through the proxy (shell code)
 * @typedef {{runs: RunUse[], example: UseExample|null}} UseView list_recent_use's answer
 * @typedef {{account: string, at: number, command: string, assistant?: boolean}} LastUse an account's latest
 *   use: a keystep run (`command` is the command's name) or an AI assistant's call through
 *   keystep mcp (`assistant`, and `command` is the assistant's name)
 * @typedef {"claude-desktop"|"claude-code"|"cursor"|"vscode"} AssistantId
 * @typedef {"pay"|"bank"|"national_id"|"date_of_birth"|"home_address"|"health"|"demographics"|"background"} FieldCategory
 * @typedef {{assistant: AssistantId, text: string}} SnippetView what to paste into one assistant (code, not sentences)
 * @typedef {{category: FieldCategory, shared: boolean, known: boolean}} CategoryView a sensitive category and
 *   whether the account shares it with assistants (`known`: the provider file names fields of it)
 * @typedef {{field: string, reference: string}} ReferenceView a field's keystep:// reference
 * @typedef {{snippets: SnippetView[], categories: CategoryView[], references: ReferenceView[], keystep_found: boolean}} AssistantView
 *   get_assistant_setup's answer
 * @typedef {object} SettingsView every setting, as get_settings returns and save_settings takes
 * @property {number} check_interval_hours
 * @property {boolean} notifications
 * @property {boolean} start_at_login
 * @property {number|null} rotation_reminder_days
 * @property {string} language "system", "en" or "fr"
 * @property {string} when_closed "ask", "background" or "quit": closing the window without a tray icon
 * @typedef {{account: string, label: string}} Orphan a Keystep keychain item no account owns
 * @typedef {{provider: string, provider_name: string, host: string, url: string, variable: string}} HostOverride a base URL a KEYSTEP_*_URL variable replaces
 * @typedef {{reason: string, detail: string, rebuilt: boolean}} SafeMode why Keystep is read-only
 * @typedef {object} Reconciliation what the start-up keychain check found
 * @property {string[]} needs_relink
 * @property {Orphan[]} orphans
 * @property {import("./api.js").KeystepError|null} problem
 * @property {StartNotice|null} notice
 * @property {SafeMode|null} safe_mode
 * @typedef {{field: string, change: string}} FieldNote a clean-up preview_fields would apply
 * @typedef {{field: string, problem: string, other?: string}} FieldProblem what is wrong with a value
 * @typedef {{notes: FieldNote[], problems: FieldProblem[]}} Preview preview_fields' answer
 */

export {};

#!/usr/bin/env node
// Test-only helper for tests/prism/run.sh. Plain Node, plus Prism's own spec loader.
//
//   contract.js proxy <spec> <prism-port-file> <servers-file> <port-file> <record.jsonl>
//       a recording proxy on 127.0.0.1 between Keystep and Prism. It writes the spec's server
//       URLs to <servers-file> (the base path, e.g. /v1, on the first line) and the spec's
//       paths to <servers-file>.paths, then its free port to <port-file>; it requires the
//       base path on every request, strips it (Prism routes on the spec's paths only),
//       forwards to the port in <prism-port-file> and appends one JSON line per request
//       with Prism's verdict to <record.jsonl>
//   contract.js report <label> <record.jsonl> <prism.log> <checks.tsv>
//       prints "ok - " / "not ok - " / "# " lines: every request, Prism's log, the chain
//   contract.js refused <label> <record.jsonl> <what>...
//       the detector's self-test: each recorded request (one per <what>, in order) was a
//       deliberately broken one, and must have been reported as breaking the spec
//
// Prism 5 (mock mode, request validation always on) reports a request that breaks the spec
// in one of two ways, and never only in its log:
//   * it answers with an error of its own: application/problem+json whose type is
//     https://stoplight.io/prism/errors#<TYPE> (NO_PATH_MATCHED_ERROR 404,
//     NO_METHOD_MATCHED_ERROR 405, UNAUTHORIZED 401, UNPROCESSABLE_ENTITY 422 with
//     `validation`, INVALID_CONTENT_TYPE 415, NOT_ACCEPTABLE 406, ...);
//   * or it answers with a response taken from the spec (a 422/400/default) and lists the
//     problems in the `sl-violations` header: a JSON array of {location, severity, code,
//     message}, location[0] being "request" or "response".
// In mock mode --errors changes nothing for requests (it only turns *response* violations,
// i.e. the spec's own examples breaking its schemas, into 500s), so it is not used: it would
// stop Keystep's chain early and prove nothing more.
// On top of Prism, two rules Prism does not check are applied ("strict"): every query
// parameter (a deepObject's name[key] by its name and key) and every top-level JSON body
// property must be declared by the operation, and a body goes only to an operation that
// declares one. No header value or body value is recorded (only the Authorization scheme
// and the body's keys).
'use strict';

const fs = require('fs');
const http = require('http');
const path = require('path');

const PROBLEM_PREFIX = 'https://stoplight.io/prism/errors#';

// Prism's own loader, so the proxy sees the operations exactly as Prism does. The module
// alone loads in half the time of the whole package; the package is the fallback.
function loadOperations(spec) {
  const pkg = path.join(__dirname, 'node_modules', '@stoplight', 'prism-http');
  let loader;
  try {
    loader = require(path.join(pkg, 'dist', 'utils', 'operations'));
  } catch {
    loader = require(pkg);
  }
  return loader.getHttpOperationsFromSpec(spec);
}

// The operation Prism would route to: same method, same number of segments, literal
// segments preferred over templated ones.
function findOperation(ops, method, opPath) {
  const segs = opPath.split('/');
  let best = null;
  let bestScore = -1;
  for (const op of ops) {
    if (op.method.toLowerCase() !== method.toLowerCase()) continue;
    const tpl = op.path.split('/');
    if (tpl.length !== segs.length) continue;
    let score = 0;
    let fits = true;
    for (let i = 0; i < tpl.length; i++) {
      if (tpl[i] === segs[i]) score += 2;
      else if (/^\{[^}]+\}$/.test(tpl[i]) && segs[i] !== '') score += 1;
      else {
        fits = false;
        break;
      }
    }
    if (fits && score > bestScore) {
      best = op;
      bestScore = score;
    }
  }
  return best;
}

function strictRules(op, query, contentType, body) {
  const out = [];
  if (!op) return out; // Prism reports the route itself
  const declared = new Map(((op.request && op.request.query) || []).map(q => [q.name, q]));
  for (const name of new Set(query.keys())) {
    if (declared.has(name)) continue;
    // A deepObject parameter is sent as name[key]=value (BambooHR's page[limit]): the name
    // must be declared with that style, and the key must be a property of its schema when
    // the schema lists them.
    const deep = /^([^[\]]+)\[([^[\]]+)\]$/.exec(name);
    const param = deep && declared.get(deep[1]);
    if (param && param.style === 'deepObject') {
      const props = param.schema && param.schema.properties;
      if (props && !(deep[2] in props)) {
        out.push(`query parameter "${name}": "${deep[2]}" is not a property of ${deep[1]} in ${op.iid || op.path}`);
      }
      continue;
    }
    out.push(`query parameter "${name}" is not declared by ${op.iid || op.path}`);
  }
  const contents = (op.request && op.request.body && op.request.body.contents) || [];
  if (body.length > 0 && contents.length === 0) {
    out.push(`a request body was sent, but ${op.iid || op.path} declares none`);
  }
  if (body.length > 0 && /json/i.test(contentType || '')) {
    let parsed;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      out.push('the JSON body does not parse');
    }
    const media = (contentType || '').split(';')[0].trim().toLowerCase();
    const content = contents.find(c => c.mediaType.toLowerCase() === media) || contents[0];
    const props = content && content.schema && content.schema.properties;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed) && props) {
      for (const key of Object.keys(parsed)) {
        if (!(key in props)) out.push(`body property "${key}" is not declared by ${op.iid || op.path}`);
      }
    }
  }
  return out;
}

async function proxy(spec, prismPortFile, serversFile, portFile, recordFile) {
  const ops = await loadOperations(spec);
  const urls = [...new Set(ops.flatMap(op => (op.servers || []).map(s => s.url)))];
  const bases = [...new Set(urls.map(u => u.replace(/^[a-z]+:\/\/[^/]*/i, '').replace(/\/$/, '')))];
  fs.writeFileSync(serversFile, [bases.join(' '), ...urls].join('\n') + '\n');
  // The operations' paths, for run.sh's host check (a host may add their leading segment).
  fs.writeFileSync(serversFile + '.paths', [...new Set(ops.map(op => op.path))].join('\n') + '\n');
  if (bases.length !== 1) {
    console.error(`the spec's servers do not share one base path: ${bases.join(', ')}`);
    process.exit(3);
  }
  const basePath = bases[0];
  let seq = 0;
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', c => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const url = new URL(req.url, 'http://127.0.0.1');
      const record = {
        seq: ++seq,
        method: req.method,
        sent: url.pathname + url.search,
        path: url.pathname,
        auth: req.headers.authorization ? req.headers.authorization.split(' ')[0] : null,
        contentType: req.headers['content-type'] || null,
        bodyKeys: null,
        reasons: [],
        notes: [],
      };
      let opPath = url.pathname;
      if (basePath && !(opPath === basePath || opPath.startsWith(basePath + '/'))) {
        record.reasons.push(`path is outside the spec server's base path ${basePath}`);
      } else if (basePath) {
        opPath = opPath.slice(basePath.length) || '/';
      }
      // Opt-in per vendor (run.sh): a spec that spells its paths with a trailing slash the
      // vendor also serves without (Rippling's /workers/, whose live answers name /workers; its spec is not kept today).
      // The request goes on with the slash and the difference is kept as a note.
      if (process.env.CONTRACT_TRAILING_SLASH === '1' && !opPath.endsWith('/') &&
        !findOperation(ops, req.method, opPath) && findOperation(ops, req.method, opPath + '/')) {
        record.notes.push(`the spec spells the path ${opPath}/ (trailing slash); sent to Prism as such`);
        opPath += '/';
      }
      record.opPath = opPath;
      const op = findOperation(ops, req.method, opPath);
      record.operation = op ? op.iid || `${op.method.toUpperCase()} ${op.path}` : null;
      if (body.length > 0) {
        try {
          const parsed = JSON.parse(body.toString('utf8'));
          if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) record.bodyKeys = Object.keys(parsed);
        } catch {
          record.bodyKeys = ['(not JSON)'];
        }
      }
      for (const r of strictRules(op, url.searchParams, record.contentType, body)) record.reasons.push(`strict: ${r}`);

      let prismPort = 0;
      try {
        prismPort = Number(fs.readFileSync(prismPortFile, 'utf8').trim());
      } catch {
        // Prism is not up: the request below fails and is recorded as such.
      }
      const headers = { ...req.headers, host: `127.0.0.1:${prismPort}` };
      // Opt-in per operation (run.sh, CONTRACT_OAUTH_ONLY="METHOD /path ..."): where the spec
      // lists only OAuth but the vendor's integrators send the API key (BambooHR's
      // list-employees), Prism is shown a placeholder Bearer so the rest of the request and
      // the chain after it are still checked; the record keeps what Keystep sent, with a note.
      const oauthOnly = (process.env.CONTRACT_OAUTH_ONLY || '').split(',').map(x => x.trim()).filter(Boolean);
      if (record.auth === 'Basic' && oauthOnly.includes(`${req.method} ${opPath}`)) {
        headers.authorization = 'Bearer keystep-prism-placeholder';
        record.notes.push(`the spec lists only OAuth for ${req.method} ${opPath}; Keystep sent the key as Basic, and Prism was shown a placeholder Bearer`);
      }
      // Opt-in per operation (run.sh, CONTRACT_COMMA_LISTS="METHOD /path param; ..."): a query
      // parameter the spec types as an array while its own description and example send one
      // comma-separated value (BambooHR's list-employees `fields`) is shown to Prism as
      // repeated values.
      const commaLists = (process.env.CONTRACT_COMMA_LISTS || '').split(';').map(x => x.trim()).filter(Boolean)
        .filter(x => x.startsWith(`${req.method} ${opPath} `)).map(x => x.split(' ')[2]);
      const search = new URLSearchParams();
      for (const [k, v] of url.searchParams) {
        if (commaLists.includes(k) && v.includes(',')) {
          for (const part of v.split(',')) search.append(k, part);
          record.notes.push(`${k}=${v}: one comma-separated value, as the spec's description says; shown to Prism as repeated values, as its schema says`);
        } else {
          search.append(k, v);
        }
      }
      const query = search.toString() ? `?${search}` : '';
      const upstream = http.request(
        { host: '127.0.0.1', port: prismPort, method: req.method, path: opPath + query, headers },
        up => {
          const got = [];
          up.on('data', c => got.push(c));
          up.on('end', () => {
            const answer = Buffer.concat(got);
            record.status = up.statusCode;
            const ctype = String(up.headers['content-type'] || '');
            if (/problem\+json/i.test(ctype)) {
              try {
                const p = JSON.parse(answer.toString('utf8'));
                if (typeof p.type === 'string' && p.type.startsWith(PROBLEM_PREFIX)) {
                  record.reasons.push(`Prism refused it: ${p.type.slice(PROBLEM_PREFIX.length)} (${up.statusCode}) ${p.detail || p.title || ''}`.trim());
                  for (const v of p.validation || []) {
                    record.reasons.push(`  ${[].concat(v.location || []).join('.')}: ${v.message} [${v.severity}]`);
                  }
                }
              } catch {
                record.reasons.push(`Prism answered ${up.statusCode} problem+json that does not parse`);
              }
            }
            const raw = up.headers['sl-violations'];
            if (raw) {
              let list = [];
              const text = String(raw).replace(/^Too many violations! /, '');
              try {
                list = JSON.parse(text);
              } catch {
                // Prism cuts a long list short ("Too many violations!"). Request violations
                // in the part kept are still found; any cut off show in Prism's log, which
                // report() checks too.
                const cut = text !== String(raw);
                const requestOnes = text.match(/\{"location":\["request"[^{}]*\}/g) || [];
                for (const one of requestOnes) {
                  try {
                    list.push(JSON.parse(one));
                  } catch {
                    record.reasons.push(`sl-violations names a request violation: ${one.slice(0, 200)}`);
                  }
                }
                if (!cut) record.reasons.push(`sl-violations header does not parse: ${text.slice(0, 200)}`);
                else if (!/"location":\["response"/.test(text) || requestOnes.length) {
                  record.notes.push('sl-violations was cut short by Prism; Prism\'s log has the rest');
                } else list.push({ location: ['response'], message: 'the spec\'s examples break its schemas in too many places for Prism to list' });
              }
              const responseViolations = [];
              for (const v of list) {
                const where = [].concat(v.location || []);
                if (where[0] === 'request') {
                  const line = `${where.join('.')}: ${v.message} [${v.severity}${v.code ? `, ${v.code}` : ''}]`;
                  if (v.severity === 'Error') record.reasons.push(`Prism: ${line}`);
                  else record.notes.push(`Prism ${String(v.severity).toLowerCase()}: ${line}`);
                } else {
                  responseViolations.push(`${where.join('.')}: ${v.message}`);
                }
              }
              if (responseViolations.length) {
                const more = responseViolations.length > 1 ? ` (and ${responseViolations.length - 1} more)` : '';
                record.notes.push(`not Keystep's: the spec's own example breaks its schema: ${responseViolations[0]}${more}`);
              }
            }
            fs.appendFileSync(recordFile, JSON.stringify(record) + '\n');
            const back = { ...up.headers };
            res.writeHead(up.statusCode, back);
            res.end(answer);
          });
        },
      );
      upstream.on('error', e => {
        record.status = 0;
        record.reasons.push(`could not reach Prism: ${e.message}`);
        fs.appendFileSync(recordFile, JSON.stringify(record) + '\n');
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end('prism unreachable');
      });
      upstream.end(body);
    });
  });
  server.listen(0, '127.0.0.1', () => {
    fs.writeFileSync(portFile + '.tmp', String(server.address().port));
    fs.renameSync(portFile + '.tmp', portFile);
  });
}

function templateRegex(tpl) {
  const esc = tpl
    .split(/(\{[^}]+\})/)
    .map(part => (/^\{[^}]+\}$/.test(part) ? '[^/]+' : part.replace(/[.*+?^$()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp('^' + esc + '/?$'); // a trailing slash the proxy added (see above)
}

function report(label, recordFile, prismLog, checksFile) {
  const lines = [];
  const ok = s => lines.push(`ok - ${s}`);
  const bad = (s, details = []) => {
    lines.push(`not ok - ${s}`);
    for (const d of details) lines.push(`    ${d}`);
  };
  const note = s => lines.push(`# ${s}`);
  const records = fs.existsSync(recordFile)
    ? fs.readFileSync(recordFile, 'utf8').split('\n').filter(Boolean).map(l => JSON.parse(l))
    : [];

  for (const r of records) {
    const what = `${label}: ${r.method} ${r.sent}${r.auth ? ` (${r.auth} auth)` : ' (no auth)'}${r.bodyKeys ? ` body {${r.bodyKeys.join(', ')}}` : ''}`;
    if (r.reasons.length === 0) ok(`${what} conforms to ${r.operation}; Prism answered ${r.status}`);
    else bad(`${what} breaks the spec${r.operation ? ` (${r.operation})` : ''}; Prism answered ${r.status}`, r.reasons);
    for (const n of r.notes) note(`  ${n}`);
  }
  if (records.length > 0) ok(`${label}: Prism saw ${records.length} request(s)`);
  else bad(`${label}: Prism saw Keystep's requests`, ['no request reached Prism, so nothing was checked']);

  // Prism's own log must tell the same story: one "Request received" per request, none
  // refused, no request violation.
  const log = fs.existsSync(prismLog) ? fs.readFileSync(prismLog, 'utf8') : '';
  const received = (log.match(/Request received/g) || []).length;
  const complaints = log
    .split('\n')
    .filter(l => /did not pass the validation rules|Request terminated with error|Violation: request/.test(l));
  if (received === records.length && complaints.length === 0) {
    ok(`${label}: Prism's log agrees (${received} received, none refused, no request violation)`);
  } else {
    bad(`${label}: Prism's log agrees`, [`${received} "Request received" for ${records.length} recorded`, ...complaints.map(l => l.trim())]);
  }

  // The chain in the provider file: the first check must have been sent (else nothing
  // proves the override took effect); later ones are reported as reached or not.
  const checks = fs
    .readFileSync(checksFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map(l => {
      const [id, method, p] = l.split('\t');
      return { id, method, path: p };
    });
  const relevant = checks;
  relevant.forEach((c, i) => {
    const re = templateRegex(c.path);
    const hits = records.filter(r => r.method === c.method && re.test(r.opPath));
    const valid = hits.filter(r => r.reasons.length === 0).length;
    const desc = `${label}: check "${c.id}" (${c.method} ${c.path})`;
    if (i === 0) {
      if (hits.length > 0) ok(`${desc} was sent and checked`);
      else bad(`${desc} was sent and checked`, ['Prism never saw the first request of the chain (under the base path)']);
    } else if (hits.length > 0) {
      note(`${desc}: reached, ${valid === hits.length ? 'valid' : 'INVALID'} (see above)`);
    } else {
      note(`${desc}: not reached, so not checked`);
    }
  });
  const reached = relevant.filter(c => records.some(r => r.method === c.method && templateRegex(c.path).test(r.opPath))).length;
  note(`${label}: ${reached} of ${relevant.length} checks in the provider file were sent to Prism and validated`);
  console.log(lines.join('\n'));
}

function refused(label, recordFile, whats) {
  const records = fs.existsSync(recordFile)
    ? fs.readFileSync(recordFile, 'utf8').split('\n').filter(Boolean).map(l => JSON.parse(l))
    : [];
  const lines = [];
  whats.forEach((what, i) => {
    const r = records[i];
    const desc = `${label}: ${what}${r ? ` (${r.method} ${r.sent}${r.auth ? `, ${r.auth}` : ', no auth'})` : ''} is reported`;
    if (!r) lines.push(`not ok - ${desc}`, '    the request never reached the proxy');
    else if (r.reasons.length > 0) lines.push(`ok - ${desc}: ${r.reasons[0].trim()}`);
    else lines.push(`not ok - ${desc}`, `    Prism answered ${r.status} and reported nothing: this kind of break would go unnoticed`);
  });
  if (records.length !== whats.length) lines.push(`not ok - ${label}: ${whats.length} self-test requests recorded`, `    ${records.length} recorded`);
  console.log(lines.join('\n'));
}

const [, , mode, ...args] = process.argv;
(async () => {
  if (mode === 'proxy') await proxy(args[0], args[1], args[2], args[3], args[4]);
  else if (mode === 'report') report(args[0], args[1], args[2], args[3]);
  else if (mode === 'refused') refused(args[0], args[1], args.slice(2));
  else {
    console.error('usage: contract.js proxy|report|refused ...');
    process.exit(2);
  }
})().catch(e => {
  console.error(e && e.stack ? e.stack : String(e));
  process.exit(1);
});

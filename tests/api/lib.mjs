// lib.mjs: what every API test file shares.
//
// The tests run against one live bdgd (tests/run starts it) named by:
//   BDG_TEST_URL       http://127.0.0.1:PORT
//   BDG_JWT_SECRET     its HS256 secret (tokens are signed here, in node)
//   BDG_TEST_DATA_DIR  its data folder (the embedded cluster: pg/, run/, port)
//   BDG_TEST_BDGD      the bdgd binary (for tests that start their own)
//   BDG_TEST_ROOT      the repository (openapi.yaml, api/*.c)
//   BDG_TEST_PGHOST, BDG_TEST_PGPORT  optional: where the cluster listens
// Test files run concurrently against that one server, so every test makes
// its own units under a fresh code prefix (newPrefix, makeTree) and never
// counts anything outside them.
//
// Every answer api() and rawHttp() receive is checked against openapi.yaml
// (contract.mjs): a status, header or body the contract does not describe
// fails the test that received it.
//
// By hand: (cd tests/api && npm ci), start a bdgd (see tests/run), set the
// variables above, then: node --test tests/api/*.test.mjs
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { loadContract } from './contract.mjs';

function need(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the API tests through tests/run, or set BDG_TEST_URL, ` +
    'BDG_JWT_SECRET, BDG_TEST_DATA_DIR, BDG_TEST_BDGD and BDG_TEST_ROOT by hand');
  return v;
}

export const BASE = need('BDG_TEST_URL').replace(/\/+$/, '');
export const SECRET = need('BDG_JWT_SECRET');
export const ROOT = process.env.BDG_TEST_ROOT || resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DATA_DIR = process.env.BDG_TEST_DATA_DIR || '';
export const BDGD = process.env.BDG_TEST_BDGD || join(ROOT, 'build', 'api', 'bdgd');
export const contract = loadContract(join(ROOT, 'openapi.yaml'));

const baseUrl = new URL(BASE);

// ---- codes --------------------------------------------------------------

// Unit codes: every test file (one process each) has its own random
// FILE_PREFIX, and every test takes fresh prefixes under it, so that tests
// and files running concurrently, or again against the same server, never
// share a unit. All prefixes have the same length: none starts another.
export const FILE_PREFIX = 'T' + randomBytes(4).toString('hex').toUpperCase();
let prefixes = 0;

// A fresh code prefix (FILE_PREFIX + 3 base-36 digits) for one test's units.
export function newPrefix() {
  prefixes += 1;
  if (prefixes >= 36 ** 3) throw new Error('too many prefixes in one file');
  return FILE_PREFIX + prefixes.toString(36).toUpperCase().padStart(3, '0');
}

// ---- tokens -------------------------------------------------------------

export function b64u(x) {
  return Buffer.from(typeof x === 'string' ? x : JSON.stringify(x)).toString('base64url');
}

export function nowSec() {
  return Math.floor(Date.now() / 1000);
}

// A compact JWT. header and payload are objects, or raw JSON text (for
// duplicate keys and other shapes JSON.stringify cannot make). hmac: the
// node digest (sha256, sha512), or null for no signature; key defaults to
// the server's secret; signature replaces the computed one.
export function signJwt({ header = { alg: 'HS256', typ: 'JWT' }, payload, key = SECRET, hmac = 'sha256', signature } = {}) {
  const input = `${b64u(header)}.${b64u(payload)}`;
  let sig = signature;
  if (sig === undefined) sig = hmac ? createHmac(hmac, key).update(input).digest('base64url') : '';
  return `${input}.${sig}`;
}

// A token for the test server: HS256, iat now, exp now + ttl. extra adds or
// replaces claims, omit drops some, header replaces header fields.
export function token({ sub = 'tester', unit, role = 'admin', ttl = 600, extra = {}, omit = [], header = {}, key, hmac } = {}) {
  const now = nowSec();
  const payload = { sub, unit, role, iat: now, exp: now + ttl, ...extra };
  for (const k of omit) delete payload[k];
  if (payload.unit === undefined && !omit.includes('unit')) payload.unit = 'NOUNIT';
  return signJwt({ header: { alg: 'HS256', typ: 'JWT', ...header }, payload, key, hmac });
}

// ---- HTTP ---------------------------------------------------------------

function fullUrl(path) {
  if (/^https?:/.test(path)) return path;
  return BASE + (path.startsWith('/api/') || path === '/metrics' || path === '/' ? path : '/api/v1' + path);
}

export function assertContract(method, path, res) {
  const problems = contract.check({ method, path, status: res.status, headers: res.headers, text: res.text });
  if (problems.length) {
    throw new assert.AssertionError({
      message: `the answer does not match openapi.yaml:\n  ${problems.join('\n  ')}\n  body: ${String(res.text).slice(0, 600)}`,
    });
  }
}

function parseBody(headers, text) {
  const ct = headers.get('content-type') || '';
  if (/json/.test(ct) && text) {
    try {
      return JSON.parse(text);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

// One request through fetch. opts: token (a string, or claims for token()),
// body (sent as JSON), raw (a string or Buffer sent as is), headers,
// signal (an AbortSignal), validate (false: skip the contract check). Returns {status, headers,
// body (parsed when JSON), text}.
export async function api(method, path, opts = {}) {
  const url = fullUrl(path);
  const headers = {};
  for (const [k, v] of Object.entries(opts.headers || {})) headers[k.toLowerCase()] = v;
  let tok = opts.token;
  if (tok && typeof tok === 'object') tok = token(tok);
  if (tok) headers.authorization = `Bearer ${tok}`;
  let body;
  if (opts.raw !== undefined) {
    body = opts.raw;
  } else if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    if (!headers['content-type']) headers['content-type'] = 'application/json';
  }
  const res = await fetch(url, { method, headers, body, redirect: 'manual', signal: opts.signal });
  const text = await res.text();
  const out = { status: res.status, headers: res.headers, body: parseBody(res.headers, text), text };
  if (opts.validate !== false) {
    const u = new URL(url);
    assertContract(method, u.pathname + u.search, out);
  }
  return out;
}

// One request over a plain socket, for what fetch will not send: lying or
// huge Content-Length, chunked bodies, bodies the server stops reading.
// head: the request line and header lines (without the blank line); body: a
// Buffer/string written after them; chunks: Buffers sent with chunked
// encoding (then the final chunk). Answers {status, headers, body, text}
// once the response is complete or the server closed the connection.
export function rawHttp({ head, body, chunks, timeoutMs = 10000, validate = true }) {
  return new Promise((resolveP, rejectP) => {
    const sock = net.connect({ host: baseUrl.hostname, port: Number(baseUrl.port || 80) });
    const parts = [];
    let done = false;
    let parsed = null;
    const timer = setTimeout(() => finish(new Error(`no complete answer within ${timeoutMs} ms`)), timeoutMs);

    function tryParse(final) {
      const buf = Buffer.concat(parts);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return null;
      const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0]);
      if (!m) return null;
      const headers = new Headers();
      for (const l of lines.slice(1)) {
        const i = l.indexOf(':');
        if (i > 0) headers.append(l.slice(0, i).trim(), l.slice(i + 1).trim());
      }
      let rest = buf.subarray(end + 4);
      const status = Number(m[1]);
      if (headers.get('transfer-encoding')?.toLowerCase() === 'chunked') {
        const out = [];
        for (;;) {
          const nl = rest.indexOf('\r\n');
          if (nl < 0) return final ? { status, headers, payload: Buffer.concat(out) } : null;
          const n = parseInt(rest.subarray(0, nl).toString('latin1'), 16);
          if (n === 0) break;
          if (rest.length < nl + 2 + n + 2) return final ? { status, headers, payload: Buffer.concat(out) } : null;
          out.push(rest.subarray(nl + 2, nl + 2 + n));
          rest = rest.subarray(nl + 2 + n + 2);
        }
        return { status, headers, payload: Buffer.concat(out) };
      }
      const cl = headers.get('content-length');
      if (cl !== null) {
        if (rest.length < Number(cl)) return final ? { status, headers, payload: rest } : null;
        return { status, headers, payload: rest.subarray(0, Number(cl)) };
      }
      if (status === 204 || status === 304) return { status, headers, payload: Buffer.alloc(0) };
      return final ? { status, headers, payload: rest } : null;
    }

    function finish(err) {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      const r = parsed || tryParse(true);
      if (!r) {
        rejectP(err || new Error(`the server closed the connection without an answer (${Buffer.concat(parts).length} bytes read)`));
        return;
      }
      const text = r.payload.toString('utf8');
      const out = { status: r.status, headers: r.headers, body: parseBody(r.headers, text), text };
      if (validate) {
        const reqLine = head.split('\r\n')[0].split(' ');
        try {
          assertContract(reqLine[0], reqLine[1], out);
        } catch (e) {
          rejectP(e);
          return;
        }
      }
      resolveP(out);
    }

    sock.on('data', (d) => {
      parts.push(d);
      parsed = tryParse(false);
      if (parsed) finish();
    });
    sock.on('end', () => finish());
    sock.on('close', () => finish());
    sock.on('error', (e) => {
      // A server that answered and closed while we were still sending: keep the answer.
      if (!tryParse(true)) finish(e);
      else finish();
    });
    sock.on('connect', async () => {
      const w = (b) => new Promise((ok) => {
        if (done || sock.destroyed) return ok(false);
        if (sock.write(b)) ok(true);
        else sock.once('drain', () => ok(true));
      });
      try {
        await w(head.replace(/(\r\n)*$/, '') + '\r\n\r\n');
        if (body !== undefined) await w(body);
        if (chunks) {
          for (const c of chunks) {
            if (done) return;
            await w(`${c.length.toString(16)}\r\n`);
            await w(c);
            await w('\r\n');
          }
          await w('0\r\n\r\n');
        }
      } catch {
        /* the server closed: the answer, if any, is handled above */
      }
    });
  });
}

// The request line and headers for rawHttp.
export function rawHead(method, path, headers = {}) {
  const lines = [`${method} ${path.startsWith('/api/') ? path : '/api/v1' + path} HTTP/1.1`, `Host: ${baseUrl.host}`];
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  return lines.join('\r\n');
}

// ---- assertions ---------------------------------------------------------

// A problem+json answer with this status (and type code, field pointers).
export function assertProblem(res, status, { type, fields, detail } = {}) {
  assert.equal(res.status, status, `expected ${status}, got ${res.status}: ${res.text.slice(0, 400)}`);
  assert.match(res.headers.get('content-type') || '', /^application\/problem\+json/);
  const p = res.body;
  assert.ok(p && typeof p === 'object', 'a problem body');
  assert.equal(p.status, status);
  assert.equal(typeof p.title, 'string');
  assert.ok(p.title.length > 0);
  assert.equal(typeof p.detail, 'string');
  assert.ok(p.detail.length > 0);
  assert.match(p.type, /^urn:bdg:problem:[a-z_]+$/);
  if (type) assert.equal(p.type, `urn:bdg:problem:${type}`);
  if (detail) assert.match(p.detail, detail);
  if (fields) {
    const got = (p.errors || []).map((e) => e.field);
    for (const f of fields) assert.ok(got.includes(f), `errors[].field should include ${f}; got ${JSON.stringify(p.errors)}`);
    for (const e of p.errors || []) assert.ok(e.message && typeof e.message === 'string', 'each error has a message');
  }
  return p;
}

// ---- units --------------------------------------------------------------

export function adminOf(code, sub) {
  return token({ sub: sub || `admin-${code}`, unit: code, role: 'admin' });
}

export async function createUnit(tok, unit, headers = {}) {
  const res = await api('POST', '/units', { token: tok, body: unit, headers });
  assert.equal(res.status, 201, `creating ${unit.code}: ${res.text}`);
  return res.body;
}

// A small tree under a fresh prefix P:
//   P (province) ── P-A (department) ── P-A-1 (public_service_unit), P-A-2 (division)
//                └─ P-B (district)   ── P-B-1 (commune)
// created by an admin of P (whose unit claim names the new root).
export async function makeTree(names = {}) {
  const p = newPrefix();
  const c = { root: p, A: `${p}-A`, B: `${p}-B`, A1: `${p}-A-1`, A2: `${p}-A-2`, B1: `${p}-B-1` };
  const admin = adminOf(p);
  await createUnit(admin, { code: c.root, name: names.root || 'UBND tỉnh Thừa Thiên Huế', kind: 'province' });
  await createUnit(admin, { code: c.A, name: names.A || 'Sở Y tế tỉnh Thừa Thiên Huế', kind: 'department', parent: c.root });
  await createUnit(admin, { code: c.B, name: names.B || 'UBND thị xã Hương Trà', kind: 'district', parent: c.root });
  await createUnit(admin, { code: c.A1, name: names.A1 || 'Trung tâm Y tế huyện Vân Canh', kind: 'public_service_unit', parent: c.A });
  await createUnit(admin, { code: c.A2, name: names.A2 || 'Phòng Nội vụ', kind: 'division', parent: c.A });
  await createUnit(admin, { code: c.B1, name: names.B1 || 'UBND phường Tứ Hạ', kind: 'commune', parent: c.B });
  return { ...c, prefix: p, admin };
}

// Every item of a list, following `next` (limit per page).
export async function listAll(path, tok, limit = 500) {
  const items = [];
  let after = null;
  let pages = 0;
  for (;;) {
    const sep = path.includes('?') ? '&' : '?';
    const res = await api('GET', `${path}${sep}limit=${limit}${after ? `&after=${encodeURIComponent(after)}` : ''}`, { token: tok });
    assert.equal(res.status, 200, res.text);
    assert.ok(res.body.items.length <= limit, `a page holds at most limit=${limit} items`);
    items.push(...res.body.items);
    pages++;
    if (!res.body.next) break;
    after = res.body.next;
    assert.ok(pages < 1000, 'paging does not end');
  }
  return { items, pages };
}

// ---- the database -------------------------------------------------------

// Where the test server's embedded cluster listens.
export function pgTarget(dataDir = DATA_DIR) {
  if (dataDir === DATA_DIR && process.env.BDG_TEST_PGHOST && process.env.BDG_TEST_PGPORT) {
    return { host: process.env.BDG_TEST_PGHOST, port: process.env.BDG_TEST_PGPORT };
  }
  if (!dataDir) throw new Error('BDG_TEST_DATA_DIR is not set: cannot reach the database');
  const pid = join(dataDir, 'pg', 'postmaster.pid');
  if (existsSync(pid)) {
    const lines = readFileSync(pid, 'utf8').split('\n');
    if (lines[3] && lines[4]) return { port: lines[3].trim(), host: lines[4].trim() };
  }
  return { host: join(dataDir, 'run'), port: readFileSync(join(dataDir, 'port'), 'utf8').trim() };
}

// Rows of a query as objects (psql, user bdg, database bdg). vars become
// psql variables, to be used as :'name' in the query (quoted by psql).
export function sql(query, vars = {}, dataDir = DATA_DIR) {
  const { host, port } = pgTarget(dataDir);
  const args = ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-h', host, '-p', String(port), '-U', 'bdg', '-d', 'bdg'];
  for (const [k, v] of Object.entries(vars)) args.push('-v', `${k}=${v}`);
  return new Promise((ok, fail) => {
    const child = execFile('psql', args, { timeout: 10000 }, (err, stdout, stderr) => {
      if (err) return fail(new Error(`psql: ${stderr || err.message}`));
      try {
        ok(JSON.parse(stdout.trim() || '[]'));
      } catch (e) {
        fail(new Error(`psql printed ${stdout}: ${e.message}`));
      }
    });
    child.stdin.end(`SELECT coalesce(json_agg(t), '[]'::json) FROM (${query}) t;\n`);
  });
}

// The audit rows of units whose code starts with prefix, in revision order.
export function auditOf(prefix) {
  return sql("SELECT revision, resource, key, op, actor_sub, actor_unit, actor_role, before IS NOT NULL AS has_before, after IS NOT NULL AS has_after FROM bdg.audit WHERE key LIKE :'p' || '%' ORDER BY revision", { p: prefix });
}

export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

// ---- a server of one's own ------------------------------------------------

// A free TCP port on 127.0.0.1.
export function freePort() {
  return new Promise((ok, fail) => {
    const s = net.createServer();
    s.on('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

// Start a bdgd of its own (own data folder and embedded cluster, own port,
// own secret) with extra BDG_* settings, for tests that need a
// configuration the shared server does not have. Resolves once /ready is
// 200 with {url, secret, dataDir, child, token({unit, role, sub}),
// stop()}; stop() sends SIGTERM and resolves with the exit code.
export async function ownServer(settings = {}) {
  const { spawn } = await import('node:child_process');
  const { mkdtempSync, chmodSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const dataDir = mkdtempSync(join(tmpdir(), 'bdg-own-'));
  chmodSync(dataDir, 0o755);
  const secret = randomBytes(32).toString('hex');
  const port = await freePort();
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('BDG_')) env[k] = v;
  Object.assign(env, { BDG_DATA_DIR: join(dataDir, 'var'), BDG_LISTEN: `127.0.0.1:${port}`, BDG_JWT_SECRET: secret, BDG_LOG: 'quiet' }, settings);
  const child = spawn(BDGD, ['serve'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  let exited = null;
  child.stderr.on('data', (d) => { stderr += d; });
  const done = new Promise((ok) => child.on('exit', (code, signal) => { exited = { code, signal }; ok(exited); }));
  const url = `http://127.0.0.1:${port}`;
  for (let t0 = Date.now(); ; await sleep(150)) {
    if (exited) throw new Error(`bdgd exited before it was ready (${JSON.stringify(exited)}): ${stderr}`);
    if (Date.now() - t0 > 90000) throw new Error(`bdgd was not ready within 90 s: ${stderr}`);
    try {
      if ((await fetch(`${url}/api/v1/ready`)).status === 200) break;
    } catch { /* not listening yet */ }
  }
  return {
    url, secret, dataDir, child,
    token: ({ unit, role = 'admin', sub = 'own-server' }) => {
      const n = nowSec();
      return signJwt({ payload: { sub, unit, role, iat: n, exp: n + 600 }, key: secret });
    },
    async stop() {
      if (!exited) child.kill('SIGTERM');
      const r = await done;
      rmSync(dataDir, { recursive: true, force: true });
      return r;
    },
  };
}

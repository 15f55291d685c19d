// db_outage.test.mjs: a bdgd of its own (own data folder, own cluster, own
// port) whose PostgreSQL is stopped under it: requests that need the
// database answer 503 problem+json within 5 s while /health stays 200; once
// PostgreSQL is back (same options, started by hand), the same bdgd answers
// 200 again within 10 s without a restart. Then SIGTERM: bdgd exits 0 and
// stops its cluster; a second start reuses the cluster; after PostgreSQL
// was killed (a stale postmaster.pid), the next start recovers.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { api, assertProblem, BDGD, newPrefix, signJwt, nowSec, sleep } from './lib.mjs';

const isRoot = process.getuid && process.getuid() === 0;
let pgBin = '/usr/lib/postgresql/15/bin';

let dataDir;
let url;
let secret;
let child;
let exited = null;          // {code, signal} once the current bdgd has exited
let pgOpts;                 // the postgres options of the running cluster

function freePort() {
  return new Promise((ok, fail) => {
    const s = net.createServer();
    s.on('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

// pg_ctl as the cluster's owner (postgres when we are root).
function pgCtl(args, timeout = 60000) {
  const cmd = isRoot ? 'runuser' : join(pgBin, 'pg_ctl');
  const argv = isRoot ? ['-u', 'postgres', '--', join(pgBin, 'pg_ctl'), ...args] : args;
  return new Promise((ok) => {
    execFile(cmd, argv, { timeout }, (err, stdout, stderr) => ok({ code: err ? (err.code ?? 1) : 0, out: `${stdout}${stderr}` }));
  });
}

// postmaster.opts holds the full command line: "/path/postgres" "-D" "/x/pg" "-c" "a=b" ...
function readOpts(pgdata) {
  const text = readFileSync(join(pgdata, 'postmaster.opts'), 'utf8').trim();
  const args = [...text.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)].map((m) => m[1] ?? m[2]).slice(1);
  const out = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '-D') {
      i++;
      continue;
    }
    out.push(args[i]);
  }
  // pg_ctl hands -o to a shell: quote every word.
  return out.map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
}

function tokenFor(unit) {
  const n = nowSec();
  return signJwt({ payload: { sub: 'outage-admin', unit, role: 'admin', iat: n, exp: n + 600 }, key: secret });
}

async function waitFor(fn, ms, what) {
  const t0 = Date.now();
  let last;
  while (Date.now() - t0 < ms) {
    try {
      last = await fn();
      if (last.ok) return { ...last, ms: Date.now() - t0 };
    } catch (e) {
      last = { error: e };
    }
    await sleep(150);
  }
  throw new Error(`${what} not within ${ms} ms; last: ${JSON.stringify(last?.status ?? last?.error?.message ?? last)}`);
}

let port;
let env;

// Start bdgd on the test's data folder and wait until /ready answers 200.
async function startBdgd() {
  exited = null;
  const c = spawn(BDGD, ['serve'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  c.stderrText = '';
  c.stderr.on('data', (d) => { c.stderrText += d; });
  c.on('exit', (code, signal) => { if (child === c) exited = { code, signal }; });
  child = c;
  await waitFor(async () => {
    if (exited) throw new Error(`bdgd exited (${JSON.stringify(exited)}): ${c.stderrText}`);
    const r = await fetch(`${url}/api/v1/ready`);
    return { ok: r.status === 200, status: r.status };
  }, 90000, 'the outage bdgd ready');
}

async function stopBdgd() {
  child.kill('SIGTERM');
  await waitFor(async () => ({ ok: exited !== null }), 30000, 'bdgd to exit');
  return exited;
}

before(async () => {
  if (!existsSync(join(pgBin, 'pg_ctl'))) {
    const out = await new Promise((ok) => execFile('pg_config', ['--bindir'], (e, so) => ok(e ? '' : so.trim())));
    if (out) pgBin = out;
  }
  dataDir = mkdtempSync(join(tmpdir(), 'bdg-outage-'));
  chmodSync(dataDir, 0o755);
  secret = randomBytes(32).toString('hex');
  port = await freePort();
  url = `http://127.0.0.1:${port}`;
  env = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('BDG_')) env[k] = v;
  Object.assign(env, { BDG_DATA_DIR: join(dataDir, 'var'), BDG_LISTEN: `127.0.0.1:${port}`, BDG_JWT_SECRET: secret, BDG_LOG: 'quiet', BDG_POOL_SIZE: '2' });
  await startBdgd();
});

after(async () => {
  if (child && !exited) {
    child.kill('SIGKILL');
    await sleep(200);
  }
  const pgdata = join(dataDir || '/nonexistent', 'var', 'pg');
  if (existsSync(join(pgdata, 'postmaster.pid'))) await pgCtl(['stop', '-D', pgdata, '-m', 'immediate', '-w']);
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

test('database stopped: 503 problem+json within 5 s, /health 200; restarted: 200 again within 10 s, same bdgd', async () => {
  const pgdata = join(dataDir, 'var', 'pg');
  code = newPrefix();
  const tok = tokenFor(code);
  const made = await api('POST', `${url}/api/v1/units`, { token: tok, body: { code, name: 'UBND tỉnh Thừa Thiên Huế', kind: 'province' } });
  assert.equal(made.status, 201, made.text);
  const pid = child.pid;

  pgOpts = readOpts(pgdata);
  const stop = await pgCtl(['stop', '-D', pgdata, '-m', 'fast', '-w']);
  assert.equal(stop.code, 0, `pg_ctl stop: ${stop.out}`);

  for (const [method, path, body] of [['GET', `/units/${code}`], ['GET', '/units'], ['POST', '/units', { code: `${code}-X`, name: 'X', kind: 'other', parent: code }], ['GET', '/me']]) {
    const t0 = Date.now();
    const res = await api(method, `${url}/api/v1${path}`, { token: tok, body, signal: AbortSignal.timeout(5000) });
    const ms = Date.now() - t0;
    if (path === '/me') {
      assert.ok(res.status === 200 || res.status === 503, `/me: ${res.status}`);
      continue;
    }
    assertProblem(res, 503);
    assert.ok(ms < 5000, `${method} ${path} took ${ms} ms`);
    assert.ok(res.headers.get('retry-after'), 'Retry-After');
  }
  assertProblem(await api('GET', `${url}/api/v1/ready`), 503);
  const health = await api('GET', `${url}/api/v1/health`);
  assert.equal(health.status, 200);
  assert.equal(exited, null, 'bdgd is still running');

  const start = await pgCtl(['start', '-w', '-t', '60', '-D', pgdata, '-l', join(dataDir, 'var', 'pg.log'), '-o', pgOpts]);
  assert.equal(start.code, 0, `pg_ctl start: ${start.out}`);
  const back = await waitFor(async () => {
    const r = await api('GET', `${url}/api/v1/units/${code}`, { token: tok });
    return { ok: r.status === 200, status: r.status, res: r };
  }, 10000, 'GET the unit again');
  assert.deepEqual(back.res.body, made.body);
  const write = await api('POST', `${url}/api/v1/units`, { token: tok, body: { code: `${code}-Y`, name: 'Sở Y tế', kind: 'department', parent: code } });
  assert.equal(write.status, 201, write.text);
  assert.equal((await api('GET', `${url}/api/v1/ready`)).status, 200);
  assert.equal(child.pid, pid);
  assert.equal(exited, null, 'the same bdgd, never restarted');
});

let code;

test('SIGTERM: bdgd exits 0 and stops its cluster', async () => {
  const pgdata = join(dataDir, 'var', 'pg');
  assert.equal(exited, null);
  assert.deepEqual(await stopBdgd(), { code: 0, signal: null }, child.stderrText);
  const st = await pgCtl(['status', '-D', pgdata]);
  assert.equal(st.code, 3, `pg_ctl status says the cluster still runs: ${st.out}`);
  assert.equal(existsSync(join(pgdata, 'postmaster.pid')), false);
});

test('a second start reuses the cluster and its data', async () => {
  await startBdgd();
  const list = await api('GET', `${url}/api/v1/units`, { token: tokenFor(code) });
  assert.equal(list.status, 200);
  assert.deepEqual(list.body.items.map((u) => u.code), [code, `${code}-Y`]);
});

// lib/pgembed.c: the cluster's processes get glibc malloc settings that
// keep large blocks on the heap (PG_MALLOC_TUNABLES). glibc cuts the value
// at each ':' in place when it reads it, so the settings show as pieces.
test('the embedded cluster runs with the malloc settings of lib/pgembed.c', async () => {
  const pgdata = join(dataDir, 'var', 'pg');
  const pmPid = Number(readFileSync(join(pgdata, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const env = readFileSync(`/proc/${pmPid}/environ`, 'latin1').split('\0');
  assert.ok(env.includes('GLIBC_TUNABLES=glibc.malloc.mmap_threshold=16777216'), env.join(' '));
  assert.ok(env.includes('glibc.malloc.trim_threshold=67108864'), env.join(' '));
});

test('after PostgreSQL crashed (stale postmaster.pid), the next start recovers', async () => {
  const pgdata = join(dataDir, 'var', 'pg');
  const pmPid = Number(readFileSync(join(pgdata, 'postmaster.pid'), 'utf8').split('\n')[0]);
  assert.ok(pmPid > 1);
  process.kill(pmPid, 'SIGKILL');
  await waitFor(async () => {
    try {
      process.kill(pmPid, 0);
      return { ok: false };
    } catch {
      return { ok: true };
    }
  }, 10000, 'the postmaster to die');
  assert.ok(existsSync(join(pgdata, 'postmaster.pid')), 'a stale postmaster.pid is left behind');
  assertProblem(await api('GET', `${url}/api/v1/units/${code}`, { token: tokenFor(code), signal: AbortSignal.timeout(5000) }), 503);
  await stopBdgd();
  await startBdgd();
  const u = await api('GET', `${url}/api/v1/units/${code}`, { token: tokenFor(code) });
  assert.equal(u.status, 200, u.text);
  assert.deepEqual(await stopBdgd(), { code: 0, signal: null }, child.stderrText);
  assert.equal((await pgCtl(['status', '-D', pgdata])).code, 3);
});

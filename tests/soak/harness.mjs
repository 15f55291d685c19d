// harness.mjs: what the reliability tests (tests/api/reliability_*.test.mjs,
// tests/api/security_*.test.mjs) and the soak run (tests/soak/soak.mjs)
// share, with node's built-ins only (no npm packages, so that tests/soak
// runs without tests/api/node_modules):
//   * a bdgd of the test's own: on its own data folder and embedded cluster
//     (startOwnBdgd: for faults that must not touch the shared cluster), or
//     on the shared test cluster through BDG_DATABASE_URL (startSharedBdgd:
//     cheap, under a second, for its own configuration: timeouts, threads,
//     issuer/audience, a SIGTERM of its own);
//   * the process behind a port (/proc/net/tcp + /proc/<pid>/fd), its RSS
//     (VmRSS of /proc/<pid>/status) and open descriptors;
//   * HS256 tokens signed with a given secret;
//   * pg_ctl as the cluster's owner, and the postmaster's pid.
import { execFile, spawn } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import {
  chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync,
} from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const isRoot = process.getuid && process.getuid() === 0;

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

// ---- tokens ---------------------------------------------------------------

const b64u = (x) => Buffer.from(typeof x === 'string' ? x : JSON.stringify(x)).toString('base64url');

// An HS256 token for a bdgd started with that secret.
export function hsToken(secret, { sub = 'harness', unit, role = 'admin', ttl = 3600, extra = {} } = {}) {
  const now = Math.floor(Date.now() / 1000);
  const input = `${b64u({ alg: 'HS256', typ: 'JWT' })}.${b64u({ sub, unit, role, iat: now, exp: now + ttl, ...extra })}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

// ---- processes --------------------------------------------------------------

export function rssKb(pid) {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

export function fdCount(pid) {
  return readdirSync(`/proc/${pid}/fd`).length;
}

export function threadCount(pid) {
  const m = /^Threads:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

export function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// The pid of the process listening on 127.0.0.1:port (IPv4), found through
// the socket inode of /proc/net/tcp and the /proc/<pid>/fd links; null when
// none is visible.
export function pidListeningOn(port) {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes = new Set();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10) continue;
      if (f[1].endsWith(`:${hexPort}`) && f[3] === '0A') inodes.add(f[9]);   // 0A = LISTEN
    }
  }
  if (!inodes.size) return null;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    let fds;
    try {
      fds = readdirSync(`/proc/${d}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let link;
      try {
        link = readlinkSync(`/proc/${d}/fd/${fd}`);
      } catch {
        continue;
      }
      const m = /^socket:\[(\d+)\]$/.exec(link);
      if (m && inodes.has(m[1])) return Number(d);
    }
  }
  return null;
}

// ---- PostgreSQL ---------------------------------------------------------------

let pgBin = '/usr/lib/postgresql/15/bin';

export async function pgBinDir() {
  if (existsSync(join(pgBin, 'pg_ctl'))) return pgBin;
  const out = await new Promise((ok) => execFile('pg_config', ['--bindir'], (e, so) => ok(e ? '' : so.trim())));
  if (out) pgBin = out;
  return pgBin;
}

// pg_ctl as the cluster's owner (postgres when we are root).
export async function pgCtl(args, timeout = 60000) {
  const bin = await pgBinDir();
  const cmd = isRoot ? 'runuser' : join(bin, 'pg_ctl');
  const argv = isRoot ? ['-u', 'postgres', '--', join(bin, 'pg_ctl'), ...args] : args;
  return new Promise((ok) => {
    execFile(cmd, argv, { timeout }, (err, stdout, stderr) => ok({ code: err ? (err.code ?? 1) : 0, out: `${stdout}${stderr}` }));
  });
}

// postmaster.opts holds the full command line: "/path/postgres" "-D" "/x/pg"
// "-c" "a=b" ...: the options again, quoted for pg_ctl -o (a shell).
export function postmasterOpts(pgdata) {
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
  return out.map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
}

export function postmasterPid(pgdata) {
  const f = join(pgdata, 'postmaster.pid');
  if (!existsSync(f)) return null;
  return Number(readFileSync(f, 'utf8').split('\n')[0]) || null;
}

// Where a cluster listens: {host (socket folder), port}, from postmaster.pid.
export function clusterTarget(dataDir) {
  const pid = join(dataDir, 'pg', 'postmaster.pid');
  if (existsSync(pid)) {
    const lines = readFileSync(pid, 'utf8').split('\n');
    if (lines[3] && lines[4]) return { port: lines[3].trim(), host: lines[4].trim() };
  }
  return { host: join(dataDir, 'run'), port: readFileSync(join(dataDir, 'port'), 'utf8').trim() };
}

export function psqlJson(target, query, timeout = 20000) {
  const args = ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-h', target.host, '-p', String(target.port), '-U', 'bdg', '-d', 'bdg'];
  return new Promise((ok, fail) => {
    const child = execFile('psql', args, { timeout, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err) return fail(new Error(`psql: ${stderr || err.message}`));
      try {
        ok(JSON.parse(stdout.trim() || 'null'));
      } catch (e) {
        fail(new Error(`psql printed ${stdout.slice(0, 300)}: ${e.message}`));
      }
    });
    child.stdin.end(`SELECT coalesce(json_agg(t), '[]'::json) FROM (${query}) t;\n`);
  });
}

// ---- bdgd ---------------------------------------------------------------------

async function waitReady(b, ms) {
  const t0 = Date.now();
  let last = '';
  while (Date.now() - t0 < ms) {
    if (b.exited) throw new Error(`bdgd exited (${JSON.stringify(b.exited)}): ${b.stderr().slice(-2000)}`);
    try {
      const r = await fetch(`${b.url}/api/v1/ready`, { signal: AbortSignal.timeout(2000) });
      if (r.status === 200) return;
      last = String(r.status);
    } catch (e) {
      last = e.message;
    }
    await sleep(100);
  }
  throw new Error(`bdgd not ready within ${ms} ms (last: ${last}): ${b.stderr().slice(-2000)}`);
}

// Start `bdgd serve` with env (BDG_* of the caller's environment dropped),
// and wait until /ready answers 200. Returns a handle:
//   {child, pid, url, port, exited (null or {code, signal}), stdout(), stderr(),
//    stop(signal = 'SIGTERM', ms) → the exit, kill()}
export async function startBdgd({ bdgd, env: extra, readyMs = 90000, keepStdout = false }) {
  const port = await freePort();
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('BDG_')) env[k] = v;
  Object.assign(env, { BDG_LISTEN: `127.0.0.1:${port}`, BDG_LOG: keepStdout ? 'info' : 'quiet', ...extra });
  const child = spawn(bdgd, ['serve'], { env, stdio: ['ignore', keepStdout ? 'pipe' : 'ignore', 'pipe'] });
  let err = '';
  let out = '';
  child.stderr.on('data', (d) => {
    err += d;
    if (err.length > 1 << 20) err = err.slice(-(1 << 19));
  });
  if (keepStdout) child.stdout.on('data', (d) => { out += d; });
  const b = {
    child, pid: child.pid, port, url: `http://127.0.0.1:${port}`, exited: null,
    stderr: () => err, stdout: () => out,
  };
  b.exitPromise = new Promise((ok) => child.on('exit', (code, signal) => {
    b.exited = { code, signal };
    ok(b.exited);
  }));
  b.stop = async (signal = 'SIGTERM', ms = 30000) => {
    if (b.exited) return b.exited;
    child.kill(signal);
    const t = setTimeout(() => child.kill('SIGKILL'), ms);
    const e = await b.exitPromise;
    clearTimeout(t);
    return e;
  };
  try {
    await waitReady(b, readyMs);
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }
  return b;
}

// A bdgd on the shared test cluster (BDG_DATABASE_URL): no cluster of its
// own, so it starts in well under a second and its exit stops nothing else.
export function startSharedBdgd({ bdgd, target, secret, env = {}, keepStdout }) {
  const url = `postgresql:///bdg?host=${encodeURIComponent(target.host)}&port=${target.port}&user=bdg`;
  return startBdgd({ bdgd, keepStdout, env: { BDG_DATABASE_URL: url, BDG_JWT_SECRET: secret, ...env } });
}

// A bdgd with a data folder and an embedded cluster of its own. The handle
// also has dataDir, pgdata, secret, and cleanup() (stops bdgd and the
// cluster, removes the folder).
export async function startOwnBdgd({ bdgd, env = {}, keepStdout }) {
  const dir = mkdtempSync(join(tmpdir(), 'bdg-own-'));
  chmodSync(dir, 0o755);
  const secret = randomBytes(32).toString('hex');
  const dataDir = join(dir, 'var');
  let b;
  try {
    b = await startBdgd({ bdgd, keepStdout, env: { BDG_DATA_DIR: dataDir, BDG_JWT_SECRET: secret, ...env } });
  } catch (e) {
    await stopCluster(join(dataDir, 'pg'));
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  Object.assign(b, { dir, dataDir, pgdata: join(dataDir, 'pg'), secret });
  b.cleanup = async () => {
    if (!b.exited) await b.stop('SIGTERM', 20000);
    await stopCluster(b.pgdata);
    rmSync(dir, { recursive: true, force: true });
  };
  return b;
}

export async function stopCluster(pgdata) {
  if (existsSync(join(pgdata, 'postmaster.pid'))) await pgCtl(['stop', '-D', pgdata, '-m', 'immediate', '-w']);
}

// ---- small things ----------------------------------------------------------------

export function percentile(sorted, p) {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

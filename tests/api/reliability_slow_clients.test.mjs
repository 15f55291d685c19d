// reliability_slow_clients.test.mjs: do slow clients stop others from being
// served? A bdgd of its own on the shared cluster (BDG_DATABASE_URL) per
// scenario. civetweb serves one connection per worker thread, from the
// moment it is accepted until it is closed (keep-alive included), so what
// matters is how many connections slow clients hold against how many
// threads there are (BDG_THREADS, 256 by default) and how long each may
// hold one (BDG_REQUEST_TIMEOUT_MS, 10 s by default, for a request that is
// still arriving; keep_alive_timeout_ms, 5 s, between requests).
//   1. the default configuration: 200 connections trickle a header one byte
//      every 250 ms (and open again when closed) while a probe opens a
//      fresh connection for GET /health and GET /units/{code}, one after
//      the other: probe latency and success against a baseline;
//   2. the same with a request timeout of 2 s: the server closes every
//      trickling connection after about 2 s, and others are served;
//   3. 200 connections that make one request and then keep the connection
//      open, silent (keep-alive), default configuration;
//   4. (todo, out of reach of configuration) more slow connections than
//      threads: 200 tricklers, or 200 idle keep-alive connections, against
//      64 threads.
// Each scenario lasts a few seconds; the probe gives up on one request after
// 5 s. The answer: served when p95 of the probe is under 1 s and 90 % of
// probes succeed. bdgd must stay up throughout.
import assert from 'node:assert/strict';
import net from 'node:net';
import { before, describe, test } from 'node:test';

import { BDGD, makeTree, pgTarget, SECRET, token } from './lib.mjs';
import { percentile, sleep, startSharedBdgd, threadCount } from '../soak/harness.mjs';

const WINDOW_MS = 3000;
const PROBE_TIMEOUT_MS = 5000;

function probe(port, path, auth) {
  return new Promise((ok) => {
    const t0 = Date.now();
    const s = net.connect(port, '127.0.0.1');
    let buf = '';
    const to = setTimeout(() => {
      s.destroy();
      ok({ ms: Date.now() - t0, ok: false });
    }, PROBE_TIMEOUT_MS);
    s.on('connect', () => s.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n${auth ? `Authorization: Bearer ${auth}\r\n` : ''}Connection: close\r\n\r\n`));
    s.on('data', (d) => { buf += d; });
    s.on('close', () => {
      clearTimeout(to);
      ok({ ms: Date.now() - t0, ok: /^HTTP\/1\.1 200/.test(buf) });
    });
    s.on('error', () => {});
  });
}

// Start n slow clients of a kind; returns stop() → their stats.
function slowClients(port, n, kind) {
  let stop = false;
  const st = { connections: 0, closedByServer: 0, lifetimes: [], answers: {} };
  const one = () => new Promise((done) => {
    const loop = () => {
      if (stop) return done();
      st.connections++;
      const s = net.connect(port, '127.0.0.1');
      const t0 = Date.now();
      let timer;
      let first = '';
      s.on('connect', () => {
        if (kind === 'idle') {
          s.write('GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n');
          return;
        }
        s.write('GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Slow: ');
        timer = setInterval(() => { if (!s.destroyed) s.write('a'); }, 250);
      });
      s.on('data', (d) => { if (!first) first = d.toString('latin1').slice(0, 12); });
      s.on('error', () => {});
      s.on('close', () => {
        clearInterval(timer);
        if (!stop) {
          st.closedByServer++;
          st.lifetimes.push(Date.now() - t0);
          const k = first.slice(9, 12) || 'none';
          st.answers[k] = (st.answers[k] || 0) + 1;
        }
        setTimeout(loop, 10);
      });
      one.sockets.push(s);
    };
    loop();
  });
  one.sockets = [];
  const all = Array.from({ length: n }, one);
  return async () => {
    stop = true;
    for (const s of one.sockets) s.destroy();
    await Promise.all(all);
    st.lifetimes.sort((a, b) => a - b);
    return st;
  };
}

let t;
before(async () => {
  t = await makeTree();
});

// One scenario: env for its bdgd (nothing: the default configuration).
async function scenario({ env = {}, kind, n = 200 }) {
  const b = await startSharedBdgd({ bdgd: BDGD, target: pgTarget(), secret: SECRET, env });
  try {
    const tok = token({ sub: 'slow-probe', unit: t.root, role: 'viewer' });
    const base = [];
    for (let i = 0; i < 10; i++) base.push((await probe(b.port, i % 2 ? '/api/v1/health' : `/api/v1/units/${t.A}`, tok)).ms);
    const stop = slowClients(b.port, n, kind);
    await sleep(500);
    const probes = [];
    const t0 = Date.now();
    while (Date.now() - t0 < WINDOW_MS) probes.push(await probe(b.port, probes.length % 2 ? '/api/v1/health' : `/api/v1/units/${t.A}`, tok));
    const workers = threadCount(b.pid);
    const st = await stop();
    await sleep(300);
    const after = await probe(b.port, '/api/v1/health');
    const ms = probes.map((p) => p.ms).sort((a, c) => a - c);
    const okShare = probes.filter((p) => p.ok).length / Math.max(1, probes.length);
    const summary = {
      env, kind, slow: n, probes: probes.length, ok: `${Math.round(okShare * 100)}%`,
      p50: percentile(ms, 50), p95: percentile(ms, 95), max: ms.at(-1), baselineMax: Math.max(...base),
      slowConnections: st.connections, closedByServer: st.closedByServer, lifetimeP50: percentile(st.lifetimes, 50),
      serverAnswers: st.answers, bdgdThreads: workers,
    };
    console.log(`slow clients: ${JSON.stringify(summary)}`);
    assert.equal(b.exited, null, 'bdgd is still running');
    assert.ok(after.ok, 'bdgd serves once the slow clients are gone');
    return { summary, okShare, p95: percentile(ms, 95) };
  } finally {
    await b.stop('SIGKILL');     // a bdgd on the shared cluster: nothing of its own to stop
  }
}

const served = (r) => r.okShare >= 0.9 && r.p95 < 1000;

describe('slow clients', () => {
  test('default configuration: 200 trickling connections do not stop others from being served', async () => {
    const r = await scenario({ kind: 'trickle' });
    assert.ok(served(r), `starved: ${JSON.stringify(r.summary)}`);
    assert.ok(r.summary.bdgdThreads > 200, `more worker threads than slow connections (${r.summary.bdgdThreads})`);
  });

  test('the request timeout bounds each trickling connection (2 s here), and others are served meanwhile', async () => {
    const r = await scenario({ env: { BDG_REQUEST_TIMEOUT_MS: '2000' }, kind: 'trickle' });
    assert.ok(served(r), `starved: ${JSON.stringify(r.summary)}`);
    assert.ok(r.summary.closedByServer >= 150, `the server closes the trickling connections: ${JSON.stringify(r.summary)}`);
    assert.ok(r.summary.lifetimeP50 >= 1500 && r.summary.lifetimeP50 < 3500, `closed after about 2 s: ${r.summary.lifetimeP50} ms`);
  });

  test('default configuration: 200 idle keep-alive connections (one request, then silence) do not stop others', async () => {
    const r = await scenario({ kind: 'idle' });
    assert.ok(served(r), `starved: ${JSON.stringify(r.summary)}`);
  });

  test('more slow connections than threads (200 tricklers against 64 threads, request timeout 2 s): others still served', {
    todo: 'out of reach of bdg: civetweb 1.15 gives each connection a worker thread from accept to close, so 200 tricklers '
      + 'against BDG_THREADS=64 hold every thread and the probe waits behind them until the request timeout frees one: '
      + 'measured: no probe answered within its 5 s (baseline 4 ms), the tricklers\' connections lived 5.0 s (p50: 2 s of '
      + 'timeout after ~3 s in the accept queue); earlier runs: p50 4.3 s, p95 4.7 s per request. Mitigations: BDG_THREADS above the expected '
      + 'number of concurrent connections (the default 256: the first test), a lower BDG_REQUEST_TIMEOUT_MS, and a '
      + 'buffering reverse proxy (nginx) in front of bdgd in production',
  }, async () => {
    const r = await scenario({ env: { BDG_REQUEST_TIMEOUT_MS: '2000', BDG_THREADS: '64' }, kind: 'trickle' });
    assert.ok(served(r), `starved: ${JSON.stringify(r.summary)}`);
  });

  test('more idle keep-alive connections than threads (200 against 64 threads): others still served', {
    todo: 'out of reach of bdg: civetweb keeps a worker thread on a kept-alive connection while it waits for the next '
      + 'request (keep_alive_timeout_ms, 5 s in api/main.c; the request timeout does not apply between requests), so more '
      + 'silent keep-alive connections than BDG_THREADS hold every thread for 5 s each time they reconnect: measured, no '
      + 'probe answered within its 5 s (baseline 17 ms), kept-alive connections closed after 5.0 s (p50). Mitigations: '
      + 'BDG_THREADS above the number of clients (the default 256: the third test), and a reverse proxy that pools '
      + 'connections to bdgd',
  }, async () => {
    const r = await scenario({ env: { BDG_THREADS: '64' }, kind: 'idle' });
    assert.ok(served(r), `starved: ${JSON.stringify(r.summary)}`);
  });
});

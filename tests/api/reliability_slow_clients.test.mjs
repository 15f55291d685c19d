// reliability_slow_clients.test.mjs: do slow clients stop others from being
// served? A bdgd of its own on the shared cluster (BDG_DATABASE_URL) with
// BDG_REQUEST_TIMEOUT_MS=2000 and BDG_THREADS=64. civetweb serves one
// connection per worker thread, from the moment it is accepted until it is
// closed (keep-alive included), so what matters is how many connections a
// slow client holds against how many threads there are.
//   1. 200 connections trickle a header one byte every 250 ms (and open
//      again when closed) while a probe opens a fresh connection for
//      GET /health and GET /units/{code}, one after the other: probe latency
//      and success against a baseline.
//   2. the same 200 tricklers against 256 threads (more threads than
//      tricklers): the fix by configuration.
//   3. 200 connections that make one request and then keep the connection
//      open, silent (keep-alive; civetweb's keep_alive_timeout_ms is 30 s).
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

async function scenario({ threads, kind, n = 200 }) {
  const b = await startSharedBdgd({ bdgd: BDGD, target: pgTarget(), secret: SECRET, env: { BDG_REQUEST_TIMEOUT_MS: '2000', BDG_THREADS: String(threads) } });
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
      threads, kind, slow: n, probes: probes.length, ok: `${Math.round(okShare * 100)}%`,
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
  test('200 trickling connections, 64 threads, request timeout 2 s: others are still served', {
    todo: 'finding: with BDG_THREADS=64 and BDG_REQUEST_TIMEOUT_MS=2000, 200 connections that trickle a header hold every '
      + 'worker thread (civetweb: one connection per thread from accept to close) and the probe waits its turn behind them: '
      + 'measured p50 ≈ 4.3 s and p95 ≈ 4.7 s per request (baseline ≈ 1 ms), 3 probes served in 10 s. Fix: BDG_THREADS above '
      + 'the expected number of concurrent connections (256 here: p95 2 ms, see the next test), a lower request timeout, and '
      + 'a buffering reverse proxy (nginx) in front of bdgd in production',
  }, async () => {
    const r = await scenario({ threads: 64, kind: 'trickle' });
    assert.ok(served(r), `starved: ${JSON.stringify(r.summary)}`);
  });

  test('the same 200 trickling connections with 256 threads: others are served', async () => {
    const r = await scenario({ threads: 256, kind: 'trickle' });
    assert.ok(served(r), `starved: ${JSON.stringify(r.summary)}`);
    assert.ok(r.summary.closedByServer > 0, 'the request timeout closes the trickling connections');
  });

  test('200 idle keep-alive connections (one request, then silence), 64 threads: others are still served', {
    todo: 'finding: api/main.c sets keep_alive_timeout_ms to 30000 and civetweb keeps a worker thread on a kept-alive '
      + 'connection while it waits for the next request, so N silent keep-alive connections (N = BDG_THREADS, 128 by '
      + 'default) stop bdgd for 30 s each time they reconnect: with 200 such connections and 64 threads no probe was '
      + 'served within 15 s (baseline ≈ 1 ms); with 50 connections all were. The request timeout does not apply between '
      + 'requests. Fix: keep_alive_timeout_ms of a few hundred ms to 2 s (or make it configurable), more threads, and a '
      + 'reverse proxy that pools connections to bdgd',
  }, async () => {
    const r = await scenario({ threads: 64, kind: 'idle' });
    assert.ok(served(r), `starved: ${JSON.stringify(r.summary)}`);
  });
});

// access_log.test.mjs: the access log (api/http.c log_request, written by
// lib/linelog.c's writer thread). A bdgd of its own on the shared cluster,
// its stdout kept. Requests from many connections at once, with different
// answers; then SIGTERM straight after the last answer. Every request has
// exactly one line,
// whole and valid JSON, with its method, path, status and the request id
// the client was given; nothing else is on stdout but the lines of the
// harness's readiness probes (GET /ready).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { BDGD, pgTarget, SECRET, token } from './lib.mjs';
import { startSharedBdgd } from '../soak/harness.mjs';

let b;
before(async () => {
  b = await startSharedBdgd({ bdgd: BDGD, target: pgTarget(), secret: SECRET, keepStdout: true });
});
after(async () => {
  if (b) await b.stop();
});

test('one whole line per request, none lost when bdgd stops right after answering', async () => {
  const tok = token({ unit: 'KH', role: 'viewer' });
  const kinds = [
    { method: 'GET', path: '/health', status: 200, headers: {} },
    { method: 'GET', path: '/me', status: 200, headers: { Authorization: `Bearer ${tok}` } },
    { method: 'GET', path: '/me', status: 401, headers: {} },
    { method: 'GET', path: '/no-such-route', status: 404, headers: {} },
  ];
  const sent = [];
  for (let round = 0; round < 10; round++) {
    const batch = [];
    for (let i = 0; i < 60; i++) {
      const k = kinds[(round + i) % kinds.length];
      batch.push(fetch(`${b.url}/api/v1${k.path}`, { headers: k.headers }).then(async (res) => {
        await res.arrayBuffer();
        assert.equal(res.status, k.status, `${k.method} ${k.path}`);
        sent.push({ ...k, id: res.headers.get('x-request-id') });
      }));
    }
    await Promise.all(batch);
  }
  const last = await fetch(`${b.url}/api/v1/health`, { headers: { 'X-Request-Id': 'the-last-one' } });
  assert.equal(last.status, 200);
  sent.push({ method: 'GET', path: '/health', status: 200, id: 'the-last-one' });
  const exit = await b.stop('SIGTERM');
  assert.equal(exit.code, 0, b.stderr());

  const out = b.stdout();
  assert.ok(out.endsWith('\n'), 'stdout ends with a whole line');
  const lines = out.slice(0, -1).split('\n');
  const byId = new Map();
  let probes = 0;
  for (const line of lines) {
    const j = JSON.parse(line);   // throws on a cut or interleaved line
    assert.equal(j.level, 'info');
    assert.match(j.ts, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal(typeof j.ms, 'number');
    assert.ok(!byId.has(j.request_id), `request id ${j.request_id} logged twice`);
    byId.set(j.request_id, j);
    if (j.path === '/ready') probes++;
  }
  assert.ok(probes >= 1, 'the readiness probe is logged');
  assert.equal(lines.length, sent.length + probes, 'one line per request, no other line');
  for (const s of sent) {
    const j = byId.get(s.id);
    assert.ok(j, `no line for ${s.method} ${s.path} (${s.id})`);
    assert.deepEqual([j.method, j.path, j.status], [s.method, s.path, s.status]);
  }
  assert.equal(byId.get('the-last-one').path, '/health');
});

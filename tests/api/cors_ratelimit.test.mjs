// cors_ratelimit.test.mjs: a bdgd of its own with BDG_CORS_ORIGINS and
// BDG_RATE_LIMIT: browsers on an allowed portal origin get their preflight
// answered and ETag/Location exposed, other origins get no CORS headers;
// a token past its budget gets 429 problem+json with Retry-After, while
// another token is still served; /metrics counts what was served.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { ownServer } from './lib.mjs';

const ORIGIN = 'https://congdichvu.thuathienhue.gov.vn';
const BUDGET = 8;
let srv;

before(async () => {
  srv = await ownServer({ BDG_CORS_ORIGINS: `${ORIGIN}, https://other.example`, BDG_RATE_LIMIT: String(BUDGET) });
});

after(async () => {
  const r = await srv.stop();
  assert.equal(r.code, 0, 'bdgd exits 0 on SIGTERM');
});

test('a preflight from an allowed origin is answered with the methods and headers', async () => {
  const res = await fetch(`${srv.url}/api/v1/units/HUE`, {
    method: 'OPTIONS',
    headers: { Origin: ORIGIN, 'Access-Control-Request-Method': 'PUT', 'Access-Control-Request-Headers': 'authorization, if-match' },
  });
  assert.equal(res.status, 204);
  assert.equal(res.headers.get('access-control-allow-origin'), ORIGIN);
  assert.match(res.headers.get('access-control-allow-methods'), /\bPUT\b/);
  assert.match(res.headers.get('access-control-allow-headers'), /If-Match/);
  assert.match(res.headers.get('access-control-allow-headers'), /Idempotency-Key/);
  assert.match(res.headers.get('vary'), /Origin/);
  const evil = await fetch(`${srv.url}/api/v1/units/HUE`, {
    method: 'OPTIONS', headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'PUT' },
  });
  assert.equal(evil.headers.get('access-control-allow-origin'), null, 'no CORS for an origin not listed');
});

test('an allowed origin sees ETag and Location; another origin gets no CORS headers', async () => {
  const tok = srv.token({ unit: 'CORS', sub: 'cors-admin' });
  const res = await fetch(`${srv.url}/api/v1/units`, {
    method: 'POST',
    headers: { Origin: ORIGIN, Authorization: `Bearer ${tok}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ code: 'CORS', name: 'Tỉnh thử CORS', kind: 'province' }),
  });
  assert.equal(res.status, 201);
  assert.equal(res.headers.get('access-control-allow-origin'), ORIGIN);
  const exposed = res.headers.get('access-control-expose-headers');
  assert.match(exposed, /ETag/);
  assert.match(exposed, /Location/);
  const other = await fetch(`${srv.url}/api/v1/health`, { headers: { Origin: 'https://evil.example' } });
  assert.equal(other.status, 200);
  assert.equal(other.headers.get('access-control-allow-origin'), null);
});

test('past its budget a token gets 429 with Retry-After; another token is still served', async () => {
  const tok = srv.token({ unit: 'CORS', sub: 'busy-client' });
  const statuses = [];
  for (let i = 0; i < BUDGET + 3; i++) {
    const r = await fetch(`${srv.url}/api/v1/me`, { headers: { Authorization: `Bearer ${tok}` } });
    statuses.push(r.status);
    if (r.status === 429) {
      assert.match(r.headers.get('content-type'), /application\/problem\+json/);
      const retry = Number(r.headers.get('retry-after'));
      assert.ok(retry >= 1 && retry <= 60, `Retry-After ${retry}`);
      const body = await r.json();
      assert.equal(body.status, 429);
    } else {
      await r.arrayBuffer();
    }
  }
  // The budget is per minute in fixed windows: a window may turn during
  // the loop, so at least BUDGET pass and at least one is refused unless
  // the minute turned.
  const ok = statuses.filter((s) => s === 200).length;
  const limited = statuses.filter((s) => s === 429).length;
  assert.equal(ok + limited, statuses.length, `only 200 and 429: ${statuses}`);
  assert.ok(ok >= BUDGET && ok <= 2 * BUDGET, `${ok} served`);
  assert.ok(limited >= 1 || ok > BUDGET, `refused once the budget was spent: ${statuses}`);
  const other = await fetch(`${srv.url}/api/v1/me`, { headers: { Authorization: `Bearer ${srv.token({ unit: 'CORS', sub: 'quiet-client' })}` } });
  assert.equal(other.status, 200);
  // No token, no budget: /health is never limited.
  for (let i = 0; i < BUDGET + 2; i++) assert.equal((await fetch(`${srv.url}/api/v1/health`)).status, 200);
});

test('/metrics counts requests by class in Prometheus text', async () => {
  const res = await fetch(`${srv.url}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^text\/plain/);
  const text = await res.text();
  const n = (cls) => Number(text.match(new RegExp(`^bdg_requests_total\\{class="${cls}"\\} (\\d+)$`, 'm'))?.[1]);
  assert.ok(n('2xx') >= 3, text);
  assert.ok(n('4xx') >= 1, text);
  assert.equal(n('5xx'), 0, text);
  assert.match(text, /^# TYPE bdg_requests_total counter$/m);
  assert.match(text, /^bdg_request_duration_seconds_sum \d+\.\d+$/m);
});

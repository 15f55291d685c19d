// contract.test.mjs: openapi.yaml against the server's route tables, against
// Redocly's linter, against our own house rules, and the checker itself
// (so that a contract check that passes means something).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { normalizeTemplate, routeTables } from './contract.mjs';
import { contract, ROOT } from './lib.mjs';

const doc = contract.doc;
const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

test('every route of the server is in openapi.yaml, and every operation of openapi.yaml is a route', () => {
  const rows = routeTables(ROOT);
  assert.ok(rows.length >= 13, `parsed ${rows.length} routes from api/*.c`);
  const served = new Set(rows.map((r) => `${r.method} ${normalizeTemplate(r.path)}`));
  assert.equal(served.size, rows.length, 'no route is listed twice');
  const documented = new Set(contract.operations().map((o) => {
    const [m, p] = o.split(' ');
    return `${m} ${normalizeTemplate(p)}`;
  }));
  const missing = [...served].filter((x) => !documented.has(x));
  const extra = [...documented].filter((x) => !served.has(x));
  assert.deepEqual(missing, [], 'served but not in openapi.yaml');
  assert.deepEqual(extra, [], 'in openapi.yaml but not served');
});

test('openapi.yaml passes Redocly lint (redocly.yaml)', async () => {
  const bin = join(ROOT, 'tests', 'api', 'node_modules', '.bin', 'redocly');
  assert.ok(existsSync(bin), `${bin} is missing: run npm ci in tests/api`);
  const out = await new Promise((resolve) => {
    execFile(bin, ['lint', '--config', join(ROOT, 'redocly.yaml'), '--format', 'stylish', join(ROOT, 'openapi.yaml')], {
      cwd: ROOT,
      timeout: 60000,
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' },
    }, (err, stdout, stderr) => resolve({ code: err ? err.code ?? 1 : 0, text: `${stdout}\n${stderr}` }));
  });
  assert.equal(out.code, 0, out.text);
  assert.doesNotMatch(out.text, /warning/i, out.text);
});

// House rules, so that resources added later follow the same contract.
test('house rules: statuses every operation must declare', () => {
  const faults = [];
  const noDb = new Set(['getHealth', 'getContract']);
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const m of METHODS) {
      const op = item[m];
      if (!op) continue;
      const name = `${m.toUpperCase()} ${path}`;
      const has = (s) => Object.hasOwn(op.responses, String(s));
      const params = [...(item.parameters || []), ...(op.parameters || [])].map((p) => contract.resolve(p));
      const secured = !(op.security && op.security.length === 0);
      const need = ['400'];
      if (secured) need.push('401', '429');
      if (!noDb.has(op.operationId)) need.push('503');
      if (op.requestBody) need.push('413', '415', '422');
      if (params.some((p) => p.in === 'path')) need.push('404');
      if (params.some((p) => p.name === 'If-Match')) need.push('412', '428');
      if (params.some((p) => p.name === 'If-None-Match')) need.push('304');
      if (params.some((p) => p.name === 'Idempotency-Key')) need.push('409', '422');
      if (m !== 'get' && secured) need.push('403');
      for (const s of need) if (!has(s)) faults.push(`${name} lacks ${s}`);
      if (!Object.keys(op.responses).some((s) => /^2/.test(s))) faults.push(`${name} has no 2xx`);
      for (const [status, r0] of Object.entries(op.responses)) {
        const r = contract.resolve(r0);
        if (!r.headers?.['X-Request-Id']) faults.push(`${name} ${status} does not declare X-Request-Id`);
        if (/^[45]/.test(status)) {
          const schema = r.content?.['application/problem+json']?.schema;
          if (!schema || schema.$ref !== '#/components/schemas/Problem') faults.push(`${name} ${status} is not a Problem`);
        }
        if (status === '401' && !r.headers?.['WWW-Authenticate']) faults.push(`${name} 401 without WWW-Authenticate`);
        if ((status === '503' || status === '429') && !r.headers?.['Retry-After']) faults.push(`${name} ${status} without Retry-After`);
        if (status === '201' && !r.headers?.Location) faults.push(`${name} 201 without Location`);
      }
      if (!op.operationId || !op.summary || !op.tags?.length) faults.push(`${name} needs operationId, summary and tags`);
    }
  }
  assert.deepEqual(faults, []);
});

test('house rules: resource objects are closed (additionalProperties: false) and list envelopes are {items, next}', () => {
  const faults = [];
  for (const [name, s] of Object.entries(doc.components.schemas)) {
    if (s.type === 'object' && s.additionalProperties !== false) faults.push(`${name} is not closed`);
    if (/List$/.test(name)) {
      const ok = s.type === 'object' && s.required?.includes('items') && s.required?.includes('next') &&
        s.properties?.next?.$ref === '#/components/schemas/Cursor' && s.properties?.items?.type === 'array';
      if (!ok) faults.push(`${name} is not an {items, next} envelope`);
    }
  }
  assert.deepEqual(faults, []);
});

// The checker itself: a contract check must be able to fail.
test('the checker refuses what the contract does not say', () => {
  const unit = {
    id: 1, code: 'HUE', name: 'UBND tỉnh Thừa Thiên Huế', kind: 'province', parent: null,
    valid_from: null, valid_to: null, successor: null, version: 1,
    created_at: '2026-11-22T14:36:27.336468+00:00', updated_at: '2026-11-22T14:36:27.336468+00:00',
  };
  const h = (o = {}) => new Headers({ 'content-type': 'application/json', 'x-request-id': 'abc', etag: '"1"', ...o });
  const check = (method, path, status, headers, body) => contract.check({ method, path, status, headers, text: typeof body === 'string' ? body : JSON.stringify(body) });

  assert.deepEqual(check('GET', '/api/v1/units/HUE', 200, h(), unit), []);
  assert.notDeepEqual(check('GET', '/api/v1/units/HUE', 200, h(), { ...unit, secret: 1 }), [], 'an extra field');
  const noName = { ...unit };
  delete noName.name;
  assert.notDeepEqual(check('GET', '/api/v1/units/HUE', 200, h(), noName), [], 'a missing field');
  assert.notDeepEqual(check('GET', '/api/v1/units/HUE', 200, h(), { ...unit, id: '1' }), [], 'a wrong type');
  assert.notDeepEqual(check('GET', '/api/v1/units/HUE', 200, h(), { ...unit, kind: 'city' }), [], 'a bad enum');
  assert.notDeepEqual(check('GET', '/api/v1/units/HUE', 200, h(), { ...unit, valid_from: '2023-02-30' }), [], 'a bad date');
  assert.notDeepEqual(check('GET', '/api/v1/units/HUE', 200, h(), { ...unit, created_at: '2026-11-22 14:36' }), [], 'a bad date-time');
  const noEtag = new Headers({ 'content-type': 'application/json', 'x-request-id': 'abc' });
  assert.notDeepEqual(check('GET', '/api/v1/units/HUE', 200, noEtag, unit), [], 'a missing ETag');
  assert.notDeepEqual(check('GET', '/api/v1/units/HUE', 200, h({ 'content-type': 'text/html' }), unit), [], 'a wrong media type');
  assert.notDeepEqual(check('GET', '/api/v1/units/HUE', 418, h(), unit), [], 'a status the contract lacks');
  assert.notDeepEqual(check('GET', '/api/v1/no-such-route', 200, h(), { items: [], next: null }), [], 'a route the contract lacks');
  const problem = { type: 'urn:bdg:problem:not_found', title: 'Not Found', status: 404, detail: 'x', instance: '/nope', request_id: 'abc' };
  const ph = new Headers({ 'content-type': 'application/problem+json', 'x-request-id': 'abc' });
  assert.deepEqual(check('GET', '/api/v1/nope', 404, ph, problem), []);
  assert.notDeepEqual(check('GET', '/api/v1/nope', 404, ph, { ...problem, stack: 'x' }), [], 'an extra problem field');
  assert.notDeepEqual(check('POST', '/api/v1/health', 405, ph, { ...problem, status: 405 }), [], 'a 405 without Allow');
  assert.deepEqual(check('POST', '/api/v1/health', 405, new Headers({ 'content-type': 'application/problem+json', allow: 'GET' }), { ...problem, status: 405 }), []);
});

// http.test.mjs: the shared HTTP machinery: routes (404, 405 + Allow),
// health/ready/me, X-Request-Id, body caps (413, whatever Content-Length
// says), JSON decoding (400), media types (415), query parameters, and the
// contract the server serves.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';

import {
  adminOf, api, assertProblem, createUnit, newPrefix, rawHead, rawHttp, ROOT, token,
} from './lib.mjs';

const MiB = 1024 * 1024;

describe('system routes', () => {
  test('/health and /ready answer without a token (and ignore a bad one)', async () => {
    const h = await api('GET', '/health');
    assert.equal(h.status, 200);
    assert.deepEqual(h.body, { status: 'ok' });
    const r = await api('GET', '/ready');
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { status: 'ready' });
    const bad = await api('GET', '/health', { headers: { Authorization: 'Bearer nonsense' } });
    assert.equal(bad.status, 200);
  });

  test('/me needs a token', async () => {
    assertProblem(await api('GET', '/me'), 401);
    const me = await api('GET', '/me', { token: token({ sub: 'me-test', unit: 'HUE', role: 'editor', ttl: 120 }) });
    assert.equal(me.status, 200);
    assert.equal(me.body.sub, 'me-test');
    assert.equal(me.body.role, 'editor');
    assert.equal(me.body.unit, 'HUE');
  });

  test('a query parameter no route takes is 400, on every route', async () => {
    assertProblem(await api('GET', '/health?verbose=1'), 400, { fields: ['verbose'] });
    assertProblem(await api('GET', '/ready?x'), 400, { fields: ['x'] });
    assertProblem(await api('GET', '/me?debug=true', { token: token({ unit: 'X' }) }), 400, { fields: ['debug'] });
  });

  test('/openapi.yaml serves the contract of this repository, without a token', async () => {
    const res = await api('GET', '/openapi.yaml');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /yaml/);
    assert.equal(res.text, readFileSync(join(ROOT, 'openapi.yaml'), 'utf8'), 'the binary embeds the openapi.yaml of this checkout (rebuild?)');
  });
});

describe('routing', () => {
  test('an unknown route is a 404 problem', async () => {
    for (const path of ['/nope', '/units/X/nope', '/units/', '/', '/api/v1']) {
      const res = await api('GET', path.startsWith('/api') ? path : `/api/v1${path}`, { token: token({ unit: 'X' }) });
      assertProblem(res, 404, { type: 'not_found' });
    }
  });

  test('a method a route does not take is 405 with Allow', async () => {
    const t = token({ unit: 'X' });
    const cases = [
      ['POST', '/health', ['GET']],
      ['DELETE', '/units', ['GET', 'POST']],
      ['PUT', '/units', ['GET', 'POST']],
      ['POST', '/units/X', ['DELETE', 'GET', 'PATCH', 'PUT']],
      ['POST', '/units/X/children', ['GET']],
      ['GET', '/units/X/merge', ['POST']],
      ['DELETE', '/me', ['GET']],
    ];
    for (const [method, path, allow] of cases) {
      const res = await api(method, path, { token: t });
      assertProblem(res, 405, { type: 'method_not_allowed' });
      const got = res.headers.get('allow').split(',').map((s) => s.trim()).sort();
      assert.deepEqual(got, allow, `${method} ${path}`);
    }
  });

  test('405 comes before auth: no token needed to learn the methods', async () => {
    const res = await api('PATCH', '/units');
    assertProblem(res, 405);
  });

  test('a CORS-less OPTIONS answers 204 with Allow', async () => {
    const res = await api('OPTIONS', '/units/X');
    assert.equal(res.status, 204);
    assert.deepEqual(res.headers.get('allow').split(',').map((s) => s.trim()).sort(), ['DELETE', 'GET', 'PATCH', 'PUT']);
  });

  test('the problem instance is a URI reference even for a path with encoded characters',
    async () => {
      const res = await api('GET', '/units/A%20B', { token: token({ unit: 'X' }) });
      assertProblem(res, 404);
      assert.equal(res.body.instance, '/api/v1/units/A%20B');
    });
});

describe('X-Request-Id', () => {
  test('a valid one is echoed, in the header and the problem body', async () => {
    const id = `req-${newPrefix()}.x_1`;
    const ok = await api('GET', '/health', { headers: { 'X-Request-Id': id } });
    assert.equal(ok.headers.get('x-request-id'), id);
    const p = await api('GET', '/me', { headers: { 'X-Request-Id': id } });
    assert.equal(p.headers.get('x-request-id'), id);
    assert.equal(p.body.request_id, id);
  });

  test('one is generated when absent or unusable', async () => {
    const a = await api('GET', '/health');
    const b = await api('GET', '/health');
    assert.match(a.headers.get('x-request-id'), /^[A-Za-z0-9._-]{8,63}$/);
    assert.notEqual(a.headers.get('x-request-id'), b.headers.get('x-request-id'));
    for (const bad of ['has space', 'x'.repeat(200), 'semi;colon', '"quoted"']) {
      const res = await api('GET', '/me', { headers: { 'X-Request-Id': bad } });
      const got = res.headers.get('x-request-id');
      assert.notEqual(got, bad);
      assert.match(got, /^[A-Za-z0-9._-]{1,63}$/);
      assert.equal(res.body.request_id, got);
    }
  });
});

describe('request bodies', () => {
  const admin = () => {
    const p = newPrefix();
    return { p, tok: adminOf(p) };
  };

  test('413 for a 3 MiB body, with Connection: close', async () => {
    const { p, tok } = admin();
    const body = Buffer.from(JSON.stringify({ code: p, name: 'x'.repeat(3 * MiB), kind: 'province' }));
    const res = await rawHttp({
      head: rawHead('POST', '/units', { Authorization: `Bearer ${tok}`, 'Content-Type': 'application/json', 'Content-Length': body.length }),
      body,
    });
    assertProblem(res, 413, { type: 'too_large' });
    assert.equal(res.headers.get('connection')?.toLowerCase(), 'close');
    assert.equal((await api('GET', `/units/${p}`, { token: tok })).status, 404);
  });

  test('413 for a Content-Length that lies (99999999999999999999) with a tiny body', async () => {
    const { tok } = admin();
    const res = await rawHttp({
      head: rawHead('POST', '/units', { Authorization: `Bearer ${tok}`, 'Content-Type': 'application/json', 'Content-Length': '99999999999999999999' }),
      body: '{}',
    });
    assertProblem(res, 413, { type: 'too_large' });
  });

  test('413 for a chunked body over the cap', async () => {
    const { p, tok } = admin();
    const piece = Buffer.alloc(64 * 1024, 'a');
    const chunks = [Buffer.from(`{"code":"${p}","kind":"province","name":"`)];
    for (let i = 0; i < 20; i++) chunks.push(piece);      // 1.25 MiB
    chunks.push(Buffer.from('"}'));
    const res = await rawHttp({
      head: rawHead('POST', '/units', { Authorization: `Bearer ${tok}`, 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' }),
      chunks,
    });
    assertProblem(res, 413, { type: 'too_large' });
    assert.equal((await api('GET', `/units/${p}`, { token: tok })).status, 404);
  });

  test('a chunked body under the cap is read whole', async () => {
    const { p, tok } = admin();
    const json = JSON.stringify({ code: p, name: 'UBND tỉnh Thừa Thiên Huế', kind: 'province' });
    const buf = Buffer.from(json);
    const res = await rawHttp({
      head: rawHead('POST', '/units', { Authorization: `Bearer ${tok}`, 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' }),
      chunks: [buf.subarray(0, 10), buf.subarray(10, 31), buf.subarray(31)],
    });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.body.name, 'UBND tỉnh Thừa Thiên Huế');
  });

  test('a body just under 1 MiB is read and validated (422), one just over is 413', async () => {
    const { p, tok } = admin();
    const shell = JSON.stringify({ code: p, kind: 'province', name: '' });
    const under = shell.replace('"name":""', `"name":"${'x'.repeat(MiB - shell.length)}"`);
    assert.equal(Buffer.byteLength(under), MiB);
    const a = await api('POST', '/units', { token: tok, raw: under, headers: { 'Content-Type': 'application/json' } });
    assertProblem(a, 422, { fields: ['/name'] });
    const over = shell.replace('"name":""', `"name":"${'x'.repeat(MiB - shell.length + 1)}"`);
    const b = await rawHttp({
      head: rawHead('POST', '/units', { Authorization: `Bearer ${tok}`, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(over) }),
      body: over,
    });
    assertProblem(b, 413);
  });

  const badJson = [
    ['JSON nested 5000 deep', () => `{"code":${'['.repeat(5000)}${']'.repeat(5000)}}`],
    ['JSON nested 40 deep', () => `{"code":${'{"a":'.repeat(39)}1${'}'.repeat(39)}}`],
    ['broken JSON', () => '{"code": "X", "name": '],
    ['JSON with trailing garbage', () => '{"code":"X","name":"Y","kind":"other"} trailing'],
    ['two JSON documents', () => '{"code":"X"}{"code":"Y"}'],
    ['duplicate keys', () => '{"code":"X","name":"A","name":"B","kind":"other"}'],
    ['duplicate keys in a nested object', () => '{"code":"X","name":"A","kind":"other","x":{"a":1,"a":2}}'],
    ['single quotes', () => "{'code':'X'}"],
    ['a NUL escape in a string', () => '{"code":"X","name":"a\\u0000b","kind":"other"}'],
    ['a lone surrogate escape', () => '{"code":"X","name":"\\ud800","kind":"other"}'],
    ['an empty body', () => ''],
  ];
  for (const [what, make] of badJson) {
    test(`400: ${what}`, async () => {
      const { tok } = admin();
      const res = await api('POST', '/units', { token: tok, raw: make(), headers: { 'Content-Type': 'application/json' } });
      assertProblem(res, 400);
    });
  }

  const badBytes = [
    ['bad UTF-8 bytes in a string', Buffer.concat([Buffer.from('{"code":"X","name":"'), Buffer.from([0xff, 0xfe, 0x41]), Buffer.from('","kind":"other"}')])],
    ['an overlong UTF-8 encoding', Buffer.concat([Buffer.from('{"code":"X","name":"'), Buffer.from([0xc0, 0xaf]), Buffer.from('","kind":"other"}')])],
    ['a truncated UTF-8 sequence', Buffer.concat([Buffer.from('{"code":"X","name":"'), Buffer.from([0xe1, 0xbb]), Buffer.from('","kind":"other"}')])],
    ['UTF-8 of a surrogate (CESU)', Buffer.concat([Buffer.from('{"code":"X","name":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('","kind":"other"}')])],
    ['a raw control character in a string', Buffer.from('{"code":"X","name":"a\u0001b","kind":"other"}')],
  ];
  for (const [what, bytes] of badBytes) {
    test(`400: ${what}`, async () => {
      const p = newPrefix();
      const raw = Buffer.from(bytes.toString('latin1').replace('"X"', `"${p}"`), 'latin1');
      const res = await api('POST', '/units', { token: adminOf(p), raw, headers: { 'Content-Type': 'application/json' } });
      assertProblem(res, 400);
      assert.equal((await api('GET', `/units/${p}`, { token: adminOf(p) })).status, 404, 'nothing written');
    });
  }

  test('415 for a body that is not JSON by its media type', async () => {
    const p = newPrefix();
    const tok = adminOf(p);
    const body = JSON.stringify({ code: p, name: 'Tỉnh', kind: 'province' });
    for (const ct of ['text/plain', 'application/x-www-form-urlencoded', 'application/jsonx', 'text/csv', 'application/merge-patch+json']) {
      const res = await api('POST', '/units', { token: tok, raw: body, headers: { 'Content-Type': ct } });
      assertProblem(res, 415, { type: 'unsupported_media_type' });
    }
    const none = await rawHttp({ head: rawHead('POST', '/units', { Authorization: `Bearer ${tok}`, 'Content-Length': Buffer.byteLength(body) }), body });
    assertProblem(none, 415);
    assert.equal((await api('GET', `/units/${p}`, { token: tok })).status, 404);
  });

  test('application/json with parameters or in capitals is JSON', async () => {
    const p = newPrefix();
    const tok = adminOf(p);
    const a = await api('POST', '/units', { token: tok, raw: JSON.stringify({ code: p, name: 'Tỉnh', kind: 'province' }), headers: { 'Content-Type': 'application/json; charset=utf-8' } });
    assert.equal(a.status, 201, a.text);
    const b = await api('POST', '/units', { token: tok, raw: JSON.stringify({ code: `${p}-1`, name: 'Sở', kind: 'department', parent: p }), headers: { 'Content-Type': 'Application/JSON' } });
    assert.equal(b.status, 201, b.text);
  });

  test('Vietnamese text round-trips byte for byte', async () => {
    const p = newPrefix();
    const tok = adminOf(p);
    const name = 'Ủy ban nhân dân thị xã Hương Trà – Đội “Địa chỉ tin cậy” 🏠';
    const u = await createUnit(tok, { code: p, name, kind: 'province' });
    assert.equal(u.name, name);
    const g = await api('GET', `/units/${p}`, { token: tok });
    assert.equal(g.body.name, name);
    const nfd = name.normalize('NFD');
    const v = await api('PATCH', `/units/${p}`, { token: tok, headers: { 'If-Match': '"1"' }, body: { name: nfd } });
    assert.equal(v.status, 200, v.text);
    assert.equal(v.body.name, nfd, 'stored as sent (no normalisation)');
  });

  test('the server still serves after all of this', async () => {
    assert.equal((await api('GET', '/ready')).status, 200);
  });
});

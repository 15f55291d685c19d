// auth.test.mjs: every way a bearer token can be wrong is 401 with
// WWW-Authenticate and a problem body; the leeway for clock skew; a good
// token's claims as /me shows them.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { api, assertProblem, b64u, newPrefix, nowSec, signJwt, token } from './lib.mjs';

const unit = newPrefix();
const good = (over = {}) => ({ sub: 'auth-tester', unit, role: 'viewer', iat: nowSec(), exp: nowSec() + 600, ...over });

async function expect401(authorization, what) {
  const headers = authorization === null ? {} : { Authorization: authorization };
  const res = await api('GET', '/me', { headers });
  const p = assertProblem(res, 401, { type: 'unauthorized' });
  const challenge = res.headers.get('www-authenticate');
  assert.ok(challenge, `${what}: WWW-Authenticate is missing`);
  assert.match(challenge, /^Bearer\b/, `${what}: WWW-Authenticate is a Bearer challenge`);
  assert.equal(p.errors, undefined);
  // A token never comes back in the answer.
  if (authorization && authorization.length > 20) {
    assert.ok(!res.text.includes(authorization.slice(7, 60)), `${what}: the answer echoes the token`);
  }
  return p;
}

const cases = [
  ['no Authorization header', () => null],
  ['a Basic scheme', () => 'Basic dXNlcjpwYXNz'],
  ['"Bearer" with nothing after it', () => 'Bearer '],
  ['"Bearer" with garbage', () => 'Bearer not-a-token'],
  ['alg none without a signature', () => `Bearer ${signJwt({ header: { alg: 'none', typ: 'JWT' }, payload: good(), hmac: null })}`],
  ['alg none with the HS256 signature', () => {
    const t = signJwt({ header: { alg: 'none', typ: 'JWT' }, payload: good() });
    return `Bearer ${t}`;
  }],
  ['alg "None" (case games)', () => `Bearer ${signJwt({ header: { alg: 'None', typ: 'JWT' }, payload: good(), hmac: null })}`],
  ['signed with a wrong key', () => `Bearer ${signJwt({ payload: good(), key: 'another-secret-that-is-long-enough-0123456789' })}`],
  ['signed with an empty key', () => `Bearer ${signJwt({ payload: good(), key: '' })}`],
  ['expired 2 minutes ago', () => `Bearer ${signJwt({ payload: good({ iat: nowSec() - 720, exp: nowSec() - 120 }) })}`],
  ['not valid for another 2 minutes (nbf beyond the 30 s leeway)', () => `Bearer ${signJwt({ payload: good({ nbf: nowSec() + 120 }) })}`],
  ['issued 2 minutes in the future (iat beyond the leeway)', () => `Bearer ${signJwt({ payload: good({ iat: nowSec() + 120 }) })}`],
  ['exp as a string', () => `Bearer ${signJwt({ payload: good({ exp: '9999999999' }) })}`],
  ['exp as a fraction', () => `Bearer ${signJwt({ payload: good({ exp: nowSec() + 600.5 }) })}`],
  ['nbf as a string', () => `Bearer ${signJwt({ payload: good({ nbf: String(nowSec() - 10) }) })}`],
  ['no exp', () => {
    const p = good();
    delete p.exp;
    return `Bearer ${signJwt({ payload: p })}`;
  }],
  ['an HS512 header and signature', () => `Bearer ${signJwt({ header: { alg: 'HS512', typ: 'JWT' }, payload: good(), hmac: 'sha512' })}`],
  ['an HS512 header with an HS256 signature', () => `Bearer ${signJwt({ header: { alg: 'HS512', typ: 'JWT' }, payload: good() })}`],
  ['an RS256 header with an HMAC signature (algorithm confusion)', () => `Bearer ${signJwt({ header: { alg: 'RS256', typ: 'JWT' }, payload: good() })}`],
  ['a tampered payload (viewer → admin, old signature)', () => {
    const [h, , s] = signJwt({ payload: good() }).split('.');
    return `Bearer ${h}.${b64u(good({ role: 'admin' }))}.${s}`;
  }],
  ['a tampered signature', () => {
    const t = signJwt({ payload: good() });
    const last = t.at(-2) === 'A' ? 'B' : 'A';
    return `Bearer ${t.slice(0, -2)}${last}${t.at(-1)}`;
  }],
  ['a duplicate "sub" claim', () => {
    const n = nowSec();
    const raw = `{"sub":"auth-tester","unit":"${unit}","role":"viewer","sub":"someone-else","iat":${n},"exp":${n + 600}}`;
    return `Bearer ${signJwt({ payload: raw })}`;
  }],
  ['a duplicate "role" claim', () => {
    const n = nowSec();
    const raw = `{"sub":"auth-tester","unit":"${unit}","role":"viewer","role":"admin","iat":${n},"exp":${n + 600}}`;
    return `Bearer ${signJwt({ payload: raw })}`;
  }],
  ['a duplicate "alg" in the header', () => `Bearer ${signJwt({ header: '{"alg":"none","alg":"HS256","typ":"JWT"}', payload: good() })}`],
  ['4 segments', () => `Bearer ${signJwt({ payload: good() })}.e30`],
  ['2 segments', () => `Bearer ${signJwt({ payload: good() }).split('.').slice(0, 2).join('.')}`],
  ['a 9 KB token, correctly signed', () => `Bearer ${signJwt({ payload: good({ pad: 'x'.repeat(9 * 1024) }) })}`],
  ['a payload that is not JSON, correctly signed', () => `Bearer ${signJwt({ payload: 'this is not json' })}`],
  ['a payload that is a JSON array, correctly signed', () => `Bearer ${signJwt({ payload: '[1,2,3]' })}`],
  ['a header that is not JSON', () => `Bearer ${signJwt({ header: 'HS256', payload: good() })}`],
  ['an unknown role', () => `Bearer ${signJwt({ payload: good({ role: 'superuser' }) })}`],
  ['a role that is not a string', () => `Bearer ${signJwt({ payload: good({ role: 4 }) })}`],
  ['no sub', () => {
    const p = good();
    delete p.sub;
    return `Bearer ${signJwt({ payload: p })}`;
  }],
  ['an empty sub', () => `Bearer ${signJwt({ payload: good({ sub: '' }) })}`],
  ['no unit', () => {
    const p = good();
    delete p.unit;
    return `Bearer ${signJwt({ payload: p })}`;
  }],
  ['a unit that is a number', () => `Bearer ${signJwt({ payload: good({ unit: 42 }) })}`],
  ['a sub with a control character', () => `Bearer ${signJwt({ payload: good({ sub: 'evil\nline' }) })}`],
];

for (const [what, make] of cases) {
  test(`401: ${what}`, async () => {
    await expect401(make(), what);
  });
}

test('a 401 answers the same on a write route, before anything is read', async () => {
  const res = await api('POST', '/units', { body: { code: unit, name: 'x', kind: 'province' } });
  assertProblem(res, 401, { type: 'unauthorized' });
  assert.match(res.headers.get('www-authenticate') || '', /^Bearer\b/);
  const gone = await api('GET', `/units/${unit}`, { token: token({ unit, role: 'admin' }) });
  assert.equal(gone.status, 404, 'nothing was created');
});

test('nbf and iat within the 30 s leeway are accepted', async () => {
  const t = signJwt({ payload: good({ nbf: nowSec() + 10, iat: nowSec() + 10 }) });
  const res = await api('GET', '/me', { headers: { Authorization: `Bearer ${t}` } });
  assert.equal(res.status, 200, res.text);
});

test('a good token: /me shows its claims; the scheme name is case-insensitive', async () => {
  const exp = nowSec() + 300;
  const t = signJwt({ payload: good({ exp, sub: 'nguyễn.văn.a' }) });
  const res = await api('GET', '/me', { headers: { Authorization: `bearer ${t}` } });
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.body, { sub: 'nguyễn.văn.a', unit, role: 'viewer', exp, unit_detail: null });
});

test('a token for a unit that exists: /me has the unit', async () => {
  const code = newPrefix();
  const admin = token({ unit: code, role: 'admin' });
  const made = await api('POST', '/units', { token: admin, body: { code, name: 'UBND tỉnh Thừa Thiên Huế', kind: 'province' } });
  assert.equal(made.status, 201, made.text);
  const res = await api('GET', '/me', { token: token({ sub: 'v', unit: code, role: 'viewer' }) });
  assert.equal(res.status, 200);
  assert.equal(res.body.role, 'viewer');
  assert.deepEqual(res.body.unit_detail, made.body);
});


// security_tokens.test.mjs: hostile bearer tokens against every kind of
// route, not only GET /me (auth.test.mjs): reads, lists, writes with a body,
// PATCH with If-Match, bulk, the changes feed, the audit log, a workflow
// action, a roll-up and a CSV export. Every one is 401 with a Bearer
// challenge and a problem body, none is 5xx, and the database is exactly
// as before (no audit row by any of the hostile subjects, the unit they
// aim at unchanged, nothing created). Then iss/aud on a second bdgd
// configured with an issuer and an audience (on the same cluster), and
// tokens past the header limit (32 KiB) over a raw socket.
import assert from 'node:assert/strict';
import { createHmac, generateKeyPairSync, randomBytes, sign as cryptoSign } from 'node:crypto';
import { after, before, describe, test } from 'node:test';

import {
  adminOf, api, assertProblem, b64u, BDGD, createUnit, newPrefix, nowSec, pgTarget, rawHead, rawHttp,
  SECRET, signJwt, sql, token,
} from './lib.mjs';
import { startSharedBdgd } from '../soak/harness.mjs';

const P = newPrefix();
const HOSTILE = 'hostile-';
let unitVersion;

const claims = (over = {}) => ({ sub: `${HOSTILE}x`, unit: P, role: 'admin', iat: nowSec(), exp: nowSec() + 600, ...over });
const hs = (payload, header = { alg: 'HS256', typ: 'JWT' }) => signJwt({ header, payload });

// An RS256 token signed with a real RSA key the server does not know.
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
function rs256(payload) {
  const input = `${b64u({ alg: 'RS256', typ: 'JWT' })}.${b64u(payload)}`;
  return `${input}.${cryptoSign('sha256', Buffer.from(input), rsa.privateKey).toString('base64url')}`;
}

// [what, () => the Authorization header value]. Every subject starts with
// "hostile-" so that the audit log can be searched for them.
const tokens = [
  ['alg none, no signature', () => `Bearer ${signJwt({ header: { alg: 'none', typ: 'JWT' }, payload: claims({ sub: `${HOSTILE}1` }), hmac: null })}`],
  ['alg none with an HS256 signature', () => `Bearer ${signJwt({ header: { alg: 'none', typ: 'JWT' }, payload: claims({ sub: `${HOSTILE}2` }) })}`],
  ['alg "hs256" (lower case)', () => `Bearer ${hs(claims({ sub: `${HOSTILE}3` }), { alg: 'hs256', typ: 'JWT' })}`],
  ['HS512 header and an HS512 signature with the server\'s secret', () => `Bearer ${signJwt({ header: { alg: 'HS512', typ: 'JWT' }, payload: claims({ sub: `${HOSTILE}4` }), hmac: 'sha512' })}`],
  ['RS256 header with an HMAC signature made with the secret (confusion)', () => `Bearer ${hs(claims({ sub: `${HOSTILE}5` }), { alg: 'RS256', typ: 'JWT' })}`],
  ['RS256 signed with an RSA key the server does not know', () => `Bearer ${rs256(claims({ sub: `${HOSTILE}6` }))}`],
  ['HS256 signed with an empty key', () => `Bearer ${signJwt({ payload: claims({ sub: `${HOSTILE}7` }), key: '' })}`],
  ['HS256 signed with a wrong key', () => `Bearer ${signJwt({ payload: claims({ sub: `${HOSTILE}8` }), key: randomBytes(32).toString('hex') })}`],
  ['expired 45 s ago (beyond the 30 s leeway)', () => `Bearer ${hs(claims({ sub: `${HOSTILE}9`, iat: nowSec() - 700, exp: nowSec() - 45 }))}`],
  ['not valid before now + 120 s', () => `Bearer ${hs(claims({ sub: `${HOSTILE}10`, nbf: nowSec() + 120 }))}`],
  ['no exp', () => {
    const c = claims({ sub: `${HOSTILE}11` });
    delete c.exp;
    return `Bearer ${hs(c)}`;
  }],
  ['exp as a string', () => `Bearer ${hs(claims({ sub: `${HOSTILE}12`, exp: String(nowSec() + 600) }))}`],
  ['exp past 2^63 (not an int64)', () => `Bearer ${hs(`{"sub":"${HOSTILE}13","unit":"${P}","role":"admin","iat":${nowSec()},"exp":9223372036854775808}`)}`],
  ['exp as 1e10 (a real)', () => `Bearer ${hs(`{"sub":"${HOSTILE}14","unit":"${P}","role":"admin","iat":${nowSec()},"exp":1e10}`)}`],
  ['a duplicate sub', () => `Bearer ${hs(`{"sub":"${HOSTILE}15","unit":"${P}","role":"viewer","sub":"${HOSTILE}15b","iat":${nowSec()},"exp":${nowSec() + 600}}`)}`],
  ['a duplicate role (viewer, then admin)', () => `Bearer ${hs(`{"sub":"${HOSTILE}16","unit":"${P}","role":"viewer","role":"admin","iat":${nowSec()},"exp":${nowSec() + 600}}`)}`],
  ['a duplicate unit', () => `Bearer ${hs(`{"sub":"${HOSTILE}17","unit":"NOPE","unit":"${P}","role":"admin","iat":${nowSec()},"exp":${nowSec() + 600}}`)}`],
  ['four segments', () => `Bearer ${hs(claims({ sub: `${HOSTILE}18` }))}.e30`],
  ['two segments', () => `Bearer ${hs(claims({ sub: `${HOSTILE}19` })).split('.').slice(0, 2).join('.')}`],
  ['an empty signature segment', () => `Bearer ${hs(claims({ sub: `${HOSTILE}20` })).split('.').slice(0, 2).join('.')}.`],
  ['a 9 KB token, correctly signed', () => `Bearer ${hs(claims({ sub: `${HOSTILE}21`, pad: 'x'.repeat(9 * 1024) }))}`],
  ['a 20 KB token, correctly signed (under the 32 KiB header limit)', () => `Bearer ${hs(claims({ sub: `${HOSTILE}22`, pad: 'y'.repeat(20 * 1024) }))}`],
  ['a payload that is not JSON, correctly signed', () => `Bearer ${hs('{"sub":"hostile-23","unit":')}`],
  ['a payload that is a JSON string, correctly signed', () => `Bearer ${hs('"admin"')}`],
  ['a header that is not JSON', () => `Bearer ${signJwt({ header: '{"alg":"HS256"', payload: claims({ sub: `${HOSTILE}25` }) })}`],
  ['standard base64 with padding instead of base64url', () => {
    const h = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64');
    const p = Buffer.from(JSON.stringify(claims({ sub: `${HOSTILE}26`, x: '>>>???' }))).toString('base64');
    const s = createHmac('sha256', SECRET).update(`${h}.${p}`).digest('base64');
    return `Bearer ${h}.${p}.${s}`;
  }],
  ['a role the server does not know ("root")', () => `Bearer ${hs(claims({ sub: `${HOSTILE}27`, role: 'root' }))}`],
  ['a signature with a NUL byte appended (percent-encoded)', () => `Bearer ${hs(claims({ sub: `${HOSTILE}28` }))}%00`],
  ['two tokens in one header', () => `Bearer ${hs(claims({ sub: `${HOSTILE}29` }))} ${hs(claims({ sub: `${HOSTILE}29b` }))}`],
];

// [name, method, path, body?, headers?]: every kind of route.
const routes = () => [
  ['read', 'GET', `/units/${P}`],
  ['list', 'GET', `/plans?limit=5`],
  ['write (create)', 'POST', '/units', { code: `${P}-H`, name: 'Đơn vị lạ', kind: 'other', parent: P }],
  ['write (PATCH)', 'PATCH', `/units/${P}`, { name: 'Bị chiếm' }, { 'If-Match': '*' }],
  ['write (DELETE)', 'DELETE', `/units/${P}`, undefined, { 'If-Match': '*' }],
  ['bulk', 'POST', '/bulk', { units: [{ code: `${P}-BULK`, name: 'Đơn vị lạ', kind: 'other', parent: P }] }],
  ['changes', 'GET', '/changes?since=0'],
  ['audit', 'GET', '/audit?limit=5'],
  ['workflow action', 'POST', '/plans/1/issue', {}, { 'If-Match': '*' }],
  ['report action', 'POST', '/reports/1/submit', undefined],
  ['roll-up', 'GET', `/units/${P}/rollup?indicator=GEN-0301&period=2024`],
  ['CSV export', 'GET', '/units', undefined, { Accept: 'text/csv' }],
];

before(async () => {
  const u = await createUnit(adminOf(P), { code: P, name: 'UBND tỉnh thử token', kind: 'province' });
  unitVersion = u.version;
});

let tried = 0;
let failures = 0;

describe('hostile tokens on every kind of route: 401, never 5xx', () => {
  for (const [what, make] of tokens) {
    test(what, async () => {
      const authorization = make();
      const answers = await Promise.all(routes().map(([, method, path, body, headers = {}]) => api(method, path, {
        body, headers: { ...headers, Authorization: authorization }, validate: !path.includes('reports') && !path.includes('rollup'),
      })));
      for (const [i, [name, method, path]] of routes().entries()) {
        const res = answers[i];
        tried++;
        if (res.status !== 401) failures++;
        assert.ok(res.status < 500, `${name} ${method} ${path}: ${res.status} ${res.text.slice(0, 200)}`);
        assertProblem(res, 401, { type: 'unauthorized' });
        assert.match(res.headers.get('www-authenticate') || '', /^Bearer\b/, `${name}: a Bearer challenge`);
        assert.ok(!res.text.includes(authorization.slice(7, 47)), `${name}: the answer echoes the token`);
      }
    });
  }

  test('a good token on the same routes is not 401 (the routes are real)', async () => {
    const good = `Bearer ${token({ sub: 'good-admin', unit: P, role: 'admin' })}`;
    for (const [name, method, path, , headers = {}] of routes()) {
      if (method !== 'GET') continue;
      const res = await api(method, path, { headers: { ...headers, Authorization: good }, validate: false });
      assert.notEqual(res.status, 401, `${name}: ${res.text.slice(0, 200)}`);
      assert.ok(res.status < 500, `${name}: ${res.status}`);
    }
  });

  test('the database is unchanged: no audit row of a hostile subject, nothing created, the unit as it was', async () => {
    const rows = await sql("SELECT count(*)::int AS n FROM bdg.audit WHERE actor_sub LIKE 'hostile-%'");
    assert.equal(rows[0].n, 0);
    const units = await sql("SELECT code, version, name FROM bdg.unit WHERE code LIKE :'p' || '%' ORDER BY code", { p: P });
    assert.deepEqual(units, [{ code: P, version: unitVersion, name: 'UBND tỉnh thử token' }]);
    const audit = await sql("SELECT count(*)::int AS n FROM bdg.audit WHERE key LIKE :'p' || '%'", { p: P });
    assert.equal(audit[0].n, 1, 'only the creation of the unit');
    console.log(`tokens: ${tokens.length} hostile tokens x ${routes().length} routes = ${tried} requests, ${failures} not 401`);
  });
});

describe('tokens past the 32 KiB header limit: 4xx or a closed connection, never 5xx', () => {
  for (const kb of [33, 64]) {
    test(`a ${kb} KB bearer token`, async () => {
      const tok = hs(claims({ sub: `${HOSTILE}big`, pad: 'z'.repeat(kb * 1024) }));
      let res;
      try {
        res = await rawHttp({ head: rawHead('GET', `/units/${P}`, { Authorization: `Bearer ${tok}` }), validate: false, timeoutMs: 10000 });
      } catch (e) {
        assert.match(e.message, /closed the connection|ECONNRESET|EPIPE/, e.message);
        res = null;
      }
      if (res) assert.ok(res.status >= 400 && res.status < 500, `status ${res.status}`);
      assert.equal((await api('GET', '/health')).status, 200, 'bdgd still serves');
    });
  }
});

describe('issuer and audience (a second bdgd on the same cluster with BDG_JWT_ISSUER/AUDIENCE)', () => {
  let b;
  const ISS = 'https://id.bdg.example';
  const AUD = 'bdg-api';
  before(async () => {
    b = await startSharedBdgd({ bdgd: BDGD, target: pgTarget(), secret: SECRET, env: { BDG_JWT_ISSUER: ISS, BDG_JWT_AUDIENCE: AUD } });
  });
  after(async () => {
    if (b) await b.stop();
  });

  const cases = [
    ['no iss', { aud: AUD }],
    ['a wrong iss', { iss: 'https://evil.example', aud: AUD }],
    ['an iss with a trailing slash', { iss: `${ISS}/`, aud: AUD }],
    ['iss as an array', { iss: [ISS], aud: AUD }],
    ['no aud', { iss: ISS }],
    ['a wrong aud', { iss: ISS, aud: 'other-api' }],
    ['aud as an array without ours', { iss: ISS, aud: ['other-api'] }],
    ['aud as an empty array', { iss: ISS, aud: [] }],
  ];
  for (const [what, extra] of cases) {
    test(`401: ${what}, on a read and a write`, async () => {
      const t = token({ sub: `${HOSTILE}iss`, unit: P, role: 'admin', extra });
      for (const [method, path, body] of [['GET', `/units/${P}`], ['POST', '/units', { code: `${P}-ISS`, name: 'X', kind: 'other', parent: P }]]) {
        const res = await api(method, `${b.url}/api/v1${path}`, { token: t, body });
        assertProblem(res, 401, { type: 'unauthorized' });
      }
    });
  }

  test('the right iss and aud (aud as a string or in an array) are accepted', async () => {
    for (const aud of [AUD, ['other-api', AUD]]) {
      const t = token({ sub: 'iss-ok', unit: P, role: 'viewer', extra: { iss: ISS, aud } });
      const res = await api('GET', `${b.url}/api/v1/units/${P}`, { token: t });
      assert.equal(res.status, 200, res.text);
    }
    const none = await sql("SELECT count(*)::int AS n FROM bdg.unit WHERE code = :'c'", { c: `${P}-ISS` });
    assert.equal(none[0].n, 0);
  });
});

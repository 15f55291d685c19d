// contract.mjs: openapi.yaml as a checker of real responses.
//
// loadContract(path) reads the OpenAPI 3.1 document and returns a checker:
//   check({method, path, status, headers, text}) → [] or a list of problems
// It finds the operation for (method, path template) and the response for
// the status, then checks the media type, the required headers and their
// values, and the body against the response schema with ajv (JSON Schema
// 2020-12, strict). Paths that are no route may answer only 404/405 with a
// Problem. Every answer the API tests receive goes through it (lib.mjs), so
// the contract cannot drift from the server.
//
// A media type with `x-item-schema` (application/x-ndjson) is a stream of
// JSON lines, each checked against that schema.
//
// Also: operations() lists "METHOD /template" for the route-table parity
// test, and routeTables(root) parses the route tables of api/*.c.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

// The validator's packages come from tests/api/package.json (npm ci there).
let YAML;
let Ajv2020;
let addFormats;
try {
  YAML = (await import('yaml')).default;
  const ajvModule = (await import('ajv/dist/2020.js')).default;
  Ajv2020 = ajvModule.default || ajvModule;
  const formatsModule = (await import('ajv-formats')).default;
  addFormats = formatsModule.default || formatsModule;
} catch (e) {
  throw new Error(`the contract checker needs its packages: run "npm ci" in tests/api (./dev test does) (${e.message})`);
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const SCHEMA_BASE = 'https://bdg.invalid/openapi/components/schemas/';
const API_PREFIX = '/api/v1';

function deepCopy(v) {
  return v === undefined ? v : JSON.parse(JSON.stringify(v));
}

// "#/components/schemas/X" refs become absolute ids ajv knows.
function rewriteRefs(node) {
  if (Array.isArray(node)) return node.map(rewriteRefs);
  if (node && typeof node === 'object') {
    const out = {};
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string' && v.startsWith('#/components/schemas/')) {
        out[k] = SCHEMA_BASE + v.slice('#/components/schemas/'.length);
      } else {
        out[k] = rewriteRefs(v);
      }
    }
    return out;
  }
  return node;
}

function mediaType(ct) {
  return (ct || '').split(';')[0].trim().toLowerCase();
}

function isJsonType(mt) {
  return mt === 'application/json' || mt.endsWith('+json');
}

export function loadContract(file) {
  const doc = YAML.parse(readFileSync(file, 'utf8'));
  const ajv = new Ajv2020({
    strict: true,
    strictTypes: true,
    allowUnionTypes: true,
    allErrors: true,
    validateFormats: true,
  });
  addFormats(ajv);
  // The OpenAPI vocabulary on top of JSON Schema 2020-12.
  for (const kw of ['example', 'discriminator', 'xml', 'externalDocs']) ajv.addKeyword(kw);
  for (const [name, schema] of Object.entries(doc.components?.schemas || {})) {
    ajv.addSchema({ ...rewriteRefs(deepCopy(schema)), $id: SCHEMA_BASE + name });
  }

  // Resolve a local "#/..." reference (responses, headers, parameters).
  function resolve(node) {
    let seen = 0;
    while (node && node.$ref) {
      if (!node.$ref.startsWith('#/') || ++seen > 20) throw new Error(`cannot resolve ${node.$ref}`);
      node = node.$ref.slice(2).split('/').reduce((o, k) => o?.[k.replace(/~1/g, '/').replace(/~0/g, '~')], doc);
    }
    return node;
  }

  const templates = Object.keys(doc.paths || {}).map((t) => ({
    template: t,
    re: new RegExp('^' + t.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}/]+\}/g, '[^/]+') + '$'),
    params: (t.match(/\{/g) || []).length,
  }));
  templates.sort((a, b) => a.params - b.params);   // literal segments win

  const compiled = new Map();
  function validator(key, schema) {
    if (!compiled.has(key)) compiled.set(key, ajv.compile(rewriteRefs(deepCopy(schema))));
    return compiled.get(key);
  }

  function findTemplate(path) {
    const t = templates.find((x) => x.re.test(path));
    return t ? t.template : null;
  }

  function checkBody(problems, where, content, mt, text, key) {
    if (!content) {
      if (text && text.length) problems.push(`${where}: the contract has no body for this answer, but the server sent ${text.length} bytes`);
      return;
    }
    if ((!text || !text.length) && content[mt] && resolve(content[mt].schema || {}).type === 'string') {
      return;   // an empty export (CSV, NDJSON): a string schema takes ""
    }
    if (!text || !text.length) {
      problems.push(`${where}: the contract promises a body (${Object.keys(content).join(', ')}), the server sent none`);
      return;
    }
    const media = content[mt];
    if (!media) {
      problems.push(`${where}: Content-Type ${mt || '(none)'} is not one of the contract's ${Object.keys(content).join(', ')}`);
      return;
    }
    if (media['x-item-schema']) {
      // A stream of JSON lines (NDJSON): each line against the item schema.
      const v = validator(`${key} ${mt} item`, media['x-item-schema']);
      const lines = text.split('\n').filter((l) => l.trim() !== '');
      lines.forEach((line, i) => {
        let item;
        try {
          item = JSON.parse(line);
        } catch (e) {
          problems.push(`${where}: line ${i + 1} is not JSON: ${e.message}`);
          return;
        }
        if (!v(item)) for (const e of v.errors) problems.push(`${where}: line ${i + 1}${e.instancePath || ''} ${e.message}`);
      });
      return;
    }
    if (!media.schema) return;
    let value = text;
    if (isJsonType(mt)) {
      try {
        value = JSON.parse(text);
      } catch (e) {
        problems.push(`${where}: the body is not JSON: ${e.message}`);
        return;
      }
    }
    const v = validator(key + ' ' + mt, media.schema);
    if (!v(value)) {
      for (const e of v.errors) {
        problems.push(`${where}: body${e.instancePath || ''} ${e.message}` +
          (e.params && Object.keys(e.params).length ? ` ${JSON.stringify(e.params)}` : ''));
      }
    }
  }

  function checkHeaders(problems, where, declared, headers, key) {
    for (const [name, h0] of Object.entries(declared || {})) {
      const h = resolve(h0);
      const got = headers.get(name);
      if (got === null || got === undefined) {
        if (h.required) problems.push(`${where}: header ${name} is required by the contract but missing`);
        continue;
      }
      if (!h.schema) continue;
      let value = got;
      const type = resolve(h.schema).type;
      if (type === 'integer' || type === 'number') value = /^-?[0-9]+(\.[0-9]+)?$/.test(got) ? Number(got) : got;
      const v = validator(`${key} header ${name}`, h.schema);
      if (!v(value)) problems.push(`${where}: header ${name}: ${JSON.stringify(got)} ${v.errors.map((e) => e.message).join('; ')}`);
    }
  }

  // The result: a list of what does not match (empty when all is well).
  function check({ method, path, status, headers, text }) {
    const problems = [];
    const m = method.toLowerCase();
    const url = new URL(path, 'http://x');
    if (!url.pathname.startsWith(API_PREFIX + '/') && url.pathname !== API_PREFIX) return problems;  // web UI, /metrics
    const rel = url.pathname.slice(API_PREFIX.length) || '/';
    const where = `${method.toUpperCase()} ${rel} → ${status}`;
    const mt = mediaType(headers.get('content-type'));
    const template = findTemplate(rel);
    const op = template ? doc.paths[template][m] : null;
    if (m === 'options') return problems;     // CORS preflight: not part of the contract
    if (!op) {
      // Not an operation: only the generic 404 (no such route) and 405 (Allow) may answer.
      if (status === 404 && !template) {
        checkBody(problems, where, { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
          mt, text, 'generic problem');
      } else if (status === 405 && template) {
        if (!headers.get('allow')) problems.push(`${where}: a 405 needs an Allow header`);
        const allowed = (headers.get('allow') || '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean).sort();
        const inContract = METHODS.filter((x) => doc.paths[template][x]).sort();
        if (allowed.join() !== inContract.join()) {
          problems.push(`${where}: Allow says ${allowed.join(', ')}, the contract has ${inContract.join(', ')} for ${template}`);
        }
        checkBody(problems, where, { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
          mt, text, 'generic problem');
      } else {
        problems.push(`${where}: the server answered ${status} but the contract has no operation ${method.toUpperCase()} ${template || rel}`);
      }
      return problems;
    }
    const key = `${m} ${template} ${status}`;
    const resp0 = op.responses?.[String(status)];
    if (!resp0) {
      problems.push(`${where}: status ${status} is not in the contract of ${method.toUpperCase()} ${template} ` +
        `(it has ${Object.keys(op.responses || {}).join(', ')})`);
      return problems;
    }
    const resp = resolve(resp0);
    if (m === 'head' || status === 304 || status === 204) {
      if (resp.content) problems.push(`${where}: the contract has a body for a ${status}`);
      if (status !== 304 && text && text.length) problems.push(`${where}: a ${status} must have no body`);
    } else {
      checkBody(problems, where, resp.content, mt, text, key);
    }
    checkHeaders(problems, where, resp.headers, headers, key);
    return problems;
  }

  function operations() {
    const out = [];
    for (const [t, item] of Object.entries(doc.paths || {})) {
      for (const m of METHODS) if (item[m]) out.push(`${m.toUpperCase()} ${t}`);
    }
    return out.sort();
  }

  return { doc, check, operations, resolve, findTemplate };
}

// The route tables of api/*.c: rows like {"GET", "/units/{code}", handler, ...}.
export function routeTables(root) {
  const dir = join(root, 'api');
  const out = [];
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.c')).sort()) {
    const src = readFileSync(join(dir, f), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
    const re = /\{\s*"(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)"\s*,\s*"(\/[^"]*)"\s*,/g;
    let mm;
    while ((mm = re.exec(src))) out.push({ file: f, method: mm[1], path: mm[2] });
  }
  return out;
}

// "/units/{code}" and "/units/{id}" are the same route.
export function normalizeTemplate(t) {
  return t.replace(/\{[^}/]+\}/g, '{}');
}

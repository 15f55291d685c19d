// api.js: every request the UI makes goes through here, to the bdgd that
// served the page (same origin, /api/v1). It adds the token, sends ETags
// back as If-Match, an Idempotency-Key on POST, and turns problem+json
// errors into ApiError with Vietnamese text (problem.js).
import { describe } from './problem.js';

const BASE = '/api/v1';
const KEY = 'bdg.token';

let token = sessionStorage.getItem(KEY) || '';
const listeners = new Set();

export function getToken() {
	return token;
}

export function setToken(t) {
	token = t || '';
	if (token) sessionStorage.setItem(KEY, token);
	else sessionStorage.removeItem(KEY);
	listeners.forEach((f) => f(token));
}

/** Called with the new token ('' on sign-out or when it is refused). */
export function onToken(f) {
	listeners.add(f);
	return () => listeners.delete(f);
}

export class ApiError extends Error {
	constructor(info) {
		super(info.title);
		this.status = info.status;
		this.title = info.title;
		this.detail = info.detail;
		this.requestId = info.requestId;
		this.fields = info.fields; // {"/values/2/value": "phải từ 0 đến 100"}
	}
}

function uuid() {
	if (crypto.randomUUID) return crypto.randomUUID();
	const b = crypto.getRandomValues(new Uint8Array(16));
	return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

export function qs(params) {
	const u = new URLSearchParams();
	for (const [k, v] of Object.entries(params || {}))
		if (v !== undefined && v !== null && v !== '') u.set(k, String(v));
	const s = u.toString();
	return s ? '?' + s : '';
}

/**
 * request('/plans/17') → {data, etag, status}. Options: method, body (sent
 * as JSON; PATCH as merge-patch), etag (If-Match), query, raw (return the
 * Response's text instead of JSON).
 */
export async function request(path, opts = {}) {
	const method = opts.method || 'GET';
	const headers = { Accept: opts.raw ? 'text/html, */*' : 'application/json' };
	const bearer = opts.token !== undefined ? opts.token : token;
	if (bearer) headers.Authorization = 'Bearer ' + bearer;
	let body;
	if (opts.body !== undefined) {
		headers['Content-Type'] = method === 'PATCH' ? 'application/merge-patch+json' : 'application/json';
		body = JSON.stringify(opts.body);
	}
	if (opts.etag) headers['If-Match'] = opts.etag;
	if (method === 'POST') headers['Idempotency-Key'] = opts.idempotencyKey || uuid();
	let res;
	try {
		res = await fetch(BASE + path + qs(opts.query), { method, headers, body, cache: 'no-store' });
	} catch (e) {
		throw new ApiError(describe(0, null));
	}
	const etag = res.headers.get('ETag');
	if (!res.ok) {
		let problem = null;
		try {
			problem = await res.json();
		} catch (e) {
			problem = null;
		}
		const err = new ApiError(describe(res.status, problem));
		if (res.status === 401 && token && opts.token === undefined) {
			sessionStorage.setItem('bdg.expired', '1');
			setToken('');
		}
		throw err;
	}
	if (res.status === 204) return { data: null, etag, status: res.status };
	if (opts.raw) return { data: await res.text(), etag, status: res.status, type: res.headers.get('Content-Type') };
	const text = await res.text();
	return { data: text ? JSON.parse(text) : null, etag, status: res.status };
}

export async function get(path, query) {
	return (await request(path, { query })).data;
}

/** Every item of a list, following `next` (at most `max` items). */
export async function all(path, query = {}, max = 2000) {
	const items = [];
	let after;
	do {
		const page = await get(path, { ...query, limit: 500, after });
		items.push(...(page.items || []));
		after = page.next;
	} while (after && items.length < max);
	return items;
}

export const post = (path, body, opts = {}) => request(path, { ...opts, method: 'POST', body });
export const put = (path, body, etag) => request(path, { method: 'PUT', body, etag });
export const patch = (path, body, etag) => request(path, { method: 'PATCH', body, etag });
export const del = (path, etag) => request(path, { method: 'DELETE', etag });

// Units are named everywhere by code; their names are fetched once each.
const unitCache = new Map();

/** The unit {code, name, ...} or a stand-in {code, name: code} if out of reach. */
export function unit(code) {
	if (!code) return Promise.resolve(null);
	if (!unitCache.has(code)) {
		unitCache.set(code, get('/units/' + encodeURIComponent(code)).catch(() => ({ code, name: code, missing: true })));
	}
	return unitCache.get(code);
}

/** Puts units into the cache; with onlyNames, keeps a full unit already there. */
export function rememberUnits(list, onlyNames = false) {
	for (const u of list || []) {
		if (!u || !u.code) continue;
		if (onlyNames && unitCache.has(u.code)) {
			const old = unitCache.get(u.code);
			unitCache.set(u.code, old.then((x) => (x && !x.missing ? x : u)));
		} else unitCache.set(u.code, Promise.resolve(u));
	}
}

/** The cascade (GET /plans/{id}/tree) names every unit it shows: keep those
 * names (a recipient often cannot read its parent's or siblings' units). */
export function namesFromTree(node) {
	const known = [];
	if (node.plan && node.plan.unit && node.plan.unit_name) known.push({ code: node.plan.unit, name: node.plan.unit_name });
	for (const r of node.recipients || []) if (r.unit && r.name) known.push({ code: r.unit, name: r.name });
	rememberUnits(known, true);
	for (const c of node.children || []) namesFromTree(c);
}

export function forgetUnits() {
	unitCache.clear();
	planCache.clear();
	catalogue = null;
}

// Plans and the indicator catalogue are looked up the same way.
const planCache = new Map();

/** The plan (or a stand-in {id, number: null} when out of reach). */
export function plan(id) {
	if (!id) return Promise.resolve(null);
	if (!planCache.has(id)) planCache.set(id, get('/plans/' + id).catch(() => ({ id, number: null, title: '', missing: true })));
	return planCache.get(id);
}

let catalogue = null;

/** The indicator catalogue as a Map code → indicator (loaded once). */
export function indicators() {
	if (!catalogue) {
		catalogue = all('/indicators').then(
			(l) => new Map(l.map((i) => [i.code, i])),
			(e) => {
				catalogue = null;
				throw e;
			},
		);
	}
	return catalogue;
}

// reportbody.js: the report form's state → the body sent to the API, and
// the API's field errors (JSON pointers into that body, like
// /values/2/value) → the id of the input they belong to. Pure functions,
// tested under node (tests/web/unit.test.mjs).
import { parseNumber } from './format.js';

/** Ratios (and the percents that roll up as ratios) are computed by the
 * API from their numerator and denominator counts, never entered. */
export function computed(ind) {
	return !!ind && ind.aggregation === 'ratio';
}

/** The codes a new row for `code` brings: a computed indicator brings its
 * numerator and denominator (which are entered) first. */
export function rowsFor(code, cat) {
	const ind = cat.get(code);
	if (!computed(ind)) return [code];
	return [...new Set([ind.numerator, ind.denominator, code].filter(Boolean))];
}

/**
 * The body to send, the map from each JSON pointer prefix the API may name
 * to the id of the input it belongs to, and the inputs that do not hold a
 * number (reported here, not sent).
 */
export function buildBody(st, acts, cat) {
	const where = {};
	const bad = {};
	const body = { results: st.results, difficulties: st.difficulties, recommendations: st.recommendations };
	where['/results'] = 'f-results';
	where['/difficulties'] = 'f-difficulties';
	where['/recommendations'] = 'f-recommendations';
	body.activity_results = [];
	for (const a of acts) {
		const x = st.ar[a.id];
		if (!x) continue;
		const filled = x.status || x.sessions || x.participants_female || x.participants_male || x.notes;
		if (!filled) continue;
		const item = { activity: a.id };
		if (x.status) item.status = x.status;
		for (const k of ['sessions', 'participants_female', 'participants_male']) {
			const p = parseNumber(x[k], true);
			if (p.error) bad[`ar-${a.id}-${k}`] = p.error;
			else if (p.value !== null) item[k] = p.value;
		}
		if (x.notes.trim()) item.notes = x.notes.trim();
		where[`/activity_results/${body.activity_results.length}`] = `ar-${a.id}`;
		body.activity_results.push(item);
	}
	body.values = [];
	for (const code of st.codes) {
		const ind = cat.get(code) || { code, measure: 'count', sex_disaggregated: false };
		if (computed(ind)) continue;
		const v = st.vals[code] || {};
		const whole = ind.measure === 'count';
		const sexes = ind.sex_disaggregated ? (whole ? ['female', 'male'] : ['female', 'male', 'total']) : ['total'];
		for (const sex of sexes) {
			const p = parseNumber(v[sex], whole);
			if (p.error) {
				bad[`v-${code}-${sex}`] = p.error;
				continue;
			}
			if (p.value === null) continue;
			where[`/values/${body.values.length}`] = `v-${code}-${sex}`;
			body.values.push({ indicator: code, sex, value: p.value });
		}
	}
	return { body, where, bad };
}

/** API field errors → {inputId: message}, and those that match no input. */
export function placeErrors(fields, where) {
	const placed = {};
	const rest = {};
	for (const [ptr, msg] of Object.entries(fields || {})) {
		let id = null;
		const m = /^\/(activity_results)\/(\d+)(?:\/(\w+))?/.exec(ptr);
		if (m && where[`/${m[1]}/${m[2]}`]) {
			const base = where[`/${m[1]}/${m[2]}`];
			id = `${base}-${m[3] && m[3] !== 'activity' ? m[3] : 'status'}`;
		} else {
			const v = /^\/values\/(\d+)/.exec(ptr);
			if (v && where[`/values/${v[1]}`]) id = where[`/values/${v[1]}`];
			else if (where[ptr]) id = where[ptr];
		}
		if (id) placed[id] = placed[id] ? `${placed[id]}; ${msg}` : msg;
		else rest[ptr] = msg;
	}
	return { placed, rest };
}


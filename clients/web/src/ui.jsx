// ui.jsx: small shared pieces: the hash router, async loading, error boxes,
// field errors beside inputs, badges, unit names.
import { createContext } from 'preact';
import { useContext, useEffect, useState, useCallback, useRef } from 'preact/hooks';
import * as api from './api.js';
import { label, date, parseDate } from './format.js';
import { fieldName } from './problem.js';

// --- routing: #/ke-hoach/17?ky=2019 -----------------------------------------

function parseHash() {
	const h = decodeURIComponent(location.hash.replace(/^#/, '')) || '/';
	const [path, q = ''] = h.split('?');
	return { path: path || '/', query: Object.fromEntries(new URLSearchParams(q)) };
}

export function useRoute() {
	const [route, setRoute] = useState(parseHash);
	useEffect(() => {
		const f = () => setRoute(parseHash());
		addEventListener('hashchange', f);
		return () => removeEventListener('hashchange', f);
	}, []);
	return route;
}

export function href(path, query) {
	return '#' + path + api.qs(query);
}

export function go(path, query) {
	location.hash = path + api.qs(query);
}

// --- who is signed in -----------------------------------------------------------

export const Me = createContext(null);
export const useMe = () => useContext(Me);
const RANK = { viewer: 1, editor: 2, approver: 3, admin: 4 };
/** Whether the signed-in role is at least `role`. */
export function can(me, role) {
	return !!me && (RANK[me.role] || 0) >= RANK[role];
}

// --- async data -----------------------------------------------------------------

/** [data, error, loading, reload] for an async function of the deps. */
export function useAsync(fn, deps) {
	const [state, setState] = useState({ data: undefined, error: null, loading: true });
	const seq = useRef(0);
	const run = useCallback(() => {
		const n = ++seq.current;
		setState((s) => ({ ...s, loading: true, error: null }));
		Promise.resolve()
			.then(fn)
			.then(
				(data) => n === seq.current && setState({ data, error: null, loading: false }),
				(error) => n === seq.current && setState({ data: undefined, error, loading: false }),
			);
	}, deps); // eslint-disable-line
	useEffect(run, [run]);
	return [state.data, state.error, state.loading, run];
}

export function Loading({ text }) {
	return <p class="loading" role="status">{text || 'Đang tải…'}</p>;
}

/** An error as a box: the Vietnamese sentence, the fields, the API's detail. */
export function ErrorBox({ error, fields = true }) {
	if (!error) return null;
	const f = error.fields ? Object.entries(error.fields) : [];
	return (
		<div class="error-box" role="alert">
			<strong>{error.title || 'Đã có lỗi xảy ra.'}</strong>
			{fields && f.length > 0 && (
				<ul>
					{f.map(([ptr, msg]) => (
						<li key={ptr}>
							<span class="ptr">{fieldName(ptr)}</span>: {msg}
						</li>
					))}
				</ul>
			)}
			{error.detail && <p class="detail">Chi tiết từ máy chủ: {error.detail}{error.requestId ? ` (mã yêu cầu ${error.requestId})` : ''}</p>}
			{!error.status && error.message && !error.title && <p class="detail">{String(error.message)}</p>}
		</div>
	);
}

/** The message for a JSON pointer, shown beside its input. */
export function FieldError({ errors, at }) {
	const msg = errors && errors[at];
	if (!msg) return null;
	return (
		<span class="field-error" role="alert" data-field={at}>
			{msg}
		</span>
	);
}

export function Badge({ kind, value }) {
	return <span class={`badge badge-${kind}-${value}`}>{label(kind, value)}</span>;
}

/** A unit's name, looked up by code (cached). */
export function UnitName({ code, withCode }) {
	const [u, setU] = useState(null);
	useEffect(() => {
		let live = true;
		api.unit(code).then((x) => live && setU(x));
		return () => {
			live = false;
		};
	}, [code]);
	if (!code) return <span>—</span>;
	return (
		<span class="unit-name" title={code}>
			{u ? u.name : code}
			{withCode && <span class="code"> ({code})</span>}
		</span>
	);
}

export function DateText({ value }) {
	return <time dateTime={value || ''}>{date(value)}</time>;
}

export function Section({ title, children, actions, id }) {
	return (
		<section class="card" id={id}>
			<header class="card-head">
				<h2>{title}</h2>
				{actions && <div class="actions">{actions}</div>}
			</header>
			{children}
		</section>
	);
}

/** A one-line notice that disappears after a while. */
export function useFlash() {
	const [msg, setMsg] = useState(null);
	const t = useRef(0);
	const flash = useCallback((text, kind = 'ok') => {
		setMsg({ text, kind });
		clearTimeout(t.current);
		t.current = setTimeout(() => setMsg(null), 8000);
	}, []);
	const node = msg ? (
		<div class={`flash flash-${msg.kind}`} role="status">
			{msg.text}
		</div>
	) : null;
	return [node, flash];
}

/**
 * A date typed as dd/mm/yyyy (as Vietnamese staff write it), held as ISO
 * YYYY-MM-DD. onChange gets the ISO date, '' when empty, or null when the
 * text is not a real date (shown beside the input).
 */
export function DateInput({ value, onChange, id, required, label: aria }) {
	const [text, setText] = useState(value ? date(value) : '');
	const [bad, setBad] = useState(false);
	useEffect(() => {
		if (value && parseDate(text) !== value) setText(date(value));
	}, [value]); // eslint-disable-line
	return (
		<span class="date-input">
			<input
				id={id}
				type="text"
				inputMode="numeric"
				placeholder="dd/mm/yyyy"
				aria-label={aria}
				required={required}
				value={text}
				size={11}
				onInput={(e) => {
					const t = e.currentTarget.value;
					setText(t);
					const iso = t.trim() ? parseDate(t) : '';
					setBad(iso === null);
					onChange(iso);
				}}
			/>
			{bad && <span class="field-error">ngày không hợp lệ (dd/mm/yyyy)</span>}
		</span>
	);
}

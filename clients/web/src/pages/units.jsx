// units.jsx: the unit tree from the signed-in unit down, each level loaded
// when opened (/units/{code}/children); a search over the subtree; admins
// add subunits and rename them.
import { useState } from 'preact/hooks';
import * as api from '../api.js';
import { label, date, LABELS } from '../format.js';
import { useMe, useAsync, can, Loading, ErrorBox, FieldError, useFlash, DateInput } from '../ui.jsx';

export function Units() {
	const me = useMe();
	const [q, setQ] = useState('');
	const [search, setSearch] = useState('');
	const [found, foundErr, foundLoading] = useAsync(
		() => (search ? api.get('/units', { under: me.unit, q: search, limit: 100 }).then((p) => p.items) : null),
		[search],
	);
	const [flash, say] = useFlash();
	const root = me.unit_detail || { code: me.unit, name: me.unit, kind: 'other' };
	return (
		<div>
			<h1>Đơn vị</h1>
			{flash}
			<form
				class="filters"
				role="search"
				onSubmit={(e) => {
					e.preventDefault();
					setSearch(q.trim());
				}}
			>
				<label>
					Tìm đơn vị (gõ không dấu cũng được)
					<input type="search" value={q} onInput={(e) => setQ(e.currentTarget.value)} placeholder="ví dụ: huong tra" />
				</label>
				<button type="submit">Tìm</button>
				{search && (
					<button type="button" class="link" onClick={() => { setQ(''); setSearch(''); }}>
						Bỏ tìm kiếm
					</button>
				)}
			</form>
			{search && (
				<div class="card">
					<h2>Kết quả tìm “{search}”</h2>
					{foundErr ? <ErrorBox error={foundErr} /> : foundLoading || !found ? <Loading /> : found.length === 0 ? (
						<p class="empty">Không tìm thấy đơn vị nào.</p>
					) : (
						<ul class="plain">
							{found.map((u) => (
								<li key={u.code}>
									<strong>{u.name}</strong> <span class="code">{u.code}</span> · {label('unitKind', u.kind)}
								</li>
							))}
						</ul>
					)}
				</div>
			)}
			<div class="card">
				<ul class="tree" role="tree" aria-label="Cây đơn vị">
					<UnitNode unit={root} open depth={0} say={say} />
				</ul>
			</div>
		</div>
	);
}

function UnitNode({ unit: initial, open: startOpen, depth, say }) {
	const me = useMe();
	const [unit, setUnit] = useState(initial);
	const [open, setOpen] = useState(!!startOpen);
	const [reload, setReload] = useState(0);
	const [editing, setEditing] = useState(false);
	const [adding, setAdding] = useState(false);
	const [kids, kidsErr] = useAsync(
		() =>
			open
				? api.all('/units/' + encodeURIComponent(unit.code) + '/children').then((l) => {
					api.rememberUnits(l);
					return l;
				})
				: null,
		[open, unit.code, reload],
	);
	const ended = unit.valid_to && unit.valid_to < new Date().toISOString().slice(0, 10);
	return (
		<li role="treeitem" aria-expanded={open} data-code={unit.code} class={ended ? 'ended' : ''}>
			<div class="node" style={{ paddingLeft: depth * 4 + 'px' }}>
				<button
					class="toggle"
					aria-label={open ? `Thu gọn ${unit.name}` : `Mở các đơn vị trực thuộc ${unit.name}`}
					onClick={() => setOpen(!open)}
				>
					{open ? '▾' : '▸'}
				</button>
				<span class="node-name">{unit.name}</span>
				<span class="code">{unit.code}</span>
				<span class="kind">{label('unitKind', unit.kind)}</span>
				{unit.valid_from && <span class="muted">từ {date(unit.valid_from)}</span>}
				{unit.valid_to && <span class="muted">đến {date(unit.valid_to)}</span>}
				{unit.successor && <span class="muted">→ sáp nhập vào {unit.successor}</span>}
				{can(me, 'admin') && (
					<span class="node-actions">
						<button class="link" onClick={() => { setEditing(!editing); setAdding(false); }}>Sửa</button>
						<button class="link" onClick={() => { setAdding(!adding); setEditing(false); setOpen(true); }}>Thêm đơn vị trực thuộc</button>
					</span>
				)}
			</div>
			{editing && (
				<UnitForm
					unit={unit}
					onDone={(u) => {
						setEditing(false);
						if (u) {
							setUnit(u);
							say(`Đã lưu đơn vị ${u.name}.`);
						}
					}}
				/>
			)}
			{adding && (
				<UnitForm
					parent={unit.code}
					onDone={(u) => {
						setAdding(false);
						if (u) {
							setReload(reload + 1);
							say(`Đã thêm đơn vị ${u.name}.`);
						}
					}}
				/>
			)}
			{open && (
				<ul role="group">
					{kidsErr ? <li><ErrorBox error={kidsErr} /></li> : !kids ? <li><Loading /></li> : kids.length === 0 ? (
						<li class="empty">Không có đơn vị trực thuộc.</li>
					) : (
						kids.map((k) => <UnitNode key={k.code} unit={k} depth={depth + 1} say={say} />)
					)}
				</ul>
			)}
		</li>
	);
}

/** Create (with parent) or edit (with unit) a unit; errors beside fields. */
function UnitForm({ unit, parent, onDone }) {
	const [v, setV] = useState({
		code: unit ? unit.code : '',
		name: unit ? unit.name : '',
		kind: unit ? unit.kind : 'division',
		valid_from: unit && unit.valid_from ? unit.valid_from : '',
	});
	const [err, setErr] = useState(null);
	const [busy, setBusy] = useState(false);
	const set = (k) => (e) => setV({ ...v, [k]: e.currentTarget.value });
	async function save(e) {
		e.preventDefault();
		if (v.valid_from === null) {
			setErr({ title: 'Ngày chưa đúng. Nhập theo dạng ngày/tháng/năm, ví dụ 01/01/2025.', fields: {} });
			return;
		}
		setBusy(true);
		setErr(null);
		try {
			let res;
			if (unit) {
				const cur = await api.request('/units/' + encodeURIComponent(unit.code));
				res = await api.patch('/units/' + encodeURIComponent(unit.code),
					{ name: v.name, kind: v.kind, valid_from: v.valid_from || null }, cur.etag);
			} else {
				res = await api.post('/units', { code: v.code.trim().toUpperCase(), name: v.name.trim(), kind: v.kind, parent, valid_from: v.valid_from || null });
			}
			api.rememberUnits([res.data]);
			onDone(res.data);
		} catch (e2) {
			setErr(e2);
		} finally {
			setBusy(false);
		}
	}
	const fe = err && err.fields;
	return (
		<form class="inline-form" onSubmit={save}>
			<h3>{unit ? `Sửa đơn vị ${unit.code}` : `Thêm đơn vị trực thuộc ${parent}`}</h3>
			{!unit && (
				<label>
					Mã đơn vị
					<input value={v.code} onInput={set('code')} required placeholder="HUE-HT-HUONGTOAN" />
					<FieldError errors={fe} at="/code" />
				</label>
			)}
			<label>
				Tên đơn vị
				<input value={v.name} onInput={set('name')} required size={50} />
				<FieldError errors={fe} at="/name" />
			</label>
			<label>
				Loại
				<select value={v.kind} onChange={set('kind')}>
					{Object.entries(LABELS.unitKind).map(([k, t]) => <option key={k} value={k}>{t}</option>)}
				</select>
				<FieldError errors={fe} at="/kind" />
			</label>
			<label>
				Có hiệu lực từ ngày
				<DateInput value={v.valid_from} onChange={(d) => setV({ ...v, valid_from: d })} label="Có hiệu lực từ ngày" />
				<FieldError errors={fe} at="/valid_from" />
			</label>
			<ErrorBox error={err} fields={false} />
			<div class="actions">
				<button type="submit" class="primary" disabled={busy}>Lưu</button>
				<button type="button" onClick={() => onDone(null)}>Hủy</button>
			</div>
		</form>
	);
}

// review.jsx: the reports sent to the signed-in unit (reports on the plans
// it issued), for its approver to accept or return with a reason.
import { useState, useRef } from 'preact/hooks';
import * as api from '../api.js';
import { LABELS } from '../format.js';
import { useMe, useAsync, can, Loading, ErrorBox, useFlash } from '../ui.jsx';
import { ReportTable } from './reports.jsx';

export function Review({ query }) {
	const me = useMe();
	const [status, setStatus] = useState(query.tt || 'submitted');
	const [flash, say] = useFlash();
	const [list, err, loading, reload] = useAsync(async () => {
		const plans = await api.all('/plans', { unit: me.unit }, 500);
		const lists = await Promise.all(plans.map((p) => api.all('/reports', { plan: p.id, status }, 500)));
		return lists.flat().filter((r) => r.unit !== me.unit && (!r.to_unit || r.to_unit === me.unit))
			.sort((a, b) => String(a.submitted_at || '').localeCompare(String(b.submitted_at || '')));
	}, [status]);
	const [open, setOpen] = useState(null); // report id being returned
	const [reason, setReasonState] = useState('');
	const reasonRef = useRef('');
	const setReason = (v) => {
		reasonRef.current = v;
		setReasonState(v);
	};
	const [actErr, setActErr] = useState(null);
	if (!can(me, 'approver')) return <ErrorBox error={{ title: 'Chỉ người phê duyệt mới duyệt được báo cáo.' }} />;

	async function decide(r, what) {
		setActErr(null);
		try {
			if (what === 'return') {
				const why = reasonRef.current.trim();
				if (!why) {
					setActErr({ title: 'Cần ghi rõ lý do trả lại.' });
					return;
				}
				await api.post(`/reports/${r.id}/return`, { reason: why });
				say('Đã trả lại báo cáo.');
			} else {
				await api.post(`/reports/${r.id}/accept`);
				say('Đã chấp nhận báo cáo.');
			}
			setOpen(null);
			setReason('');
			reload();
		} catch (e) {
			setActErr(e);
		}
	}

	return (
		<div>
			<h1>Duyệt báo cáo</h1>
			<p class="lead">Báo cáo các đơn vị gửi về theo kế hoạch do đơn vị bạn ban hành.</p>
			{flash}
			<div class="filters">
				<label>
					Trạng thái
					<select value={status} onChange={(e) => setStatus(e.currentTarget.value)}>
						{['submitted', 'returned', 'accepted'].map((k) => <option key={k} value={k}>{LABELS.reportStatus[k]}</option>)}
					</select>
				</label>
			</div>
			<ErrorBox error={actErr} />
			<div class="card">
				{err ? <ErrorBox error={err} /> : loading || !list ? <Loading /> : list.length === 0 ? (
					<p class="empty">{status === 'submitted' ? 'Không có báo cáo nào đang chờ duyệt.' : 'Không có báo cáo nào.'}</p>
				) : (
					<ReportTable
						list={list}
						actions={(r) =>
							r.status === 'submitted' && (
								<span class="row-actions">
									<button class="primary small" onClick={() => decide(r, 'accept')}>Chấp nhận</button>
									<button class="danger small" onClick={() => { setOpen(open === r.id ? null : r.id); setReason(''); }}>Trả lại</button>
									{open === r.id && (
										<span class="return-box">
											<label>
												Lý do trả lại
												<textarea rows={2} value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
											</label>
											<button class="danger small" onClick={() => decide(r, 'return')}>Xác nhận trả lại</button>
										</span>
									)}
								</span>
							)
						}
					/>
				)}
			</div>
		</div>
	);
}

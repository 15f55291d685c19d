// home.jsx: the overview: who I am, my unit's reports that need work, the
// reports waiting for my review, and the plans I can read.
import * as api from '../api.js';
import { label, period, date } from '../format.js';
import { useMe, useAsync, can, href, Section, Loading, ErrorBox, Badge, UnitName } from '../ui.jsx';

export function Home() {
	const me = useMe();
	const [mine, mineErr] = useAsync(
		() => api.get('/reports', { unit: me.unit, limit: 50 }).then((p) => p.items || []),
		[me.unit],
	);
	const [plans, plansErr] = useAsync(() => api.get('/plans', { limit: 8 }).then((p) => p.items || []), []);
	const todo = (mine || []).filter((r) => r.status === 'draft' || r.status === 'returned');
	return (
		<div>
			<h1>Tổng quan</h1>
			<div class="card intro">
				<p>
					Xin chào <strong>{me.sub}</strong>. Bạn đang làm việc cho{' '}
					<strong>{me.unit_detail ? me.unit_detail.name : me.unit}</strong> ({me.unit}) với vai trò{' '}
					<strong>{label('role', me.role)}</strong>.
				</p>
				<p class="hint">
					{me.role === 'viewer' && 'Bạn được xem kế hoạch, báo cáo và số liệu của đơn vị mình và các đơn vị trực thuộc.'}
					{me.role === 'editor' && 'Bạn được soạn và sửa báo cáo nháp, hoạt động và kế hoạch dự thảo của đơn vị.'}
					{me.role === 'approver' && 'Bạn được nộp báo cáo của đơn vị, ban hành kế hoạch, và chấp nhận hoặc trả lại báo cáo các đơn vị gửi đến.'}
					{me.role === 'admin' && 'Bạn được quản lý danh mục đơn vị và chỉ tiêu, cùng mọi quyền của người phê duyệt.'}
				</p>
			</div>
			<div class="grid2">
				<Section title="Báo cáo của đơn vị cần hoàn thành">
					{mineErr ? <ErrorBox error={mineErr} /> : !mine ? <Loading /> : todo.length === 0 ? (
						<p class="empty">Không có báo cáo nào đang soạn hoặc bị trả lại.</p>
					) : (
						<ul class="plain">
							{todo.map((r) => (
								<li key={r.id}>
									<a href={href('/bao-cao/' + r.id)}>Báo cáo {period(r.period).toLowerCase()}</a>{' '}
									<Badge kind="reportStatus" value={r.status} /> · hạn {date(r.due_on)}
								</li>
							))}
						</ul>
					)}
					<p><a href={href('/bao-cao')}>Tất cả báo cáo →</a></p>
				</Section>
				<Section title="Kế hoạch mới nhất">
					{plansErr ? <ErrorBox error={plansErr} /> : !plans ? <Loading /> : plans.length === 0 ? (
						<p class="empty">Chưa có kế hoạch nào.</p>
					) : (
						<ul class="plain">
							{plans.map((p) => (
								<li key={p.id}>
									<a href={href('/ke-hoach/' + p.id)}>{p.number || 'Kế hoạch chưa có số'}</a> ({p.year}) ·{' '}
									<UnitName code={p.unit} /> <Badge kind="planStatus" value={p.status} />
								</li>
							))}
						</ul>
					)}
					<p><a href={href('/ke-hoach')}>Tất cả kế hoạch →</a></p>
				</Section>
			</div>
			{can(me, 'approver') && (
				<p class="card">
					Báo cáo các đơn vị gửi đến đơn vị bạn được duyệt ở mục <a href={href('/duyet')}>Duyệt báo cáo</a>.
				</p>
			)}
		</div>
	);
}

import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { ScanSummary } from '../../../../shared/contract';
import { DISCREPANCY_KINDS } from '../../../../shared/contract/audit';

/** Discrepancies by kind: one bar per kind found, count and points at stake in the tooltip. */
export function KindChart({ scan }: { scan: ScanSummary }) {
  const data = DISCREPANCY_KINDS.filter((k) => scan.byKind[k].count > 0).map((k) => ({
    kind: k.replaceAll('_', ' '),
    count: scan.byKind[k].count,
    points: scan.byKind[k].pointsAtStake,
  }));
  if (data.length === 0) return null;
  return (
    <figure className="audit-chart" aria-label="Discrepancies by kind">
      <ResponsiveContainer width="100%" height={Math.max(120, data.length * 34 + 40)}>
        <BarChart data={data} layout="vertical" margin={{ left: 16, right: 24 }}>
          <CartesianGrid strokeDasharray="3 3" horizontal={false} />
          <XAxis type="number" allowDecimals={false} />
          <YAxis type="category" dataKey="kind" width={200} />
          <Tooltip
            formatter={(v, name) => [Number(v).toLocaleString(), name === 'count' ? 'discrepancies' : name]}
          />
          <Bar dataKey="count" fill="#b4462f" isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
      <figcaption className="muted">Discrepancies by kind</figcaption>
    </figure>
  );
}

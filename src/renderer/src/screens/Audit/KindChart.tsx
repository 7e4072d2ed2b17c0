import {
  Bar,
  BarChart,
  CartesianGrid,
  LabelList,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { ScanSummary } from '../../../../shared/contract';
import { DISCREPANCY_KINDS } from '../../../../shared/contract/audit';
import { formatCount, formatPoints } from '../../../../shared/format';
import { kindLabel } from '../../lib/labels';

/** The kinds the scan found, most frequent first (ties: most points at stake first). */
export function chartData(scan: ScanSummary) {
  return DISCREPANCY_KINDS.filter((k) => scan.byKind[k].count > 0)
    .map((k) => ({
      code: k,
      kind: kindLabel(k),
      count: scan.byKind[k].count,
      points: scan.byKind[k].pointsAtStake,
    }))
    .sort((a, b) => b.count - a.count || b.points - a.points);
}

const TICK = { fill: 'var(--text)', fontSize: 12 };

/** Discrepancies by kind: one labelled bar per kind found, points at stake in the tooltip. */
export function KindChart({ scan }: { scan: ScanSummary }) {
  const data = chartData(scan);
  if (data.length === 0) return null;
  return (
    <figure className="audit-chart" aria-label="Discrepancies by kind">
      <ResponsiveContainer width="100%" height={Math.max(120, data.length * 34 + 40)}>
        <BarChart data={data} layout="vertical" margin={{ left: 16, right: 56 }}>
          <CartesianGrid strokeDasharray="3 3" horizontal={false} stroke="var(--border)" />
          <XAxis type="number" allowDecimals={false} tick={TICK} stroke="var(--border-strong)" />
          <YAxis type="category" dataKey="kind" width={220} tick={TICK} stroke="var(--border-strong)" />
          <Tooltip
            contentStyle={{
              background: 'var(--surface)',
              color: 'var(--text)',
              borderColor: 'var(--border)',
            }}
            formatter={(v, name, item) => [
              name === 'count'
                ? `${formatCount(Number(v))} (${formatPoints((item.payload as { points: number }).points)} at stake)`
                : String(v),
              name === 'count' ? 'discrepancies' : String(name),
            ]}
          />
          <Bar dataKey="count" fill="var(--chart-bar)" isAnimationActive={false}>
            <LabelList
              dataKey="count"
              position="right"
              fill="var(--text)"
              fontSize={12}
              formatter={(v: unknown) => formatCount(Number(v))}
            />
          </Bar>
        </BarChart>
      </ResponsiveContainer>
      <figcaption className="muted">
        Discrepancies by kind: {data.map((d) => `${d.kind} ${formatCount(d.count)}`).join(', ')}
      </figcaption>
    </figure>
  );
}

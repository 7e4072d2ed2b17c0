import type { Discrepancy, ScanSort } from '../../../../shared/contract';
import { formatCount, formatSignedPoints } from '../../../../shared/format';
import { hrefOf } from '../../app/router';
import { kindLabel } from '../../lib/labels';

/** The points a finding puts in doubt, as the scan sorts them. */
export const stakeOf = (d: Discrepancy) =>
  Math.abs(d.difference ?? (d.code === 'missing_user_points' ? (d.expected ?? 0) : 0));

const num = (v: number | null) => (v === null ? '—' : formatCount(v));

interface Props {
  items: Discrepancy[];
  label: string;
  /** Sortable headers: the current sort and what a click asks for. */
  sort?: { by: ScanSort; order: 'asc' | 'desc'; onSort(by: ScanSort): void };
}

function SortHeader({ by, title, sort }: { by: ScanSort; title: string; sort: Props['sort'] }) {
  if (!sort) return <th scope="col">{title}</th>;
  const active = sort.by === by;
  return (
    <th scope="col" aria-sort={active ? (sort.order === 'asc' ? 'ascending' : 'descending') : 'none'}>
      <button type="button" className="button-ghost audit-sort" onClick={() => sort.onSort(by)}>
        {title} {active ? (sort.order === 'asc' ? '▲' : '▼') : ''}
      </button>
    </th>
  );
}

/** Discrepancies with the user (a link to their page), the values and the recommendation. */
export function DiscrepancyTable({ items, label, sort }: Props) {
  return (
    <table className="simple-table audit-table sticky-head" aria-label={label}>
      <thead>
        <tr>
          <SortHeader by="userId" title="User" sort={sort} />
          <SortHeader by="kind" title="Kind" sort={sort} />
          <th scope="col" className="num">
            Stored
          </th>
          <th scope="col" className="num">
            Expected
          </th>
          <SortHeader by="difference" title="Difference" sort={sort} />
          <SortHeader by="stake" title="At stake" sort={sort} />
          <th scope="col">Recommendation</th>
        </tr>
      </thead>
      <tbody>
        {items.map((d, i) => (
          <tr
            key={`${d.userId}-${d.code}-${d.transactionId ?? ''}-${d.redemptionId ?? ''}-${i}`}
            title={d.message}
          >
            <td>
              <a href={hrefOf(['users', d.userId])}>{d.userId}</a>
            </td>
            <td title={d.code} data-code={d.code}>
              {kindLabel(d.code)}
            </td>
            <td className="num">{num(d.stored)}</td>
            <td className="num">{num(d.expected)}</td>
            <td className="num">{d.difference === null ? '—' : formatSignedPoints(d.difference)}</td>
            <td className="num">{formatCount(stakeOf(d))}</td>
            <td>
              <strong>{d.recommendation.action}</strong> {d.recommendation.effect.replace(/^\w+: /, '')}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

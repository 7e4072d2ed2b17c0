import { ApprovalsBadge } from '../components/ApprovalsBadge';
import { hrefOf } from './router';
import { SCREENS } from './screens';

export function Sidebar({ current }: { current: string }) {
  const shown = SCREENS.filter((s) => !s.hideInNav);
  return (
    <nav className="sidebar" aria-label="Screens">
      <div className="brand">
        <span className="brand-mark" aria-hidden="true">
          P
        </span>
        <span className="brand-name">Pointkeeper</span>
      </div>
      <ul className="nav-list">
        {shown.map((s, i) => (
          <li key={s.id}>
            <a
              href={hrefOf([s.id])}
              className="nav-link"
              aria-current={s.id === current ? 'page' : undefined}
              title={`${s.label} (Alt+${i + 1})`}
            >
              <span>{s.label}</span>
              {s.id === 'approvals' && <ApprovalsBadge testId="sidebar-approvals-count" />}
              <span className="nav-shortcut">Alt+{i + 1}</span>
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

import { useState, type ComponentType } from 'react';
import type { UserDetail } from '../../../../shared/contract';
import { EarnForm } from './points/EarnForm';
import { HistoryTable } from './points/HistoryTable';
import { LotsPanel } from './points/LotsPanel';
import { RedeemForm } from './points/RedeemForm';
import { RedemptionsList } from './points/RedemptionsList';

export interface UserSection {
  id: string;
  title: string;
  Component: ComponentType<{ user: UserDetail }>;
}

type Action = 'earn' | 'redeem';

/** Earn or redeem, one at a time: a compact panel that leaves the history on screen. */
function PointsActions({ user }: { user: UserDetail }) {
  const [action, setAction] = useState<Action>('earn');
  const tabs: Array<[Action, string]> = [
    ['earn', 'Earn'],
    ['redeem', 'Redeem'],
  ];
  return (
    <div className="points-actions">
      <div className="segmented" role="tablist" aria-label="Earn or redeem">
        {tabs.map(([id, label]) => (
          <button
            key={id}
            type="button"
            role="tab"
            id={`points-tab-${id}`}
            aria-selected={action === id}
            aria-controls={`points-panel-${id}`}
            className="segment"
            onClick={() => setAction(id)}
          >
            {label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`points-panel-${action}`} aria-labelledby={`points-tab-${action}`}>
        {action === 'earn' ? <EarnForm user={user} /> : <RedeemForm user={user} />}
      </div>
    </div>
  );
}

/** The user view's sections below the balance card, in order: what happened first, then acting on it. */
export const USER_SECTIONS: UserSection[] = [
  { id: 'history', title: 'Transactions', Component: HistoryTable },
  { id: 'actions', title: 'Earn and redeem', Component: PointsActions },
  { id: 'redemptions', title: 'Redemptions', Component: RedemptionsList },
  { id: 'lots', title: 'Expiring points and lots', Component: LotsPanel },
];

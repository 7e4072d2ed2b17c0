import type { ComponentType } from 'react';
import type { UserDetail } from '../../../../shared/contract';
import { EarnForm } from './points/EarnForm';
import { HistoryTable } from './points/HistoryTable';
import { RedeemForm } from './points/RedeemForm';
import { RedemptionsList } from './points/RedemptionsList';

export interface UserSection {
  id: string;
  title: string;
  Component: ComponentType<{ user: UserDetail }>;
}

function PointsActions({ user }: { user: UserDetail }) {
  return (
    <div className="points-actions">
      <EarnForm user={user} />
      <RedeemForm user={user} />
    </div>
  );
}

/** The user view's sections below the balance card, in order. */
export const USER_SECTIONS: UserSection[] = [
  { id: 'actions', title: 'Earn and redeem', Component: PointsActions },
  { id: 'history', title: 'Transactions', Component: HistoryTable },
  { id: 'redemptions', title: 'Redemptions', Component: RedemptionsList },
];

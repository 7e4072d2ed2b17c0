import type { ComponentType } from 'react';
import type { UserDetail } from '../../../../shared/contract';

export interface UserSection {
  id: string;
  title: string;
  Component: ComponentType<{ user: UserDetail }>;
}

function NotYetBuilt() {
  return (
    <p className="muted">
      The transaction history and the earn and redeem forms are not in this version yet; they will appear
      here.
    </p>
  );
}

/**
 * The user view's sections below the balance card, in order. The ledger work adds its history
 * table and earn/redeem forms here as entries; the view itself needs no change.
 */
export const USER_SECTIONS: UserSection[] = [{ id: 'activity', title: 'Activity', Component: NotYetBuilt }];

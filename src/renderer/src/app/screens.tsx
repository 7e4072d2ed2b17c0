import { lazy, type ComponentType } from 'react';
import type { Route } from './router';

/*
 * Each screen is its own chunk, loaded when first shown (App wraps it in Suspense): the first
 * paint needs only the shell, and the audit chart's library loads with the Audit screen.
 */
const AuditScreen = lazy(() =>
  import('../screens/Audit/AuditScreen').then((m) => ({ default: m.AuditScreen })),
);
const BackupsScreen = lazy(() =>
  import('../screens/Backups/BackupsScreen').then((m) => ({ default: m.BackupsScreen })),
);
const ConnectScreen = lazy(() =>
  import('../screens/Connect/ConnectScreen').then((m) => ({ default: m.ConnectScreen })),
);
const OperationsScreen = lazy(() =>
  import('../screens/Operations/OperationsScreen').then((m) => ({ default: m.OperationsScreen })),
);
const RecoveryScreen = lazy(() =>
  import('../screens/Recovery/RecoveryScreen').then((m) => ({ default: m.RecoveryScreen })),
);
const UsersScreen = lazy(() =>
  import('../screens/Users/UsersScreen').then((m) => ({ default: m.UsersScreen })),
);
const ApprovalsScreen = lazy(() =>
  import('../screens/Approvals/ApprovalsScreen').then((m) => ({ default: m.ApprovalsScreen })),
);
const ExpiryScreen = lazy(() =>
  import('../screens/Expiry/ExpiryScreen').then((m) => ({ default: m.ExpiryScreen })),
);
const GrantsScreen = lazy(() =>
  import('../screens/Grants/GrantsScreen').then((m) => ({ default: m.GrantsScreen })),
);

export interface ScreenDef {
  /** The route's first segment: `#/<id>/…`. */
  id: string;
  label: string;
  Component: ComponentType<{ route: Route }>;
  /** Screens reached by state rather than the sidebar (a Connect screen, say) set this. */
  hideInNav?: boolean;
}

/**
 * Every screen of the shell, in sidebar order. Adding a screen is one entry here; the sidebar,
 * the Alt+<n> shortcuts and the router all read this list.
 */
const usersScreen: ScreenDef = { id: 'users', label: 'Users', Component: UsersScreen };

export const SCREENS: ScreenDef[] = [
  usersScreen,
  { id: 'connect', label: 'Connections', Component: ConnectScreen, hideInNav: true },
  { id: 'audit', label: 'Audit', Component: AuditScreen },
  { id: 'recovery', label: 'Recovery', Component: RecoveryScreen },
  { id: 'backups', label: 'Backups', Component: BackupsScreen },
  { id: 'operations', label: 'Operations log', Component: OperationsScreen },
  { id: 'expiry', label: 'Expiry', Component: ExpiryScreen },
  { id: 'grants', label: 'Grants', Component: GrantsScreen },
  { id: 'approvals', label: 'Approvals', Component: ApprovalsScreen },
];

/** The screen a route names; an unknown or empty route opens Users. */
export function screenOf(id: string): ScreenDef {
  return SCREENS.find((s) => s.id === id) ?? usersScreen;
}

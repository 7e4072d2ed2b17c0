import type { ComponentType } from 'react';
import { AuditScreen } from '../screens/Audit/AuditScreen';
import { BackupsScreen } from '../screens/Backups/BackupsScreen';
import { ConnectScreen } from '../screens/Connect/ConnectScreen';
import { ExpiryScreen } from '../screens/Expiry/ExpiryScreen';
import { OperationsScreen } from '../screens/Operations/OperationsScreen';
import { RecoveryScreen } from '../screens/Recovery/RecoveryScreen';
import { UsersScreen } from '../screens/Users/UsersScreen';
import type { Route } from './router';

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
];

/** The screen a route names; an unknown or empty route opens Users. */
export function screenOf(id: string): ScreenDef {
  return SCREENS.find((s) => s.id === id) ?? usersScreen;
}

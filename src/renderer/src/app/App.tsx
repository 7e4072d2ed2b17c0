import { useQuery } from '@tanstack/react-query';
import { Toasts } from '../components/Toasts';
import { profilesQueries } from '../data/profiles.queries';
import { ConnectScreen } from '../screens/Connect/ConnectScreen';
import { useRoute } from './router';
import { screenOf } from './screens';
import { Sidebar } from './Sidebar';
import { StatusBar } from './StatusBar';
import { useGlobalShortcuts } from './useGlobalShortcuts';
import { useIdleLock } from './useIdleLock';

/**
 * The shell: sidebar, the current screen, the status bar, toasts. Screens come from SCREENS;
 * while the console is not connected (or is locked) every route shows the Connect screen.
 */
export function App() {
  useGlobalShortcuts();
  const route = useRoute();
  const overview = useQuery(profilesQueries.overview());
  const status = overview.data?.connection.status;
  useIdleLock(overview.data?.idleLockMinutes ?? 0, status === 'connected');
  const gated = status !== undefined && status !== 'connected';
  const screen = screenOf(gated ? 'connect' : route.screen);
  return (
    <div className="app">
      <Sidebar current={screen.id} />
      <main className="content">{gated ? <ConnectScreen /> : <screen.Component route={route} />}</main>
      <StatusBar />
      <Toasts />
    </div>
  );
}

import { useQuery } from '@tanstack/react-query';
import { Suspense, useEffect } from 'react';
import { Toasts } from '../components/Toasts';
import { profilesQueries } from '../data/profiles.queries';
import { useRoute } from './router';
import { screenOf } from './screens';
import { Sidebar } from './Sidebar';
import { StatusBar } from './StatusBar';
import { isBrowserPreview } from './theme';
import { clearErrors } from './toastStore';
import { useGlobalShortcuts } from './useGlobalShortcuts';
import { useIdleLock } from './useIdleLock';

/**
 * The shell: sidebar, the current screen, the status bar, toasts. Screens come from SCREENS;
 * while the console is not connected (or is locked) every route shows the Connect screen.
 */
const preview = isBrowserPreview();

export function App() {
  useGlobalShortcuts();
  const route = useRoute();
  const overview = useQuery(profilesQueries.overview());
  const status = overview.data?.connection.status;
  useIdleLock(overview.data?.idleLockMinutes ?? 0, status === 'connected');
  const gated = status !== undefined && status !== 'connected';
  const screen = screenOf(gated ? 'connect' : route.screen);
  // A new screen starts without the last one's error toasts (a user's page to another is new too).
  const place = `${screen.id}/${route.rest.join('/')}`;
  useEffect(() => clearErrors(), [place]);
  return (
    <div className={`app${preview ? ' app-preview' : ''}`}>
      {preview && (
        <p className="preview-banner" role="note" data-testid="preview-banner">
          Preview of the Pointkeeper desktop app in a browser (npm run browse): the same screens and calls, on
          a local demo database. Use the desktop app for real work.
        </p>
      )}
      <Sidebar current={screen.id} />
      <main className="content" id="main" tabIndex={-1}>
        {/* Screens are loaded on first use: a moment's note, not a blank page, while one loads. */}
        <Suspense
          fallback={
            <p className="muted" role="status">
              Loading…
            </p>
          }
        >
          <screen.Component route={route} />
        </Suspense>
      </main>
      <StatusBar />
      <Toasts />
    </div>
  );
}

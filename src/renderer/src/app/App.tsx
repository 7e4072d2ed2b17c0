import { Toasts } from '../components/Toasts';
import { useRoute } from './router';
import { screenOf } from './screens';
import { Sidebar } from './Sidebar';
import { StatusBar } from './StatusBar';
import { useGlobalShortcuts } from './useGlobalShortcuts';

/** The shell: sidebar, the current screen, the status bar, toasts. Screens come from SCREENS. */
export function App() {
  useGlobalShortcuts();
  const route = useRoute();
  const screen = screenOf(route.screen);
  return (
    <div className="app">
      <Sidebar current={screen.id} />
      <main className="content">
        <screen.Component route={route} />
      </main>
      <StatusBar />
      <Toasts />
    </div>
  );
}

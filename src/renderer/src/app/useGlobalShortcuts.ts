import { useEffect } from 'react';
import { isEditable } from '../lib/editable';
import { SEARCH_INPUT_ID } from '../lib/search';
import { hrefOf, navigate, parseHash } from './router';
import { SCREENS } from './screens';

/** `/` or Ctrl+K: the user search, from anywhere. The search box focuses itself when it mounts. */
function focusSearch(): void {
  const input = document.getElementById(SEARCH_INPUT_ID);
  if (input instanceof HTMLInputElement) {
    input.focus();
    input.select();
    return;
  }
  const q = parseHash(window.location.hash).params.get('q') ?? '';
  navigate(hrefOf(['users'], { q }));
}

function onKeyDown(e: KeyboardEvent): void {
  if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'k') {
    e.preventDefault();
    focusSearch();
  } else if (e.key === '/' && !isEditable(e.target) && !e.ctrlKey && !e.metaKey && !e.altKey) {
    e.preventDefault();
    focusSearch();
  } else if (e.altKey && /^[1-9]$/.test(e.key)) {
    const screen = SCREENS.filter((s) => !s.hideInNav)[Number(e.key) - 1];
    if (screen) {
      e.preventDefault();
      navigate(hrefOf([screen.id]));
    }
  }
}

export function useGlobalShortcuts(): void {
  useEffect(() => {
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, []);
}

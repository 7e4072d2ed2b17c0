import { act, renderHook } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { hrefOf, navigate, parseHash, useRoute } from './router';

describe('router', () => {
  afterEach(() => history.replaceState(null, '', '#/'));

  it('parses the screen, the rest of the path and the query of a hash', () => {
    const route = parseHash('#/users/42/history?q=ann%20lee&tab=2');
    expect(route.screen).toBe('users');
    expect(route.rest).toEqual(['42', 'history']);
    expect(route.params.get('q')).toBe('ann lee');
    expect(route.params.get('tab')).toBe('2');
    expect(parseHash('').screen).toBe('');
  });

  it('builds hrefs that parse back to the same route, dropping empty parameters', () => {
    const href = hrefOf(['users', 'a/b', 7], { q: 'x y', empty: '' });
    expect(href).toBe('#/users/a%2Fb/7?q=x+y');
    const route = parseHash(href);
    expect(route.rest).toEqual(['a/b', '7']);
    expect(route.params.has('empty')).toBe(false);
  });

  it('re-renders useRoute on navigate, with and without replacing the history entry', async () => {
    const { result } = renderHook(() => useRoute());
    expect(result.current.screen).toBe('');
    const before = history.length;
    act(() => navigate(hrefOf(['operations'], { action: 'backup.' }), { replace: true }));
    expect(result.current.screen).toBe('operations');
    expect(result.current.params.get('action')).toBe('backup.');
    expect(history.length).toBe(before);
    await act(async () => {
      navigate(hrefOf(['audit']));
      // jsdom fires hashchange asynchronously, as a browser does.
      await new Promise((resolve) => window.addEventListener('hashchange', resolve, { once: true }));
    });
    expect(result.current.screen).toBe('audit');
  });
});

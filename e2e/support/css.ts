import type { Locator } from '@playwright/test';

/** The e2e project has no DOM types: the page's own getComputedStyle, typed just enough. */
interface StyleWindow {
  getComputedStyle(e: unknown): Record<string, string>;
}

export function cssOf(locator: Locator, property: string): Promise<string> {
  return locator.evaluate(
    (e, p) => (globalThis as unknown as StyleWindow).getComputedStyle(e)[p] ?? '',
    property,
  );
}

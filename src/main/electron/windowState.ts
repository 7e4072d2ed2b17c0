import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

const State = z.object({
  x: z.number().int(),
  y: z.number().int(),
  width: z.number().int().min(400).max(20_000),
  height: z.number().int().min(300).max(20_000),
  maximized: z.boolean(),
});
export type WindowState = z.infer<typeof State>;

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

const FILE = 'window-state.json';

/** The last window bounds, or null (first run, a damaged file): a bad file only costs the position. */
export async function readWindowState(home: string): Promise<WindowState | null> {
  try {
    const parsed = State.safeParse(JSON.parse(await readFile(join(home, FILE), 'utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export async function writeWindowState(home: string, state: WindowState): Promise<void> {
  await writeFile(join(home, FILE), `${JSON.stringify(state)}\n`);
}

/** A remembered position is used only if the window would still be visible on some screen now. */
export function visibleOn(state: Rect, screens: Rect[]): boolean {
  const overlap = (a: Rect, b: Rect) =>
    Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x) >= 100 &&
    Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y) >= 50;
  return screens.some((s) => overlap(state, s));
}

import { readFile } from 'node:fs/promises';

/**
 * CPU time the host took from this machine while a benchmark ran. On a shared virtual machine
 * the same code measured an hour apart differed by more than most changes (a full demo: 453 s,
 * then 249 s), and /proc/stat's `steal` counter is what told those runs apart. Linux only: null
 * elsewhere, or where the kernel does not count it.
 */
async function cpuTimes(): Promise<{ steal: number; total: number } | null> {
  const text = await readFile('/proc/stat', 'utf8').catch(() => null);
  const fields = text?.split('\n', 1)[0]?.trim().split(/\s+/).slice(1, 9).map(Number);
  if (!fields || fields.length < 8 || fields.some((n) => !Number.isFinite(n))) return null;
  // user, nice, system, idle, iowait, irq, softirq, steal (guest time is inside user already).
  return { steal: fields[7]!, total: fields.reduce((a, b) => a + b, 0) };
}

/** Runs `work`, and says what share of all CPU time (every core's) the host stole meanwhile. */
export async function withSteal<T>(work: () => Promise<T>): Promise<{ result: T; stolen: number | null }> {
  const before = await cpuTimes();
  const result = await work();
  const after = await cpuTimes();
  if (!before || !after || after.total <= before.total) return { result, stolen: null };
  return { result, stolen: (after.steal - before.steal) / (after.total - before.total) };
}

/** "recovery 0 %, backup 12 %" for a report, or null when nothing was counted. */
export function stealLine(stolen: Record<string, number | null>): string | null {
  const known = Object.entries(stolen).filter((e): e is [string, number] => e[1] !== null);
  if (known.length === 0) return null;
  return known.map(([name, share]) => `${name} ${Math.round(share * 100)} %`).join(', ');
}

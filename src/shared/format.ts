/**
 * One way to write numbers, dates and durations for people: every screen, toast, CLI line and
 * report uses these, so "2,559 pts" never appears beside "2559 points".
 */
const countFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** U+2212 MINUS SIGN: a hyphen reads as a dash in proportional fonts and misaligns columns. */
const MINUS = '\u2212';

/** A plain count with thousands separators: 200,000. */
export function formatCount(n: number): string {
  const text = countFormat.format(Math.abs(n));
  return n < 0 ? `${MINUS}${text}` : text;
}

/** A balance or amount: "2,559 pts", "−40 pts". */
export function formatPoints(points: number): string {
  return `${formatCount(points)} pts`;
}

/** A change of balance: "+1,500 pts", "−1,500 pts", "±0 pts". */
export function formatSignedPoints(points: number): string {
  if (points === 0) return '±0 pts';
  return `${points > 0 ? '+' : ''}${formatPoints(points)}`;
}

/** A signed number without unit, for table cells whose header says "points". */
export function formatSignedCount(n: number): string {
  if (n === 0) return '0';
  return `${n > 0 ? '+' : ''}${formatCount(n)}`;
}

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * A moment for a person: local time, "2026-12-02 14:05" (with ":ss" when asked). ISO order reads
 * the same in every locale and sorts as text; data stays ISO 8601 UTC. null or a bad value → "—"
 * or the value itself, never "Invalid Date".
 */
export function formatDate(iso: string | Date | null, options: { seconds?: boolean } = {}): string {
  if (iso === null) return '—';
  const d = iso instanceof Date ? iso : new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  const day = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}${options.seconds ? `:${pad(d.getSeconds())}` : ''}`;
  return `${day} ${time}`;
}

/** @deprecated use formatDate; kept so existing call sites read the same. */
export const formatLocalDateTime = (iso: string | null): string => formatDate(iso);

/**
 * A span of time: "850 ms", "4.2 s", "3 min 05 s", "2 h 07 min". Negative or non-finite → "—".
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(Math.floor(ms / 100) / 10).toFixed(1)} s`;
  const totalSeconds = Math.round(ms / 1000);
  const minutes = Math.floor(totalSeconds / 60);
  if (minutes < 60) return `${minutes} min ${pad(totalSeconds % 60)} s`;
  return `${Math.floor(minutes / 60)} h ${pad(minutes % 60)} min`;
}

/** "1 user", "3 users". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

/** A size in bytes as people read it: 512 B, 3.4 kB, 12.0 MB, 1.2 GB (powers of 1024). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} ${units[0]}` : `${value.toFixed(1)} ${units[unit]}`;
}

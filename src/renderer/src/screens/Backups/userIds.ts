/** "12, 40 977" → [12, 40, 977], or why not. */
export function parseUserIds(text: string): { ids: number[] } | { error: string } {
  const parts = text.split(/[\s,]+/).filter(Boolean);
  if (parts.length === 0) return { error: 'Type at least one user id.' };
  const bad = parts.find((p) => !/^\d{1,10}$/.test(p) || Number(p) < 1 || Number(p) > 2_147_483_647);
  if (bad) return { error: `"${bad}" is not a user id.` };
  if (parts.length > 1000) return { error: 'At most 1,000 users; export everything beyond that.' };
  return { ids: [...new Set(parts.map(Number))] };
}

import { z } from 'zod';

export const userId = z.number().int().positive().max(2_147_483_647);
/** Replace an existing file: only after the person confirmed it (a dialog, --overwrite). */
export const overwrite = z.boolean().default(false);
export const isoDateTime = z.iso.datetime({ offset: true });

/** Keyset pages: the cursor is opaque to callers. */
export const pageInput = {
  limit: z.number().int().min(1).max(500).default(50),
  cursor: z.string().max(200).nullable().default(null),
};

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

import { z } from 'zod';

export const userId = z.number().int().positive().max(2_147_483_647);
/**
 * Control characters a terminal or a viewer acts on rather than shows: ESC (colour, cursor moves,
 * title changes), BEL, CR (overwrites a line), backspace, DEL, the C1 set, and the bidirectional
 * overrides that reorder what a reader sees. Tab and line feed stay: multi-line descriptions exist.
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/;
const codePoint = (c: string) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

/** Free text a person writes (descriptions, reasons): trimmed, and no control characters. */
export const plainText = (min: number, tooShort: string, max = 500) =>
  z
    .string()
    .trim()
    .min(min, tooShort)
    .max(max)
    .superRefine((text, ctx) => {
      const found = CONTROL.exec(text);
      if (found)
        ctx.addIssue({
          code: 'custom',
          message: `control characters are not allowed (found ${codePoint(found[0])} at position ${found.index + 1})`,
        });
    });

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

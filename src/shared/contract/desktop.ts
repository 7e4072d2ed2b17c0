import { z } from 'zod';
import { localCall } from './define';

/** What a native file dialog answers: the chosen path, or null when the person cancelled. */
export interface PickedFile {
  path: string | null;
}

const fileFilter = z
  .object({
    name: z.string().trim().min(1).max(100),
    extensions: z
      .array(z.string().regex(/^(\*|[A-Za-z0-9]{1,16})$/, 'an extension without the dot, or *'))
      .min(1)
      .max(20),
  })
  .strict();

const title = z.string().trim().min(1).max(200);

export const desktopCalls = {
  'dialog.saveFile': localCall<PickedFile>()({
    input: z
      .object({
        title,
        /** A file name only: the dialog opens in the person's documents folder. */
        defaultName: z
          .string()
          .trim()
          .min(1)
          .max(255)
          .refine((n) => !/[/\\]/.test(n), 'a file name, without folders')
          .optional(),
        filters: z.array(fileFilter).max(20).default([]),
      })
      .strict(),
    summary: 'Ask where to save a file (native dialog); path null when cancelled',
  }),
  'dialog.openFile': localCall<PickedFile>()({
    input: z.object({ title, filters: z.array(fileFilter).max(20).default([]) }).strict(),
    summary: 'Ask which existing file to open (native dialog); path null when cancelled',
  }),
  'shell.showInFolder': localCall<{ shown: true }>()({
    input: z
      .object({
        path: z
          .string()
          .min(1)
          .max(4096)
          .refine((p) => p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p), 'an absolute path'),
      })
      .strict(),
    summary: 'Show a file in the system file manager (after an export)',
  }),
};

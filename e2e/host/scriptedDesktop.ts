import { access } from 'node:fs/promises';
import type { DesktopPort, OpenFileOptions, SaveFileOptions } from '../../src/main/desktop/dialogs';
import { AppError } from '../../src/main/errors';

export type DialogKind = 'saveFile' | 'openFile';

/** What the screens asked of the desktop during a test, for it to check. */
export interface DesktopRecord {
  asked: Array<{ kind: DialogKind; options: SaveFileOptions | OpenFileOptions }>;
  shown: string[];
}

/**
 * The e2e host's desktop: a test scripts each dialog's answer beforehand (a path, or null for
 * Cancel) and reads back what was asked. A dialog with no scripted answer is a test bug and
 * fails loudly rather than pretending the person cancelled.
 */
export class ScriptedDesktop implements DesktopPort {
  private readonly answers: Record<DialogKind, Array<string | null>> = { saveFile: [], openFile: [] };
  readonly record: DesktopRecord = { asked: [], shown: [] };

  script(kind: DialogKind, answers: Array<string | null>): void {
    this.answers[kind].push(...answers);
  }

  private answer(kind: DialogKind, options: SaveFileOptions | OpenFileOptions): Promise<string | null> {
    this.record.asked.push({ kind, options });
    if (this.answers[kind].length === 0) {
      return Promise.reject(
        new AppError(
          'INTERNAL',
          `The test did not script an answer for the ${kind} dialog "${options.title}".`,
        ),
      );
    }
    return Promise.resolve(this.answers[kind].shift() ?? null);
  }

  saveFile(options: SaveFileOptions) {
    return this.answer('saveFile', options);
  }

  openFile(options: OpenFileOptions) {
    return this.answer('openFile', options);
  }

  async showInFolder(path: string) {
    await access(path).catch(() => {
      throw new AppError('NOT_FOUND', `The file ${path} is not there any more.`);
    });
    this.record.shown.push(path);
  }
}

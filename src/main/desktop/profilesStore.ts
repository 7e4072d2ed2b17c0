import { randomBytes } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { TLS_MODES } from '../../shared/contract/profiles';
import { AppError } from '../errors';

/**
 * One server profile as stored: `.strict()` both ways, so no field outside this list (a
 * password above all) is ever written, and a file someone added one to is refused on reading.
 */
const storedProfile = z
  .object({
    id: z.string().min(1).max(64),
    name: z.string().min(1).max(80),
    host: z.string().min(1).max(253),
    port: z.number().int().min(1).max(65_535),
    database: z.string().min(1).max(63),
    login: z.string().min(1).max(63),
    tls: z.enum(TLS_MODES),
    caFile: z.string().min(1).max(4096).nullable(),
    // Absent in files written before replicas existed.
    replica: z
      .object({
        host: z.string().min(1).max(253),
        port: z.number().int().min(1).max(65_535),
        database: z.string().min(1).max(63),
        maxLagSeconds: z.number().min(0).max(86_400),
      })
      .strict()
      .nullable()
      .optional(),
  })
  .strict();
export type StoredProfile = z.infer<typeof storedProfile>;

const profilesFile = z
  .object({
    version: z.literal(1),
    profiles: z.array(storedProfile).max(500),
    lastProfileId: z.string().max(64).nullable(),
    idleLockMinutes: z.number().int().min(0).max(1440),
  })
  .strict();
export type ProfilesFile = z.infer<typeof profilesFile>;

export const PROFILES_FILE = 'profiles.json';
const EMPTY: ProfilesFile = { version: 1, profiles: [], lastProfileId: null, idleLockMinutes: 15 };

/** profiles.json in the data folder: read whole, written whole and atomically (temp file + rename). */
export class ProfilesStore {
  readonly path: string;

  constructor(home: string) {
    this.path = join(home, PROFILES_FILE);
  }

  async read(): Promise<ProfilesFile> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return structuredClone(EMPTY);
      throw new AppError('VALIDATION', `Cannot read ${this.path}: ${(error as Error).message}`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new AppError('VALIDATION', `${this.path} is not valid JSON: fix it or move it away.`);
    }
    const parsed = profilesFile.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new AppError(
        'VALIDATION',
        `${this.path} is damaged at ${issue?.path.join('.') || 'the top'} (${issue?.message}): fix it or move it away.`,
      );
    }
    return parsed.data;
  }

  async write(file: ProfilesFile): Promise<void> {
    const checked = profilesFile.parse(file);
    const temp = `${this.path}.${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(temp, `${JSON.stringify(checked, null, 2)}\n`, { mode: 0o600 });
    await rename(temp, this.path);
  }
}

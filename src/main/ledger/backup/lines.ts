import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { AppError } from '../../errors';
import { MAX_LINE_BYTES } from './format';

export interface Line {
  /** 1-based line number. */
  n: number;
  text: string;
}

const NEWLINE = 0x0a;
const utf8 = new TextDecoder('utf-8', { fatal: true });

async function isGzip(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(2), 0, 2, 0);
    return bytesRead === 2 && buffer[0] === 0x1f && buffer[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

function fileError(path: string, error: unknown): AppError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new AppError('NOT_FOUND', `There is no file ${path}.`);
  if (code === 'EACCES' || code === 'EPERM')
    return new AppError('FORBIDDEN', `${path} cannot be read: permission denied.`);
  if (code === 'EISDIR') return new AppError('VALIDATION', `${path} is a folder, not a backup file.`);
  if (code === 'Z_DATA_ERROR' || code === 'Z_BUF_ERROR')
    return new AppError('VALIDATION', `${path} is damaged: its gzip data is corrupt or cut short.`);
  return new AppError('INTERNAL', `${path} could not be read: ${(error as Error).message}`);
}

/**
 * A backup file as lines, streamed (gzip detected by its magic bytes, not its name), with the
 * running SHA-256 of the content. The hash lags one line: while a caller holds line n,
 * `digestBefore()` is the hash of lines 1..n-1 — what a trailer on line n must state.
 */
export class BackupLines {
  private readonly hash: Hash = createHash('sha256');
  private pending: Buffer | null = null;
  bytes = 0;
  compressed = false;

  constructor(
    readonly path: string,
    private readonly signal?: AbortSignal,
  ) {}

  digestBefore(): string {
    return this.hash.copy().digest('hex');
  }

  private take(line: Buffer): void {
    if (this.pending) {
      this.hash.update(this.pending);
      this.hash.update('\n');
    }
    this.pending = line;
  }

  private decode(line: Buffer, n: number): Line {
    try {
      return { n, text: utf8.decode(line) };
    } catch {
      throw new AppError(
        'VALIDATION',
        `Line ${n} is not valid UTF-8 text: this is not a Pointkeeper backup, or it is damaged.`,
      );
    }
  }

  async *lines(): AsyncGenerator<Line> {
    try {
      this.bytes = (await stat(this.path)).size;
      this.compressed = await isGzip(this.path);
    } catch (error) {
      throw fileError(this.path, error);
    }
    // 64 KB reads: with 1 MB ones a restore's memory was 45 MB higher for no faster reading
    // (the freed megabyte buffers stay with the allocator).
    const file = createReadStream(this.path, { highWaterMark: 1 << 16 });
    const source = this.compressed ? file.pipe(createGunzip()) : file;
    file.on('error', (e) => source.destroy(e));
    let carry: Buffer[] = [];
    let carried = 0;
    let n = 0;
    try {
      for await (const chunk of source as AsyncIterable<Buffer>) {
        if (this.signal?.aborted) throw new AppError('CANCELLED', `Reading ${this.path} was cancelled.`);
        let start = 0;
        for (let nl = chunk.indexOf(NEWLINE); nl !== -1; nl = chunk.indexOf(NEWLINE, start)) {
          const piece = chunk.subarray(start, nl);
          const line = carried ? Buffer.concat([...carry, piece]) : piece;
          carry = [];
          carried = 0;
          start = nl + 1;
          this.take(line);
          yield this.decode(line, ++n);
        }
        if (start < chunk.length) {
          carry.push(chunk.subarray(start));
          carried += chunk.length - start;
          if (carried > MAX_LINE_BYTES)
            throw new AppError(
              'VALIDATION',
              `Line ${n + 1} is longer than 16 MB: this is not a Pointkeeper backup.`,
            );
        }
      }
    } catch (error) {
      if (error instanceof AppError) throw error;
      throw fileError(this.path, error);
    } finally {
      source.destroy();
      file.destroy();
    }
    if (carried) {
      const line = Buffer.concat(carry);
      this.take(line);
      yield this.decode(line, ++n);
    }
  }
}

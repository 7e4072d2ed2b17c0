import type { Session } from '../db/session';

/**
 * The session the dispatcher uses, swappable while the app runs: connecting to another profile
 * opens the new session first and only then closes the old one, so a failed switch leaves the
 * console where it was.
 */
export class Connections {
  private current: Session | null = null;
  private pending: Promise<unknown> = Promise.resolve();

  get session(): Session | null {
    return this.current;
  }

  /** Resolves once no connect or disconnect is under way (calls wait for it rather than fail). */
  settled(): Promise<void> {
    return this.pending.then(
      () => undefined,
      () => undefined,
    );
  }

  async replace(open: () => Promise<Session>): Promise<Session> {
    const work = this.settled().then(async () => {
      const next = await open();
      const previous = this.current;
      this.current = next;
      await previous?.close();
      return next;
    });
    this.pending = work;
    return work;
  }

  async close(): Promise<void> {
    const work = this.settled().then(async () => {
      const previous = this.current;
      this.current = null;
      await previous?.close();
    });
    this.pending = work;
    return work;
  }
}

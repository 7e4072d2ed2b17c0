import { describe, expect, it } from 'vitest';
import type { DesktopPort } from './ports';
import { handlers } from './handlers/index';
import { createLocalHandlers } from './local';
import { createDispatcher } from './registry';

function recordingDesktop(answer: string | null) {
  const asked: unknown[] = [];
  const shown: string[] = [];
  const desktop: DesktopPort = {
    saveFile: (o) => (asked.push(o), Promise.resolve(answer)),
    openFile: (o) => (asked.push(o), Promise.resolve(answer)),
    showInFolder: (p) => (shown.push(p), Promise.resolve()),
  };
  return { desktop, asked, shown };
}

// No session at all: local calls must not need one.
const noSession = () => null;

describe('local calls', () => {
  it('are answered by the host port without a session', async () => {
    const port = recordingDesktop('/tmp/backup.pkb');
    const dispatch = createDispatcher(handlers, noSession, createLocalHandlers({ desktop: port.desktop }));
    const input = {
      title: 'Save backup',
      defaultName: 'ledger.pkb',
      filters: [{ name: 'Backup', extensions: ['pkb'] }],
    };
    expect(await dispatch('dialog.saveFile', input)).toEqual({ ok: true, data: { path: '/tmp/backup.pkb' } });
    expect(port.asked).toEqual([input]);
    expect(await dispatch('shell.showInFolder', { path: '/tmp/backup.pkb' })).toEqual({
      ok: true,
      data: { shown: true },
    });
    expect(port.shown).toEqual(['/tmp/backup.pkb']);
  });

  it('say null when the person cancels', async () => {
    const dispatch = createDispatcher(handlers, noSession, createLocalHandlers(recordingDesktop(null)));
    expect(await dispatch('dialog.openFile', { title: 'Open backup' })).toEqual({
      ok: true,
      data: { path: null },
    });
  });

  it('refuse bad input before the port is asked anything', async () => {
    const port = recordingDesktop('/x');
    const dispatch = createDispatcher(handlers, noSession, createLocalHandlers(port));
    const bad = [
      ['dialog.saveFile', { title: '' }],
      ['dialog.saveFile', { title: 'Save', defaultName: '../../etc/passwd' }],
      ['dialog.saveFile', { title: 'Save', filters: [{ name: 'x', extensions: ['.pkb'] }] }],
      ['dialog.openFile', { title: 'Open', extra: true }],
      ['shell.showInFolder', { path: 'relative/file.csv' }],
    ] as const;
    for (const [name, input] of bad) {
      expect(await dispatch(name, input)).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    }
    expect(port.asked).toEqual([]);
    expect(port.shown).toEqual([]);
  });

  it('are refused with a reason where there is no desktop (the CLI)', async () => {
    const dispatch = createDispatcher(handlers, noSession);
    const r = await dispatch('dialog.saveFile', { title: 'Save' });
    expect(r).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    expect(!r.ok && r.error.message).toMatch(/needs the desktop app/);
  });

  it('do not open the door to session calls: those still need a connection', async () => {
    const dispatch = createDispatcher(handlers, noSession, createLocalHandlers(recordingDesktop('/x')));
    expect(await dispatch('session.whoami', {})).toMatchObject({
      ok: false,
      error: { code: 'DB_UNAVAILABLE' },
    });
  });
});

import { noDesktop, noProfiles, type DesktopPort, type ProfilesPort } from './ports';
import type { LocalHandlers } from './types';

export interface HostPorts {
  desktop: DesktopPort;
  /** Absent in hosts without a Connect screen. */
  profiles?: ProfilesPort;
}

/** The local calls, answered through the host's ports. */
export function createLocalHandlers(ports: HostPorts): LocalHandlers {
  const { desktop, profiles = noProfiles() } = ports;
  return {
    'dialog.saveFile': async (input) => ({ path: await desktop.saveFile(input) }),
    'dialog.openFile': async (input) => ({ path: await desktop.openFile(input) }),
    'shell.showInFolder': async ({ path }) => {
      await desktop.showInFolder(path);
      return { shown: true };
    },
    'profiles.list': () => profiles.overview(),
    'profiles.save': (input) => profiles.save(input),
    'profiles.delete': async ({ id }) => {
      await profiles.remove(id);
      return { deleted: true };
    },
    'profiles.test': (input) => profiles.test(input),
    'connection.connect': ({ profileId, password }) => profiles.connect(profileId, password),
    'connection.disconnect': () => profiles.disconnect(),
    'connection.lock': () => profiles.lock(),
    'connection.setIdleLock': async ({ minutes }) => ({
      idleLockMinutes: await profiles.setIdleLock(minutes),
    }),
  };
}

/** For hosts that have no desktop (the CLI, tests of the ledger): local calls say why they cannot run. */
export const headlessLocalHandlers = (host = 'the command line'): LocalHandlers =>
  createLocalHandlers({ desktop: noDesktop(host) });

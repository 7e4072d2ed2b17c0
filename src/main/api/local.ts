import type { DesktopPort } from '../desktop/dialogs';
import { noDesktop } from '../desktop/dialogs';
import type { LocalHandlers } from './types';

export interface HostPorts {
  desktop: DesktopPort;
}

/** The local calls, answered through the host's ports. */
export function createLocalHandlers(ports: HostPorts): LocalHandlers {
  const { desktop } = ports;
  return {
    'dialog.saveFile': async (input) => ({ path: await desktop.saveFile(input) }),
    'dialog.openFile': async (input) => ({ path: await desktop.openFile(input) }),
    'shell.showInFolder': async ({ path }) => {
      await desktop.showInFolder(path);
      return { shown: true };
    },
  };
}

/** For hosts that have no desktop (the CLI, tests of the ledger): local calls say why they cannot run. */
export const headlessLocalHandlers = (host = 'the command line'): LocalHandlers =>
  createLocalHandlers({ desktop: noDesktop(host) });

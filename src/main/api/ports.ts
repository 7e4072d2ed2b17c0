import type {
  ConnectionState,
  ParsedInput,
  ProfilesOverview,
  ServerProfile,
  WhoAmI,
} from '../../shared/contract';
import { AppError } from '../errors';

/*
 * What the registry's local calls need from the host they run in. The registry owns these
 * ports; each host plugs in its own: the desktop shell (main/desktop, main/electron), the e2e
 * host's scripted fakes, or the refusals below for the command line.
 */

export type SaveFileOptions = ParsedInput<'dialog.saveFile'>;
export type OpenFileOptions = ParsedInput<'dialog.openFile'>;

/**
 * Native dialogs and the file manager, as the host provides them: Electron's in the app, a
 * scripted fake in the e2e host, none in the CLI (which takes paths as arguments).
 */
export interface DesktopPort {
  /** The chosen path, or null when the person cancelled. */
  saveFile(options: SaveFileOptions): Promise<string | null>;
  openFile(options: OpenFileOptions): Promise<string | null>;
  /** Throws NOT_FOUND when the file is not there any more. */
  showInFolder(path: string): Promise<void>;
}

/** A host without a desktop (the CLI): every dialog call is refused with a reason. */
export function noDesktop(host: string): DesktopPort {
  const refuse = (what: string) => () =>
    Promise.reject(
      new AppError('VALIDATION', `${what} needs the desktop app; ${host} takes file paths as arguments.`),
    );
  return {
    saveFile: refuse('A save dialog'),
    openFile: refuse('An open dialog'),
    showInFolder: refuse('Show in folder'),
  };
}

export type SaveInput = ParsedInput<'profiles.save'>;
export type TestInput = ParsedInput<'profiles.test'>;

/** What the local calls of the Connect screen need from a host. */
export interface ProfilesPort {
  overview(): Promise<ProfilesOverview>;
  save(input: SaveInput): Promise<ServerProfile>;
  remove(id: string): Promise<void>;
  test(input: TestInput): Promise<WhoAmI>;
  connect(profileId: string, password?: string): Promise<WhoAmI>;
  disconnect(): Promise<ConnectionState>;
  lock(): Promise<ConnectionState>;
  setIdleLock(minutes: number): Promise<number>;
}

/** For hosts without profiles (the CLI): every Connect-screen call says where profiles live. */
export function noProfiles(): ProfilesPort {
  const refuse = () =>
    Promise.reject(
      new AppError(
        'VALIDATION',
        'Connection profiles are managed in the desktop app; the command line takes --profile <name> or DATABASE_URL.',
      ),
    );
  return {
    overview: refuse,
    save: refuse,
    remove: refuse,
    test: refuse,
    connect: refuse,
    disconnect: refuse,
    lock: refuse,
    setIdleLock: refuse,
  };
}

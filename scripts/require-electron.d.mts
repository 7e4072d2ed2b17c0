/**
 * The Electron executable electron-vite would launch (null when the binary is missing), and the
 * file whose absence says it is missing.
 */
export function electronBinary(env?: NodeJS.ProcessEnv): {
  path: string | null;
  version: string | null;
  checked: string;
};

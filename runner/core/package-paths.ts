import { readFileSync } from 'node:fs';

/** The package root (holding package.json, schemas/, templates/), from dist/runner/core/. */
const packageRoot = new URL('../../../', import.meta.url);

export function packagePath(relative: string): URL {
  return new URL(relative, packageRoot);
}

/** The version of this bench, from package.json: HELLO carries it, results and reports record it. */
export const benchVersion: string = (JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { version: string }).version;

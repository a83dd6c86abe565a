/** The package root (holding package.json, schemas/, templates/), from dist/runner/core/. */
export const packageRoot = new URL('../../../', import.meta.url);

export function packagePath(relative: string): URL {
  return new URL(relative, packageRoot);
}

import { readFile } from 'node:fs/promises';
import { benchVersion, packagePath } from '../../core/package-paths.js';
import { createTemplateEnv } from '../template-env.js';
import type { Comparison } from './compare-results.js';

/** The comparison through templates/compare.<format>.hbs, with the report's partials (its styles among them). */
export async function renderComparison(c: Comparison, format: 'md' | 'html'): Promise<string> {
  const env = await createTemplateEnv();
  const source = await readFile(packagePath(`templates/compare.${format}.hbs`), 'utf8');
  return env.compile(source, { strict: true })({ ...c, generator: { name: 'bench', version: benchVersion } });
}

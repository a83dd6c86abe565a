import { readFileSync } from 'node:fs';
import { packagePath } from './package-paths.js';

export const benchVersion: string = (JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { version: string }).version;

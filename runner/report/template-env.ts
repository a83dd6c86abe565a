import Handlebars from 'handlebars';
import { readdir, readFile } from 'node:fs/promises';
import { packagePath } from '../core/package-paths.js';
import { escapeMarkdownCell, escapeMarkdownText, markdownFence } from './markdown-escape.js';

/**
 * A Handlebars environment of our own (not the global one), with bench's
 * helpers and every templates/partials/*.hbs registered under its file name.
 * `{{value}}` HTML-escapes as always. The Markdown helpers escape for
 * Markdown instead; a Markdown template that forgets one still gets HTML
 * escaping, which GitHub shows correctly, so nothing unescaped slips through.
 */
export type TemplateEnv = typeof Handlebars;

export async function createTemplateEnv(): Promise<TemplateEnv> {
  const env = Handlebars.create();
  env.registerHelper('cell', (value: unknown) => new env.SafeString(escapeMarkdownCell(asText(value))));
  env.registerHelper('text', (value: unknown) => new env.SafeString(escapeMarkdownText(asText(value))));
  env.registerHelper(
    'fence',
    (value: unknown, language: unknown) => new env.SafeString(markdownFence(asText(value), typeof language === 'string' ? language : '')),
  );
  env.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  const dir = packagePath('templates/partials/');
  for (const file of (await readdir(dir)).filter((f) => f.endsWith('.hbs')).sort()) {
    env.registerPartial(file.slice(0, -'.hbs'.length), await readFile(new URL(file, dir), 'utf8'));
  }
  return env;
}

function asText(value: unknown): string {
  return value === null || value === undefined ? '' : String(value);
}

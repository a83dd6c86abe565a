import { printable } from '../core/terminal-text.js';

/** One line per event on stderr, text or JSON (for a service manager's journal). */
export interface ServerLog {
  info(event: string, fields: Record<string, unknown>): void;
}

export function createServerLog(json: boolean, out: NodeJS.WritableStream = process.stderr): ServerLog {
  return {
    info(event, fields) {
      const at = new Date().toISOString();
      if (json) {
        out.write(`${JSON.stringify({ at, event, ...fields })}\n`);
        return;
      }
      const text = Object.entries(fields)
        .map(([k, v]) => `${k}=${printable(typeof v === 'string' && /\s/.test(v) ? JSON.stringify(v) : String(v))}`)
        .join(' ');
      out.write(`${at} ${event} ${text}\n`);
    },
  };
}

/** A log that drops everything: the embedded server stays quiet. */
export const silentLog: ServerLog = { info() {} };

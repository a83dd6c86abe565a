import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { onPath } from '../netns/testbed-available.js';

/**
 * deploy/kubernetes as `kubectl apply -k` would send it to a cluster: rendered
 * by kubectl's own kustomize, from a copy of the folder holding a token file
 * of the test's (the real one is the user's and never checked in).
 */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const deployDir = join(repoRoot, 'deploy', 'kubernetes');
export const VARIANTS = ['.', 'overlays/host-network', 'overlays/nightly'] as const;
export type Variant = (typeof VARIANTS)[number];

/** Any Kubernetes object, as rendered. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: any;
}

export interface Rendered {
  objects: KubeObject[];
  /** The token the Secret was generated from. */
  token: string;
}

/** A reason to skip when kubectl is missing, or undefined. */
export function kubectlMissing(): string | undefined {
  return onPath('kubectl') ? undefined : "needs kubectl for 'kubectl kustomize'; install with: apt-get install kubernetes-client";
}

export function renderManifests(variant: Variant, token = randomBytes(32).toString('hex')): Rendered {
  const dir = mkdtempSync(join(tmpdir(), 'bench-kustomize-'));
  try {
    cpSync(deployDir, dir, { recursive: true });
    writeFileSync(join(dir, 'base', 'token'), `${token}\n`, { mode: 0o600 });
    const r = spawnSync('kubectl', ['kustomize', join(dir, variant)], { encoding: 'utf8', timeout: 60_000 });
    if (r.error) throw new Error(`could not run 'kubectl kustomize': ${r.error.message}`);
    if (r.status !== 0) throw new Error(`'kubectl kustomize deploy/kubernetes/${variant}' failed (exit ${r.status}):\n${r.stderr}`);
    const objects = parseAllDocuments(r.stdout).map((doc, i) => {
      if (doc.errors.length > 0) throw new Error(`rendered document ${i} of ${variant} is not YAML: ${doc.errors[0].message}`);
      return doc.toJS() as KubeObject;
    });
    return { objects, token };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function findObject(objects: KubeObject[], kind: string, name?: string): KubeObject {
  const found = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata?.name === name));
  if (found.length !== 1)
    throw new Error(`expected one ${kind}${name ? ` named ${name}` : ''} in the rendered manifests, found ${found.length}`);
  return found[0];
}

/** The Containerfile's ENTRYPOINT, which a container without `command` runs with its `args`. */
export function imageEntrypoint(): string[] {
  const text = readFileSync(join(repoRoot, 'Containerfile'), 'utf8');
  const line = text.split('\n').find((l) => /^ENTRYPOINT\s/.test(l));
  if (!line) throw new Error('Containerfile has no ENTRYPOINT');
  return JSON.parse(line.replace(/^ENTRYPOINT\s+/, '')) as string[];
}

/**
 * What the kubelet runs for a container: its command (or the image's
 * entrypoint) and args, with $(VAR) replaced from the container's env as the
 * kubelet does ($$ escapes; an unknown variable stays as written).
 */
export function containerArgv(container: KubeObject, env: Record<string, string>): string[] {
  const argv = [...(container.command ?? imageEntrypoint()), ...(container.args ?? [])] as string[];
  return argv.map((arg) =>
    arg.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, name: string | undefined) =>
      name === undefined ? '$' : (env[name] ?? whole),
    ),
  );
}

/**
 * Validates one object against the Kubernetes API schema with the
 * kubernetes-models package (offline: its schemas ship in the package).
 * Returns a skip reason when the package is not installed.
 */
export async function kubernetesSchemaValidator(): Promise<((object: KubeObject) => Promise<void>) | string> {
  try {
    await import('kubernetes-models/v1/Namespace' as string);
  } catch {
    return 'needs the kubernetes-models package for offline schema validation (npm install --save-dev kubernetes-models@4.5.1)';
  }
  return async (object) => {
    // kubernetes-models/<group>/<version>/<Kind>; the core group is plain v1.
    const module = `kubernetes-models/${object.apiVersion}/${object.kind}`;
    let Model: new (data: KubeObject) => { validate(): void };
    try {
      Model = ((await import(module)) as Record<string, new (data: KubeObject) => { validate(): void }>)[object.kind];
    } catch (err) {
      throw new Error(
        `${object.kind} ${object.metadata?.name}: no schema for ${object.apiVersion} ${object.kind} (${(err as Error).message})`,
      );
    }
    try {
      new Model(apiServerView(object)).validate();
    } catch (err) {
      throw new Error(
        `${object.kind} ${object.metadata?.name} does not validate against the Kubernetes API schema: ${(err as Error).message}`,
      );
    }
  };
}

/**
 * kustomize wraps a Secret's base64 values at 70 columns; the API server's
 * decoder (Go's base64) skips the line breaks, the schema's "byte" format does
 * not: compare what the server reads.
 */
function apiServerView(object: KubeObject): KubeObject {
  if (object.kind !== 'Secret' || !object.data) return object;
  const data = Object.fromEntries(
    Object.entries(object.data as Record<string, string>).map(([key, value]) => [key, value.replace(/[\r\n]/g, '')]),
  );
  return { ...object, data };
}

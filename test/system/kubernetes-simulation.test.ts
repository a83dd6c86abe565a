import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ResultsFile } from '../../runner/core/results-file.js';
import { runCli } from '../helpers/cli.js';
import { containerArgv, findObject, kubectlMissing, renderManifests, repoRoot, type KubeObject } from '../helpers/kubernetes-manifests.js';
import { benchCliMissing } from '../netns/bench-cli.js';
import { BridgeTestbed } from '../netns/bridge-testbed.js';
import { waitForListening, type Host } from '../netns/host.js';
import type { RunningProcess } from '../netns/processes.js';
import { missingTools, testbedAvailable } from '../netns/testbed-available.js';

/**
 * A cluster without a cluster: the rendered manifests (kubectl kustomize of
 * deploy/kubernetes), their DaemonSet's and Job's containers run exactly as
 * the kubelet would run them, each "pod" in a network namespace of a bridge
 * testbed:
 * - one namespace per node running the DaemonSet's command, NODE_NAME set as
 *   the downward API sets it, the Secret's token at /etc/bench/token;
 * - the readiness probe (GET /healthz on the health port) decides which pods
 *   join the headless Service, as publishNotReadyAddresses: false does;
 * - a DNS server (dnsmasq) in its own namespace answering the Service's name
 *   with one A record per ready pod;
 * - the Job's command in another namespace, with the ConfigMap's scenario at
 *   /etc/bench-scenario/mesh.yaml and the results volume at /results.
 * Files appear at those paths only inside each pod's private mount namespace
 * (an overlay on /etc), so the machine's own /etc is untouched.
 */
const NODES = 4;
const skip = testbedAvailable() ?? benchCliMissing() ?? kubectlMissing() ?? missingTools(['dnsmasq', 'unshare']);
const dir = mkdtempSync(join(tmpdir(), 'bench-k8s-sim-'));
// Mounts of the Job's pod whose target does not exist on this machine are made for the test and removed after.
const createdMountPoints: string[] = [];

interface PodMount {
  source: string;
  target: string;
  readOnly: boolean;
}

/**
 * The argv that runs `argv` as a container would see its volumes: in a private
 * mount namespace, /etc overlaid (writes land in a tmpfs), each volume bound
 * at its mountPath, the namespace's resolv.conf bound again over the overlay.
 */
function podArgv(name: string, mounts: PodMount[], resolvConf: string | null, argv: string[]): string[] {
  const scratch = join(dir, `pod-${name}`);
  mkdirSync(scratch, { recursive: true });
  for (const m of mounts) {
    if (!m.target.startsWith('/etc/') && !existsSync(m.target)) {
      mkdirSync(m.target);
      createdMountPoints.push(m.target);
    }
  }
  const lines = [
    'set -e',
    `mount -t tmpfs bench-pod-etc '${scratch}'`,
    `mkdir '${scratch}/upper' '${scratch}/work'`,
    `mount -t overlay overlay -o 'lowerdir=/etc,upperdir=${scratch}/upper,workdir=${scratch}/work' /etc`,
    ...(resolvConf ? [`mount --bind '${resolvConf}' /etc/resolv.conf`] : []),
    ...mounts.flatMap((m) => [
      `mkdir -p '${m.target}'`,
      `mount --bind '${m.source}' '${m.target}'`,
      ...(m.readOnly ? [`mount -o remount,bind,ro '${m.target}'`] : []),
    ]),
    'exec "$@"',
  ];
  return ['unshare', '--mount', '--propagation', 'private', 'sh', '-c', lines.join('\n'), name, ...argv];
}

/** The container's argv on this machine: the image's /app is this checkout, its node this node. */
function onThisMachine(argv: string[]): string[] {
  return argv.map((arg, i) =>
    i === 0 && arg === 'node' ? process.execPath : arg.startsWith('/app/') ? join(repoRoot, arg.slice('/app/'.length)) : arg,
  );
}

/** A volume's mountPath in a container, by the kind of volume behind it. */
function mountPathOf(
  pod: KubeObject,
  container: KubeObject,
  kind: 'secret' | 'configMap' | 'emptyDir',
): { path: string; readOnly: boolean } {
  const volume = pod.volumes.find((v: KubeObject) => v[kind] !== undefined);
  const mount = container.volumeMounts.find((m: KubeObject) => m.name === volume?.name);
  if (!mount) throw new Error(`the container ${container.name} mounts no ${kind} volume`);
  return { path: mount.mountPath, readOnly: mount.readOnly === true };
}

/** GET from the root namespace, as the kubelet probes a pod. */
function probe(address: string, port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: address, port, path, agent: false, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`probe of ${address}:${port}${path} timed out`)));
    req.on('error', reject);
  });
}

describe('the Kubernetes manifests, run on a simulated cluster', { skip }, () => {
  let rack: BridgeTestbed;
  let nodes: Host[];
  let dnsHost: Host;
  let jobHost: Host;
  const servers: RunningProcess[] = [];
  const secretDir = join(dir, 'secret');
  const configMapDir = join(dir, 'configmap');
  const resultsDir = join(dir, 'results');

  before(async () => {
    rack = await BridgeTestbed.create({ hosts: NODES + 2 });
    nodes = rack.hosts.slice(0, NODES);
    dnsHost = rack.hosts[NODES];
    jobHost = rack.hosts[NODES + 1];
  });
  after(async () => {
    await rack?.destroy();
    for (const target of createdMountPoints) rmdirSync(target);
    rmSync(dir, { recursive: true, force: true });
  });

  test('DaemonSet pods on every node, a headless Service in DNS, the Job: a complete mesh report', { timeout: 400_000 }, async () => {
    const { objects } = renderManifests('.', randomBytes(32).toString('hex'));
    const daemonSet = findObject(objects, 'DaemonSet');
    const job = findObject(objects, 'Job');
    const service = findObject(objects, 'Service');
    const secret = findObject(objects, 'Secret');
    const configMap = findObject(objects, 'ConfigMap', 'bench-scenario');

    // The Secret's and the ConfigMap's data as the kubelet projects them: one file per key.
    mkdirSync(secretDir);
    for (const [key, value] of Object.entries(secret.data as Record<string, string>))
      writeFileSync(join(secretDir, key), Buffer.from(value, 'base64'), { mode: 0o600 });
    mkdirSync(configMapDir);
    for (const [key, value] of Object.entries(configMap.data as Record<string, string>)) writeFileSync(join(configMapDir, key), value);
    // This cluster's copy of the scenario runs 1 s instead of 10 s a run, nothing omitted (12 rounds: 2 min
    // saved). What is checked is that the mesh is complete and reported, not its figures; every other line is
    // the manifest's.
    const mesh = readFileSync(join(configMapDir, 'mesh.yaml'), 'utf8');
    const SHIPPED_DEFAULTS = 'defaults: { duration: 10s, omit: 2s }';
    assert.ok(mesh.includes(SHIPPED_DEFAULTS), `the ConfigMap's mesh.yaml no longer holds '${SHIPPED_DEFAULTS}':\n${mesh}`);
    writeFileSync(join(configMapDir, 'mesh.yaml'), mesh.replace(SHIPPED_DEFAULTS, 'defaults: { duration: 1s }'));
    mkdirSync(resultsDir);

    // The DaemonSet: one pod per node, $(NODE_NAME) from the downward API (spec.nodeName).
    const dsPod = daemonSet.spec.template.spec;
    const [server] = dsPod.containers;
    const tokenMount = mountPathOf(dsPod, server, 'secret');
    const controlPort = server.ports.find((p: KubeObject) => p.name === 'control').containerPort as number;
    const healthPort = server.ports.find((p: KubeObject) => p.name === server.readinessProbe.httpGet.port).containerPort as number;
    const nodeNames = nodes.map((_, i) => `node-${i}`);
    await Promise.all(
      nodes.map(async (host, i) => {
        const env = { NODE_NAME: nodeNames[i] };
        const argv = podArgv(
          nodeNames[i],
          [{ source: secretDir, target: tokenMount.path, readOnly: tokenMount.readOnly }],
          null,
          onThisMachine(containerArgv(server, env)),
        );
        const pod = rack.start(host, argv, { ...process.env, ...env });
        servers.push(pod);
        await waitForListening(host, 'tcp', healthPort, pod);
        await waitForListening(host, 'tcp', controlPort, pod);
      }),
    );
    // Readiness, as the kubelet asks it: only a pod whose probe answers 200 joins the Service.
    const ready: Host[] = [];
    for (const [i, host] of nodes.entries()) {
      const r = await probe(host.address, healthPort, server.readinessProbe.httpGet.path);
      assert.equal(r.status, 200, `${nodeNames[i]}'s readiness probe`);
      assert.deepEqual(JSON.parse(r.body), { status: 'ok', name: nodeNames[i], busy: false, waiting: 0, tests_served: 0 });
      ready.push(host);
    }
    assert.equal(service.spec.publishNotReadyAddresses, false);

    // Cluster DNS: the headless Service's name, one A record per ready pod.
    const serviceName = `${service.metadata.name}.${service.metadata.namespace}.svc.cluster.local`;
    const dns = rack.start(dnsHost, [
      'dnsmasq',
      '--keep-in-foreground',
      '--no-resolv',
      '--no-hosts',
      '--no-poll',
      '--pid-file',
      '--bind-interfaces',
      `--listen-address=${dnsHost.address}`,
      '--log-facility=-',
      ...ready.map((host) => `--host-record=${serviceName},${host.address}`),
    ]);
    await waitForListening(dnsHost, 'udp', 53, dns);
    rack.resolvConf(jobHost, dnsHost.address);

    // The Job's pod: token, scenario and results volumes at the manifest's paths.
    const jobPod = job.spec.template.spec;
    const runner = jobPod.containers.find(
      (c: KubeObject) => c.name === job.spec.template.metadata.annotations['kubectl.kubernetes.io/default-container'],
    );
    const mounts: PodMount[] = [
      { source: secretDir, target: mountPathOf(jobPod, runner, 'secret').path, readOnly: true },
      { source: configMapDir, target: mountPathOf(jobPod, runner, 'configMap').path, readOnly: true },
      { source: resultsDir, target: mountPathOf(jobPod, runner, 'emptyDir').path, readOnly: false },
    ];
    // The Job's pod resolves the Service's name to every ready pod, through its own resolv.conf.
    const lookup = await rack.run(
      jobHost,
      podArgv('lookup', [], `/etc/netns/${jobHost.name}/resolv.conf`, ['getent', 'ahostsv4', serviceName]),
      { check: false },
    );
    assert.deepEqual(
      [
        ...new Set(
          lookup.stdout
            .split('\n')
            .filter((l) => l !== '')
            .map((l) => l.split(/\s+/)[0]),
        ),
      ].sort(),
      ready.map((h) => h.address).sort(),
      `getent ahostsv4 ${serviceName}: ${lookup.stderr}`,
    );
    const jobArgv = podArgv('job', mounts, `/etc/netns/${jobHost.name}/resolv.conf`, onThisMachine(containerArgv(runner, {})));
    const r = await rack.run(jobHost, jobArgv, { timeoutMs: 380_000, check: false });
    const context = `job exit ${r.code}; stderr:\n${r.stderr.slice(-3000)}\ndnsmasq:\n${dns.stderr.slice(-1000)}`;
    assert.equal(r.code, 0, context);

    // `kubectl logs job/bench-mesh > results.json`: stdout is the results JSON and nothing else.
    const results = JSON.parse(r.stdout) as ResultsFile;
    assert.equal(results.scenario.name, 'cluster-mesh');
    const pairs = (test: string): string[] =>
      results.runs
        .filter((run) => run.test === test)
        .map((run) => {
          assert.equal(run.status, 'ok', `${run.test} ${run.from?.name} -> ${run.to?.name}: ${run.error?.message}`);
          return `${run.from?.name}->${run.to?.name}`;
        })
        .sort();
    const everyOrderedPair = nodeNames.flatMap((a) => nodeNames.filter((b) => b !== a).map((b) => `${a}->${b}`)).sort();
    assert.deepEqual(pairs('TCP_STREAM'), everyOrderedPair);
    assert.deepEqual(pairs('TCP_RR'), everyOrderedPair);
    assert.equal(results.runs.length, 2 * NODES * (NODES - 1));

    // The results volume holds the same results and both reports, a matrix row per node.
    const outDir = join(resultsDir, 'run');
    assert.deepEqual(JSON.parse(readFileSync(join(outDir, 'results.json'), 'utf8')).runs.length, results.runs.length);
    const html = readFileSync(join(outDir, 'report.html'), 'utf8');
    for (const name of nodeNames) assert.match(html, new RegExp(`>${name}<`));
    assert.ok(existsSync(join(outDir, 'report.md')));

    // `npx bench report results.json` on what the logs gave.
    const logs = join(dir, 'results.json');
    writeFileSync(logs, r.stdout);
    const report = await runCli(['report', logs, '--format', 'md', '-o', join(dir, 'report.md')], { timeoutMs: 60_000 });
    assert.equal(report.code, 0, report.stderr);
    const md = readFileSync(join(dir, 'report.md'), 'utf8');
    for (const name of nodeNames) assert.match(md, new RegExp(`\\b${name}\\b`));

    // The probes counted every test the node took part in, in either role, and left the queue empty.
    for (const [i, host] of nodes.entries()) {
      const health = JSON.parse((await probe(host.address, healthPort, '/healthz')).body) as {
        busy: boolean;
        waiting: number;
        tests_served: number;
      };
      assert.deepEqual({ busy: health.busy, waiting: health.waiting }, { busy: false, waiting: 0 }, nodeNames[i]);
    }
  });
});

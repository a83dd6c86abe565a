import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import {
  VARIANTS,
  containerArgv,
  findObject,
  imageEntrypoint,
  kubectlMissing,
  kubernetesSchemaValidator,
  renderManifests,
  repoRoot,
  type KubeObject,
  type Rendered,
  type Variant,
} from './helpers/kubernetes-manifests.js';

/**
 * deploy/kubernetes, rendered by `kubectl kustomize` exactly as `kubectl
 * apply -k` would send it: every variant renders, every object validates
 * against the API schema, and the pieces fit together (probes on the health
 * port, the Service's name in the scenario, the Secret and ConfigMap at the
 * paths the commands read).
 */
const skip = kubectlMissing();
// One token for every variant: the Secret's name, a hash of it, is then the same in all.
const token = randomBytes(32).toString('hex');
const rendered = new Map<Variant, Rendered>();
function render(variant: Variant): Rendered {
  let r = rendered.get(variant);
  if (!r) {
    r = renderManifests(variant, token);
    rendered.set(variant, r);
  }
  return r;
}
const kinds = (objects: KubeObject[]): string[] =>
  objects.map((o) => `${o.kind}/${o.metadata.name.replace(/-[a-z0-9]{10}$/, '-<hash>')}`).sort();

describe('Kubernetes manifests', { skip }, () => {
  test('the base and each overlay render, with exactly these objects, all in namespace bench', () => {
    const expected: Record<Variant, string[]> = {
      '.': [
        'ConfigMap/bench-scenario',
        'DaemonSet/bench',
        'Job/bench-mesh',
        'Namespace/bench',
        'Secret/bench-token-<hash>',
        'Service/bench',
      ],
      'overlays/host-network': [
        'ConfigMap/bench-scenario',
        'DaemonSet/bench',
        'Job/bench-mesh',
        'Namespace/bench',
        'Secret/bench-token-<hash>',
        'Service/bench',
      ],
      'overlays/nightly': [
        'ConfigMap/bench-scenario',
        'CronJob/bench-mesh-nightly',
        'DaemonSet/bench',
        'Namespace/bench',
        'Secret/bench-token-<hash>',
        'Service/bench',
      ],
    };
    for (const variant of VARIANTS) {
      const { objects } = render(variant);
      assert.deepEqual(kinds(objects), expected[variant], variant);
      for (const o of objects)
        if (o.kind !== 'Namespace') assert.equal(o.metadata.namespace, 'bench', `${variant}: ${o.kind}/${o.metadata.name}`);
    }
  });

  test('every rendered object validates against the Kubernetes API schema, offline', async (t) => {
    const validate = await kubernetesSchemaValidator();
    if (typeof validate === 'string') return t.skip(validate);
    for (const variant of VARIANTS) for (const o of render(variant).objects) await validate(o);
  });

  test('the schema check catches a broken object (it can fail)', async (t) => {
    const validate = await kubernetesSchemaValidator();
    if (typeof validate === 'string') return t.skip(validate);
    const daemonSet = structuredClone(findObject(render('.').objects, 'DaemonSet'));
    daemonSet.spec.template.spec.containers[0].ports[0].containerPort = 'seventy-five';
    await assert.rejects(
      validate(daemonSet),
      /DaemonSet bench does not validate against the Kubernetes API schema: .*containerPort must be integer/,
    );
  });

  test('the Secret holds the token file the user wrote, and both pods mount that Secret at /etc/bench', () => {
    const { objects, token } = render('.');
    const secret = findObject(objects, 'Secret');
    assert.equal(Buffer.from(secret.data.token, 'base64').toString(), `${token}\n`);
    for (const kind of ['DaemonSet', 'Job']) {
      const pod = findObject(objects, kind).spec.template.spec;
      const volume = pod.volumes.find((v: KubeObject) => v.secret);
      assert.equal(volume.secret.secretName, secret.metadata.name, kind);
      assert.deepEqual(
        pod.containers[0].volumeMounts.find((m: KubeObject) => m.name === volume.name),
        { name: volume.name, mountPath: '/etc/bench', readOnly: true },
        kind,
      );
    }
    const ignored = readFileSync(join(repoRoot, '.gitignore'), 'utf8').split('\n');
    assert.ok(ignored.includes('/deploy/kubernetes/base/token'), 'the token file is git-ignored');
  });

  test('the DaemonSet runs bench serve with the node name from the downward API, probed on its health port', () => {
    const { objects } = render('.');
    const daemonSet = findObject(objects, 'DaemonSet');
    const pod = daemonSet.spec.template.spec;
    const [container] = pod.containers;
    assert.equal(container.command, undefined, "the image's entrypoint (bench) runs");
    assert.deepEqual(container.args, [
      'serve',
      '--allow-remote',
      '--token-file',
      '/etc/bench/token',
      '--name',
      '$(NODE_NAME)',
      '--health-port',
      '8080',
    ]);
    assert.deepEqual(container.env, [{ name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }]);
    assert.deepEqual(containerArgv(container, { NODE_NAME: 'node-1' }), [
      ...imageEntrypoint(),
      'serve',
      '--allow-remote',
      '--token-file',
      '/etc/bench/token',
      '--name',
      'node-1',
      '--health-port',
      '8080',
    ]);
    const health = container.ports.find((p: KubeObject) => p.name === 'health');
    assert.equal(health.containerPort, 8080);
    for (const probe of [container.readinessProbe, container.livenessProbe])
      assert.deepEqual(probe.httpGet, { path: '/healthz', port: 'health' });
    assert.deepEqual(Object.keys(container.resources).sort(), ['limits', 'requests']);
    // Non-root, as the image's numeric USER; no way up; nothing written to the image.
    const user = /^USER (\d+):(\d+)$/m.exec(readFileSync(join(repoRoot, 'Containerfile'), 'utf8'));
    assert.equal(pod.securityContext.runAsNonRoot, true);
    assert.equal(pod.securityContext.runAsUser, Number(user?.[1]));
    assert.equal(pod.securityContext.runAsGroup, Number(user?.[2]));
    assert.deepEqual(container.securityContext, {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    assert.deepEqual(daemonSet.spec.selector.matchLabels, { 'app.kubernetes.io/name': 'bench', 'app.kubernetes.io/component': 'server' });
  });

  test("the headless Service selects the DaemonSet's pods, and the scenario's DNS group is its name", () => {
    const { objects } = render('.');
    const service = findObject(objects, 'Service');
    const daemonSet = findObject(objects, 'DaemonSet');
    assert.equal(service.spec.clusterIP, 'None');
    assert.equal(service.spec.publishNotReadyAddresses, false);
    assert.deepEqual(service.spec.selector, daemonSet.spec.template.metadata.labels);
    // One port for control and data: TCP and UDP 7575 (bench serve's one port).
    assert.deepEqual(service.spec.ports, [
      { name: 'control', port: 7575, targetPort: 'control', protocol: 'TCP' },
      { name: 'data-udp', port: 7575, targetPort: 'data-udp', protocol: 'UDP' },
    ]);
    const scenario = parseYaml(findObject(objects, 'ConfigMap', 'bench-scenario').data['mesh.yaml']);
    assert.deepEqual(scenario, {
      name: 'cluster-mesh',
      peers: {
        nodes: {
          dns: `${service.metadata.name}.${service.metadata.namespace}.svc.cluster.local`,
          port: 7575,
          token_file: '/etc/bench/token',
        },
      },
      defaults: { duration: '10s', omit: '2s' },
      runs: [
        { test: 'TCP_STREAM', mesh: 'nodes', parallel: 'disjoint' },
        { test: 'TCP_RR', mesh: 'nodes', parallel: 'disjoint' },
      ],
      report: { formats: ['html', 'md'] },
    });
  });

  test('the Job runs bench run on the mounted scenario, results to a volume and as JSON on stdout', () => {
    const { objects } = render('.');
    const job = findObject(objects, 'Job');
    const pod = job.spec.template.spec;
    const container = pod.containers.find(
      (c: KubeObject) => c.name === job.spec.template.metadata.annotations['kubectl.kubernetes.io/default-container'],
    );
    assert.deepEqual(container.args, ['run', '/etc/bench-scenario/mesh.yaml', '--out', '/results/run', '--json']);
    assert.equal(job.spec.backoffLimit, 0);
    assert.equal(pod.restartPolicy, 'Never');
    const mountOf = (path: string): KubeObject =>
      pod.volumes.find((v: KubeObject) => v.name === container.volumeMounts.find((m: KubeObject) => m.mountPath === path)?.name);
    assert.deepEqual(mountOf('/etc/bench-scenario').configMap, { name: 'bench-scenario' });
    assert.ok(findObject(objects, 'ConfigMap', 'bench-scenario').data['mesh.yaml'], 'the ConfigMap holds mesh.yaml');
    assert.deepEqual(mountOf('/results').emptyDir, {});
  });

  test('host-network: only the DaemonSet changes, to the host network with cluster DNS', () => {
    const base = render('.').objects;
    const host = render('overlays/host-network').objects;
    for (const o of host) {
      if (o.kind !== 'DaemonSet') assert.deepEqual(o, findObject(base, o.kind, o.metadata.name), `${o.kind}/${o.metadata.name}`);
    }
    const { hostNetwork, dnsPolicy, ...rest } = findObject(host, 'DaemonSet').spec.template.spec;
    assert.equal(hostNetwork, true);
    assert.equal(dnsPolicy, 'ClusterFirstWithHostNet');
    assert.deepEqual(rest, findObject(base, 'DaemonSet').spec.template.spec);
  });

  test("nightly: the Job becomes a CronJob whose Job is the base's own", () => {
    const base = findObject(render('.').objects, 'Job');
    const nightly = render('overlays/nightly').objects;
    assert.equal(nightly.filter((o) => o.kind === 'Job').length, 0);
    const cron = findObject(nightly, 'CronJob');
    assert.equal(cron.spec.schedule, '0 2 * * *');
    assert.equal(cron.spec.concurrencyPolicy, 'Forbid');
    assert.deepEqual(cron.spec.jobTemplate.spec, base.spec);
  });

  test('every variant runs the same image in every container', () => {
    const images = new Set<string>();
    for (const variant of VARIANTS) {
      for (const o of render(variant).objects) {
        const pod = o.kind === 'CronJob' ? o.spec.jobTemplate.spec.template.spec : o.spec?.template?.spec;
        for (const c of [...(pod?.initContainers ?? []), ...(pod?.containers ?? [])]) images.add(c.image);
      }
    }
    assert.deepEqual([...images], ['bench:0.1.0']);
  });
});

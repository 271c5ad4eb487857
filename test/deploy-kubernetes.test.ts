/**
 * deploy/kubernetes/gatehouse.yaml is shape-checked (no API server runs here) and the
 * Gatehouse config it carries passes the same schema and semantic checks as `gatehouse check`
 * (its file references point at paths that exist only in the pod, so only loading is checked).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { loadConfigText } from '../src/config/index.ts';
import { ROOT } from './helpers/child.ts';

// biome-ignore lint/suspicious/noExplicitAny: parsed Kubernetes YAML is walked dynamically in this test
type Obj = Record<string, any>;
const docs = parseAllDocuments(readFileSync(join(ROOT, 'deploy/kubernetes/gatehouse.yaml'), 'utf8')).map(
  (d) => {
    assert.deepEqual(d.errors, []);
    return d.toJSON() as Obj;
  },
);
const byKind = (kind: string): Obj[] => docs.filter((d) => d.kind === kind);
const one = (kind: string): Obj => {
  const found = byKind(kind)[0];
  assert.ok(found, `a ${kind}`);
  return found;
};

it('every object has apiVersion, kind, a DNS-1123 name and the gatehouse namespace', () => {
  for (const d of docs) {
    assert.ok(d.apiVersion && d.kind, JSON.stringify(d).slice(0, 80));
    assert.match(d.metadata.name, /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);
    if (d.kind !== 'Namespace')
      assert.equal(d.metadata.namespace, 'gatehouse', `${d.kind}/${d.metadata.name}`);
  }
});

it('the Deployment probes the admin port, mounts every file the config references, and runs unprivileged', () => {
  const dep = one('Deployment');
  const pod = dep.spec.template.spec;
  const c = pod.containers[0];
  assert.deepEqual(dep.spec.selector.matchLabels, dep.spec.template.metadata.labels);
  assert.equal(c.readinessProbe.httpGet.path, '/readyz');
  assert.equal(c.livenessProbe.httpGet.path, '/healthz');
  assert.equal(c.securityContext.readOnlyRootFilesystem, true);
  assert.equal(pod.securityContext.runAsNonRoot, true);
  const cm = byKind('ConfigMap').find((x) => x.metadata.name === 'gatehouse-config')!;
  const loaded = loadConfigText(cm.data['gatehouse.yaml']);
  assert.ok(loaded.ok, JSON.stringify(!loaded.ok && loaded.problems));
  const text = cm.data['gatehouse.yaml'] as string;
  const files = [...text.matchAll(/(?:file|certFile|keyFile|jwksFile): (\/etc\/gatehouse\/[^\s,}]+)/g)].map(
    (m) => m[1]!,
  );
  assert.ok(files.length >= 5);
  const mounts = c.volumeMounts.map((m: Obj) => m.mountPath as string);
  for (const f of files)
    assert.ok(
      mounts.some((m: string) => f.startsWith(`${m}/`)),
      `${f} is mounted`,
    );
  assert.ok(
    mounts.some((m: string) => `${m}/gatehouse.yaml` === c.args[2]),
    'the config file is mounted where serve reads it',
  );
  const grace = dep.spec.template.spec.terminationGracePeriodSeconds;
  assert.ok(
    grace * 1000 > (loaded.ok ? loaded.config.proxy.shutdownGraceMs : 0),
    'Kubernetes waits longer than the drain',
  );
});

it('the Service targets the https port and the admin port is only open to monitoring', () => {
  const svc = one('Service');
  assert.equal(svc.spec.ports[0].targetPort, 'https');
  const np = byKind('NetworkPolicy').find((x) => x.metadata.name === 'gatehouse-admin')!;
  const admin = np.spec.ingress.find((r: Obj) => r.ports.some((p: Obj) => p.port === 9901));
  assert.ok(admin.from?.length > 0, 'the admin port is not open to everyone');
});

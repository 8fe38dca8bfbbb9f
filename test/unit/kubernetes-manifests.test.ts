import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { parseConfig } from '../../src/config/load-config.js';
import { webhookEnvNames } from '../../src/alerts/slack/route-webhooks.js';
import { renderKustomize, schemaFailures, type K8sObject } from '../support/kubernetes-manifests.js';

// Every object the manifests render, checked against Kubernetes' schemas and against what README
// "Deploying on Kubernetes" promises. Rendered with kubectl, as CI does.
const BASE = 'deploy/kubernetes/base';
const OVERLAY = 'deploy/kubernetes/overlays/redis-cluster';

interface Container {
  name: string;
  image: string;
  env?: { name: string; value?: string; valueFrom?: unknown }[];
  envFrom?: { configMapRef?: { name: string } }[];
  ports: { name: string; containerPort: number }[];
  securityContext: Record<string, unknown>;
  resources: { requests?: Record<string, string>; limits?: Record<string, string> };
  livenessProbe: { httpGet: { path: string; port: string | number } };
  readinessProbe: { httpGet: { path: string; port: string | number } };
  startupProbe?: { httpGet: { path: string } };
  volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[];
}
interface PodSpec {
  automountServiceAccountToken?: boolean;
  securityContext: { runAsNonRoot?: boolean; runAsUser?: number; seccompProfile?: { type: string } };
  containers: Container[];
  volumes: { name: string; configMap?: { name: string }; secret?: { secretName: string }; emptyDir?: unknown }[];
}
interface Deployment extends K8sObject {
  spec: { replicas: number; selector: { matchLabels: Record<string, string> }; template: { metadata: { labels: Record<string, string> }; spec: PodSpec } };
}

function only<T extends K8sObject>(objects: K8sObject[], kind: string): T {
  const found = objects.filter((o) => o.kind === kind);
  expect(found.map((o) => o.kind)).toEqual([kind]);
  return found[0] as T;
}

const selects = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);

describe.each([
  ['the base', BASE],
  ['the redis-cluster overlay', OVERLAY],
])('Kubernetes manifests: %s', (_, dir) => {
  let objects: K8sObject[];
  let deployment: Deployment;
  let pod: PodSpec;
  let worker: Container;
  beforeAll(() => {
    objects = renderKustomize(dir);
    deployment = only<Deployment>(objects, 'Deployment');
    pod = deployment.spec.template.spec;
    worker = pod.containers[0]!;
  });

  it('renders only built-in kinds, every object valid against the Kubernetes schemas: no failure', async () => {
    expect(objects.map((o) => o.kind).sort()).toEqual(['ConfigMap', 'ConfigMap', 'Deployment', 'NetworkPolicy', 'PodDisruptionBudget', 'Service']);
    expect(await schemaFailures(objects)).toEqual([]);
  });

  it('runs 2 replicas, non-root, read-only, no capabilities, no escalation, no service account token, seccomp RuntimeDefault', () => {
    expect(deployment.spec.replicas).toBe(2);
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
    expect(pod.containers.length).toBeGreaterThan(0);
    for (const c of pod.containers) {
      expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
      expect(c.securityContext.privileged).not.toBe(true);
      expect(c.resources.requests).toEqual({ cpu: expect.any(String), memory: expect.any(String) });
      expect(c.resources.limits?.memory).toEqual(expect.any(String));
      expect(c.volumeMounts.every((m) => m.readOnly === true)).toBe(true);
    }
  });

  it('probes: liveness on /livez, readiness on /readyz, on the port the Service, the NetworkPolicy and the Service port name share', () => {
    const port = worker.ports.find((p) => p.name === worker.livenessProbe.httpGet.port);
    expect(worker.livenessProbe.httpGet.path).toBe('/livez');
    expect(worker.startupProbe?.httpGet.path).toBe('/livez');
    expect(worker.readinessProbe.httpGet).toEqual({ path: '/readyz', port: worker.livenessProbe.httpGet.port });
    expect(worker.env).toContainEqual({ name: 'HEALTH_PORT', value: String(port?.containerPort) });

    const service = only<K8sObject & { spec: { selector: Record<string, string>; ports: { name: string; port: number; targetPort: string }[] } }>(objects, 'Service');
    expect(selects(service.spec.selector, deployment.spec.template.metadata.labels)).toBe(true);
    expect(service.spec.ports).toEqual([expect.objectContaining({ name: 'http', targetPort: port?.name })]);

    const policy = only<K8sObject & { spec: { podSelector: { matchLabels: Record<string, string> }; policyTypes: string[]; ingress: { from?: unknown; ports: { port: number }[] }[]; egress: { to?: unknown; ports?: { protocol: string; port: number }[] }[] } }>(objects, 'NetworkPolicy');
    expect(selects(policy.spec.podSelector.matchLabels, deployment.spec.template.metadata.labels)).toBe(true);
    expect(policy.spec.policyTypes.sort()).toEqual(['Egress', 'Ingress']);
    expect(policy.spec.ingress.flatMap((r) => r.ports.map((p) => p.port))).toEqual([port?.containerPort]);
    expect(policy.spec.egress.every((r) => (r.ports ?? []).length > 0)).toBe(true); // a rule without ports would open every port
    expect(policy.spec.egress.flatMap((r) => (r.ports ?? []).map((p) => `${p.protocol}/${p.port}`)).sort()).toEqual(['TCP/443', 'TCP/53', 'TCP/6379', 'UDP/53']);

    const budget = only<K8sObject & { spec: { minAvailable: number; selector: { matchLabels: Record<string, string> } } }>(objects, 'PodDisruptionBudget');
    expect(selects(budget.spec.selector.matchLabels, deployment.spec.template.metadata.labels)).toBe(true);
    expect(budget.spec.minAvailable).toBeGreaterThanOrEqual(1);
    expect(budget.spec.minAvailable).toBeLessThan(deployment.spec.replicas);
    expect(selects(deployment.spec.selector.matchLabels, deployment.spec.template.metadata.labels)).toBe(true);
  });

  it("reads every key and webhook the policy names from the Secret's files (*_FILE), none from a plain variable", () => {
    const policyMap = objects.find((o) => o.kind === 'ConfigMap' && (o as K8sObject & { data: Record<string, string> }).data['audit.yaml'] !== undefined) as
      | (K8sObject & { data: Record<string, string> })
      | undefined;
    const config = parseConfig(parse(policyMap?.data['audit.yaml'] ?? ''), {}); // throws listing every problem
    const policyVolume = pod.volumes.find((v) => v.configMap?.name === policyMap?.metadata.name);
    const policyMount = worker.volumeMounts.find((m) => m.name === policyVolume?.name);
    expect(worker.env).toContainEqual({ name: 'TOKEN_AUDIT_CONFIG', value: `${policyMount?.mountPath}/audit.yaml` });

    const secretMounts = worker.volumeMounts.filter((m) => pod.volumes.some((v) => v.name === m.name && v.secret));
    const secretNames = [...config.accounts.map((a) => a.apiKeyEnv), ...webhookEnvNames(config.notify.slack)];
    expect(secretNames.length).toBeGreaterThanOrEqual(2);
    for (const name of secretNames) {
      const file = worker.env?.find((e) => e.name === `${name}_FILE`)?.value ?? `${name}_FILE is not set`;
      expect(secretMounts.some((m) => file.startsWith(`${m.mountPath}/`))).toBe(true);
      expect(worker.env?.some((e) => e.name === name)).toBe(false);
    }
    // Nothing secret in plain sight: REDIS_URL may hold a password, so it comes from a Secret too.
    expect(worker.env?.find((e) => e.name === 'REDIS_URL')).toEqual({ name: 'REDIS_URL', valueFrom: { secretKeyRef: expect.objectContaining({ key: 'url' }) } });
  });

  it("uses the image of the kustomization's images: entry, never the bare local name", () => {
    const images = (parse(readFileSync(`${BASE}/kustomization.yaml`, 'utf8')) as { images: { name: string; newName: string; newTag: string }[] }).images;
    expect(images).toEqual([expect.objectContaining({ name: 'gcore-token-audit' })]);
    expect(worker.image).toBe(`${images[0]?.newName}:${images[0]?.newTag}`);
  });
});

describe('Kubernetes manifests: what differs between the base and the overlay, and the ServiceMonitor', () => {
  const settingsOf = (objects: K8sObject[]) => {
    const d = only<Deployment>(objects, 'Deployment');
    const name = d.spec.template.spec.containers[0]?.envFrom?.[0]?.configMapRef?.name;
    return (objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === name) as (K8sObject & { data: Record<string, string> }) | undefined)?.data;
  };

  it('the base talks to one Redis; the overlay names cluster nodes and a hash-tagged prefix', () => {
    const base = settingsOf(renderKustomize(BASE));
    const overlay = settingsOf(renderKustomize(OVERLAY));
    expect(base?.REDIS_CLUSTER_NODES).toBeUndefined();
    expect(base?.QUEUE_PREFIX).toBe('token-audit');
    expect(overlay?.REDIS_CLUSTER_NODES).toMatch(/^[\w.-]+:\d+(,[\w.-]+:\d+)*$/);
    expect(overlay?.QUEUE_PREFIX).toMatch(/\{[^}]+\}/);
    expect({ ...overlay, REDIS_CLUSTER_NODES: undefined, QUEUE_PREFIX: undefined }).toEqual({ ...base, REDIS_CLUSTER_NODES: undefined, QUEUE_PREFIX: undefined });
  });

  it("the ServiceMonitor renders on its own (the base needs no Prometheus Operator) and scrapes the Service's metrics port", () => {
    const [monitor, ...rest] = renderKustomize('deploy/kubernetes/monitoring') as (K8sObject & {
      spec: { selector: { matchLabels: Record<string, string> }; endpoints: { port: string; path: string }[] };
    })[];
    expect(rest).toEqual([]);
    expect(monitor).toMatchObject({ apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor' });
    const service = only<K8sObject & { spec: { ports: { name: string }[] } }>(renderKustomize(BASE), 'Service');
    expect(selects(monitor?.spec.selector.matchLabels ?? {}, service.metadata.labels ?? {})).toBe(true);
    expect(monitor?.spec.endpoints).toEqual([expect.objectContaining({ port: service.spec.ports[0]?.name, path: '/metrics' })]);
  });

  it('`kubectl kustomize deploy/kubernetes` renders the base', () => {
    expect(renderKustomize('deploy/kubernetes')).toEqual(renderKustomize(BASE));
  });
});

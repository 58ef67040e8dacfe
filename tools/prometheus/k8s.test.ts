/**
 * deploy/k8s/serve.yaml is consistent with itself and with deploy/prometheus/prometheus.yml: every pod's command,
 * run by a real /bin/sh with the pod name Kubernetes gives it, asks for its own shard of `replicas`; the port,
 * probes, Service, ConfigMap and volumes it names exist; and Prometheus's SRV name is the Service's.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import YAML from 'yaml';
import { DEPLOY_PROMETHEUS_CONFIG, repositoryRoot } from './index';

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const manifests = YAML.parseAllDocuments(readFileSync(join(repositoryRoot, 'deploy/k8s/serve.yaml'), 'utf8')).map(
  (d) => d.toJSON() as Doc,
);
const ofKind = (kind: string): Doc => {
  const found = manifests.filter((m) => m.kind === kind);
  if (found.length !== 1) throw new Error(`deploy/k8s/serve.yaml: expected one ${kind}, found ${found.length}`);
  return found[0];
};
const statefulSet = ofKind('StatefulSet');
const service = ofKind('Service');
const configMap = ofKind('ConfigMap');
const pod = statefulSet.spec.template.spec;
const container = pod.containers[0];
const replicas: number = statefulSet.spec.replicas;

/** The pod name of ordinal k: `<statefulset>-<k>` (Kubernetes' StatefulSet naming). */
const podName = (k: number) => `${statefulSet.metadata.name}-${k}`;

/** Kubernetes' value of a literal env var of the container. */
const envValue = (name: string): string | undefined =>
  container.env.find((e: Doc) => e.name === name && 'value' in e)?.value;

/**
 * The argv `driftwatch` receives in pod `name`: the container's command run by /bin/sh with the environment the
 * kubelet sets (literal values, metadata.name from the downward API), and a stand-in `driftwatch` on the PATH
 * that prints its arguments one per line.
 */
function argvInPod(name: string, bin: string, override: Record<string, string> = {}): string[] {
  const env: Record<string, string> = { PATH: `${bin}:/usr/bin:/bin` };
  for (const e of container.env as Doc[]) {
    if (e.name in override) env[e.name] = override[e.name];
    else if ('value' in e) env[e.name] = e.value;
    else if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.name') env[e.name] = name;
    else throw new Error(`env ${e.name}: no stand-in for ${JSON.stringify(e.valueFrom)}`);
  }
  const [shell, ...shellArgs] = [...container.command, ...container.args] as string[];
  return execFileSync(shell, shellArgs, { env, encoding: 'utf8' }).split('\n').slice(0, -1);
}

/** `--flag value` pairs of an argv after its subcommand. */
function flags(argv: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 1; i < argv.length; i += 2) out.set(argv[i], argv[i + 1]);
  return out;
}

describe('deploy/k8s/serve.yaml', () => {
  const bin = mkdtempSync(join(tmpdir(), 'driftwatch-k8s-test-'));
  afterAll(() => rmSync(bin, { recursive: true, force: true }));
  writeFileSync(join(bin, 'driftwatch'), '#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done\n');
  chmodSync(join(bin, 'driftwatch'), 0o755);
  const argvs = Array.from({ length: replicas }, (_, k) => argvInPod(podName(k), bin));

  it('runs serve in every pod, the pod of ordinal k with --shard k/replicas', () => {
    expect(replicas).toBeGreaterThan(1);
    expect(envValue('SHARD_COUNT')).toBe(String(replicas));
    argvs.forEach((argv, k) => {
      expect(argv[0]).toBe('serve');
      expect(flags(argv).get('--shard')).toBe(`${k}/${replicas}`);
    });
    // the shards are exactly 0 … replicas − 1, each once
    const indexes = argvs.map((argv) => Number(flags(argv).get('--shard')!.split('/')[0])).sort((a, b) => a - b);
    expect(indexes).toEqual([...Array(replicas).keys()]);
  });

  it('listens where the container port, the probes and the Service point', () => {
    // serve listens on 127.0.0.1 unless told otherwise, which the kubelet and Prometheus cannot reach
    expect(['0.0.0.0', '::']).toContain(flags(argvs[0]).get('--host'));
    const port = Number(flags(argvs[0]).get('--port'));
    const http = container.ports.find((p: Doc) => p.containerPort === port);
    expect(http?.name).toBeDefined();
    for (const probe of [container.readinessProbe, container.livenessProbe]) {
      expect(probe.httpGet.path).toBe('/healthz');
      expect([http.name, port]).toContain(probe.httpGet.port);
    }
    expect(service.spec.clusterIP).toBe('None');
    expect(statefulSet.spec.serviceName).toBe(service.metadata.name);
    expect(service.spec.ports).toHaveLength(1);
    expect([http.name, port]).toContain(service.spec.ports[0].targetPort);
    expect(service.spec.ports[0].name).toBe(http.name);
    expect(service.spec.selector).toEqual(statefulSet.spec.template.metadata.labels);
    expect(statefulSet.spec.selector.matchLabels).toEqual(statefulSet.spec.template.metadata.labels);
  });

  /** The volume mounted at the folder holding `path`, and the path inside it. */
  function volumeFor(path: string): { volume: Doc | undefined; claim: Doc | undefined; inside: string } {
    const mount = (container.volumeMounts as Doc[]).find(
      (m) => path === m.mountPath || path.startsWith(`${m.mountPath}/`),
    );
    expect(mount).toBeDefined();
    return {
      volume: (pod.volumes as Doc[]).find((v) => v.name === mount!.name),
      claim: (statefulSet.spec.volumeClaimTemplates as Doc[]).find((c) => c.metadata.name === mount!.name),
      inside: posix.relative(mount!.mountPath, path),
    };
  }

  it('reads its config from the ConfigMap: a serve.yaml with the entity label and one query per feature', () => {
    const { volume, inside } = volumeFor(flags(argvs[0]).get('--config')!);
    expect(volume?.configMap?.name).toBe(configMap.metadata.name);
    const config = YAML.parse(configMap.data[inside]);
    expect(typeof config.entityLabel).toBe('string');
    expect(config.interval).toMatch(/^\d+[smh]$/);
    expect(Object.keys(config.features).length).toBeGreaterThan(0);
    for (const query of Object.values(config.features)) expect(typeof query).toBe('string');
  });

  it('keeps its checkpoint file on a per-pod volume claim and reads the model from a volume', () => {
    const state = volumeFor(flags(argvs[0]).get('--state')!);
    expect(state.claim).toBeDefined();
    // --state names the checkpoint file inside the volume, not the volume itself
    expect(state.inside).not.toBe('');
    expect(volumeFor(flags(argvs[0]).get('--model')!).volume?.persistentVolumeClaim).toBeDefined();
  });

  it("names a different checkpoint once the number of shards changes (serve refuses another shard's)", () => {
    const rescaled = argvInPod(podName(0), bin, { SHARD_COUNT: String(replicas + 1) });
    expect(flags(rescaled).get('--shard')).toBe(`0/${replicas + 1}`);
    expect(flags(rescaled).get('--state')).not.toBe(flags(argvs[0]).get('--state'));
    // and every pod of one configuration has its own
    expect(new Set(argvs.map((argv) => flags(argv).get('--state'))).size).toBe(replicas);
  });

  it("is what Prometheus's driftwatch job discovers: the SRV record of the Service's port", () => {
    const prometheus = YAML.parse(readFileSync(DEPLOY_PROMETHEUS_CONFIG, 'utf8'));
    const job = prometheus.scrape_configs.find((j: Doc) => j.job_name === 'driftwatch');
    const namespace = service.metadata.namespace;
    expect(statefulSet.metadata.namespace).toBe(namespace);
    expect(configMap.metadata.namespace).toBe(namespace);
    const srv = `_${service.spec.ports[0].name}._tcp.${service.metadata.name}.${namespace}.svc.cluster.local`;
    expect(job.dns_sd_configs).toEqual([{ names: [srv], type: 'SRV' }]);
  });
});

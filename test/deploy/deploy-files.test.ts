import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { ConfigError, knownVariables, loadConfig } from '../../src/config.js';
import { createHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { ROOT, startServer } from '../helpers/server-process.js';

const run = promisify(execFile);
const K8S = join(ROOT, 'deploy/kubernetes');

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = Record<string, any>;

/** Every document of every manifest, parsed; a YAML error fails here. */
function manifests(): Doc[] {
  const docs: Doc[] = [];
  for (const file of readdirSync(K8S).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')) {
    for (const doc of parseAllDocuments(readFileSync(join(K8S, file), 'utf8'))) {
      expect(doc.errors, file).toEqual([]);
      const value = doc.toJS() as Doc | null;
      if (value) docs.push({ ...value, __file: file });
    }
  }
  return docs;
}

const docs = manifests();
const one = (kind: string, name: string): Doc => {
  const found = docs.filter((d) => d.kind === kind && d.metadata?.name === name);
  expect(found, `${kind}/${name}`).toHaveLength(1);
  return found[0]!;
};

const deployment = one('Deployment', 'otpgate');
const pod = deployment.spec.template;
const container = (pod.spec.containers as Doc[]).find((c) => c.name === 'otpgate')!;
const configMap = one('ConfigMap', 'otpgate').data as Record<string, string>;
const secret = one('Secret', 'otpgate').stringData as Record<string, string>;

/** The environment a pod gets: the ConfigMap, then the Secret keys the Deployment names. */
function podEnv(values: Record<string, string> = secret): Record<string, string> {
  const env: Record<string, string> = {};
  for (const from of container.envFrom as Doc[]) {
    if (from.configMapRef) Object.assign(env, one('ConfigMap', from.configMapRef.name).data);
    if (from.secretRef) Object.assign(env, one('Secret', from.secretRef.name).stringData);
  }
  for (const entry of (container.env ?? []) as Doc[]) {
    const ref = entry.valueFrom?.secretKeyRef;
    env[entry.name] = ref ? values[ref.key]! : entry.value;
  }
  return env;
}

/** The Secret as an operator fills it: every REPLACE-ME value replaced. */
function filledSecret(): Record<string, string> {
  const password = randomBytes(12).toString('hex');
  return {
    OTPGATE_SECRET: randomBytes(48).toString('base64'),
    OTPGATE_DATABASE_URL: secret.OTPGATE_DATABASE_URL!.replace('REPLACE-ME-postgres-password', password),
    POSTGRES_PASSWORD: password,
  };
}

describe('Kubernetes manifests (deploy/kubernetes)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(async () => h.close());

  it('hold a Deployment, Service, PodDisruptionBudget, HorizontalPodAutoscaler, ConfigMap, Secret, and PostgreSQL and Redis', () => {
    const kinds = docs.map((d) => `${d.kind}/${d.metadata.name}`).sort();
    expect(kinds).toEqual([
      'ConfigMap/otpgate', 'Deployment/otpgate', 'HorizontalPodAutoscaler/otpgate', 'PodDisruptionBudget/otpgate', 'Secret/otpgate',
      'Service/otpgate', 'Service/otpgate-postgres', 'Service/otpgate-redis', 'StatefulSet/otpgate-postgres', 'StatefulSet/otpgate-redis',
    ]);
    const listed = parseAllDocuments(readFileSync(join(K8S, 'kustomization.yaml'), 'utf8'))[0]!.toJS().resources as string[];
    expect([...listed].sort()).toEqual([...new Set(docs.map((d) => d.__file as string))].sort());
  });

  it('give the container the port the configuration listens on, and the probes and Service use it', () => {
    const config = loadConfig({ ...podEnv(filledSecret()) }, '/app');
    const port = (container.ports as Doc[]).find((p) => p.name === 'http')!;
    expect(port.containerPort).toBe(config.port);
    expect(config.host).toBe('0.0.0.0');
    for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) expect(container[probe].httpGet.port, probe).toBe('http');
    const service = one('Service', 'otpgate');
    expect(service.spec.ports[0].targetPort).toBe('http');
    expect(service.spec.selector).toEqual(deployment.spec.selector.matchLabels);
    expect(pod.metadata.labels).toMatchObject(deployment.spec.selector.matchLabels);
    expect(one('PodDisruptionBudget', 'otpgate').spec.selector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
    expect(one('HorizontalPodAutoscaler', 'otpgate').spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'otpgate' });
    // SIGTERM drains within OTPGATE_SHUTDOWN_TIMEOUT_MS; the pod is given that, the preStop wait and room.
    expect(pod.spec.terminationGracePeriodSeconds * 1000).toBeGreaterThan(config.shutdownTimeoutMs + 5000);
  });

  it('probe the real health endpoints: liveness does not depend on the database, readiness does', async () => {
    expect(container.livenessProbe.httpGet.path).toBe('/healthz');
    expect(container.startupProbe.httpGet.path).toBe('/healthz');
    expect(container.readinessProbe.httpGet.path).toBe('/readyz');
    for (const path of ['/healthz', '/readyz']) expect((await h.app.inject({ method: 'GET', url: path })).statusCode, path).toBe(200);
    const ping = h.c.store.ping.bind(h.c.store);
    h.c.store.ping = async () => {
      throw new Error('database gone');
    };
    try {
      expect((await h.app.inject({ method: 'GET', url: container.readinessProbe.httpGet.path })).statusCode).toBe(503);
      expect((await h.app.inject({ method: 'GET', url: container.livenessProbe.httpGet.path })).statusCode).toBe(200);
    } finally {
      h.c.store.ping = ping;
    }
  });

  it('name only variables otpgate knows, and their values are a valid configuration once the placeholders are replaced', () => {
    const known = knownVariables();
    for (const name of Object.keys(configMap)) expect(known, `ConfigMap ${name}`).toContain(name);
    for (const entry of container.env as Doc[]) expect(known, `env ${entry.name}`).toContain(entry.name);
    const config = loadConfig(podEnv(filledSecret()), '/app');
    expect(config.unknownVariables).toEqual([]);
    expect(config.store).toBe('postgres');
    expect(config.redisUrl).not.toBeNull();
  });

  it('refuse to run with the example Secret\'s placeholders', () => {
    expect(() => loadConfig(podEnv(), '/app')).toThrow(ConfigError);
    expect(() => loadConfig(podEnv(), '/app')).toThrow(/REPLACE-ME placeholder/);
  });

  it('point the database and Redis URLs at the Services that run them', () => {
    const config = loadConfig(podEnv(filledSecret()), '/app');
    const db = new URL(config.databaseUrl);
    const postgres = one('Service', 'otpgate-postgres');
    expect(db.hostname).toBe(postgres.metadata.name);
    expect(Number(db.port)).toBe(postgres.spec.ports[0].port);
    const pgContainer = one('StatefulSet', 'otpgate-postgres').spec.template.spec.containers[0];
    const pgEnv = Object.fromEntries((pgContainer.env as Doc[]).map((e) => [e.name, e.value ?? `secret:${e.valueFrom.secretKeyRef.key}`]));
    expect(pgEnv).toMatchObject({ POSTGRES_USER: db.username, POSTGRES_DB: db.pathname.slice(1), POSTGRES_PASSWORD: 'secret:POSTGRES_PASSWORD' });
    expect(secret.OTPGATE_DATABASE_URL).toContain(`:${secret.POSTGRES_PASSWORD}@`);
    const redis = new URL(config.redisUrl!);
    const redisService = one('Service', 'otpgate-redis');
    expect(redis.hostname).toBe(redisService.metadata.name);
    expect(Number(redis.port)).toBe(redisService.spec.ports[0].port);
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');

  it('builds and runs on the Active LTS line that package.json supports', () => {
    const bases = [...dockerfile.matchAll(/^FROM node:(\d+)-/gm)].map((m) => Number(m[1]));
    expect(bases).toEqual([24, 24]);
  });

  it('HEALTHCHECK follows OTPGATE_PORT', async () => {
    const script = /HEALTHCHECK[^\n]*\\\n\s*CMD node -e "([^"]+)"/.exec(dockerfile)?.[1];
    expect(script).toBeTruthy();
    const server = await startServer({ OTPGATE_LOG_LEVEL: 'info' });
    try {
      const check = (port: string) => run(process.execPath, ['-e', script!], { env: { PATH: process.env.PATH ?? '', OTPGATE_PORT: port } }).then(() => 0, (e: { code: number }) => e.code);
      expect(await check(String(server.port))).toBe(0);
      const closed = String(server.port === 1 ? 2 : 1);
      expect(await check(closed)).toBe(1);
    } finally {
      await server.stop();
      server.cleanup();
    }
  });
});

describe('systemd unit (deploy/otpgate.service)', () => {
  const unit = readFileSync(join(ROOT, 'deploy/otpgate.service'), 'utf8');
  const settings = (key: string) => [...unit.matchAll(new RegExp(`^${key}=(.*)$`, 'gm'))].map((m) => m[1]!);

  it('keeps the default store in its StateDirectory, private, with an optional env file', () => {
    const environment = Object.fromEntries(settings('Environment').flatMap((line) => line.split(/\s+/)).map((pair) => pair.split('=') as [string, string]));
    expect(settings('StateDirectory')).toEqual(['otpgate']);
    expect(environment.OTPGATE_DATA_DIR).toBe('/var/lib/otpgate');
    expect(settings('StateDirectoryMode')).toEqual(['0700']);
    expect(settings('UMask')).toEqual(['0077']);
    expect(settings('EnvironmentFile').every((file) => file.startsWith('-'))).toBe(true);
    for (const name of Object.keys(environment).filter((n) => n.startsWith('OTPGATE_'))) expect(knownVariables(), name).toContain(name);
    expect(settings('RestartPreventExitStatus')).toEqual(['2']);
  });

  it('starts as written on the default store (SQLite needs --workers 1)', async () => {
    const exec = settings('ExecStart')[0]!;
    const environment = Object.fromEntries(settings('Environment').flatMap((line) => line.split(/\s+/)).map((pair) => pair.split('=') as [string, string]));
    const dataDir = mkdtempSync(join(tmpdir(), 'otpgate-systemd-'));
    try {
      // systemd's own ${VAR} expansion, from the unit's Environment=; paths from /opt/otpgate to this checkout.
      const args = exec.split(/\s+/).slice(1).map((arg) => arg.replace(/\$\{(\w+)\}/g, (_, name: string) => environment[name]!).replace('/opt/otpgate', ROOT));
      expect(args.slice(-3)).toEqual(['serve', '--workers', '1']);
      const server = await startServer({ ...environment, OTPGATE_DATA_DIR: dataDir }, { dataDir, args });
      try {
        expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
      } finally {
        expect(await server.stop()).toBe(0);
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});

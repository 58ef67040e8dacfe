/**
 * Prometheus's relabel action `hashmod` against its definition written out here: md5 of the label value, the last
 * 8 bytes of the digest as a big-endian uint64, modulo n. One real Prometheus runs three jobs over the same ~30
 * targets, job i keeping the targets whose `instance` hashes to i, as a scrape shard would; the targets each job
 * keeps must be exactly those this function assigns to i. packages/serve's --shard uses the same definition.
 */
import { createServer, type Server } from 'node:http';
import { createHash } from 'node:crypto';
import { prometheusAvailableForTests, promApi, startPrometheus, waitFor, type RunningPrometheus } from './index';

const available = prometheusAvailableForTests('hashmod against Prometheus');

/** hashmod(v, n) = uint64_be(md5(utf8(v))[8..16]) mod n */
function referenceHashmod(value: string, modulus: number): number {
  const digest = createHash('md5').update(Buffer.from(value, 'utf8')).digest();
  let last8 = 0n;
  for (const byte of digest.subarray(8, 16)) last8 = (last8 << 8n) | BigInt(byte);
  return Number(last8 % BigInt(modulus));
}

const MODULUS = 3;
/** Entity names as they come: host:port instances, FQDNs, pod names, non-ASCII, one with a space and quote. */
const ENTITIES = [
  ...Array.from({ length: 20 }, (_, i) => `web-${String(i + 1).padStart(2, '0')}:9100`),
  'db-primary.prod.example.com:9100',
  'db-replica.prod.example.com:9100',
  'driftwatch-serve-0',
  'driftwatch-serve-1',
  '10.0.3.17:9100',
  '[2001:db8::1]:9100',
  'nœud-müller:9100',
  '東京-1',
  'a b "c"',
  'x',
];

interface Target {
  labels: Record<string, string>;
  scrapePool: string;
}

(available ? describe : describe.skip)('hashmod, Prometheus vs its definition', () => {
  let exporter: Server;
  let prometheus: RunningPrometheus;

  beforeAll(async () => {
    exporter = createServer((_request, response) => response.end('driftwatch_hashmod_test 1\n'));
    const port = await new Promise<number>((done) =>
      exporter.listen(0, '127.0.0.1', () => done((exporter.address() as { port: number }).port)),
    );
    // every target scrapes the one loopback exporter; the instance label is what tells them apart
    const targetGroups = ENTITIES.map((instance) => ({ targets: [`127.0.0.1:${port}`], labels: { instance } }));
    const shardJob = (shard: number) => ({
      job_name: `shard-${shard}`,
      // the targets only need to be kept or dropped, not scraped often
      scrape_interval: '1m',
      scrape_timeout: '10s',
      static_configs: targetGroups,
      relabel_configs: [
        { source_labels: ['instance'], modulus: MODULUS, target_label: '__tmp_hash', action: 'hashmod' },
        { source_labels: ['__tmp_hash'], regex: String(shard), action: 'keep' },
      ],
    });
    prometheus = await startPrometheus({
      scrapeInterval: '1s',
      targets: [],
      extraScrapeConfigs: Array.from({ length: MODULUS }, (_, shard) => shardJob(shard)),
    });
  });
  afterAll(async () => {
    await prometheus?.stop();
    await new Promise((done) => exporter?.close(done));
  });

  it(`keeps in job shard-i exactly the instances the definition sends to i (modulus ${MODULUS})`, async () => {
    const kept = await waitFor(
      'all targets discovered',
      async () => {
        const data = await promApi<{ activeTargets: Target[]; droppedTargets: unknown[] }>(
          prometheus.url,
          '/api/v1/targets',
        );
        const ours = data.activeTargets.filter((t) => t.scrapePool.startsWith('shard-'));
        return ours.length + data.droppedTargets.length === ENTITIES.length * MODULUS ? ours : undefined;
      },
      30_000,
    );
    const byPrometheus = Array.from({ length: MODULUS }, (_, shard) =>
      kept
        .filter((t) => t.scrapePool === `shard-${shard}`)
        .map((t) => t.labels.instance)
        .sort(),
    );
    const byDefinition = Array.from({ length: MODULUS }, (_, shard) =>
      ENTITIES.filter((e) => referenceHashmod(e, MODULUS) === shard).sort(),
    );
    expect(byPrometheus).toEqual(byDefinition);
    // a meaningful comparison: every shard holds some of the entities
    for (const shard of byDefinition) expect(shard.length).toBeGreaterThan(0);
  });
});

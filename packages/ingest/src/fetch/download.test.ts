import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DownloadError, downloadToPart, mirrorUrl, parseContentRange } from './download';
import { serveFiles, type TestServer } from './testing';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('resumable download', () => {
  const body = randomBytes(3 * 1024 * 1024 + 123);
  let server: TestServer;
  let dir: string;
  beforeAll(async () => {
    server = await serveFiles(new Map([['/files/blob.bin', body]]), new Map([['/moved/blob.bin', '/files/blob.bin']]));
  });
  afterAll(() => server.close());
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ingest-download-'));
    server.requests.length = 0;
    server.ignoreRange = false;
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('downloads a whole file and reports progress up to its size', async () => {
    const part = join(dir, 'blob.bin.part');
    const seen: number[] = [];
    const got = await downloadToPart(`${server.origin}/files/blob.bin`, part, {
      onBytes: (n, total) => seen.push(n, total ?? -1),
    });
    expect(got).toEqual({ bytes: body.length, sha256: sha(body), resumedFrom: 0 });
    expect((await readFile(part)).equals(body)).toBe(true);
    expect(seen.slice(-2)).toEqual([body.length, body.length]);
  });

  it('keeps the .part after a dropped connection and asks only for the missing bytes next time', async () => {
    const part = join(dir, 'blob.bin.part');
    server.cutNext('/files/blob.bin', 1_000_000);
    await expect(downloadToPart(`${server.origin}/files/blob.bin`, part)).rejects.toThrow(DownloadError);
    const held = (await stat(part)).size;
    expect(held).toBeGreaterThan(0);
    expect(held).toBeLessThan(body.length);
    expect((await readFile(part)).equals(body.subarray(0, held))).toBe(true);
    const got = await downloadToPart(`${server.origin}/files/blob.bin`, part, { expectedBytes: body.length });
    expect(server.requests.at(-1)).toEqual({ path: '/files/blob.bin', range: `bytes=${held}-` });
    expect(got).toEqual({ bytes: body.length, sha256: sha(body), resumedFrom: held });
    expect((await readFile(part)).equals(body)).toBe(true);
  });

  it('starts over when the server ignores the range (200)', async () => {
    const part = join(dir, 'blob.bin.part');
    await writeFile(part, Buffer.from('stale bytes that are not the start of the file'));
    server.ignoreRange = true;
    const got = await downloadToPart(`${server.origin}/files/blob.bin`, part);
    expect(server.requests[0].range).toMatch(/^bytes=\d+-$/);
    expect(got).toEqual({ bytes: body.length, sha256: sha(body), resumedFrom: 0 });
    expect((await readFile(part)).equals(body)).toBe(true);
  });

  it('treats 416 with the same total as a complete .part, and needs no request when the size is known', async () => {
    const part = join(dir, 'blob.bin.part');
    await writeFile(part, body);
    const got = await downloadToPart(`${server.origin}/files/blob.bin`, part);
    expect(server.requests).toHaveLength(1);
    expect(got.sha256).toBe(sha(body));
    await downloadToPart(`${server.origin}/files/blob.bin`, part, { expectedBytes: body.length });
    expect(server.requests).toHaveLength(1);
  });

  it('follows redirects and names the URL and status of a failure', async () => {
    const part = join(dir, 'blob.bin.part');
    expect((await downloadToPart(`${server.origin}/moved/blob.bin`, part)).sha256).toBe(sha(body));
    expect(server.requests.map((r) => r.path)).toEqual(['/moved/blob.bin', '/files/blob.bin']);
    await expect(downloadToPart(`${server.origin}/nothing.bin`, join(dir, 'x.part'))).rejects.toThrow(
      `GET ${server.origin}/nothing.bin: HTTP 404`,
    );
    await expect(downloadToPart('http://127.0.0.1:1/x', join(dir, 'y.part'))).rejects.toThrow(
      /GET http:\/\/127\.0\.0\.1:1\/x: connect ECONNREFUSED/,
    );
  });

  it('stops when aborted and keeps what arrived', async () => {
    const controller = new AbortController();
    const part = join(dir, 'blob.bin.part');
    const run = downloadToPart(`${server.origin}/files/blob.bin`, part, {
      signal: controller.signal,
      onBytes: (n) => {
        if (n > 0) controller.abort();
      },
    });
    await expect(run).rejects.toThrow(/aborted/);
  });
});

describe('URL helpers', () => {
  it('replaces the origin and keeps a mirror path prefix', () => {
    const url =
      'https://raw.githubusercontent.com/IntelligentDDS/Nezha/d8140101fdb4e7dfb60d3ef9f64706f382b68470/LICENSE';
    expect(mirrorUrl(url, 'http://127.0.0.1:8080')).toBe(
      'http://127.0.0.1:8080/IntelligentDDS/Nezha/d8140101fdb4e7dfb60d3ef9f64706f382b68470/LICENSE',
    );
    expect(mirrorUrl(url, 'http://mirror.example/raw/')).toBe(
      'http://mirror.example/raw/IntelligentDDS/Nezha/d8140101fdb4e7dfb60d3ef9f64706f382b68470/LICENSE',
    );
    expect(mirrorUrl(url, undefined)).toBe(url);
  });

  it('reads Content-Range', () => {
    expect(parseContentRange('bytes 100-199/200')).toEqual({ first: 100, last: 199, total: 200 });
    expect(parseContentRange('bytes */200')).toEqual({ first: undefined, last: undefined, total: 200 });
    expect(parseContentRange('nonsense')).toBeUndefined();
  });
});

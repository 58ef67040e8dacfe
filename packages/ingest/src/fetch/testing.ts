// Test helpers for the fetch tests: a local HTTP server (127.0.0.1, port 0) with Range support and
// injected faults, and small writers for the formats fetch reads (tar.gz, zip, numpy pickles), written
// from the format descriptions and independent of the readers under test.
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as zlib from 'node:zlib';

export interface ServedRequest {
  path: string;
  range?: string;
}

export interface TestServer {
  /** http://127.0.0.1:<port> */
  origin: string;
  /** every request, in order */
  requests: ServedRequest[];
  /** the next response for `path` sends only `bytes` bytes of its body, then drops the connection */
  cutNext(path: string, bytes: number): void;
  /** answer every request with the whole file (200), as servers without Range support do */
  ignoreRange: boolean;
  close(): Promise<void>;
}

/**
 * Serves `routes` (URL path → bytes, or → a file on disk read when asked for); `redirects` answer 302 to another path.
 */
export async function serveFiles(
  routes: Map<string, Buffer | string>,
  redirects = new Map<string, string>(),
): Promise<TestServer> {
  const cuts = new Map<string, number>();
  const requests: ServedRequest[] = [];
  const state = { ignoreRange: false };
  const server: Server = createServer((req, res) => {
    void (async () => {
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      requests.push({ path, range: req.headers.range });
      const to = redirects.get(path);
      if (to) {
        res.writeHead(302, { location: to }).end();
        return;
      }
      const route = routes.get(path);
      if (route === undefined) {
        res.writeHead(404).end('not found');
        return;
      }
      const whole = typeof route === 'string' ? await readFile(route) : route;
      const range = state.ignoreRange ? null : /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
      let body = whole;
      if (range) {
        const start = Number(range[1]);
        if (start >= whole.length) {
          res.writeHead(416, { 'content-range': `bytes */${whole.length}` }).end();
          return;
        }
        body = whole.subarray(start);
        res.writeHead(206, {
          'content-length': body.length,
          'content-range': `bytes ${start}-${whole.length - 1}/${whole.length}`,
        });
      } else res.writeHead(200, { 'content-length': body.length });
      const cut = cuts.get(path);
      if (cut !== undefined) {
        cuts.delete(path);
        res.write(body.subarray(0, cut), () => res.socket?.destroy());
        return;
      }
      res.end(body);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    cutNext: (path, bytes) => cuts.set(path, bytes),
    get ignoreRange() {
      return state.ignoreRange;
    },
    set ignoreRange(v: boolean) {
      state.ignoreRange = v;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** One ustar header block (POSIX.1-1988): octal fields, checksum over the block with its own field as spaces. */
function tarHeader(name: string, size: number, typeflag: string): Buffer {
  const block = Buffer.alloc(512);
  block.write(name, 0, 100, 'utf8');
  block.write('0000644\0', 100, 'latin1');
  block.write('0000000\0', 108, 'latin1');
  block.write('0000000\0', 116, 'latin1');
  block.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  block.write('00000000000\0', 136, 'latin1');
  block.write('        ', 148, 'latin1');
  block.write(typeflag, 156, 'latin1');
  block.write('ustar\0', 257, 'latin1');
  block.write('00', 263, 'latin1');
  let sum = 0;
  for (const b of block) sum += b;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return block;
}

function padded(body: Buffer): Buffer {
  return Buffer.concat([body, Buffer.alloc((512 - (body.length % 512)) % 512)]);
}

/** A gzip-compressed tar of `entries`; names over 100 bytes get a pax 'x' header with a path record. */
export function tarGz(entries: { name: string; body?: Buffer; type?: 'file' | 'directory' }[]): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const body = e.body ?? Buffer.alloc(0);
    if (Buffer.byteLength(e.name) > 100) {
      const record = (n: number) => `${n} path=${e.name}\n`;
      let length = Buffer.byteLength(record(0));
      while (Buffer.byteLength(record(length)) !== length) length = Buffer.byteLength(record(length));
      const pax = Buffer.from(record(length));
      blocks.push(tarHeader('PaxHeader', pax.length, 'x'), padded(pax));
    }
    blocks.push(
      tarHeader(e.name.slice(0, 100), e.type === 'directory' ? 0 : body.length, e.type === 'directory' ? '5' : '0'),
    );
    if (e.type !== 'directory') blocks.push(padded(body));
  }
  blocks.push(Buffer.alloc(1024));
  return zlib.gzipSync(Buffer.concat(blocks));
}

/** A zip (PKWARE APPNOTE 4.3) of `entries`, each stored (method 0) or deflated (method 8); CRC-32 from node:zlib. */
export function zipArchive(entries: { name: string; body: Buffer; method?: 0 | 8 }[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const method = e.method ?? 8;
    const data = method === 8 ? zlib.deflateRawSync(e.body) : e.body;
    const crc = zlib.crc32(e.body);
    const name = Buffer.from(e.name, 'utf8');
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x800, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(0x21, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(e.body.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x800, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt16LE(0x21, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(e.body.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, data);
    centrals.push(central, name);
    offset += local.length + name.length + data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** A pickle integer as CPython writes it: BININT1, BININT2 or BININT. */
function pickleInt(n: number): Buffer {
  if (n < 0x100) return Buffer.from([0x4b, n]);
  if (n < 0x10000) return Buffer.from([0x4d, n & 0xff, n >> 8]);
  const b = Buffer.alloc(5);
  b[0] = 0x4a;
  b.writeInt32LE(n, 1);
  return b;
}

/**
 * `pickle.dump(array, file)` at protocol 3 for a C-order little-endian float array, byte for byte as
 * numpy 1.x writes it (numpy 2 writes `numpy._core` instead of `numpy.core`; pass `module` for that).
 */
export function numpyPickle(
  values: Float32Array | Float64Array,
  shape: number[],
  module = 'numpy.core.multiarray',
): Buffer {
  let memo = 0;
  const put = () => Buffer.from([0x71, memo++]);
  const unicode = (s: string) => {
    const b = Buffer.alloc(5);
    b[0] = 0x58;
    b.writeUInt32LE(Buffer.byteLength(s), 1);
    return Buffer.concat([b, Buffer.from(s)]);
  };
  const bytes = (data: Buffer) => {
    if (data.length < 0x100) return Buffer.concat([Buffer.from([0x43, data.length]), data]);
    const b = Buffer.alloc(5);
    b[0] = 0x42;
    b.writeUInt32LE(data.length, 1);
    return Buffer.concat([b, data]);
  };
  const global = (m: string, n: string) => Buffer.from(`c${m}\n${n}\n`, 'latin1');
  const tupleOf = [0x29, 0x85, 0x86, 0x87];
  const shapeParts = shape.length <= 3 ? [...shape.map(pickleInt), Buffer.from([tupleOf[shape.length]])] : [];
  const data = Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  const parts: Buffer[] = [
    Buffer.from([0x80, 0x03]),
    global(module, '_reconstruct'),
    put(),
    global('numpy', 'ndarray'),
    put(),
    Buffer.from([0x4b, 0x00, 0x85]),
    put(),
    Buffer.from([0x43, 0x01, 0x62]),
    put(),
    Buffer.from([0x87]),
    put(),
    Buffer.from([0x52]),
    put(),
    Buffer.from([0x28, 0x4b, 0x01]),
    ...shapeParts,
    put(),
    global('numpy', 'dtype'),
    put(),
    unicode(values instanceof Float32Array ? 'f4' : 'f8'),
    put(),
    Buffer.from([0x89, 0x88, 0x87]),
    put(),
    Buffer.from([0x52]),
    put(),
    Buffer.from([0x28, 0x4b, 0x03]),
    unicode('<'),
    put(),
    Buffer.from([0x4e, 0x4e, 0x4e, 0x4a, 0xff, 0xff, 0xff, 0xff, 0x4a, 0xff, 0xff, 0xff, 0xff, 0x4b, 0x00, 0x74]),
    put(),
    Buffer.from([0x62, 0x89]),
    bytes(data),
    put(),
    Buffer.from([0x74]),
    put(),
    Buffer.from([0x62, 0x2e]),
  ];
  return Buffer.concat(parts);
}

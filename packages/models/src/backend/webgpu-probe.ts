/**
 * Asks Dawn (the `webgpu` package) for an adapter in a child process. Dawn writes why it rejects a
 * driver or cannot load the Vulkan loader to the process's stderr from native code, where the loader
 * could neither read it nor keep it out of every command's output; a child's stderr can be read. A
 * driver that crashes Dawn takes down only the child. docs/toolchain.md, "A GPU path that does not need
 * libtensorflow", has the outcomes measured so far.
 */
import { execFile } from 'node:child_process';
import { pathToFileURL } from 'node:url';

/** What the child reports, or what went wrong with the child. */
export interface AdapterProbe {
  /** dawn.node loaded and `create([])` returned a GPU object */
  loaded: boolean;
  /** the adapter's info when `requestAdapter()` returned one */
  adapter?: { vendor: string; architecture: string; device: string; description: string };
  /** the JavaScript error when loading failed */
  error?: string;
  /** Dawn's own messages (stderr), source locations dropped */
  messages: string[];
}

/** The child: imports the package (an ES module) by URL, asks for an adapter, prints one JSON line. */
const PROBE_SCRIPT =
  `
const url = process.argv[1];
const say = (o) => process.stdout.write(JSON.stringify(o) + '\\n');
import(url).then(async ({ create }) => {
  const gpu = create([]);
  const a = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  const i = a && a.info ? a.info : {};
  say({ loaded: true, adapter: a ? { vendor: String(i.vendor ?? ''), architecture: String(i.architecture ?? ''), ` +
  `device: String(i.device ?? ''), description: String(i.description ?? '') } : null });
  process.exit(0);
}, (e) => { say({ loaded: false, error: String(e && e.message || e).split('\\n')[0] }); process.exit(0); });
`;

/**
 * Dawn's stderr as messages: a message starts at column 0 ('Warning: …', 'error: …'); its context lines
 * (' - While initializing adapter …') are joined to it, its source locations ('    at …(file.cpp:257)')
 * dropped, and repeated messages kept once.
 */
export function dawnMessages(stderr: string): string[] {
  const messages: string[] = [];
  for (const raw of stderr.split('\n')) {
    const line = raw.trimEnd();
    if (line.trim() === '' || /^\s+at\s/.test(line)) continue;
    const context = /^\s+-\s+(.*)$/.exec(line);
    if (context && messages.length > 0) messages[messages.length - 1] += ` (${context[1]})`;
    else messages.push(line.trim());
  }
  return [...new Set(messages)];
}

/** The Vulkan loader library that Dawn could not open ('libvulkan.so.1'), if it said so. */
export function missingVulkanLoader(messages: readonly string[]): string | undefined {
  for (const m of messages) {
    const hit = /Couldn't load Vulkan: (\S+): cannot open shared object file/.exec(m);
    if (hit) return hit[1];
  }
  return undefined;
}

/** Parses the child's output; a child that printed no JSON line explains itself through `error`. */
export function parseProbeOutput(
  stdout: string,
  stderr: string,
  exit: { code: number | null; signal: string | null; timedOut?: boolean },
): AdapterProbe {
  const messages = dawnMessages(stderr);
  const line = stdout.trim().split('\n').pop() ?? '';
  try {
    const parsed = JSON.parse(line) as { loaded: boolean; adapter?: AdapterProbe['adapter'] | null; error?: string };
    return {
      loaded: parsed.loaded,
      ...(parsed.adapter ? { adapter: parsed.adapter } : {}),
      ...(parsed.error ? { error: parsed.error } : {}),
      messages,
    };
  } catch {
    const how = exit.timedOut
      ? 'did not answer in time'
      : exit.signal
        ? `was killed by ${exit.signal}`
        : `exited with status ${exit.code}`;
    return { loaded: false, error: `the adapter probe ${how}`, messages };
  }
}

/** Runs the probe on the package's entry file (an absolute path). */
export function probeWebGpuAdapter(entryFile: string, timeoutMs = 20_000): Promise<AdapterProbe> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['-e', PROBE_SCRIPT, pathToFileURL(entryFile).href],
      { timeout: timeoutMs, encoding: 'utf8', maxBuffer: 1 << 20, env: { ...process.env, NODE_OPTIONS: '' } },
      (error, stdout, stderr) => {
        const e = error as (Error & { code?: number | string; signal?: string; killed?: boolean }) | null;
        resolve(
          parseProbeOutput(stdout, stderr, {
            code: typeof e?.code === 'number' ? e.code : e ? null : 0,
            signal: e?.signal ?? null,
            timedOut: Boolean(e?.killed),
          }),
        );
      },
    );
  });
}

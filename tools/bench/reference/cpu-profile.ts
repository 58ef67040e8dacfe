/**
 * A V8 CPU profile of this process while the driftwatch steps run (node:inspector, so no `node --cpu-prof` flag,
 * which tools/run-ts.mjs's child could not take), and its top entries by self time.
 */
import { Session } from 'node:inspector/promises';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

/** the .cpuprofile format: nodes of a call tree, and per sample the node it hit and the µs since the last */
export interface CpuProfile {
  nodes: { id: number; callFrame: CallFrame }[];
  samples: number[];
  timeDeltas: number[];
}

/** samples that are not this thread's work: waiting (here on the PyTorch child) and the profiler itself */
const NOT_WORK = new Set(['(idle)', '(program)']);

export interface SelfTime {
  /** function name and where it is defined (the last two path components and the 0-based line) */
  where: string;
  ms: number;
  /** share of the profile's working time (idle excluded) */
  share: number;
}

/** self time per function, largest first: Σ timeDeltas of the samples whose leaf is that function */
export function topSelfTimes(profile: CpuProfile, count: number): SelfTime[] {
  const frames = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const byWhere = new Map<string, number>();
  let working = 0;
  profile.samples.forEach((id, i) => {
    const frame = frames.get(id);
    if (!frame || NOT_WORK.has(frame.functionName)) return;
    const file = frame.url.split('/').slice(-2).join('/');
    const where = `${frame.functionName || '(anonymous)'} ${file}:${frame.lineNumber}`;
    const us = profile.timeDeltas[i] ?? 0;
    byWhere.set(where, (byWhere.get(where) ?? 0) + us);
    working += us;
  });
  return [...byWhere]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([where, us]) => ({ where, ms: us / 1000, share: working > 0 ? us / working : 0 }));
}

/** starts sampling this thread; `stop` returns the profile */
export async function startCpuProfile(): Promise<{ stop(): Promise<CpuProfile> }> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return {
    async stop() {
      const { profile } = (await session.post('Profiler.stop')) as { profile: CpuProfile };
      session.disconnect();
      return profile;
    },
  };
}

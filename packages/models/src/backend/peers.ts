/**
 * tfjs is a peer dependency of this package (one copy, the application's own), so a project can install
 * @driftwatch/models without it: npm before 7, `--legacy-peer-deps`, or a package manager that leaves peers to
 * the application. Without this check the first `import '@tensorflow/tfjs'` of some model module fails with
 * Node's bare "Cannot find module"; this says which packages to install, and how.
 */
import { DriftwatchError } from '@driftwatch/contracts';

/** The peers every use of the package needs; the GPU and native backends are optional peers. */
export const REQUIRED_TFJS_PEERS: readonly string[] = ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm'];

/** The version range this package is built and tested against (package.json peerDependencies). */
export const TFJS_PEER_RANGE = '^4.22.0';

/** The command that installs `packages`, e.g. `npm install @tensorflow/tfjs@^4.22.0`. */
export function installCommand(packages: readonly string[]): string {
  return `npm install ${packages.map((p) => `${p}@${TFJS_PEER_RANGE}`).join(' ')}`;
}

function resolves(resolve: (name: string) => string, name: string): boolean {
  try {
    resolve(name);
    return true;
  } catch {
    return false;
  }
}

/** The required peers that `resolve` (require.resolve by default) cannot find. */
export function missingTfjsPeers(resolve: (name: string) => string = require.resolve): string[] {
  return REQUIRED_TFJS_PEERS.filter((name) => !resolves(resolve, name));
}

/** Throws a DriftwatchError naming the missing peers and the command that installs them. */
export function assertTfjsPeers(resolve?: (name: string) => string): void {
  const missing = missingTfjsPeers(resolve);
  if (missing.length === 0) return;
  throw new DriftwatchError(
    `@driftwatch/models needs ${missing.join(' and ')}, which ${missing.length === 1 ? 'is' : 'are'} not ` +
      `installed (peer dependencies: the application provides tfjs). Install ${missing.length === 1 ? 'it' : 'them'}` +
      ` with: ${installCommand(missing)}`,
  );
}

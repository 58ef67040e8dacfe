import { DriftwatchError } from '@driftwatch/contracts';
import { assertTfjsPeers, missingTfjsPeers } from './peers';

/** A resolver that finds only `installed`, as require.resolve does in a project with just those packages. */
function resolverOf(installed: readonly string[]): (name: string) => string {
  return (name) => {
    if (installed.includes(name)) return `/project/node_modules/${name}/index.js`;
    throw Object.assign(new Error(`Cannot find module '${name}'`), { code: 'MODULE_NOT_FOUND' });
  };
}

describe('the tfjs peer check', () => {
  it('finds the peers of this workspace (the root installs them)', () => {
    expect(missingTfjsPeers()).toEqual([]);
    expect(() => assertTfjsPeers()).not.toThrow();
  });

  it('names both packages and the npm command that installs them when no tfjs resolves', () => {
    const check = () => assertTfjsPeers(resolverOf([]));
    expect(check).toThrow(DriftwatchError);
    expect(check).toThrow('with: npm install @tensorflow/tfjs@^4.22.0 @tensorflow/tfjs-backend-wasm@^4.22.0');
  });

  it('names only the missing one when tfjs is there without the wasm backend', () => {
    const check = () => assertTfjsPeers(resolverOf(['@tensorflow/tfjs']));
    expect(check).toThrow(/needs @tensorflow\/tfjs-backend-wasm, which is not installed/);
    expect(check).toThrow(/with: npm install @tensorflow\/tfjs-backend-wasm@\^4\.22\.0$/);
  });

  it('asks for the range package.json declares', () => {
    const peers = (require('../../package.json') as { peerDependencies: Record<string, string> }).peerDependencies;
    const check = () => assertTfjsPeers(resolverOf([]));
    expect(check).toThrow(`@tensorflow/tfjs@${peers['@tensorflow/tfjs']} `);
    expect(check).toThrow(`@tensorflow/tfjs-backend-wasm@${peers['@tensorflow/tfjs-backend-wasm']}`);
  });
});

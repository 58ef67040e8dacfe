import { defineCommand } from '../command';

export const doctorDefinition = defineCommand({
  path: ['doctor'],
  summary:
    'which tfjs backend trains on this machine: every candidate with its version, status and reason, and the machine',
  usage: 'driftwatch doctor [--backend <name>] [--json]',
  description: [
    'Tries every backend candidate in the order training uses them (tfjs-node-gpu → tfjs-node → webgpu → wasm → cpu).',
    'A candidate is accepted when it loads and passes a smoke test against the cpu backend; the first ' +
      'accepted is chosen.',
    'Reasons: not-installed, native-addon-missing (the package is there, its native library is not), ' +
      'no-adapter (WebGPU),',
    'kernel-missing, smoke-failed (wrong numbers), init-failed. Exits 1 when no candidate passes.',
  ].join('\n'),
  options: {
    backend: {
      type: 'string',
      valueName: 'name',
      default: 'auto',
      description: 'check only this candidate (auto: all of them)',
    },
    json: { type: 'boolean', description: 'print the report as one JSON object (format 1) instead of text' },
  },
  examples: ['driftwatch doctor', 'driftwatch doctor --json', 'driftwatch doctor --backend webgpu'],
});

export * from './loader';
export { registerWasmKernelFixes } from './wasm-kernels';
export {
  BACKEND_REASONS,
  CandidateFailure,
  defaultCandidates,
  type Activation,
  type BackendCandidate,
  type BackendReason,
} from './candidates';
export {
  SMOKE_TOLERANCE,
  compareSmoke,
  defaultSmokeProblem,
  runSmokeStep,
  smokeStepFloat64,
  type SmokeComparison,
  type SmokeProblem,
  type SmokeResult,
} from './smoke-test';
export { kernelsMissingOn, registerCpuFallbacks } from './cpu-fallback';
export { wasmFeatures, type WasmFeatures } from './wasm-features';
export { REQUIRED_TFJS_PEERS, TFJS_PEER_RANGE, assertTfjsPeers, missingTfjsPeers } from './peers';

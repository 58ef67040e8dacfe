export * from './loader';
export { registerWasmKernelFixes } from './wasm-kernels';

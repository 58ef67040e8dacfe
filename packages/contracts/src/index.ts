export * from './sequence';
export * from './errors';
export * from './detector';
export * from './graph';
export * from './node-series';
export * from './evaluation';
export * from './window-set';
export * from './random';

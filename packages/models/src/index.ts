export * from './model-dir';
export * from './backend';
export * from './training';
export * from './density';
export * from './divad';
export * from './baselines';
export * from './linalg';
export * from './registry';

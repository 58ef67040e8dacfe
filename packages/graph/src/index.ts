export * from './csv';
export * from './hosts';
export * from './service-graph';
export * from './adjacency';

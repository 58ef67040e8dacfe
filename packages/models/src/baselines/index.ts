export * from './isolation-trees';
export * from './iforest';
export * from './mahalanobis';
export * from './pca';
export * from './shallow-detector';

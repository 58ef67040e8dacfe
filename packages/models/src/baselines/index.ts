export * from './isolation-trees';
export * from './iforest';
export * from './mahalanobis';
export * from './pca';
export * from './shallow-detector';
export * from './dense-ae';
export * from './dense-vae';
export * from './lstm-ad';

export * from './eigen';
export * from './cholesky';
export * from './covariance';
export * from './mahalanobis';
export * from './principal-components';

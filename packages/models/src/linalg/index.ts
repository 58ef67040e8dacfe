export * from './eigen';
export * from './cholesky';
export * from './covariance';
export * from './mahalanobis';

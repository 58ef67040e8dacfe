export * from './gaussian';
export * from './gaussian-tf';
export * from './gmm';

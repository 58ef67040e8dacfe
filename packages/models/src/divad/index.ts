export * from './config';
export * from './network';
export * from './dense-divad';
export * from './step';

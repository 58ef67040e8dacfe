export * from './config';
export * from './network';
export * from './divad';
export * from './descriptors';

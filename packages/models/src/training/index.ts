export * from './adamw';
export * from './train-loop';
export * from './weights-file';
export * from './optimisation-step';

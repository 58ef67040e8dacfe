import type { NodeDetectorDescriptor } from '../descriptor';
import { ST_DDA_PARAMETERS } from './config';
import { StDda, ST_DDA_ID } from './st-dda';

export const ST_DDA_DESCRIPTOR: NodeDetectorDescriptor = {
  id: ST_DDA_ID,
  kind: 'node',
  summary:
    'spatiotemporal embeddings with learned and observed dependencies; score: an entity’s latent distance to its ' +
    'reference',
  citation:
    '"Adaptive AI Spatiotemporal Modeling with Dependency Drift Awareness for Anomaly Detection in Large-Scale ' +
    'Clusters", preprint, Dec 2025, with the training choices of docs/spatiotemporal.md §1',
  capabilities: { tfjs: true, supervised: false, epochs: true },
  schema: ST_DDA_PARAMETERS,
  datasetDefaults: {},
  // one batch of 256 window ends covers the conformance and benchmark series whole
  testParams: { windowLength: 4, embeddingDim: 4, encoderHidden: 4, decoderHidden: 4, batchSize: 256 },
  create: (params) => new StDda(params),
  load: (dir) => StDda.load(dir),
};

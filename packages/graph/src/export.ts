// The adjacency of a snapshot is a pure function of a contracts type, shared with the detectors that cannot
// depend on this package: it lives in contracts and is part of this package's API as well.
export {
  denseAdjacency,
  cooAdjacency,
  cooToDense,
  type CooMatrix,
  type SnapshotAdjacencyOptions as ExportOptions,
} from '@driftwatch/contracts';

export type EdgeKind = 'call' | 'contention' | 'correlation';

export interface GraphEdge {
  src: number;
  dst: number;
  kind: EdgeKind;
  weight: number;
}

/** A graph at time t over a fixed node order (indices into `nodes`). */
export interface GraphSnapshot {
  t: number;
  nodes: string[];
  edges: GraphEdge[];
}

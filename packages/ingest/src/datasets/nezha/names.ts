/** Naming rules of the Nezha data: pods → services, applications, edge column names. */

/** The two benchmark applications (datasets README, Nezha: OnlineBoutique "hipster", TrainTicket "ts"). */
export type NezhaApplication = 'hipster' | 'train-ticket';

/** A call edge: the calling service and the called service. */
export interface CallEdge {
  caller: string;
  callee: string;
}

/**
 * Pod name → service name: the pod name without its last two `-` parts, the Kubernetes replica-set hash
 * and the pod suffix (datasets README, Nezha, "Data remarks"), e.g. `ts-food-service-f5756978c-k8vqf` →
 * `ts-food-service`. Undefined when the name has fewer than three non-empty parts (then it is no pod name).
 */
export function serviceOfPod(pod: string): string | undefined {
  const parts = pod.split('-');
  if (parts.length < 3 || parts.some((p) => p === '')) return undefined;
  return parts.slice(0, -2).join('-');
}

/** TrainTicket's services are all named `ts-…`, OnlineBoutique's are not (datasets README, Nezha, file lists). */
export function applicationOfServices(services: readonly string[]): NezhaApplication {
  return services.length > 0 && services.every((s) => s.startsWith('ts-')) ? 'train-ticket' : 'hipster';
}

/** The root-cause file of an application (`construct_data/root_cause_{hipster,ts}.json`, datasets README). */
export function rootCauseFileOf(application: NezhaApplication): string {
  return application === 'hipster' ? 'root_cause_hipster.json' : 'root_cause_ts.json';
}

/**
 * `<caller>_<callee>` column name → its call edge. With the call edges of dependency.csv, the name must
 * spell exactly one of them (so service names holding `_` stay unambiguous); without them it must hold
 * exactly one `_`. Undefined when no edge or several edges fit.
 */
export function edgeOfColumn(column: string, callEdges?: readonly CallEdge[]): CallEdge | undefined {
  if (callEdges) {
    const matches = callEdges.filter((e) => `${e.caller}_${e.callee}` === column);
    return matches.length === 1 ? { caller: matches[0].caller, callee: matches[0].callee } : undefined;
  }
  const parts = column.split('_');
  if (parts.length !== 2 || parts[0] === '' || parts[1] === '') return undefined;
  return { caller: parts[0], callee: parts[1] };
}

/** The column name of a call edge in source_50.csv / destination_50.csv. */
export function columnOfEdge(edge: CallEdge): string {
  return `${edge.caller}_${edge.callee}`;
}

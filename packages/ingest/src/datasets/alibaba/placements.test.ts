import {
  type ContainerEvent,
  type Placement,
  containerPlacements,
  instancePlacement,
  overlaps,
  placementsAt,
  placementsByMachine,
  placementsOf,
  placementsOn,
} from './placements';

const event = (
  containerId: string,
  machineId: string | null,
  timeMs: number | null,
  appDu: string | null = 'app_1',
): ContainerEvent => ({
  containerId,
  machineId,
  timeMs,
  appDu,
  status: 'started',
  cpuRequest: 400,
  cpuLimit: 400,
  memSize: 1.5,
});

describe('containerPlacements', () => {
  // c_1: on m_1 from 0 (event again at 100), moved to m_2 at 500, back to m_1 at 900; rows unsorted
  const events = [
    event('c_1', 'm_2', 500_000),
    event('c_1', 'm_1', 0),
    event('c_2', null, 0),
    event('c_1', 'm_1', 900_000),
    event('c_1', 'm_1', 100_000),
    event('c_3', 'm_3', null),
  ];

  it('makes one placement per run on a machine, ending at the move', () => {
    expect(containerPlacements(events)).toEqual([
      { entity: 'c_1', kind: 'container', machineId: 'm_1', startMs: 0, endMs: 500_000, group: 'app_1' },
      { entity: 'c_1', kind: 'container', machineId: 'm_2', startMs: 500_000, endMs: 900_000, group: 'app_1' },
      { entity: 'c_1', kind: 'container', machineId: 'm_1', startMs: 900_000, endMs: null, group: 'app_1' },
    ]);
  });

  it('breaks ties of equal times by file order', () => {
    const placements = containerPlacements([event('c_9', 'm_1', 0), event('c_9', 'm_2', 0)]);
    expect(placements.map((p) => [p.machineId, p.startMs, p.endMs])).toEqual([
      ['m_1', 0, 0],
      ['m_2', 0, null],
    ]);
  });

  it('answers which entities are on a machine, when', () => {
    const placements = containerPlacements(events);
    expect(placementsOn(placements, 'm_1').map((p) => p.startMs)).toEqual([0, 900_000]);
    expect(placementsOn(placements, 'm_1', { fromMs: 600_000, toMs: 800_000 })).toEqual([]);
    expect(placementsOn(placements, 'm_1', { fromMs: 400_000, toMs: 950_000 }).map((p) => p.startMs)).toEqual([
      0, 900_000,
    ]);
    expect(placementsAt(placements, 500_000).map((p) => p.machineId)).toEqual(['m_2']);
    expect(placementsAt(placements, 499_999).map((p) => p.machineId)).toEqual(['m_1']);
    expect(placementsOf(placements, 'c_1')).toHaveLength(3);
    expect([...placementsByMachine(placements).keys()]).toEqual(['m_1', 'm_2']);
  });
});

describe('instancePlacement', () => {
  const row = { instance: 'ins_1', task: 'M1', job: 'j_1', machineId: 'm_7', startMs: 1000, endMs: 5000 };

  it('names the instance by job, task and instance', () => {
    expect(instancePlacement(row)).toEqual({
      entity: 'j_1/M1/ins_1',
      kind: 'batch-instance',
      machineId: 'm_7',
      startMs: 1000,
      endMs: 5000,
      group: 'j_1',
    });
  });

  it('reads an end of 0, an empty end, or an end before the start as open', () => {
    expect(instancePlacement({ ...row, endMs: 0 })!.endMs).toBeNull();
    // start 0 is "before the span": an end of 0 there is open by the 0 rule alone
    expect(instancePlacement({ ...row, startMs: 0, endMs: 0 })).toMatchObject({ startMs: 0, endMs: null });
    expect(instancePlacement({ ...row, endMs: null })!.endMs).toBeNull();
    expect(instancePlacement({ ...row, endMs: 500 })!.endMs).toBeNull();
    expect(instancePlacement({ ...row, startMs: 0 })!.startMs).toBe(0);
  });

  it('gives no placement without a machine', () => {
    expect(instancePlacement({ ...row, machineId: null })).toBeNull();
  });
});

describe('overlaps', () => {
  const p = (startMs: number | null, endMs: number | null): Placement => ({
    entity: 'e',
    kind: 'container',
    machineId: 'm',
    startMs,
    endMs,
    group: null,
  });
  it('treats intervals as half-open and unknown bounds as unbounded', () => {
    expect(overlaps(p(0, 10), 10, 20)).toBe(false);
    expect(overlaps(p(0, 11), 10, 20)).toBe(true);
    expect(overlaps(p(20, null), 10, 20)).toBe(false);
    expect(overlaps(p(null, 5), -100, 0)).toBe(true);
    expect(overlaps(p(19, null), 10, 20)).toBe(true);
  });
});

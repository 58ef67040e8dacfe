import { renderSvgs } from './svg';

describe('renderSvgs', () => {
  it('renders a Vega-Lite bar chart to an SVG with one rect per bar', async () => {
    const [svg] = await renderSvgs([
      {
        data: {
          values: [
            { a: 'x', b: 1 },
            { a: 'y', b: 3 },
            { a: 'z', b: 2 },
          ],
        },
        mark: 'bar',
        encoding: { x: { field: 'a', type: 'nominal' }, y: { field: 'b', type: 'quantitative' } },
      },
    ]);
    expect(svg.startsWith('<svg')).toBe(true);
    const group = /<g class="mark-rect role-mark[^"]*"[^>]*>(.*?)<\/g>/s.exec(svg)!;
    expect(group).not.toBeNull();
    expect(group[1].match(/<path /g)).toHaveLength(3);
  });

  it('names the plot that fails', async () => {
    await expect(renderSvgs([{ title: 'broken', data: { values: [] }, mark: 'nonsense' as never }])).rejects.toThrow(
      /"broken" did not render/,
    );
  });

  it('fails on warnings when strict, and renders anyway otherwise', async () => {
    const spec = {
      title: 'odd',
      data: { values: [{ a: 'x' }] },
      mark: 'bar' as const,
      encoding: { x: { field: 'a', type: 'nominal' as const, scale: { type: 'log' as const } } },
    };
    await expect(renderSvgs([spec], { strict: true })).rejects.toThrow(/"odd" rendered with warnings/);
    await expect(renderSvgs([spec])).resolves.toHaveLength(1);
  });
});

/** Dotted-quad IPv4 address (four decimal octets 0–255), the way Nezha names the nodes pods run on. */
export function looksLikeIPv4(name: string): boolean {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(name);
  return m !== null && m.slice(1).every((o) => Number(o) <= 255);
}

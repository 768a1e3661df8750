// Loopback addresses: `localhost` and `*.localhost` (RFC 6761 §6.3), 127.0.0.0/8 (RFC 1122
// §3.2.1.3), ::1 and ::ffff:127.0.0.0/104 (RFC 4291 §2.5.3, §2.5.5.2). `0.0.0.0` is *not*
// loopback: a listener there is reachable from every interface. One rule for `check` (a server
// only this machine can reach) and `serve` (may it listen in cleartext here?).

/** A bare host name or address (no port, no brackets). A `{variable}` in it means it cannot be told: not loopback. */
export function isLoopbackHostname(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/\.$/, '');
  if (h === '' || h.includes('{') || h.includes('}')) return false;
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isLoopbackIPv4(h)) return true;
  return isLoopbackIPv6(h);
}

function isLoopbackIPv4(h: string): boolean {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(h);
  if (!m) return false;
  const octets = m.slice(1).map(Number);
  return octets.every((o) => o <= 255) && octets[0] === 127;
}

function isLoopbackIPv6(h: string): boolean {
  const addr = h.replace(/%.*$/, ''); // zone id
  if (!/^[0-9a-f:.]+$/.test(addr) || !addr.includes(':')) return false;
  let tail: number[] = [];
  let text = addr;
  // An embedded IPv4 tail (::ffff:127.0.0.1) counts as two 16-bit groups.
  const v4 = /^(.*:)(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})$/.exec(addr);
  if (v4) {
    const o = v4[2]!.split('.').map(Number);
    if (o.some((x) => x > 255)) return false;
    tail = [(o[0]! << 8) | o[1]!, (o[2]! << 8) | o[3]!];
    text = v4[1]!.endsWith('::') ? v4[1]! : v4[1]!.slice(0, -1);
  }
  const halves = text.split('::');
  if (halves.length > 2) return false;
  const parse = (s: string): number[] | null => {
    if (s === '') return [];
    const groups = s.split(':');
    if (groups.some((g) => !/^[0-9a-f]{1,4}$/.test(g))) return null;
    return groups.map((g) => parseInt(g, 16));
  };
  const head = parse(halves[0]!);
  const rest = halves.length === 2 ? parse(halves[1]!) : [];
  if (head === null || rest === null) return false;
  const known = head.length + rest.length + tail.length;
  if (halves.length === 1 ? known !== 8 : known > 7) return false;
  const groups = [...head, ...new Array<number>(8 - known).fill(0), ...rest, ...tail];
  if (groups.slice(0, 7).every((g) => g === 0) && groups[7] === 1) return true; // ::1
  // IPv4-mapped loopback ::ffff:127.x.y.z
  return groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff && groups[6]! >> 8 === 127;
}

// Loopback detection for server hosts and URLs. A finding about cleartext or an open
// server does not apply to a host only this machine can reach.
//
// Loopback: `localhost` and `*.localhost` (RFC 6761 §6.3), 127.0.0.0/8 (RFC 1122 §3.2.1.3),
// ::1 and ::ffff:127.0.0.0/104 (RFC 4291 §2.5.3, §2.5.5.2). `0.0.0.0` is *not* loopback: a
// listener there is reachable from every interface.
// A host may carry a port (`localhost:1883`, `[::1]:8080`) and server `{variables}`: a
// variable in the port is fine (`localhost:{port}`), but a variable anywhere in the host
// name (`{host}`, `{env}.localhost`) means it cannot be told, so it is not loopback.

/** The host name part of a server host (`host[:port]`, optionally `scheme://`, userinfo, path). */
export function hostnameOf(host: string): string {
  let h = host.trim();
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(h);
  if (scheme) h = h.slice(scheme[0].length);
  // Cut the path, query and fragment; an `@` before them ends the userinfo.
  const end = h.search(/[/?#]/);
  if (end !== -1) h = h.slice(0, end);
  const at = h.lastIndexOf('@');
  if (at !== -1) h = h.slice(at + 1);
  if (h.startsWith('[')) {
    const close = h.indexOf(']');
    return (close === -1 ? h.slice(1) : h.slice(1, close)).toLowerCase();
  }
  const colons = h.split(':').length - 1;
  // One colon: host:port. Several without brackets: a bare IPv6 address.
  if (colons === 1) h = h.slice(0, h.indexOf(':'));
  return h.toLowerCase();
}

export function isLoopbackHostname(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/\.$/, '');
  if (h === '' || h.includes('{') || h.includes('}')) return false;
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isLoopbackIPv4(h)) return true;
  return isLoopbackIPv6(h);
}

/** A server `host` (or 2.x `url` remainder) that only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  return isLoopbackHostname(hostnameOf(host));
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

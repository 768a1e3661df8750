// A broker URL as the user wrote it → what may be logged (no user, password, path secrets or
// query) and the credentials to hand the client separately.

export interface BrokerUrl {
  readonly url: URL;
  /** `nats://host:port` / `redis://host:port/db`: safe to log. */
  readonly description: string;
  readonly username: string | undefined;
  readonly password: string | undefined;
}

/** Null when it is not a URL with one of the protocols (the caller reports without quoting it). */
export function parseBrokerUrl(ref: string, protocols: readonly string[], defaultPort: number): BrokerUrl | null {
  let url: URL;
  try {
    url = new URL(ref);
  } catch {
    return null;
  }
  if (!protocols.includes(url.protocol) || url.hostname === '') return null;
  const port = url.port === '' ? defaultPort : Number(url.port);
  // Only a database number survives from the path (redis://host/2); anything else is dropped.
  const db = /^\/[0-9]{1,2}$/.test(url.pathname) ? url.pathname : '';
  let username: string | undefined;
  let password: string | undefined;
  try {
    username = url.username === '' ? undefined : decodeURIComponent(url.username);
    password = url.password === '' ? undefined : decodeURIComponent(url.password);
  } catch {
    return null; // a malformed %-escape in the credentials
  }
  return {
    url,
    description: `${url.protocol}//${bracketed(url.hostname)}:${port}${db}`,
    username,
    password,
  };
}

/** An IPv6 literal in brackets, as it stands in a URL; other host names as they are. */
function bracketed(hostname: string): string {
  return hostname.includes(':') && !hostname.startsWith('[') ? `[${hostname}]` : hostname;
}

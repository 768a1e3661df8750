// Programs the tests start or drive (brokers, MQTT clients, a browser, openssl, a pty). Each is
// looked up on PATH; when one is missing the test FAILS (it never skips) with one line naming the
// Debian package that brings it. .ci/run installs every one of them.
//
//   const pub = requireBinary('mosquitto_pub', 'mosquitto-clients');   // its absolute path

import { execFileSync } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Daemons install into sbin (Debian's nats-server: /usr/sbin), which a non-root PATH may lack.
const SBIN = ['/usr/local/sbin', '/usr/sbin', '/sbin'];

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The absolute path of `name` on PATH (then the sbin folders), or null. */
export function findBinary(name: string): string | null {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter((d) => d !== '');
  for (const dir of [...dirs, ...SBIN.filter((d) => !dirs.includes(d))]) {
    const path = join(dir, name);
    if (isExecutableFile(path)) return path;
  }
  return null;
}

/** The absolute path of `name`; throws "NAME not found on PATH: apt-get install -y PACKAGE" when missing. */
export function requireBinary(name: string, debianPackage: string): string {
  const path = findBinary(name);
  if (path === null) throw new Error(`${name} not found on PATH: apt-get install -y ${debianPackage}`);
  return path;
}

/** Headless Chromium: CHROME_PATH when set, else `chromium`, `chromium-browser` or `google-chrome` on PATH. */
export function requireChromium(): string {
  const given = process.env.CHROME_PATH;
  if (given !== undefined && given !== '') {
    if (!isExecutableFile(given)) throw new Error(`CHROME_PATH=${given} is not an executable file`);
    return given;
  }
  for (const name of ['chromium', 'chromium-browser', 'google-chrome']) {
    const path = findBinary(name);
    if (path !== null) return path;
  }
  throw new Error('chromium not found on PATH (nor CHROME_PATH): apt-get install -y chromium');
}

/**
 * nats-server 2.10 or later (auth callout; Debian bookworm's is 2.9.10): the binary
 * `scripts/fetch-nats-server.sh` keeps in `.cache/nats-server/`, fetched by the script when it is
 * missing. Throws, naming the script, when it cannot be had.
 */
export function requireNatsServer210(): string {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const cached = join(root, '.cache', 'nats-server', 'nats-server');
  if (isExecutableFile(cached)) return cached;
  try {
    const out = execFileSync('bash', [join(root, 'scripts', 'fetch-nats-server.sh')], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 300_000,
    });
    const path = out.trim().split('\n').pop() ?? '';
    if (isExecutableFile(path)) return path;
  } catch {
    // reported below
  }
  throw new Error('nats-server 2.10 not found in .cache/nats-server/: run bash scripts/fetch-nats-server.sh');
}

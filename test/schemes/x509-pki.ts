// A throw-away PKI for the X509 tests, generated per run with the `openssl` CLI (OpenSSL 3.0) in a
// temp dir: nothing private is committed. EC P-256 keys keep it fast (about 40 openssl calls).
//   root CA ─┬─ intermediate CA ─┬─ alice (CN + SAN email/URI/DNS, clientAuth), revoked, …
//            │                   └─ …
//            └─ server (serverAuth, for the TLS handshake test)
//   other root CA ── stranger (an unknown CA's client)
// Validity dates are absolute (`openssl ca -startdate/-enddate`), relative to `pki.now`, so the
// tests can pass `pki.now` (or a later instant) as the verifier's clock and never sleep.

import { execFile } from 'node:child_process';
import { appendFile, mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { requireBinary } from '../helpers/binaries.js';

const run = promisify(execFile);
const DAY = 86_400_000;

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await run(requireBinary('openssl', 'openssl'), args, { cwd });
  } catch (err) {
    const e = err as { stderr?: string };
    throw new Error(`openssl ${args[0]} failed: ${e.stderr ?? String(err)}`, { cause: err });
  }
}

/** `YYYYMMDDHHMMSSZ` (GeneralizedTime), as `openssl ca -startdate/-enddate` take it. */
function asn1Time(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z';
}

const caConfig = (dir: string) => `
[ca]
default_ca = ca_default
[ca_default]
dir = ${dir}
database = $dir/index.txt
new_certs_dir = $dir/newcerts
serial = $dir/serial
crlnumber = $dir/crlnumber
default_md = sha256
default_days = 365
default_crl_days = 30
policy = policy_any
unique_subject = no
email_in_dn = no
[policy_any]
commonName = optional
organizationName = optional
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[ca_ext]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
`;

export interface Issued {
  /** Leaf certificate, DER. */
  readonly der: Uint8Array;
  readonly pem: string;
  readonly keyPem: string;
  readonly certPath: string;
}

export interface Pki {
  readonly dir: string;
  /** The instant the validity dates are relative to (ms). */
  readonly now: number;
  readonly root: Issued;
  readonly intermediate: Issued;
  readonly otherRoot: Issued;
  /** Issues a certificate from `issuer`, with the body of its extension section (more sections may follow). */
  issue(
    issuer: CaName,
    name: string,
    subject: string,
    extensions: string,
    dates?: { from?: number; to?: number },
  ): Promise<Issued>;
  /** A self-signed certificate (not from any CA). */
  selfSigned(name: string, subject: string, extensions: string): Promise<Issued>;
  /** A new intermediate CA under `issuer`, usable as an issuer by its name afterwards. */
  issueCa(
    issuer: CaName,
    name: string,
    cn: string,
    basicConstraints?: string,
    moreExtensions?: string,
  ): Promise<Issued>;
  revoke(issuer: CaName, cert: Issued): Promise<void>;
  /** Generates the issuer's CRL (PEM) into `file`, returns the path; `extensions`: a CRL extension section's body. */
  crl(issuer: CaName, file: string, extensions?: string): Promise<string>;
  /** Writes a file into the PKI folder and returns its path. */
  write(file: string, content: string | Uint8Array): Promise<string>;
  cleanup(): Promise<void>;
}

/** 'root', 'intermediate', 'otherRoot', or a CA made with issueCa. */
export type CaName = string;

export const CLIENT_EXT =
  'basicConstraints = CA:FALSE\nkeyUsage = critical, digitalSignature\nextendedKeyUsage = clientAuth\n' +
  'subjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid';

const der = (pem: string): Uint8Array => {
  const body = pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
  return new Uint8Array(Buffer.from(body, 'base64'));
};

export async function createPki(): Promise<Pki> {
  const dir = await mkdtemp(join(tmpdir(), 'agx509-'));
  const cas = new Map<CaName, { dir: string; cnf: string; cert: string; key: string }>();
  const caOf = (name: CaName) => {
    const ca = cas.get(name);
    if (ca === undefined) throw new Error(`no CA ${name}`);
    return ca;
  };

  const readIssued = async (certPath: string, keyPath: string): Promise<Issued> => {
    const pem = await readFile(certPath, 'utf8');
    return { der: der(pem), pem, keyPem: await readFile(keyPath, 'utf8'), certPath };
  };

  let nextSerial = 0x1000;
  const makeCaDir = async (name: CaName) => {
    const caDir = join(dir, name);
    await mkdir(join(caDir, 'newcerts'), { recursive: true });
    await writeFile(join(caDir, 'index.txt'), '');
    await writeFile(join(caDir, 'serial'), `${nextSerial.toString(16)}\n`);
    nextSerial += 0x1000;
    await writeFile(join(caDir, 'crlnumber'), '01\n');
    const cnf = join(caDir, 'ca.cnf');
    await writeFile(cnf, caConfig(caDir));
    return { dir: caDir, cnf, cert: join(caDir, 'ca.pem'), key: join(caDir, 'ca.key') };
  };

  const newKeyAndCsr = async (name: string, subject: string, cnf: string) => {
    const key = join(dir, `${name}.key`);
    const csr = join(dir, `${name}.csr`);
    await openssl(
      [
        'req',
        '-new',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        key,
        '-out',
        csr,
        '-subj',
        subject,
        '-config',
        cnf,
      ],
      dir,
    );
    return { key, csr };
  };

  const issueWith = async (
    issuer: CaName,
    name: string,
    subject: string,
    extensions: string,
    dates: { from?: number; to?: number } = {},
  ) => {
    const ca = caOf(issuer);
    const { key, csr } = await newKeyAndCsr(name, subject, ca.cnf);
    const ext = join(dir, `${name}.ext`);
    await writeFile(ext, `[ext]\n${extensions}\n`);
    const cert = join(dir, `${name}.pem`);
    await openssl(
      [
        'ca',
        '-batch',
        '-notext',
        '-preserveDN',
        '-config',
        ca.cnf,
        '-cert',
        ca.cert,
        '-keyfile',
        ca.key,
        '-in',
        csr,
        '-out',
        cert,
        '-extfile',
        ext,
        '-extensions',
        'ext',
        '-startdate',
        asn1Time(dates.from ?? now - DAY),
        '-enddate',
        asn1Time(dates.to ?? now + 365 * DAY),
      ],
      dir,
    );
    return readIssued(cert, key);
  };

  const makeRoot = async (name: CaName, cn: string) => {
    const ca = await makeCaDir(name);
    await openssl(
      [
        'req',
        '-x509',
        '-new',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        ca.key,
        '-out',
        ca.cert,
        '-subj',
        `/CN=${cn}`,
        '-days',
        '3650',
        '-config',
        ca.cnf,
        '-extensions',
        'ca_ext',
      ],
      dir,
    );
    cas.set(name, ca);
    return readIssued(ca.cert, ca.key);
  };

  const root = await makeRoot('root', 'Test Root CA');
  const otherRoot = await makeRoot('otherRoot', 'Other Root CA');
  // Taken once the roots exist: `req -x509` dates a root from the second it runs, so an earlier
  // `now` could fall before the roots' notBefore and make every path through them "expired".
  const now = Date.now();
  const issueCa = async (
    issuer: CaName,
    name: CaName,
    cn: string,
    basicConstraints = 'critical, CA:TRUE',
    moreExtensions = '',
  ) => {
    const ca = await makeCaDir(name);
    const issued = await issueWith(
      issuer,
      `${name}-ca`,
      `/CN=${cn}`,
      `basicConstraints = ${basicConstraints}\nkeyUsage = critical, keyCertSign, cRLSign\n` +
        `subjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid:always${moreExtensions}`,
      { to: now + 3000 * DAY },
    );
    await writeFile(ca.cert, issued.pem);
    await writeFile(ca.key, issued.keyPem);
    cas.set(name, ca);
    return issued;
  };
  const intermediate = await issueCa('root', 'intermediate', 'Test Intermediate CA', 'critical, CA:TRUE, pathlen:0');

  return {
    dir,
    now,
    root,
    intermediate,
    otherRoot,
    issue: issueWith,
    issueCa,
    async selfSigned(name, subject, extensions) {
      const key = join(dir, `${name}.key`);
      const cert = join(dir, `${name}.pem`);
      const ext = join(dir, `${name}.cnf`);
      await writeFile(ext, `[req]\ndistinguished_name = dn\nprompt = no\n[dn]\nCN = unused\n[ext]\n${extensions}\n`);
      await openssl(
        [
          'req',
          '-x509',
          '-new',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:P-256',
          '-nodes',
          '-keyout',
          key,
          '-out',
          cert,
          '-subj',
          subject,
          '-days',
          '30',
          '-config',
          ext,
          '-extensions',
          'ext',
        ],
        dir,
      );
      return readIssued(cert, key);
    },
    async revoke(issuer, cert) {
      const ca = caOf(issuer);
      await openssl(['ca', '-config', ca.cnf, '-cert', ca.cert, '-keyfile', ca.key, '-revoke', cert.certPath], dir);
    },
    async crl(issuer, file, extensions) {
      const ca = caOf(issuer);
      const out = join(dir, file);
      const more: string[] = [];
      if (extensions !== undefined) {
        const section = `crl_ext_${file.replace(/\W/g, '_')}`;
        await appendFile(ca.cnf, `\n[${section}]\n${extensions}\n`);
        more.push('-crlexts', section);
      }
      await openssl(
        ['ca', '-gencrl', '-config', ca.cnf, '-cert', ca.cert, '-keyfile', ca.key, '-out', out, ...more],
        dir,
      );
      return out;
    },
    async write(file, content) {
      const path = join(dir, file);
      await writeFile(path, content);
      return path;
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

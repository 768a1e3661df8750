#!/usr/bin/env node
// Creates everything the serve demo needs under examples/streetlights/.demo/ (gitignored), then
// prints how to connect. Node only, no extra dependency: the credential store through the
// asyncapi-guard library (built by `npm ci`), a JWT signing key and its JWKS with node:crypto,
// a CA, a server and a client certificate with openssl.
//
//   node examples/streetlights/setup.mjs           # set up
//   node examples/streetlights/setup.mjs --serve   # set up, then run `asyncapi-guard serve` (npm run demo)
//
// Each run starts afresh: new passwords are not chosen (the demo ones are fixed and printed),
// but the API key, the signing key, the token and the certificates are new every time.

import { execFileSync, spawn } from 'node:child_process';
import { createSign, generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const demo = join(here, '.demo');
// ASYNCAPI_GUARD_MODULE: load the library from elsewhere (the tests point it at src/index.ts).
const libUrl = process.env.ASYNCAPI_GUARD_MODULE ?? pathToFileURL(join(root, 'dist', 'index.js')).href;

export const DEMO_PASSWORD = 'streetlights-demo';
export const ISSUER = 'https://idp.streetlights.example/';
export const AUDIENCE = 'streetlights';

async function main() {
  let lib;
  try {
    lib = await import(libUrl);
  } catch {
    process.stderr.write('setup: the library is not built yet: run `npm ci` (it builds dist/) first\n');
    process.exit(2);
  }
  rmSync(demo, { recursive: true, force: true });
  mkdirSync(demo, { recursive: true });

  // 1. Credentials: two users with the demo password, an API key for a sensor, and a device
  //    principal (no password) whose name is the client certificate's CN.
  const store = await lib.openStore('file:./.demo/credentials.yaml', { baseDir: here, watch: false });
  await store.addPrincipal({ name: 'operator', password: DEMO_PASSWORD, scopes: [] });
  await store.addPrincipal({ name: 'sensor-1', scopes: [] });
  await store.addPrincipal({ name: 'device-1', scopes: [] });
  const { key: apiKey } = await store.createApiKey('sensor-1');
  await store.close();

  // 2. A signing key for bearer JWTs, its public JWKS, and a demo token valid for 12 hours.
  const kid = randomUUID();
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwks = { keys: [{ ...publicKey.export({ format: 'jwk' }), kid, alg: 'ES256', use: 'sig' }] };
  writeFileSync(join(demo, 'jwks.json'), `${JSON.stringify(jwks, null, 2)}\n`);
  writeFileSync(join(demo, 'jwt-signing-key.pem'), privateKey.export({ format: 'pem', type: 'pkcs8' }), {
    mode: 0o600,
  });
  const b64 = (v) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const input =
    `${b64({ alg: 'ES256', typ: 'JWT', kid })}.` +
    `${b64({ iss: ISSUER, aud: AUDIENCE, sub: 'dashboard-1', iat: now, exp: now + 12 * 3600, scope: 'lights:read' })}`;
  // JWS ES256 signatures are R || S, not DER (RFC 7518 §3.4).
  const signature = createSign('SHA256').update(input).sign({ key: privateKey, dsaEncoding: 'ieee-p1363' });
  const token = `${input}.${signature.toString('base64url')}`;
  writeFileSync(join(demo, 'token.jwt'), `${token}\n`, { mode: 0o600 });

  // 3. A CA, a server certificate for 127.0.0.1/localhost, and a client certificate for device-1.
  const ssl = (...args) => execFileSync('openssl', args, { cwd: demo, stdio: ['ignore', 'ignore', 'pipe'] });
  const ext = (name, text) => {
    writeFileSync(join(demo, name), text);
    return name;
  };
  ssl(
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    'ca-key.pem',
    '-out',
    'ca.pem',
    '-days',
    '30',
    '-subj',
    '/CN=Streetlights demo CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  );
  for (const [name, subject, extensions] of [
    [
      'server',
      '/CN=localhost',
      'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n' +
        'extendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n',
    ],
    [
      'client',
      '/CN=device-1',
      'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n',
    ],
  ]) {
    ssl(
      'req',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      `${name}-key.pem`,
      '-out',
      `${name}.csr`,
      '-subj',
      subject,
    );
    ssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca-key.pem',
      '-CAcreateserial',
      '-out',
      `${name}.pem`,
      '-days',
      '30',
      '-extfile',
      ext(`${name}.ext`, extensions),
    );
  }

  const d = relative(process.cwd(), demo) || '.';
  process.stdout.write(`Demo credentials in ${d}/ (new on every run; demo only):
  users      operator / ${DEMO_PASSWORD}   (MQTT user name and password; Kafka SASL SCRAM-SHA-256)
  api key    ${apiKey}   (sensor-1: MQTT password with any user name, or X-API-Key over HTTP)
  token      ${d}/token.jwt   (bearer JWT for the WebSocket server, sub dashboard-1)
  client     ${d}/client.pem + ${d}/client-key.pem, CA ${d}/ca.pem   (device-1, mutual TLS)

Try it, once serve runs (another terminal, from the repository root):
  mosquitto_sub -p 11883 -u operator -P ${DEMO_PASSWORD} -t 'streetlights/+/lighting/measured' -v
    (every streetlight; each message is checked against what the operator may receive, see
     docs/guard.md "MQTT wildcard subscriptions")
  mosquitto_pub -p 11883 -u sensor-1 -P '${apiKey}' -t streetlights/7/lighting/measured -m '{"lumens":310}'
  mosquitto_pub -p 18883 --cafile ${d}/ca.pem --cert ${d}/client.pem --key ${d}/client-key.pem \\
    -t streetlights/7/lighting/measured -m '{"lumens":42}'
  curl -N -H 'X-API-Key: ${apiKey}' -H 'Accept: text/event-stream' \\
    http://127.0.0.1:18081/streetlights/7/lighting/measured
  curl -H 'X-API-Key: ${apiKey}' -d '{"lumens":99}' http://127.0.0.1:18081/streetlights/7/lighting/measured
  node -e "const ws=new (require('ws'))('ws://127.0.0.1:18080/ws/streetlights/7/lighting/measured',
    {headers:{authorization:'Bearer '+require('fs').readFileSync('${d}/token.jwt','utf8').trim()}});
    ws.on('message',m=>console.log(String(m)))"
  kcat -b 127.0.0.1:19093 -X security.protocol=sasl_ssl -X ssl.ca.location=${d}/ca.pem \\
    -X sasl.mechanisms=SCRAM-SHA-256 -X sasl.username=operator -X sasl.password=${DEMO_PASSWORD} \\
    -C -t streetlights/7/lighting/measured -o beginning
    (Kafka: the topic is the channel address; -P instead of -C and -o produces the lines of stdin)
  node -e "const {Kafka}=require('kafkajs');const k=new Kafka({brokers:['127.0.0.1:19093'],
    ssl:{ca:[require('fs').readFileSync('${d}/ca.pem')]},
    sasl:{mechanism:'scram-sha-256',username:'operator',password:'${DEMO_PASSWORD}'}});
    const p=k.producer();p.connect().then(()=>p.send({topic:'streetlights/7/lighting/measured',
    messages:[{value:'{\\"lumens\\":5}'}]})).then(()=>p.disconnect())"
  open http://127.0.0.1:19464/ for the status page (also /metrics, /healthz, /readyz)
`);
  return { apiKey, token };
}

const result = await main();
if (process.argv.includes('--serve')) {
  const cli = join(root, 'bin', 'asyncapi-guard.js');
  const child = spawn(
    process.execPath,
    [cli, 'serve', join(here, 'serve.asyncapi.yaml'), '--config', join(here, 'asyncapi-guard.yaml')],
    { stdio: 'inherit' },
  );
  // The terminal sends Ctrl-C to both; serve shuts down by itself, this process just follows.
  for (const s of ['SIGINT', 'SIGTERM']) process.on(s, () => {});
  child.on('exit', (code, signal) => process.exit(code ?? (signal === 'SIGINT' ? 130 : 1)));
} else {
  void result;
}

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadDocument, loadDocumentFromText } from '../../src/document/load.js';
import { classifyRef, findRefs, fragmentToPointer, redactRef } from '../../src/document/refs.js';
import type { LoadedDocument, LoadProblem, Resolution, SourceFile } from '../../src/document/types.js';

const projectRoot = fileURLToPath(new URL('../../', import.meta.url));
const dir = resolve(projectRoot, 'test/fixtures/documents/refs');
const at = (name: string): string => join(dir, name);

function resolved(doc: LoadedDocument, ref: string, from: SourceFile = doc.root): Extract<Resolution, { ok: true }> {
  const r = doc.resolve(ref, from);
  assert.ok(r.ok, `${ref} resolves (${r.ok ? '' : `${r.code}: ${r.reason}`})`);
  return r;
}

function problemAt(doc: LoadedDocument, file: string, pointer: string): LoadProblem {
  const found = doc.problems.filter((p) => p.at.file === file && p.at.pointer === pointer);
  assert.equal(
    found.length,
    1,
    `one problem at ${file}#${pointer}; problems: ${JSON.stringify(doc.problems, null, 1)}`,
  );
  return found[0] as LoadProblem;
}

const header = 'asyncapi: 3.0.0\ninfo: { title: t, version: "1" }\n';

// ---------------------------------------------------------------------------------------------
// Local refs

test('refs: local pointers with ~0, ~1 and percent-encoding resolve', async () => {
  const doc = await loadDocument(at('root.yaml'));
  assert.deepEqual(doc.problems, []);
  const props = '#/components/schemas/pointers/properties/';
  assert.equal(resolved(doc, props + 'slash').pointer, '/components/schemas/a~1b');
  assert.deepEqual(resolved(doc, '#/components/schemas/a~1b').value, {
    type: 'string',
    description: 'slash in the key',
  });
  assert.deepEqual(resolved(doc, '#/components/schemas/c~0d').value, {
    type: 'integer',
    description: 'tilde in the key',
  });
  assert.deepEqual(resolved(doc, '#/components/schemas/with%20space').value, { type: 'boolean' });
  // %7E is "~": percent-decoding comes first, then ~1 → "/" (RFC 6901 §6).
  assert.equal(resolved(doc, props + 'percentSlash').pointer, '/components/schemas/a~1b');
  assert.equal(resolved(doc, props + 'tilde').pointer, '/components/schemas/c~0d');
  assert.equal(resolved(doc, props + 'percent').pointer, '/components/schemas/with%20space'.replace('%20', ' '));
  // The whole document.
  assert.equal(resolved(doc, '#').value, doc.root.value);
});

test('refs: relative YAML and JSON files resolve, with the file they come from', async () => {
  const doc = await loadDocument(at('root.yaml'));
  const yaml = resolved(doc, './common/schemes.yaml#/apiKey');
  assert.equal(yaml.file.uri, at('common/schemes.yaml'));
  assert.deepEqual(yaml.value, { type: 'apiKey', in: 'user' });
  assert.ok(yaml.file.ranges.get('/apiKey/in')?.value.start.line === 3);
  const json = resolved(doc, './common/schemes.json#/httpKey');
  assert.equal(json.file.uri, at('common/schemes.json'));
  assert.deepEqual(json.value, { type: 'httpApiKey', name: 'X-API-Key', in: 'header' });
  assert.deepEqual(json.file.ranges.get('/httpKey/name')?.key?.start, { line: 4, column: 5 });
  // Without a fragment: the whole file.
  assert.deepEqual(resolved(doc, 'common/schemes.json').value, { httpKey: json.value });
});

test('refs: nested files (a → b → c) are loaded and followed to the end', async () => {
  const doc = await loadDocument(at('root.yaml'));
  for (const f of ['nested/a.yaml', 'nested/b.yaml', 'nested/deeper/c.json'])
    assert.ok(doc.files.has(at(f)), `${f} loaded`);
  const r = resolved(doc, './nested/a.yaml#/scheme');
  assert.deepEqual(r.value, { type: 'plain', description: 'end of a -> b -> c' });
  assert.equal(r.file.uri, at('nested/deeper/c.json'));
  assert.deepEqual(
    r.via.map((l) => [l.file, l.pointer]),
    [
      [at('nested/a.yaml'), '/scheme'],
      [at('nested/b.yaml'), '/scheme'],
      [at('nested/deeper/c.json'), '/scheme'],
    ],
  );
});

test('refs: a ref whose target is itself a ref is followed (chain)', async () => {
  const doc = await loadDocument(at('root.yaml'));
  const r = resolved(doc, '#/components/securitySchemes/chain1');
  assert.deepEqual(r.value, { type: 'X509', description: 'reached through two refs' });
  assert.equal(r.file.uri, at('common/schemes.yaml'));
  assert.equal(r.pointer, '/chained');
  assert.deepEqual(
    r.via.map((l) => l.pointer),
    ['/components/securitySchemes/chain1', '/components/securitySchemes/chain2', '/chained'],
  );
  // The server's security item is the start of the same chain.
  const item = (doc.root.value as { servers: { production: { security: { $ref: string }[] } } }).servers.production
    .security[4];
  assert.deepEqual(resolved(doc, item?.$ref ?? '').value, r.value);
});

test('refs: a pointer that passes through a ref continues in its target', async () => {
  const doc = await loadDocument(at('root.yaml'));
  const r = resolved(doc, '#/components/securitySchemes/chain1/type');
  assert.equal(r.value, 'X509');
  assert.equal(r.file.uri, at('common/schemes.yaml'));
  assert.equal(r.pointer, '/chained/type');
  assert.deepEqual(
    r.via.map((l) => l.pointer),
    ['/components/securitySchemes/chain1', '/components/securitySchemes/chain2', '/chained/type'],
  );
  // Across files, twice: p.yaml#/scheme/flows is a ref to q.yaml, whose scopes are a ref back to p.yaml.
  assert.equal(
    resolved(doc, './mutual/p.yaml#/scheme/flows/clientCredentials/tokenUrl').value,
    'https://idp.example.com/token',
  );
  assert.equal(
    resolved(doc, './mutual/p.yaml#/scheme/flows/clientCredentials/availableScopes/read').value,
    'read things',
  );
  // A key the Reference Object has itself is its own (JSON Schema allows siblings of $ref).
  assert.equal(resolved(doc, '#/components/schemas/withSibling/description').value, 'its own description');
  assert.equal(resolved(doc, '#/components/schemas/withSibling/type').value, 'string');
  // `$ref` itself can be pointed at.
  assert.equal(resolved(doc, '#/components/schemas/withSibling/$ref').value, '#/components/schemas/a~1b');
  // Through a ref that leads nowhere: unresolved.
  const miss = doc.resolve('#/components/securitySchemes/chain1/nope', doc.root);
  assert.equal(!miss.ok && miss.code, 'ERR_DOCUMENT_REF_UNRESOLVED');
});

test('refs: a pointer through a cycle is reported as a cycle', async () => {
  const doc = await loadDocument(at('cycle-one-file.yaml'));
  const r = doc.resolve('#/components/schemas/loopA/properties/x', doc.root);
  assert.equal(!r.ok && r.code, 'ERR_DOCUMENT_REF_CYCLE');
});

test('refs: two files that reference each other are each loaded once', async () => {
  const doc = await loadDocument(at('root.yaml'));
  const uris = [...doc.files.keys()];
  assert.equal(new Set(uris).size, uris.length);
  assert.equal(uris.filter((u) => u === at('mutual/p.yaml')).length, 1);
  assert.equal(uris.filter((u) => u === at('mutual/q.yaml')).length, 1);
  assert.equal(doc.files.size, 8);
  const p = doc.files.get(at('mutual/p.yaml')) as SourceFile;
  const q = doc.files.get(at('mutual/q.yaml')) as SourceFile;
  assert.equal(resolved(doc, 'q.yaml#/flows', p).file, q);
  assert.deepEqual(resolved(doc, 'p.yaml#/scopes', q).value, { read: 'read things' });
});

test('refs: a cycle inside one file is reported at each ref of the cycle, and loading ends', async () => {
  const file = at('cycle-one-file.yaml');
  const doc = await loadDocument(file);
  for (const pointer of [
    '/components/schemas/loopA/$ref',
    '/components/schemas/loopB/$ref',
    '/components/schemas/self/$ref',
  ]) {
    assert.equal(problemAt(doc, file, pointer).code, 'ERR_DOCUMENT_REF_CYCLE');
  }
  assert.equal(doc.problems.length, 3);
  const r = doc.resolve('#/components/schemas/loopA', doc.root);
  assert.equal(r.ok, false);
  assert.equal(!r.ok && r.code, 'ERR_DOCUMENT_REF_CYCLE');
  assert.deepEqual(resolved(doc, '#/components/schemas/fine').value, { type: 'string' });
});

test('refs: a cycle across two files is reported, and loading ends', async () => {
  const file = at('cycle-two-files.yaml');
  const doc = await loadDocument(file);
  assert.equal(problemAt(doc, file, '/components/schemas/entry/$ref').code, 'ERR_DOCUMENT_REF_CYCLE');
  assert.equal(problemAt(doc, at('cycle/x.yaml'), '/node/$ref').code, 'ERR_DOCUMENT_REF_CYCLE');
  assert.equal(problemAt(doc, at('cycle/y.yaml'), '/node/$ref').code, 'ERR_DOCUMENT_REF_CYCLE');
  assert.equal(doc.files.size, 3);
  assert.ok(doc.problems.every((p) => p.code === 'ERR_DOCUMENT_REF_CYCLE'));
});

test('refs: a missing file is an ERR_DOCUMENT_READ problem and the rest of the document still loads', async () => {
  const file = at('broken.yaml');
  const doc = await loadDocument(file);
  const p = problemAt(doc, file, '/components/schemas/missingFile/$ref');
  assert.equal(p.code, 'ERR_DOCUMENT_READ');
  assert.match(p.message, /does-not-exist\.yaml/);
  assert.ok(doc.files.has(at('common/schemes.yaml')), 'the other ref file is loaded');
  assert.deepEqual(resolved(doc, '#/components/schemas/alsoFine').value, { type: 'apiKey', in: 'user' });
  assert.deepEqual((doc.root.value as { components: { schemas: { fine: unknown } } }).components.schemas.fine, {
    type: 'string',
  });
  const r = doc.resolve('./does-not-exist.yaml#/x', doc.root);
  assert.equal(!r.ok && r.code, 'ERR_DOCUMENT_REF_UNRESOLVED');
});

test('refs: a pointer to nothing is ERR_DOCUMENT_REF_UNRESOLVED', async () => {
  const file = at('broken.yaml');
  const doc = await loadDocument(file);
  assert.equal(problemAt(doc, file, '/components/schemas/missingPointer/$ref').code, 'ERR_DOCUMENT_REF_UNRESOLVED');
  for (const ref of [
    '#/components/schemas/nope',
    '#/components/schemas/fine/type/x',
    '#/servers/0',
    'common/schemes.yaml#/nope',
    '#nope/',
  ]) {
    const r = doc.resolve(ref, doc.root);
    assert.equal(!r.ok && r.code, 'ERR_DOCUMENT_REF_UNRESOLVED', ref);
  }
});

test('refs: a plain-name fragment is ERR_DOCUMENT_REF_UNRESOLVED (only JSON pointer fragments)', async () => {
  const file = at('broken.yaml');
  const doc = await loadDocument(file);
  assert.equal(problemAt(doc, file, '/components/schemas/plainName/$ref').code, 'ERR_DOCUMENT_REF_UNRESOLVED');
  assert.equal(fragmentToPointer('someAnchor'), null);
  assert.equal(fragmentToPointer('/a%20b'), '/a b');
  assert.equal(fragmentToPointer(''), '');
});

test('refs: an unsupported scheme (ftp:) is ERR_DOCUMENT_REF_UNRESOLVED and nothing is fetched', async () => {
  const file = at('broken.yaml');
  const doc = await loadDocument(file);
  const p = problemAt(doc, file, '/components/schemas/ftp/$ref');
  assert.equal(p.code, 'ERR_DOCUMENT_REF_UNRESOLVED');
  assert.match(p.message, /ftp/);
  assert.equal(doc.files.size, 2);
  assert.equal(doc.problems.length, 4);
  assert.equal(classifyRef('ftp://example.com/x.yaml', file).kind, 'unsupported');
  assert.equal(classifyRef('mailto:someone@example.com', file).kind, 'unsupported');
});

test('refs: a file: URL resolves like a path', async () => {
  const target = pathToFileURL(at('common/schemes.yaml')).href;
  const doc = await loadDocumentFromText(
    `${header}components:\n  schemas:\n    viaUrl:\n      $ref: '${target}#/chained'\n`,
    { file: at('inline.yaml') },
  );
  assert.deepEqual(doc.problems, []);
  assert.ok(doc.files.has(at('common/schemes.yaml')));
  assert.deepEqual(resolved(doc, '#/components/schemas/viaUrl').value, {
    type: 'X509',
    description: 'reached through two refs',
  });
  assert.deepEqual(classifyRef(target + '#/x', at('root.yaml')), {
    kind: 'file',
    uri: at('common/schemes.yaml'),
    fragment: '/x',
  });
});

test('refs: a relative path with percent-encoding names the decoded file', () => {
  assert.deepEqual(classifyRef('with%20space.yaml#/a', at('root.yaml')), {
    kind: 'file',
    uri: at('with space.yaml'),
    fragment: '/a',
  });
});

test('refs: more files than maxFiles is an ERR_DOCUMENT_REF_LIMIT problem, the rest loads', async () => {
  const file = at('many-files.yaml');
  const doc = await loadDocument(file, { maxFiles: 3 });
  assert.equal(doc.files.size, 3);
  assert.equal(problemAt(doc, file, '/components/schemas/three/$ref').code, 'ERR_DOCUMENT_REF_LIMIT');
  assert.deepEqual(resolved(doc, '#/components/schemas/one').value, { type: 'apiKey', in: 'user' });
  assert.equal(doc.problems.length, 1);
  // With the default limit, everything loads.
  const all = await loadDocument(file);
  assert.deepEqual(all.problems, []);
  assert.equal(all.files.size, 6);
});

test('refs: the size limits hold for a document and its referenced files together', async () => {
  const { statSync } = await import('node:fs');
  const file = at('many-files.yaml');
  // Room for the root and common/schemes.yaml, not for common/schemes.json.
  const maxBytes = statSync(file).size + statSync(at('common/schemes.yaml')).size + 5;
  const bytes = await loadDocument(file, { maxBytes });
  assert.ok(bytes.files.has(at('common/schemes.yaml')));
  assert.ok(!bytes.files.has(at('common/schemes.json')));
  const p = problemAt(bytes, file, '/components/schemas/two/$ref');
  assert.equal(p.code, 'ERR_DOCUMENT_REF_LIMIT');
  assert.match(p.message, /together|would hold more than/);
  assert.deepEqual(resolved(bytes, '#/components/schemas/one').value, { type: 'apiKey', in: 'user' });
  // The same with tokens: the smallest budget that holds the root alone leaves out the rest.
  let found = false;
  for (let maxTokens = 20; maxTokens < 2000 && !found; maxTokens += 5) {
    const doc = await loadDocument(file, { maxTokens }).catch(() => undefined);
    if (doc === undefined) continue;
    assert.ok(
      doc.problems.some((q) => q.code === 'ERR_DOCUMENT_REF_LIMIT'),
      `with ${maxTokens} tokens, the referenced files do not all fit`,
    );
    found = true;
  }
  assert.ok(found);
});

test('refs: a referenced file that does not parse is a problem naming that file, line and column', async () => {
  const file = at('inline.yaml');
  const doc = await loadDocumentFromText(
    `${header}components:\n  schemas:\n    dup:\n      $ref: './invalid/dup.yaml#/b'\n    syntax:\n      ` +
      `$ref: './invalid/syntax.yaml#/a'\n    fine:\n      $ref: './common/schemes.yaml#/apiKey'\n`,
    { file },
  );
  const dup = problemAt(doc, file, '/components/schemas/dup/$ref');
  assert.equal(dup.code, 'ERR_DOCUMENT_READ');
  assert.match(dup.message, /invalid\/dup\.yaml:4:3\b/);
  assert.match(dup.message, /ERR_DOCUMENT_DUPLICATE_KEY/);
  const syntax = problemAt(doc, file, '/components/schemas/syntax/$ref');
  assert.equal(syntax.code, 'ERR_DOCUMENT_SYNTAX');
  assert.match(syntax.message, /invalid\/syntax\.yaml:\d+:\d+/);
  assert.equal(doc.problems.length, 2);
  assert.deepEqual(resolved(doc, '#/components/schemas/fine').value, { type: 'apiKey', in: 'user' });
});

test('refs: a data: URL is an unsupported scheme', async () => {
  const doc = await loadDocumentFromText(`${header}x:\n  $ref: 'data:text/plain,a'\n`, { file: at('inline.yaml') });
  assert.equal(doc.problems.length, 1);
  assert.equal(doc.problems[0]?.code, 'ERR_DOCUMENT_REF_UNRESOLVED');
});

test('refs: findRefs finds every $ref in document order, with the pointer of the object holding it', () => {
  const value = {
    a: { $ref: '#/x' },
    b: [{ $ref: 'f.yaml' }, { c: { $ref: '#/y', d: { $ref: '#/z' } } }],
    'e/f': { $ref: '#/w' },
    g: { $ref: 42 },
  };
  assert.deepEqual(findRefs(value), [
    { ref: '#/x', pointer: '/a' },
    { ref: 'f.yaml', pointer: '/b/0' },
    { ref: '#/y', pointer: '/b/1/c' },
    { ref: '#/z', pointer: '/b/1/c/d' },
    { ref: '#/w', pointer: '/e~1f' },
  ]);
});

test('refs: a URL that does not parse is a problem, not an exception', async () => {
  const doc = await loadDocumentFromText(`${header}x:\n  $ref: 'http://exa mple.com/x.yaml'\n`, {
    allowRemoteRefs: true,
  });
  assert.equal(doc.problems.length, 1);
  assert.equal(doc.problems[0]?.code, 'ERR_DOCUMENT_REF_UNRESOLVED');
});

test('refs: credentials and queries in a remote ref never reach a message', () => {
  assert.equal(
    redactRef('https://user:s3cret@host.example/a.yaml?token=SECRET#/x'),
    'https://***@host.example/a.yaml?…#/x',
  );
  assert.equal(redactRef('./a.yaml#/x'), './a.yaml#/x');
});

// ---------------------------------------------------------------------------------------------
// Remote refs, against a local server on 127.0.0.1 only

let server: Server;
let base: string;
const requests: string[] = [];
const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void> = {
  '/schemes.yaml': (_q, res) =>
    res.end('apiKey:\n  $ref: "./more/key.yaml#/key"\nlocal:\n  $ref: "file:///etc/hostname"\n'),
  '/more/key.yaml': (_q, res) => res.end('key:\n  type: apiKey\n  in: password\n'),
  '/hang': () => {
    // Never answers.
  },
  '/slow-body': (_q, res) => {
    res.writeHead(200, { 'content-type': 'application/yaml' });
    res.write('a: 1\n'); // …and never ends
  },
  '/big-declared': (_q, res) => {
    // The header alone, no body byte: a client that waited for the body would end with "no
    // complete answer", so "larger than" can only come from the header.
    res.writeHead(200, { 'content-length': String(1024 * 1024) });
    res.flushHeaders();
    setTimeout(() => res.destroy(), 5000).unref();
  },
  '/big-streamed': (_q, res) => {
    res.writeHead(200, { 'content-type': 'application/yaml' }); // chunked: no content-length
    const chunk = '# ' + 'x'.repeat(16 * 1024) + '\n';
    let sent = 0;
    const pump = (): void => {
      while (sent < 64 * 1024 * 1024) {
        sent += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      res.end();
    };
    res.on('close', () => (sent = Number.POSITIVE_INFINITY));
    pump();
  },
};
let bigStreamedBytes = 0;

before(async () => {
  server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const route = routes[new URL(req.url ?? '/', 'http://x').pathname];
    if (route === undefined) {
      res.statusCode = 404;
      res.end('not found');
      return;
    }
    if (req.url === '/big-streamed') {
      const write = res.write.bind(res) as (chunk: string) => boolean;
      res.write = ((chunk: string) => {
        bigStreamedBytes += chunk.length;
        return write(chunk);
      }) as typeof res.write;
    }
    route(req, res);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise((ok) => server.close(ok));
});

const remoteDoc = (path: string): string =>
  `${header}components:\n  securitySchemes:\n    remote:\n      $ref: '${base}${path}'\n    local:\n      type: X509\n`;
const remotePointer = '/components/securitySchemes/remote/$ref';

/** Only to catch a hang: each remote test proves its timeout or limit by what the load says. */
const hangCatcher = { timeout: 60_000 };

test('refs: a remote ref is refused by default, and no request is made', async () => {
  requests.length = 0;
  const doc = await loadDocumentFromText(remoteDoc('/schemes.yaml#/apiKey'));
  const p = problemAt(doc, doc.root.uri, remotePointer);
  assert.equal(p.code, 'ERR_DOCUMENT_REF_REMOTE_REFUSED');
  const r = doc.resolve(`${base}/schemes.yaml#/apiKey`, doc.root);
  assert.equal(!r.ok && r.code, 'ERR_DOCUMENT_REF_REMOTE_REFUSED');
  assert.equal(doc.files.size, 1);
  assert.deepEqual(requests, []);
});

test('refs: with allowRemoteRefs a remote file is fetched, and its relative refs resolve against its URL', async () => {
  requests.length = 0;
  const doc = await loadDocumentFromText(remoteDoc('/schemes.yaml#/apiKey'), {
    allowRemoteRefs: true,
    remoteTimeoutMs: 2000,
  });
  assert.ok(doc.files.has(`${base}/schemes.yaml`));
  assert.ok(doc.files.has(`${base}/more/key.yaml`));
  const r = resolved(doc, '#/components/securitySchemes/remote');
  assert.deepEqual(r.value, { type: 'apiKey', in: 'password' });
  assert.equal(r.file.uri, `${base}/more/key.yaml`);
  assert.deepEqual(requests.sort(), ['/more/key.yaml', '/schemes.yaml']);
  // A remote document cannot make the loader read a local file.
  const remote = doc.files.get(`${base}/schemes.yaml`) as SourceFile;
  assert.equal(problemAt(doc, remote.uri, '/local/$ref').code, 'ERR_DOCUMENT_REF_UNRESOLVED');
  assert.ok(![...doc.files.keys()].includes('/etc/hostname'));
  assert.equal(doc.problems.length, 1);
});

test('refs: a server that never answers fails the remote ref within remoteTimeoutMs', hangCatcher, async () => {
  const doc = await loadDocumentFromText(remoteDoc('/hang#/a'), { allowRemoteRefs: true, remoteTimeoutMs: 200 });
  const p = problemAt(doc, doc.root.uri, remotePointer);
  assert.equal(p.code, 'ERR_DOCUMENT_REF_REMOTE_FAILED');
  assert.match(p.message, /no answer within 200 ms/, 'the timeout ended it');
  assert.deepEqual(resolved(doc, '#/components/securitySchemes/local').value, { type: 'X509' });
});

test('refs: a body that never ends fails the remote ref within remoteTimeoutMs', hangCatcher, async () => {
  const doc = await loadDocumentFromText(remoteDoc('/slow-body#/a'), { allowRemoteRefs: true, remoteTimeoutMs: 200 });
  const p = problemAt(doc, doc.root.uri, remotePointer);
  assert.equal(p.code, 'ERR_DOCUMENT_REF_REMOTE_FAILED');
  assert.match(p.message, /no complete answer within 200 ms/, 'the timeout ended it');
});

test('refs: a response declared larger than remoteMaxBytes is refused', hangCatcher, async () => {
  const doc = await loadDocumentFromText(remoteDoc('/big-declared#/a'), {
    allowRemoteRefs: true,
    remoteTimeoutMs: 2000,
    remoteMaxBytes: 1000,
  });
  const p = problemAt(doc, doc.root.uri, remotePointer);
  assert.equal(p.code, 'ERR_DOCUMENT_REF_REMOTE_FAILED');
  // The server sent no body byte: refused on the header, not after reading.
  assert.match(p.message, /larger than/);
});

test(
  'refs: a streamed response (no content-length) larger ' + 'than remoteMaxBytes is refused without reading it all',
  hangCatcher,
  async () => {
    bigStreamedBytes = 0;
    const before = process.memoryUsage().rss;
    const doc = await loadDocumentFromText(remoteDoc('/big-streamed#/a'), {
      allowRemoteRefs: true,
      remoteTimeoutMs: 5000,
      remoteMaxBytes: 100 * 1024,
    });
    const p = problemAt(doc, doc.root.uri, remotePointer);
    assert.equal(p.code, 'ERR_DOCUMENT_REF_REMOTE_FAILED');
    assert.match(p.message, /larger than/, 'the size bound ended it, not the timeout');
    await new Promise((ok) => setTimeout(ok, 50));
    assert.ok(
      bigStreamedBytes < 16 * 1024 * 1024,
      `the server wrote ${bigStreamedBytes} bytes before the client hung up`,
    );
    assert.ok(process.memoryUsage().rss - before < 64 * 1024 * 1024, 'memory stays bounded');
  },
);

test('refs: HTTP 404 fails the remote ref', async () => {
  const doc = await loadDocumentFromText(remoteDoc('/nope.yaml#/a'), { allowRemoteRefs: true, remoteTimeoutMs: 2000 });
  const p = problemAt(doc, doc.root.uri, remotePointer);
  assert.equal(p.code, 'ERR_DOCUMENT_REF_REMOTE_FAILED');
  assert.match(p.message, /404/);
});

test('refs: a remote ref with credentials or a query does not leak them into any message', async () => {
  const secretRef = `http://user:s3cret-pass@127.0.0.1:${new URL(base).port}/nope.yaml?token=T0KEN-SECRET#/a`;
  const text = `${header}x:\n  $ref: '${secretRef}'\n`;
  for (const allowRemoteRefs of [false, true]) {
    const doc = await loadDocumentFromText(text, { allowRemoteRefs, remoteTimeoutMs: 2000 });
    assert.equal(doc.problems.length, 1);
    assert.equal(
      doc.problems[0]?.code,
      allowRemoteRefs ? 'ERR_DOCUMENT_REF_REMOTE_FAILED' : 'ERR_DOCUMENT_REF_REMOTE_REFUSED',
    );
    for (const p of doc.problems) {
      assert.doesNotMatch(p.message, /s3cret-pass|T0KEN-SECRET/);
      assert.match(p.message, /127\.0\.0\.1/, 'the message still says which ref');
    }
    const r = doc.resolve(secretRef, doc.root);
    assert.ok(!r.ok && !/s3cret-pass|T0KEN-SECRET/.test(r.reason));
  }
});

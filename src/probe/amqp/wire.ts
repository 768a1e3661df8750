// The few AMQP 0-9-1 frames `probe` speaks before a connection is open: the protocol header,
// Connection.Start (what the server offers), Connection.Start-Ok (one login attempt), and the
// answers to it (Connection.Tune = accepted, Connection.Close or a closed socket = refused).
// Everything after login goes through amqplib; this part is ours so the offered mechanisms can be
// read and a mechanism amqplib does not pick by itself (AMQPLAIN, EXTERNAL) can be tried once.
//
// Decoding is bounded and returns values (docs/architecture.md, "Errors and outcomes"): a frame is
// refused above `maxFrameBytes`, a field table is skipped by its length and only its top-level
// long strings are kept, at most MAX_PROPERTIES of them, each cut to MAX_PROPERTY_CHARS.
//
// Frame layout (AMQP 0-9-1 §4.2.3): type octet, channel short, size long, payload, 0xCE.
// Method payload (§4.2.4): class-id short, method-id short, arguments.

/** `AMQP` 0 0 9 1 (§4.2.2): the client's first bytes, and what a server answers when it wants another version. */
export const AMQP_0_9_1_HEADER: Buffer = Buffer.from([0x41, 0x4d, 0x51, 0x50, 0, 0, 9, 1]);

export const FRAME_METHOD = 1;
export const FRAME_END = 0xce;
const FRAME_HEADER_BYTES = 7;

/**
 * Connection.Start is a few hundred bytes (RabbitMQ's is about 500); before Connection.Tune the
 * spec lets a peer send frames up to frame-min-size, 4096 (§4.2.3), which RabbitMQ keeps. 64 KiB
 * leaves room for a verbose server and still bounds what an unknown peer can make us buffer.
 */
export const DEFAULT_MAX_FRAME_BYTES = 64 * 1024;

const MAX_PROPERTIES = 32;
const MAX_PROPERTY_CHARS = 256;
const MAX_LIST_ENTRIES = 32;

/** Connection class and the methods used here (§1.4.2 "connection"). */
export const CONNECTION_CLASS = 10;
export const METHOD_START = 10;
export const METHOD_START_OK = 11;
export const METHOD_SECURE = 20;
export const METHOD_TUNE = 30;
export const METHOD_CLOSE = 50;

export type FrameRead =
  | { readonly kind: 'incomplete' }
  | {
      readonly kind: 'frame';
      readonly type: number;
      readonly channel: number;
      readonly payload: Buffer;
      /** Bytes the frame took, to slice the buffer on. */
      readonly bytes: number;
    }
  /** The server answered with its own protocol header: it does not speak 0-9-1 (§4.2.2). */
  | { readonly kind: 'protocol-header'; readonly version: string }
  | { readonly kind: 'malformed'; readonly reason: string };

/** Reads one frame from the start of `buf`. */
export function readFrame(buf: Buffer, maxFrameBytes: number = DEFAULT_MAX_FRAME_BYTES): FrameRead {
  if (buf.length >= 4 && buf.subarray(0, 4).toString('latin1') === 'AMQP') {
    if (buf.length < 8) return { kind: 'incomplete' };
    return { kind: 'protocol-header', version: `${buf[4]}-${buf[5]}-${buf[6]}-${buf[7]}` };
  }
  if (buf.length < FRAME_HEADER_BYTES) return { kind: 'incomplete' };
  const type = buf.readUInt8(0);
  const channel = buf.readUInt16BE(1);
  const size = buf.readUInt32BE(3);
  if (size + FRAME_HEADER_BYTES + 1 > maxFrameBytes) {
    return { kind: 'malformed', reason: `frame of ${size} bytes is over the ${maxFrameBytes}-byte bound` };
  }
  const total = FRAME_HEADER_BYTES + size + 1;
  if (buf.length < total) return { kind: 'incomplete' };
  if (buf[total - 1] !== FRAME_END) return { kind: 'malformed', reason: 'frame does not end with 0xCE' };
  return { kind: 'frame', type, channel, payload: buf.subarray(FRAME_HEADER_BYTES, total - 1), bytes: total };
}

/** A cursor over a method payload; every read checks the bounds first. */
class Reader {
  offset = 0;
  private readonly buf: Buffer;
  constructor(buf: Buffer) {
    this.buf = buf;
  }

  has(n: number): boolean {
    return this.offset + n <= this.buf.length;
  }
  octet(): number | null {
    if (!this.has(1)) return null;
    return this.buf.readUInt8(this.offset++);
  }
  short(): number | null {
    if (!this.has(2)) return null;
    const v = this.buf.readUInt16BE(this.offset);
    this.offset += 2;
    return v;
  }
  long(): number | null {
    if (!this.has(4)) return null;
    const v = this.buf.readUInt32BE(this.offset);
    this.offset += 4;
    return v;
  }
  bytes(n: number): Buffer | null {
    if (!this.has(n)) return null;
    const v = this.buf.subarray(this.offset, this.offset + n);
    this.offset += n;
    return v;
  }
  shortstr(): string | null {
    const n = this.octet();
    return n === null ? null : (this.bytes(n)?.toString('utf8') ?? null);
  }
  longstr(): Buffer | null {
    const n = this.long();
    return n === null ? null : this.bytes(n);
  }
}

export interface MethodHeader {
  readonly classId: number;
  readonly methodId: number;
}

/** The class and method of a method frame's payload, or null when it is shorter than four bytes. */
export function readMethodHeader(payload: Buffer): MethodHeader | null {
  if (payload.length < 4) return null;
  return { classId: payload.readUInt16BE(0), methodId: payload.readUInt16BE(2) };
}

export interface ConnectionStart {
  readonly versionMajor: number;
  readonly versionMinor: number;
  /** Top-level long-string server properties (`product`, `version`, `platform`, …), bounded. */
  readonly serverProperties: Readonly<Record<string, string>>;
  /** SASL mechanisms offered, in the server's order (§1.4.2.1: a space-separated list). */
  readonly mechanisms: readonly string[];
  readonly locales: readonly string[];
}

export type Decoded<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

/**
 * The byte size of one field value of type `tag` at the reader's position, for skipping, or null
 * for a tag we do not know (RabbitMQ's table types, which amqplib and the broker agree on).
 */
function fieldValueSize(tag: string, r: Reader): number | null {
  switch (tag) {
    case 't':
    case 'b':
    case 'B':
      return 1;
    case 's':
    case 'u':
      return 2;
    case 'I':
    case 'i':
    case 'f':
      return 4;
    case 'D':
      return 5;
    case 'l':
    case 'd':
    case 'T':
      return 8;
    case 'V':
      return 0;
    case 'S':
    case 'x':
    case 'F':
    case 'A': {
      if (!r.has(4)) return null;
      const n = r.long()!;
      r.offset -= 4;
      return 4 + n;
    }
    default:
      return null;
  }
}

/**
 * The top-level long strings of a field table (§4.2.5.5). The table is taken whole by its length,
 * so a value we cannot read (an unknown type tag) ends the reading of properties, never the frame.
 */
function readTableStrings(table: Buffer): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  const r = new Reader(table);
  let kept = 0;
  while (r.has(1) && kept < MAX_PROPERTIES) {
    const name = r.shortstr();
    const tag = r.octet();
    if (name === null || tag === null) break;
    const t = String.fromCharCode(tag);
    if (t === 'S') {
      const value = r.longstr();
      if (value === null) break;
      out[name] = value.toString('utf8').slice(0, MAX_PROPERTY_CHARS);
      kept++;
      continue;
    }
    const size = fieldValueSize(t, r);
    if (size === null || r.bytes(size) === null) break;
  }
  return out;
}

function words(text: string): string[] {
  return text
    .split(' ')
    .filter((w) => w !== '')
    .slice(0, MAX_LIST_ENTRIES);
}

/** Decodes the payload of a Connection.Start method frame (§1.4.2.1). */
export function decodeConnectionStart(payload: Buffer): Decoded<ConnectionStart> {
  const head = readMethodHeader(payload);
  if (head === null) return { ok: false, reason: 'method frame shorter than its header' };
  if (head.classId !== CONNECTION_CLASS || head.methodId !== METHOD_START) {
    return { ok: false, reason: `expected connection.start (10,10), got (${head.classId},${head.methodId})` };
  }
  const r = new Reader(payload);
  r.offset = 4;
  const versionMajor = r.octet();
  const versionMinor = r.octet();
  const properties = r.longstr();
  const mechanisms = r.longstr();
  const locales = r.longstr();
  if (
    versionMajor === null ||
    versionMinor === null ||
    properties === null ||
    mechanisms === null ||
    locales === null
  ) {
    return { ok: false, reason: 'connection.start is truncated' };
  }
  return {
    ok: true,
    value: {
      versionMajor,
      versionMinor,
      serverProperties: readTableStrings(properties),
      mechanisms: words(mechanisms.toString('utf8')),
      locales: words(locales.toString('utf8')),
    },
  };
}

export interface ConnectionClose {
  readonly replyCode: number;
  readonly replyText: string;
}

/** Decodes a Connection.Close payload (§1.4.2.9): the reply code and text (cut to 256 characters). */
export function decodeConnectionClose(payload: Buffer): Decoded<ConnectionClose> {
  const head = readMethodHeader(payload);
  if (head === null || head.classId !== CONNECTION_CLASS || head.methodId !== METHOD_CLOSE) {
    return { ok: false, reason: 'not a connection.close' };
  }
  const r = new Reader(payload);
  r.offset = 4;
  const replyCode = r.short();
  const replyText = r.shortstr();
  if (replyCode === null || replyText === null) return { ok: false, reason: 'connection.close is truncated' };
  return { ok: true, value: { replyCode, replyText: replyText.slice(0, MAX_PROPERTY_CHARS) } };
}

// ---------------------------------------------------------------- encoding

function shortstr(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length > 255) throw new TypeError('shortstr over 255 bytes');
  return Buffer.concat([Buffer.from([bytes.length]), bytes]);
}

function longstr(bytes: Buffer): Buffer {
  const size = Buffer.alloc(4);
  size.writeUInt32BE(bytes.length);
  return Buffer.concat([size, bytes]);
}

/** A field-table value we send: a string, a boolean, or a nested table. */
export type TableValue = string | boolean | { readonly [name: string]: TableValue };

/** The entries of a field table without its length prefix (AMQPLAIN's response is exactly this). */
export function encodeTableEntries(table: { readonly [name: string]: TableValue }): Buffer {
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(table)) {
    parts.push(shortstr(name));
    if (typeof value === 'string') parts.push(Buffer.from('S'), longstr(Buffer.from(value, 'utf8')));
    else if (typeof value === 'boolean') parts.push(Buffer.from('t'), Buffer.from([value ? 1 : 0]));
    else parts.push(Buffer.from('F'), longstr(encodeTableEntries(value)));
  }
  return Buffer.concat(parts);
}

/** One method frame on channel 0. */
export function methodFrame(classId: number, methodId: number, args: Buffer): Buffer {
  const head = Buffer.alloc(FRAME_HEADER_BYTES + 4);
  head.writeUInt8(FRAME_METHOD, 0);
  head.writeUInt16BE(0, 1);
  head.writeUInt32BE(4 + args.length, 3);
  head.writeUInt16BE(classId, 7);
  head.writeUInt16BE(methodId, 9);
  return Buffer.concat([head, args, Buffer.from([FRAME_END])]);
}

/**
 * The client properties `probe` announces. `authentication_failure_close` asks RabbitMQ to answer
 * a refused login with Connection.Close 403 rather than a bare TCP close, so the refusal is seen
 * as one (RabbitMQ "Authentication Failure Notifications").
 */
const CLIENT_PROPERTIES: { readonly [name: string]: TableValue } = {
  product: 'asyncapi-guard probe',
  capabilities: { authentication_failure_close: true },
};

/** A Connection.Start-Ok frame (§1.4.2.2) for one mechanism and its initial response. */
export function encodeStartOk(mechanism: string, response: Buffer, locale = 'en_US'): Buffer {
  const args = Buffer.concat([
    longstr(encodeTableEntries(CLIENT_PROPERTIES)),
    shortstr(mechanism),
    longstr(response),
    shortstr(locale),
  ]);
  return methodFrame(CONNECTION_CLASS, METHOD_START_OK, args);
}

/** SASL PLAIN's initial response (RFC 4616 §2): authzid (empty), NUL, user, NUL, password. */
export function plainResponse(username: string, password: string): Buffer {
  return Buffer.concat([Buffer.from([0]), Buffer.from(username, 'utf8'), Buffer.from([0]), Buffer.from(password)]);
}

/** AMQPLAIN's response: a field table without its length, LOGIN and PASSWORD (as RabbitMQ and amqplib read it). */
export function amqplainResponse(username: string, password: string): Buffer {
  return encodeTableEntries({ LOGIN: username, PASSWORD: password });
}

// Strict decoding of untrusted wire text, shared by the SASL mechanisms and the HTTP and MQTT
// credential parsers: canonical base64 and fatal UTF-8, so one credential has one encoding and
// two parsers never disagree on what bytes a client sent.

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Canonical RFC 4648 base64 (padding required, no whitespace, zero pad bits); null otherwise. */
export function decodeBase64Strict(value: string): Buffer | null {
  if (!BASE64.test(value)) return null;
  const bytes = Buffer.from(value, 'base64');
  return bytes.toString('base64') === value ? bytes : null;
}

/** Lone surrogates cannot be UTF-8; a string carrying one did not come from valid UTF-8. */
export function hasLoneSurrogate(value: string): boolean {
  return /\p{Cs}/u.test(value);
}

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Decodes wire bytes as strict UTF-8 (no BOM stripping); null on invalid UTF-8. */
export function decodeUtf8(bytes: Uint8Array): string | null {
  try {
    return fatalUtf8.decode(bytes);
  } catch {
    return null;
  }
}

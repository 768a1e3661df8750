// Text for XML and HTML: the five special characters escaped (XML 1.0 §2.4), and characters XML 1.0 cannot carry at
// all (C0 controls other than tab, LF and CR, lone surrogates, U+FFFE/U+FFFF: §2.2 Char) replaced by U+FFFD, so a
// server's answer can never make the document ill-formed.

/** Outside XML 1.0's Char production (§2.2); surrogates pass here and are paired or replaced first. */
const NOT_XML_CHAR = /[^\t\n\r\u0020-\ufffd]/g;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

export function escapeXml(text: string): string {
  return text
    .replace(LONE_SURROGATE, '\ufffd')
    .replace(NOT_XML_CHAR, '\ufffd')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

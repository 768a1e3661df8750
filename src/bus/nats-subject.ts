// MQTT topics ↔ NATS subjects, so that MQTT wildcards map onto NATS wildcards exactly.
// A NATS token cannot be empty nor hold `.`, `*`, `>` or whitespace, while an MQTT level may be
// empty and hold any of them (§4.7.3: any UTF-8 but U+0000). So each level becomes one token:
//
//   ''                         → `e`
//   up to 32 UTF-8 bytes       → `b` + base64url(UTF-8)            (`tennis` → `bdGVubmlz`)
//   longer                     → `h` + base64url(SHA-256(UTF-8))   (43 characters, bounded)
//
// The three forms never collide with each other (distinct first character), base64url is
// injective, and only level *equality* matters for matching (`+` is a whole level), so a
// digest stands in for a long level exactly. Then `+` → `*` and `#` → `>`: NATS `*` is one
// token like MQTT `+`, and NATS `>` is one or more tokens, so MQTT `a/#` (which also matches
// `a`) subscribes to both `P.a` and `P.a.>`. The §4.7.2 `$` rule has no NATS counterpart:
// receivers check every message against the filter anyway. The channel itself travels in the
// envelope, so subjects never need decoding.

import { createHash } from 'node:crypto';
import type { TopicFilter } from '../address/mqtt-topic.js';

/** nats-server's control line is 4 KiB by default (`PUB <subject> …\r\n`): stay well inside it. */
export const MAX_SUBJECT_LENGTH = 3072;
export const DEFAULT_SUBJECT_PREFIX = 'agd';

const SHORT_LEVEL_BYTES = 32;
const PREFIX_RE = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

export function isValidSubjectPrefix(prefix: string): boolean {
  return prefix.length <= 128 && PREFIX_RE.test(prefix);
}

export function levelToken(level: string): string {
  if (level === '') return 'e';
  const bytes = Buffer.from(level, 'utf8');
  if (bytes.length <= SHORT_LEVEL_BYTES) return `b${bytes.toString('base64url')}`;
  return `h${createHash('sha256').update(bytes).digest('base64url')}`;
}

/** The subject a channel is published on, or null when it would be longer than NATS carries. */
export function channelSubject(prefix: string, channel: string): string | null {
  let subject = prefix;
  for (const level of channel.split('/')) {
    subject += `.${levelToken(level)}`;
    if (subject.length > MAX_SUBJECT_LENGTH) return null;
  }
  return subject;
}

/** The subjects a filter subscribes to (one, or two for `x/#`), or null when too long. */
export function filterSubjects(prefix: string, filter: TopicFilter): string[] | null {
  let base = prefix;
  for (const level of filter.levels) base += level === '+' ? '.*' : `.${levelToken(level)}`;
  if (base.length + 2 > MAX_SUBJECT_LENGTH) return null;
  if (!filter.multiLevel) return [base];
  // `#` alone: every subject under the prefix (the prefix itself is never published on).
  return filter.levels.length === 0 ? [`${base}.>`] : [base, `${base}.>`];
}

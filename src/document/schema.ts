// PLACEHOLDER — being written: validation against the official JSON schema of the document's version.
import type { Location } from './types.js';

/** One readable finding per real problem (not an Ajv dump). */
export interface SchemaFinding {
  at: Location;
  /** e.g. "security scheme 'apiKey' (type httpApiKey) is missing required field 'name'" */
  message: string;
  /** The Ajv keyword behind it (required, additionalProperties, enum, type, format, …). */
  keyword: string;
  /** Point at the key of a map entry (e.g. an unknown field) rather than the value. */
  atKey?: boolean;
}

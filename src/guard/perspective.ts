// Perspective (docs/architecture.md, "Perspective"): a document describes one application.
// `application` (default): a client doing an operation's action *is* that application, so a
// `send` operation covers the client publishing and `receive` the client subscribing.
// `server` flips it, for documents written from a WebSocket/HTTP server's point of view.

import type { Action } from '../model/types.js';
import type { Perspective } from '../config/types.js';
import type { WireAction } from './types.js';

export const DEFAULT_PERSPECTIVE: Perspective = 'application';

/** The wire action a client performs when it does `action` of the document, under `perspective`. */
export function wireActionOf(action: Action, perspective: Perspective): WireAction {
  const publishes = action === 'send';
  return (perspective === 'application') === publishes ? 'publish' : 'subscribe';
}

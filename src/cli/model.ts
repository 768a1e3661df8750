// `asyncapi-guard model DOC`: the normalized security model, as JSON or as a readable outline.

import { buildModel, formatModelPretty, loadDocument } from '../index.js';
import { EXIT_OK, type ExitCode } from './exit.js';
import { defaultFormat, useColor, type CliIo } from './output.js';

export type ModelFormat = 'json' | 'pretty';

export interface ModelFlags {
  format?: ModelFormat;
  allowRemoteRefs?: boolean;
  color: boolean;
}

export async function runModel(document: string, flags: ModelFlags, io: CliIo): Promise<ExitCode> {
  if (flags.allowRemoteRefs) io.err('warning: --allow-remote-refs is on: $refs to http(s) URLs will be fetched\n');
  const doc = await loadDocument(document, { cwd: io.cwd, allowRemoteRefs: flags.allowRemoteRefs === true });
  const model = buildModel(doc);
  const format = flags.format ?? defaultFormat<ModelFormat>(io, 'pretty', 'json');
  io.out(
    format === 'json'
      ? `${JSON.stringify(model, null, 2)}\n`
      : formatModelPretty(model, { color: useColor(flags.color, io) }),
  );
  return EXIT_OK;
}

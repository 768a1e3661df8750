// Terminal colors, switched on or off by the caller's flag: picocolors reads the environment
// only for its default instance, which reporters never use.

import pc from 'picocolors';

export type Colors = ReturnType<typeof pc.createColors>;

export function createColors(enabled: boolean): Colors {
  return pc.createColors(enabled);
}

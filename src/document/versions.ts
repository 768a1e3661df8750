// AsyncAPI versions this tool reads. The list matches the validators built from @asyncapi/specs.

export const supportedAsyncApiVersions = [
  '2.0.0',
  '2.1.0',
  '2.2.0',
  '2.3.0',
  '2.4.0',
  '2.5.0',
  '2.6.0',
  '3.0.0',
  '3.1.0',
] as const;

export type SupportedAsyncApiVersion = (typeof supportedAsyncApiVersions)[number];

export function isSupportedVersion(v: string): v is SupportedAsyncApiVersion {
  return (supportedAsyncApiVersions as readonly string[]).includes(v);
}

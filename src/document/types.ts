// The loaded form of an AsyncAPI document: plain JSON values plus, for every node,
// where it stands in its source file. Everything downstream points back at the source
// through a `Location` (file + JSON pointer); line and column are looked up in one place.

/** 1-based line and column. */
export interface SourcePosition {
  line: number;
  column: number;
}

export interface SourceRange {
  start: SourcePosition;
  end: SourcePosition;
}

/** Where a node stands: its value, and for map entries also the key. */
export interface NodeRange {
  value: SourceRange;
  key?: SourceRange;
}

export interface SourceFile {
  /** Absolute file path, or the URL of a remote file. The identity of the file. */
  uri: string;
  /** How the file is shown to a user: the path as given (root) or relative to the cwd. */
  displayName: string;
  text: string;
  /** The parsed JSON value (YAML 1.2 core schema; JSON is parsed as YAML flow). */
  value: unknown;
  /** JSON pointer ('' is the root) → where that node stands. */
  ranges: Map<string, NodeRange>;
}

/** A place in a loaded document set. */
export interface Location {
  /** `SourceFile.uri` of the file. */
  file: string;
  /** RFC 6901 JSON pointer inside that file ('' = root). */
  pointer: string;
}

export type Resolution =
  | { ok: true; file: SourceFile; pointer: string; value: unknown; /** every ref followed, in order */ via: Location[] }
  | {
      ok: false;
      code:
        | 'ERR_DOCUMENT_REF_UNRESOLVED'
        | 'ERR_DOCUMENT_REF_CYCLE'
        | 'ERR_DOCUMENT_REF_REMOTE_REFUSED'
        | 'ERR_DOCUMENT_REF_REMOTE_FAILED';
      reason: string;
    };

/** Something wrong that does not stop the load (the rest of the document is still checked). */
export interface LoadProblem {
  code:
    | 'ERR_DOCUMENT_REF_UNRESOLVED'
    | 'ERR_DOCUMENT_REF_CYCLE'
    | 'ERR_DOCUMENT_REF_REMOTE_REFUSED'
    | 'ERR_DOCUMENT_REF_REMOTE_FAILED'
    | 'ERR_DOCUMENT_REF_LIMIT'
    | 'ERR_DOCUMENT_READ'
    | 'ERR_DOCUMENT_SYNTAX';
  message: string;
  at: Location;
}

export type AsyncApiMajor = 2 | 3;

export interface LoadedDocument {
  root: SourceFile;
  /** Every file loaded, root included, by uri. */
  files: ReadonlyMap<string, SourceFile>;
  /** The `asyncapi` field, e.g. "2.6.0", "3.0.0". */
  asyncapi: string;
  major: AsyncApiMajor;
  problems: LoadProblem[];
  /**
   * Resolve a `$ref` string written in `from` (following chains of refs to refs).
   * Synchronous: every file a ref can reach was loaded up front.
   */
  resolve(ref: string, from: SourceFile): Resolution;
}

export interface LoadOptions {
  /** Fetch http(s) refs (bounded in size and time). Off by default. */
  allowRemoteRefs?: boolean;
  /**
   * Largest file accepted, in bytes; also what the document and the files its refs pull in may
   * hold together (beyond that, referenced files are not loaded: ERR_DOCUMENT_REF_LIMIT).
   * Default 16 MiB.
   */
  maxBytes?: number;
  /** Deepest nesting accepted. Default 200. */
  maxDepth?: number;
  /** Most YAML aliases accepted in one file. Default 100. */
  maxAliases?: number;
  /**
   * Most YAML tokens (scalars, indicators, line breaks, comments) in the document and the
   * files its refs pull in, together. Bounds the parser's time and memory where `maxBytes`
   * does not: a few seconds and a few hundred MB at most. Default 2,000,000 (a realistic
   * document of about 7 MiB).
   */
  maxTokens?: number;
  /** Most files a document may pull in through refs. Default 256. */
  maxFiles?: number;
  /** Time limit for one remote ref, ms. Default 5000. */
  remoteTimeoutMs?: number;
  /** Size limit for one remote ref, bytes. Default 2 MiB. */
  remoteMaxBytes?: number;
  /** Base directory for display names. Default process.cwd() (read once, at the edge). */
  cwd?: string;
}

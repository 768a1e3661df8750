// A cheap pre-scan of nesting depth, run before the YAML parser sees the text.
// Why: the `yaml` parser recurses per nesting level, and lexing a few million nested
// brackets costs seconds and gigabytes before its composer gives up (an out-of-memory abort
// of the whole process was seen once on Node 20). One linear pass with no allocation per
// character rejects the obvious cases early, with a position.
//
// This is a heuristic over YAML's surface syntax, not a YAML parser. For JSON it is exact (so
// it never under-estimates); for YAML it skips what it takes for non-structure (quoted
// scalars, comments, block scalar content) and may over-estimate by a level or two. It is not the last line of defence:
// parse.ts bounds the real parser's nesting while it runs (the parser's own stack), so text that fools this scan still
// cannot go deep.

export interface DepthViolation {
  depth: number;
  /** 0-based offset where the limit was passed. */
  offset: number;
}

export function scanNestingDepth(text: string, maxDepth: number): DepthViolation | null {
  let flow = 0;
  // Open block collections, as levels: 2 × column, + 1 for a sequence. A sequence written at
  // the column of its parent mapping's key (`key:\n- item`) is still one level deeper.
  const indents: number[] = [];
  const n = text.length;
  let i = 0;
  let lineStart = true;
  let lineOffset = 0; // offset of the current line's first character
  let keyCol = 0; // column of the line's first node after any "- " indicators
  // Inside a | or > scalar: the column of the node that holds it (content is indented more),
  // and the content's own indentation once its first non-empty line is seen.
  let scalarParent = -1;
  let scalarIndent = -1;
  while (i < n) {
    if (lineStart) {
      lineStart = false;
      lineOffset = i;
      let col = 0;
      while (i < n && text.charCodeAt(i) === 32) {
        i++;
        col++;
      }
      const c = text[i];
      const blank = i >= n || c === '\n' || c === '\r';
      if (scalarParent >= 0) {
        if (blank || (scalarIndent < 0 ? col > scalarParent : col >= scalarIndent)) {
          // Content of the block scalar (or an empty line in it): no structure.
          if (!blank && scalarIndent < 0) scalarIndent = col;
          while (i < n && text[i] !== '\n') i++;
          continue;
        }
        scalarParent = -1;
        scalarIndent = -1;
      }
      if (blank || c === '#') {
        // blank or comment line: no structure
      } else if (flow === 0 && indents.length === 0 && (c === '[' || c === '{')) {
        // A flow collection at the root (JSON): it is the first level itself, counted below.
      } else if (flow === 0) {
        const level = 2 * col + (isDash(text, i) ? 1 : 0);
        while (indents.length > 0 && (indents[indents.length - 1] as number) >= level) indents.pop();
        indents.push(level);
        // compact nested sequences: "- - - a" open one level per dash, and one for the item
        let j = i;
        while (isDash(text, j)) {
          j++;
          while (text[j] === ' ' || text[j] === '\t') j++;
          const next = text[j];
          // `-` alone on its line: the item's content is on the next lines, which count it.
          if (next === undefined || next === '\n' || next === '\r' || next === '#') break;
          indents.push(2 * (col + (j - i)) + (isDash(text, j) ? 1 : 0));
        }
        keyCol = col + (j - i);
        if (indents.length > maxDepth) return { depth: indents.length, offset: i };
      }
    }
    if (i >= n) break;
    const ch = text[i];
    if (ch === '\n') {
      lineStart = true;
      i++;
      continue;
    }
    // A quote opens a quoted scalar only where a node starts; elsewhere (`it's`, `5" screen`)
    // it is part of a plain scalar, and skipping to the next quote would hide structure.
    if (ch === '"' && nodeStart(text, i, flow) !== null) {
      i++;
      while (i < n && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      i++;
      continue;
    }
    if (ch === "'" && nodeStart(text, i, flow) !== null) {
      i++;
      while (i < n) {
        if (text[i] === "'") {
          if (text[i + 1] === "'") i += 2;
          else break;
        } else i++;
      }
      i++;
      continue;
    }
    if (ch === '#' && (i === 0 || isSpace(text[i - 1]))) {
      while (i < n && text[i] !== '\n') i++;
      continue;
    }
    if (ch === '[' || ch === '{') {
      // In flow context a bracket always opens a collection; in block context only where a
      // node starts (`url: /a/{id}` and `text: see [1]` are plain scalars).
      if (flow > 0 || nodeStart(text, i, flow) !== null) {
        flow++;
        if (flow + indents.length > maxDepth) return { depth: flow + indents.length, offset: i };
      }
    } else if ((ch === ']' || ch === '}') && flow > 0) {
      flow--;
    } else if ((ch === '|' || ch === '>') && flow === 0) {
      const header = blockScalarHeader(text, i);
      const at = header === null ? null : nodeStart(text, i, flow);
      if (header !== null && at !== null) {
        // The content must be indented more than the node holding the scalar: the key of
        // `key: |`, the dash of `- |` (YAML 1.2 §8.1.1.1).
        const p = at >= 0 ? text[at] : '\n';
        if (p === ':') scalarParent = keyCol;
        else if (p === '-' || p === '?') scalarParent = at - lineOffset;
        else scalarParent = indents.length >= 2 ? Math.floor((indents[indents.length - 2] as number) / 2) : 0;
        scalarIndent = header > 0 ? scalarParent + header : -1;
      }
    }
    i++;
  }
  return null;
}

/** A block sequence indicator: `-` followed by a space, a tab or the end of the line. */
function isDash(text: string, j: number): boolean {
  if (text[j] !== '-') return false;
  const c = text[j + 1];
  return c === undefined || c === ' ' || c === '\t' || c === '\n' || c === '\r';
}

function isSpace(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r';
}

function isFlowIndicator(c: string | undefined): boolean {
  return c === '[' || c === '{' || c === ',' || c === ']' || c === '}';
}

/**
 * Whether a node can start at `i`, looking back past separation space and any anchor or tag
 * (`&a`, `!!str`). Returns the offset of the indicator before it (`:`, `-`, `?`, `[`, `{`,
 * `,`, or the newline; -1 at the start of the text), or null when `i` is inside a plain
 * scalar. In block context, `:`, `-` and `?` are indicators only when followed by a space.
 */
function nodeStart(text: string, i: number, flow: number): number | null {
  let j = i - 1;
  for (let props = 0; props < 8; props++) {
    const end = j;
    while (j >= 0 && (text[j] === ' ' || text[j] === '\t' || (flow > 0 && (text[j] === '\n' || text[j] === '\r')))) j--;
    const spaced = j < end;
    if (j < 0) return -1;
    const p = text[j];
    if (p === '\n' || p === '\r') return j;
    if (flow > 0 && (p === '[' || p === '{' || p === ',')) return j;
    if (p === ':') {
      if (spaced) return j;
      // JSON-like key in flow context: {"a":"b"}
      const q = text[j - 1];
      return flow > 0 && (q === '"' || q === "'" || q === ']' || q === '}') ? j : null;
    }
    if (
      (p === '-' || p === '?') &&
      spaced &&
      (j === 0 || isSpace(text[j - 1]) || (flow > 0 && isFlowIndicator(text[j - 1])))
    )
      return j;
    if (!spaced) return null;
    // An anchor or a tag before the node: step over it and look again.
    let k = j;
    while (k >= 0 && !isSpace(text[k]) && !(flow > 0 && isFlowIndicator(text[k]))) k--;
    const first = text[k + 1];
    if (first !== '&' && first !== '!') return null;
    j = k;
  }
  return null;
}

/**
 * A block scalar header at `i` (`|`, `>-`, `|2+`, then only a comment): its indentation
 * indicator, 0 when there is none; null when this is not a header.
 */
function blockScalarHeader(text: string, i: number): number | null {
  let j = i + 1;
  let indent = 0;
  for (let k = 0; k < 2 && j < text.length; k++, j++) {
    const c = text[j] as string;
    if (c >= '1' && c <= '9') indent = Number(c);
    else if (c !== '+' && c !== '-') break;
  }
  const afterIndicators = j;
  while (j < text.length && (text[j] === ' ' || text[j] === '\t')) j++;
  if (j >= text.length || text[j] === '\n' || text[j] === '\r') return indent;
  return text[j] === '#' && j > afterIndicators ? indent : null;
}

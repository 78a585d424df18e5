// Splits a Kubernetes list answer into its items as the bytes arrive, so an item is parsed on its
// own and dropped before the next: a page is never one big string nor one big object tree (a page
// of 200 Deployments is about 1.6 MB of JSON and several times that parsed). What is outside
// `items` (the list's metadata, with `continue`) is kept and parsed at the end, with `items` empty.
// Scans bytes: the structural characters and the quote are ASCII, never part of a UTF-8 sequence.

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJ = 0x7b;
const CLOSE_OBJ = 0x7d;
const OPEN_ARR = 0x5b;
const CLOSE_ARR = 0x5d;
const COLON = 0x3a;
const COMMA = 0x2c;

export class ListItems {
  private readonly onItem: (item: unknown) => void;
  /** Bytes not yet handed on: the start of the item being read (or of a key), carried to the next chunk. */
  private carry: Buffer = Buffer.alloc(0);
  /** Everything outside the items array, as received. */
  private readonly shell: Buffer[] = [];
  private depth = 0;
  private inString = false;
  /** The last string closed at depth 1 (a key of the list object), while its colon is awaited. */
  private key: string | undefined;
  private keyStart = -1;
  /** Inside the `items` array: where the current item starts in `carry`, or -1 between items. */
  private inItems = false;
  private itemStart = -1;
  /** Backslashes that ended the previous chunk inside a string, when nothing of it was carried. */
  private backslashes = 0;

  constructor(onItem: (item: unknown) => void) {
    this.onItem = onItem;
  }

  push(chunk: Buffer): void {
    const buf = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
    // Latin-1 keeps one character per byte, so string positions are byte positions; its scan is fast.
    const text = buf.toString('latin1');
    const n = text.length;
    // The carry was scanned already. Locals: the loop below runs once per byte outside strings.
    let i = this.carry.length;
    let shellFrom = this.inItems ? -1 : i;
    let { depth, inString, inItems, itemStart, keyStart } = this;
    while (i < n) {
      if (inString) {
        const q = text.indexOf('"', i);
        if (q < 0) break;
        let b = q - 1;
        while (b >= 0 && text.charCodeAt(b) === BACKSLASH) b--;
        const run = q - 1 - b + (b < 0 ? this.backslashes : 0);
        i = q + 1;
        // An odd run of backslashes escapes the quote.
        if (run % 2 === 1) continue;
        inString = false;
        if (keyStart >= 0) {
          this.key = text.slice(keyStart + 1, q);
          keyStart = -1;
        }
        continue;
      }
      const c = text.charCodeAt(i);
      if (c === QUOTE) {
        inString = true;
        if (depth === 1 && !inItems) keyStart = i;
      } else if (c === OPEN_OBJ || c === OPEN_ARR) {
        depth++;
        if (inItems) {
          if (depth === 3) itemStart = i;
        } else if (depth === 2 && c === OPEN_ARR && this.key === 'items') {
          // The shell keeps the bracket and nothing of the items.
          this.shell.push(Buffer.from(buf.subarray(shellFrom, i + 1)));
          shellFrom = -1;
          inItems = true;
        }
      } else if (c === CLOSE_OBJ || c === CLOSE_ARR) {
        if (inItems && depth === 3 && itemStart >= 0) {
          this.onItem(JSON.parse(buf.toString('utf8', itemStart, i + 1)));
          itemStart = -1;
        } else if (inItems && depth === 2) {
          inItems = false;
          shellFrom = i;
        }
        depth--;
      } else if (depth === 1 && c !== COLON && c !== COMMA && c > 0x20) {
        // A value that is not a string, array or object: `key` named it, and names nothing after.
        this.key = undefined;
      }
      i++;
    }
    let b = n - 1;
    while (b >= 0 && text.charCodeAt(b) === BACKSLASH) b--;
    this.backslashes = inString ? n - 1 - b + (b < 0 ? this.backslashes : 0) : 0;
    if (shellFrom >= 0) this.shell.push(Buffer.from(buf.subarray(shellFrom, n)));
    // Keep only what is still needed: the item being read, or a key being read.
    const from = itemStart >= 0 ? itemStart : keyStart >= 0 ? keyStart : n;
    this.carry = Buffer.from(buf.subarray(from, n));
    this.itemStart = itemStart >= 0 ? itemStart - from : -1;
    this.keyStart = keyStart >= 0 ? keyStart - from : -1;
    this.depth = depth;
    this.inString = inString;
    this.inItems = inItems;
  }

  /** The list without its items (they went to onItem); throws when the answer is not JSON. */
  end(): unknown {
    if (this.inString || this.depth !== 0) throw new SyntaxError('the answer ended inside a JSON value');
    return JSON.parse(Buffer.concat(this.shell).toString('utf8'));
  }
}

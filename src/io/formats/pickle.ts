// A restricted unpickler: it understands the pickle opcodes (protocols 0-4, Python 2 and 3)
// but builds only plain data (numbers, strings, bytes, lists, tuples, dicts). A global
// (class or function) is looked up in the caller's allow-list of data constructors written
// here in TypeScript; anything else (os.system, builtins.eval, a model class) is an error
// that names the file and the global. Nothing from the file is ever executed.
import { type ByteSource, Cursor, type FileSpan } from './source.js';
import { fail } from './types.js';

/** A global the pickle named and the allow-list accepted as a token (e.g. torch.FloatStorage). */
export class PickleGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
    /** Set for callable globals: builds the object from REDUCE/NEWOBJ arguments. */
    readonly construct?: (args: unknown[]) => unknown,
  ) {}
  get qualified(): string {
    return `${this.module}.${this.name}`;
  }
}

/**
 * Bytes the pickle holds (Python 3 `bytes`, Python 2 `str`): kept as bytes, never decoded as
 * text. Large ones stay in the file until asked for.
 */
export class PickleBytes {
  readonly #source: ByteSource;
  readonly #offset: number;
  #bytes: Uint8Array | undefined;
  constructor(
    source: ByteSource,
    offset: number,
    readonly length: number,
    bytes?: Uint8Array,
  ) {
    this.#source = source;
    this.#offset = offset;
    this.#bytes = bytes;
  }
  /** The bytes (read from the file on each call when they were left there). */
  bytes(): Uint8Array {
    return this.#bytes ?? this.#source.read(this.#offset, this.length);
  }
  /** Bytes from `start` on into `target` (read from the file when they were left there). */
  rangeInto(start: number, target: Uint8Array): Uint8Array {
    const length = target.byteLength;
    if (start < 0 || start + length > this.length) throw new Error(`byte range ${start}..${start + length} outside ${this.length} bytes`);
    if (this.#bytes) return this.#bytes.subarray(start, start + length);
    return this.#source.readInto(this.#offset + start, target);
  }
  /** Where the bytes lie in a file on disk, when they were left there. */
  fileSpan(): FileSpan | undefined {
    return this.#bytes ? undefined : this.#source.fileSpan?.(this.#offset);
  }
  /** As a latin1 string: for short keys and names only. */
  text(): string {
    return Buffer.from(this.bytes()).toString('latin1');
  }
}

/** A Python dict (or OrderedDict) in insertion order; keys are JS primitives. */
export class PickleDict {
  readonly map = new Map<unknown, unknown>();
  /** Instance attributes set by BUILD (an OrderedDict's `_metadata`), ignored by readers. */
  attrs: unknown;
  set(key: unknown, value: unknown): void {
    this.map.set(key instanceof PickleBytes ? key.text() : key, value);
  }
  __setstate__(state: unknown): void {
    this.attrs = state;
  }
}

/** An object that accepts BUILD's state (numpy arrays and dtypes). */
export interface Buildable {
  __setstate__(state: unknown): void;
}

export interface UnpickleOptions {
  /** 'module.name' -> constructor (callable global) or null (a token, e.g. a storage type). */
  globals: ReadonlyMap<string, ((args: unknown[]) => unknown) | null>;
  /** One line saying what the allow-list is for, used in errors. */
  allowed: string;
  /** Resolves a persistent id (torch storages); without it a persistent id is an error. */
  persistentLoad?: (pid: unknown) => unknown;
  /** Byte strings at least this long stay in the file (default 1 MiB). */
  lazyBytes?: number;
}


function readInt(bytes: Uint8Array): number | bigint {
  // Two's complement little-endian of any length (LONG1/LONG4).
  if (bytes.length === 0) return 0;
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]!);
  if (bytes[bytes.length - 1]! & 0x80) v -= 1n << BigInt(8 * bytes.length);
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

function intText(text: string, path: string): number | bigint | boolean {
  const t = text.trim().replace(/L$/, '');
  if (t === '00') return false; // protocol 0 writes bools as I00 / I01
  if (t === '01') return true;
  if (!/^-?\d+$/.test(t)) fail(path, `bad integer '${text}' in the pickle`);
  const v = BigInt(t);
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/**
 * Reads one pickle from `cursor` (which ends after its STOP opcode) and returns the object.
 * `cursor` can sit anywhere in a file: the legacy torch format stores several pickles in a row.
 */
export function unpickle(cursor: Cursor, options: UnpickleOptions): unknown {
  const path = cursor.source.path;
  const lazy = options.lazyBytes ?? 1 << 20;
  const stack: unknown[] = [];
  const marks: number[] = [];
  const memo = new Map<number, unknown>();
  const dec = new TextDecoder('utf-8');

  const pop = (): unknown => {
    if (stack.length === 0 || (marks.length > 0 && stack.length === marks[marks.length - 1])) fail(path, 'corrupt pickle: stack underflow');
    return stack.pop();
  };
  const top = (): unknown => {
    if (stack.length === 0) fail(path, 'corrupt pickle: empty stack');
    return stack[stack.length - 1];
  };
  const popMark = (): unknown[] => {
    const m = marks.pop();
    if (m === undefined) fail(path, 'corrupt pickle: no MARK');
    return stack.splice(m);
  };
  const view = (n: number): DataView => {
    const b = cursor.take(n, 'pickle');
    return new DataView(b.buffer, b.byteOffset, n);
  };
  const u32 = () => view(4).getUint32(0, true);
  const line = (): string => {
    const parts: number[] = [];
    for (;;) {
      const b = cursor.u8('pickle');
      if (b === 0x0a) break;
      parts.push(b);
      if (parts.length > 1 << 16) fail(path, 'corrupt pickle: text line longer than 64 KiB');
    }
    return Buffer.from(parts).toString('latin1');
  };
  const bytesOf = (n: number): PickleBytes => {
    if (n >= lazy) {
      const at = cursor.pos;
      cursor.skip(n, 'pickle bytes');
      return new PickleBytes(cursor.source, at, n);
    }
    return new PickleBytes(cursor.source, cursor.pos, n, cursor.take(n, 'pickle bytes'));
  };
  const text = (n: number): string => dec.decode(cursor.take(n, 'pickle string'));
  const findGlobal = (module: string, name: string): PickleGlobal => {
    const key = `${module}.${name}`;
    if (!options.globals.has(key)) fail(path, `the pickle asks for the Python global ${key}, which is not allowed (${options.allowed}); nothing was executed`);
    return new PickleGlobal(module, name, options.globals.get(key) ?? undefined);
  };
  const call = (fn: unknown, args: unknown, opcode: string): unknown => {
    if (!(fn instanceof PickleGlobal) || !fn.construct) {
      fail(path, `the pickle calls ${fn instanceof PickleGlobal ? fn.qualified : typeof fn} (${opcode}), which is not a data constructor pixelwise knows`);
    }
    if (!Array.isArray(args)) fail(path, `corrupt pickle: ${opcode} arguments for ${fn.qualified} are not a tuple`);
    return fn.construct(args);
  };
  const setItems = (dict: unknown, items: unknown[]): void => {
    if (!(dict instanceof PickleDict)) fail(path, 'corrupt pickle: SETITEM(S) on something that is not a dict');
    for (let i = 0; i + 1 < items.length; i += 2) dict.set(items[i], items[i + 1]);
  };
  const append = (list: unknown, items: unknown[]): void => {
    if (!Array.isArray(list)) fail(path, 'corrupt pickle: APPEND(S) on something that is not a list');
    list.push(...items);
  };

  for (;;) {
    const op = cursor.u8('pickle');
    switch (op) {
      case 0x80: // PROTO
        if (cursor.u8('pickle') > 5) fail(path, 'pickle protocol newer than 5');
        break;
      case 0x95: // FRAME: a length prefix only
        cursor.skip(8, 'pickle');
        break;
      case 0x2e: // STOP
        if (stack.length !== 1) fail(path, `corrupt pickle: ${stack.length} values on the stack at STOP`);
        return stack[0];
      case 0x28: // MARK
        marks.push(stack.length);
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4a: // BININT
        stack.push(view(4).getInt32(0, true));
        break;
      case 0x4b: // BININT1
        stack.push(cursor.u8('pickle'));
        break;
      case 0x4d: {
        // BININT2
        const b = cursor.take(2, 'pickle');
        stack.push(b[0]! | (b[1]! << 8));
        break;
      }
      case 0x8a: // LONG1
        stack.push(readInt(cursor.take(cursor.u8('pickle'), 'pickle')));
        break;
      case 0x8b: // LONG4
        stack.push(readInt(cursor.take(u32(), 'pickle')));
        break;
      case 0x49: // INT (text)
        stack.push(intText(line(), path));
        break;
      case 0x4c: // LONG (text)
        stack.push(intText(line(), path));
        break;
      case 0x47: // BINFLOAT (big-endian double)
        stack.push(view(8).getFloat64(0, false));
        break;
      case 0x46: // FLOAT (text)
        stack.push(parseFloat(line()));
        break;
      case 0x58: // BINUNICODE
        stack.push(text(u32()));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(text(cursor.u8('pickle')));
        break;
      case 0x8d: {
        // BINUNICODE8
        const n = Number(view(8).getBigUint64(0, true));
        stack.push(text(n));
        break;
      }
      case 0x56: // UNICODE (text, raw-unicode-escape; names only)
        stack.push(line().replace(/\\u([0-9a-fA-F]{4})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))));
        break;
      case 0x54: // BINSTRING (Python 2 str: bytes)
        stack.push(bytesOf(view(4).getInt32(0, true)));
        break;
      case 0x55: // SHORT_BINSTRING
        stack.push(bytesOf(cursor.u8('pickle')));
        break;
      case 0x42: // BINBYTES
        stack.push(bytesOf(u32()));
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(bytesOf(cursor.u8('pickle')));
        break;
      case 0x8e: // BINBYTES8
      case 0x96: {
        // BYTEARRAY8
        const n = Number(view(8).getBigUint64(0, true));
        stack.push(bytesOf(n));
        break;
      }
      case 0x53: {
        // STRING (text repr of a Python 2 str): short names only
        const t = line().trim();
        const q = t[0];
        if ((q !== "'" && q !== '"') || t[t.length - 1] !== q) fail(path, `corrupt pickle: bad STRING ${t.slice(0, 40)}`);
        const raw = t.slice(1, -1).replace(/\\x([0-9a-fA-F]{2})|\\(['"\\])|\\n/g, (m, h: string, c: string) => (h ? String.fromCharCode(parseInt(h, 16)) : c ?? '\n'));
        const b = Buffer.from(raw, 'latin1');
        stack.push(new PickleBytes(cursor.source, 0, b.length, b));
        break;
      }
      case 0x29: // EMPTY_TUPLE
        stack.push([]);
        break;
      case 0x85: // TUPLE1
        stack.push([pop()]);
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        stack.push([pop(), b]);
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        stack.push([pop(), b, c]);
        break;
      }
      case 0x74: // TUPLE
      case 0x6c: // LIST
        stack.push(popMark());
        break;
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x61: {
        // APPEND
        const v = pop();
        append(top(), [v]);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        append(top(), items);
        break;
      }
      case 0x7d: // EMPTY_DICT
        stack.push(new PickleDict());
        break;
      case 0x64: {
        // DICT
        const d = new PickleDict();
        setItems(d, popMark());
        stack.push(d);
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        setItems(top(), [k, v]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x8f: // EMPTY_SET
        stack.push([]);
        break;
      case 0x90: {
        // ADDITEMS
        const items = popMark();
        append(top(), items);
        break;
      }
      case 0x91: // FROZENSET
        stack.push(popMark());
        break;
      case 0x63: {
        // GLOBAL
        const module = line();
        stack.push(findGlobal(module, line()));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail(path, 'corrupt pickle: STACK_GLOBAL without two strings');
        stack.push(findGlobal(module, name));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        const fn = pop();
        stack.push(call(fn, args, 'REDUCE'));
        break;
      }
      case 0x81: {
        // NEWOBJ
        const args = pop();
        const cls = pop();
        stack.push(call(cls, args, 'NEWOBJ'));
        break;
      }
      case 0x92: {
        // NEWOBJ_EX
        pop(); // kwargs
        const args = pop();
        const cls = pop();
        stack.push(call(cls, args, 'NEWOBJ_EX'));
        break;
      }
      case 0x62: {
        // BUILD
        const state = pop();
        const obj = top() as Partial<Buildable> | null;
        if (obj === null || typeof obj !== 'object' || typeof obj.__setstate__ !== 'function') {
          fail(path, `the pickle sets the state of ${obj instanceof PickleGlobal ? obj.qualified : typeof obj}, which pixelwise does not build`);
        }
        obj.__setstate__(state);
        break;
      }
      case 0x51: {
        // BINPERSID
        const pid = pop();
        if (!options.persistentLoad) fail(path, 'the pickle refers to external data (a persistent id) where none is expected');
        stack.push(options.persistentLoad(pid));
        break;
      }
      case 0x50: {
        // PERSID
        const pid = line();
        if (!options.persistentLoad) fail(path, 'the pickle refers to external data (a persistent id) where none is expected');
        stack.push(options.persistentLoad(pid));
        break;
      }
      case 0x71: // BINPUT
        memo.set(cursor.u8('pickle'), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x70: // PUT
        memo.set(Number(line()), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x68: // BINGET
      case 0x6a: // LONG_BINGET
      case 0x67: {
        // GET
        const key = op === 0x68 ? cursor.u8('pickle') : op === 0x6a ? u32() : Number(line());
        if (!memo.has(key)) fail(path, `corrupt pickle: memo entry ${key} was never stored`);
        stack.push(memo.get(key));
        break;
      }
      case 0x30: // POP
        if (marks.length > 0 && stack.length === marks[marks.length - 1]) marks.pop();
        else pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      default:
        fail(path, `the pickle uses opcode 0x${op.toString(16).padStart(2, '0')} at offset ${cursor.pos - 1}, which a weight file does not need (corrupt, or not a weight file)`);
    }
  }
}

/** Keys and short strings of a pickle as text (Python 2 pickles give bytes where Python 3 gives str). */
export function asText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (v instanceof PickleBytes && v.length < 1 << 16) return v.text();
  return undefined;
}

// PyTorch files written by torch.save: the zip format (torch >= 1.6: `<stem>/data.pkl` plus one
// member per storage, `<stem>/data/<key>`) and the legacy format (five pickles in a row -
// magic number, protocol version, sys info, the object, the storage keys - then each storage
// as an int64 element count and its raw bytes). Tensors are storage views
// (offset, size, stride): a tensor reads only the bytes its view touches, when asked.
import type { DType } from '../../torch/dtype.js';
import { NUMPY_GLOBALS } from './numpy.js';
import { asText, PickleDict, PickleGlobal, unpickle } from './pickle.js';
import { type ByteSource, Cursor } from './source.js';
import { gatherStrided, isContiguous, viewExtent } from './strided.js';
import { bytesToData, fail, ITEM_SIZE, swapBytes, weightTensor, widened, type WeightFile, type WeightTensor } from './types.js';
import { listZip, memberSource } from './zip.js';

const STORAGE_DTYPES: Record<string, DType> = {
  FloatStorage: 'float32',
  DoubleStorage: 'float64',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  LongStorage: 'int64',
  IntStorage: 'int32',
  ShortStorage: 'int16',
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
};

/** Where a storage's bytes are: resolved after the pickle for the legacy format. */
interface Storage {
  key: string;
  dtype: DType;
  numel: number;
  source?: ByteSource;
  /** Byte offset of element 0 in `source`. */
  start: number;
  /** A legacy view of another storage: element offset into it. */
  base?: Storage;
}

/** What _rebuild_tensor_v2 describes: a strided view of a storage. */
class TensorRef {
  constructor(
    readonly storage: Storage,
    readonly offset: number,
    readonly shape: number[],
    readonly strides: number[],
  ) {}
}

function rebuildTensor(args: unknown[]): TensorRef {
  const [storage, offset, size, stride] = args;
  if (typeof storage !== 'object' || storage === null || !('dtype' in storage)) throw new Error('_rebuild_tensor without a storage');
  if (!Array.isArray(size) || !Array.isArray(stride) || typeof offset !== 'number') throw new Error('_rebuild_tensor without offset, size and stride');
  return new TensorRef(storage as Storage, offset, size.map(Number), stride.map(Number));
}

const passThrough = (args: unknown[]) => args[0];

const TORCH_GLOBALS = new Map<string, ((args: unknown[]) => unknown) | null>([
  ['collections.OrderedDict', () => new PickleDict()],
  ['torch._utils._rebuild_tensor_v2', rebuildTensor],
  ['torch._utils._rebuild_tensor', rebuildTensor],
  ['torch._utils._rebuild_parameter', passThrough],
  ['torch._utils._rebuild_parameter_with_state', passThrough],
  ...Object.keys(STORAGE_DTYPES).map((s): [string, null] => [`torch.${s}`, null]),
  // Training checkpoints (pytorch-fcn's) keep numpy scalars such as best_mean_iu beside the weights.
  ...NUMPY_GLOBALS,
]);
const TORCH_ALLOWED = 'a state dict needs only collections.OrderedDict, torch._utils._rebuild_tensor_v2/_rebuild_parameter, torch.*Storage and numpy scalars';

/** Keys under which training scripts wrap the model's state dict. */
const WRAPPER_KEYS = ['state_dict', 'model_state_dict', 'model', 'net', 'state'];

function storageFromPid(pid: unknown, path: string, storages: Map<string, Storage>): Storage {
  if (!Array.isArray(pid) || asText(pid[0]) !== 'storage') fail(path, `unknown persistent id ${JSON.stringify(asText(pid) ?? typeof pid)} (expected a torch storage)`);
  const [, type, rawKey, , numel, view] = pid as unknown[];
  if (!(type instanceof PickleGlobal)) fail(path, 'storage without a type');
  const dtype = STORAGE_DTYPES[(type as PickleGlobal).name];
  if (!dtype) fail(path, `storage type ${(type as PickleGlobal).qualified} (expected one of ${Object.keys(STORAGE_DTYPES).join(', ')})`);
  const key = asText(rawKey) ?? String(rawKey);
  let root = storages.get(key);
  if (!root) {
    root = { key, dtype: dtype!, numel: Number(numel), start: 0 };
    storages.set(key, root);
  }
  if (Array.isArray(view)) {
    // Legacy storage views: (view_key, element offset, element count) into the root storage.
    const [viewKey, offset, size] = view;
    const k = asText(viewKey) ?? String(viewKey);
    return { key: k, dtype: root.dtype, numel: Number(size), start: Number(offset), base: root };
  }
  return root;
}

/** The state dict inside what torch.save pickled, and the wrapper facts. */
function findStateDict(obj: unknown, path: string): { dict: Map<unknown, unknown>; metadata: Record<string, unknown> } {
  if (!(obj instanceof PickleDict)) fail(path, `torch.save stored a ${Array.isArray(obj) ? 'list' : typeof obj}, not a dict of tensors (a state dict)`);
  const top = (obj as PickleDict).map;
  const scalars: Record<string, unknown> = {};
  for (const [k, v] of top) {
    if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') scalars[String(k)] = v;
    else if (typeof v === 'bigint') scalars[String(k)] = v.toString();
  }
  const allTensors = (m: Map<unknown, unknown>) => m.size > 0 && [...m.values()].every((v) => v instanceof TensorRef);
  if (allTensors(top)) return { dict: top, metadata: {} };
  for (const key of WRAPPER_KEYS) {
    const inner = top.get(key);
    if (inner instanceof PickleDict && allTensors(inner.map)) return { dict: inner.map, metadata: { wrapper: key, ...scalars } };
  }
  const direct = new Map([...top].filter(([, v]) => v instanceof TensorRef));
  if (direct.size > 0) return { dict: direct, metadata: scalars };
  return fail(path, `no state dict found: the top-level keys are [${[...top.keys()].map(String).slice(0, 12).join(', ')}]; expected tensors or one of ${WRAPPER_KEYS.map((k) => `'${k}'`).join(', ')} holding them`);
}

function tensorsOf(dict: Map<unknown, unknown>, path: string, bigEndian: boolean): WeightTensor[] {
  const out: WeightTensor[] = [];
  for (const [key, value] of dict) {
    const name = String(key);
    const ref = value as TensorRef;
    const root = ref.storage.base ?? ref.storage;
    const base = ref.storage.base ? ref.storage.start : 0;
    const size = ITEM_SIZE[ref.storage.dtype];
    const [lo, hi] = viewExtent(ref.shape, ref.strides, ref.offset);
    if (lo < 0 || hi > ref.storage.numel) fail(path, `tensor '${name}' (shape [${ref.shape}], stride [${ref.strides}], offset ${ref.offset}) reaches past its storage of ${ref.storage.numel} elements`);
    const contiguous = isContiguous(ref.shape, ref.strides);
    const direct = contiguous && !bigEndian && widened(ref.storage.dtype) === ref.storage.dtype;
    const range = (start: number, _count: number, scratch: Uint8Array) => root.source!.readInto(root.start + (base + ref.offset + start) * size, scratch);
    out.push(
      weightTensor(name, widened(ref.storage.dtype), ref.storage.dtype, ref.shape, () => {
        if (!root.source) fail(path, `storage ${root.key} of '${name}' is missing from the file`);
        let bytes = root.source!.read(root.start + (base + lo) * size, (hi - lo) * size);
        if (bigEndian) swapBytes((bytes = new Uint8Array(bytes)), size);
        if (!contiguous) bytes = gatherStrided(bytes, size, ref.shape, ref.strides, ref.offset - lo);
        return bytesToData(bytes, ref.storage.dtype);
      }, direct ? range : undefined),
    );
  }
  return out;
}

function result(path: string, format: WeightFile['format'], tensors: WeightTensor[], metadata: Record<string, unknown>, source: ByteSource): WeightFile {
  return { path, format, tensors: new Map(tensors.map((t) => [t.name, t])), metadata, close: () => source.close() };
}

/** torch.save's zip format. */
export async function readTorchZip(source: ByteSource): Promise<WeightFile> {
  const path = source.path;
  const members = await listZip(path);
  const byName = new Map(members.map((m) => [m.name, m]));
  const pkl = members.find((m) => /^[^/]+\/data\.pkl$/.test(m.name));
  if (!pkl) fail(path, 'a zip archive without <name>/data.pkl: not written by torch.save');
  const prefix = pkl!.name.slice(0, -'data.pkl'.length);
  const order = byName.get(`${prefix}byteorder`);
  const bigEndian = order !== undefined && Buffer.from(memberSource(source, order).read(0, order.size)).toString('latin1') === 'big';
  const storages = new Map<string, Storage>();
  const obj = unpickle(new Cursor(memberSource(source, pkl!)), {
    globals: TORCH_GLOBALS,
    allowed: TORCH_ALLOWED,
    persistentLoad: (pid) => storageFromPid(pid, path, storages),
  });
  for (const s of storages.values()) {
    const m = byName.get(`${prefix}data/${s.key}`);
    if (!m) fail(path, `storage member ${prefix}data/${s.key} is missing`);
    if (m!.size < s.numel * ITEM_SIZE[s.dtype]) fail(path, `storage ${s.key} holds ${m!.size} bytes, ${s.numel} ${s.dtype} elements need ${s.numel * ITEM_SIZE[s.dtype]} (truncated?)`);
    s.source = memberSource(source, m!);
  }
  const { dict, metadata } = findStateDict(obj, path);
  return result(path, 'pytorch-zip', tensorsOf(dict, path, bigEndian), { ...metadata, archivePrefix: prefix.slice(0, -1) }, source);
}

const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;

/** torch.save's legacy (non-zip) format. */
export function readTorchLegacy(source: ByteSource): WeightFile {
  const path = source.path;
  const cursor = new Cursor(source);
  const plain = { globals: new Map(), allowed: 'the header of a legacy torch.save file holds plain values only' };
  const magic = unpickle(cursor, plain);
  if (magic !== LEGACY_MAGIC && BigInt(typeof magic === 'number' ? magic : -1) !== LEGACY_MAGIC) fail(path, 'a pickle that does not start with torch.save\'s magic number');
  const protocol = unpickle(cursor, plain);
  if (protocol !== 1001) fail(path, `legacy torch.save protocol ${String(protocol)} (expected 1001)`);
  const sysInfo = unpickle(cursor, plain);
  const littleEndian = !(sysInfo instanceof PickleDict) || sysInfo.map.get('little_endian') !== false;
  const storages = new Map<string, Storage>();
  const obj = unpickle(cursor, {
    globals: TORCH_GLOBALS,
    allowed: TORCH_ALLOWED,
    persistentLoad: (pid) => storageFromPid(pid, path, storages),
  });
  const keys = unpickle(cursor, plain);
  if (!Array.isArray(keys)) fail(path, 'the storage key list is missing after the object');
  let at = cursor.pos;
  for (const k of keys as unknown[]) {
    const key = asText(k) ?? String(k);
    const s = storages.get(key);
    if (!s) fail(path, `storage key ${key} is listed but no tensor uses it`);
    const count = Number(Buffer.from(source.read(at, 8)).readBigInt64LE(0));
    if (count !== s!.numel) fail(path, `storage ${key} says ${count} elements, the pickle ${s!.numel}`);
    s!.source = source;
    s!.start = at + 8;
    at += 8 + count * ITEM_SIZE[s!.dtype];
    if (at > source.size) fail(path, `truncated file: storage ${key} ends at byte ${at}, the file has ${source.size}`);
  }
  const { dict, metadata } = findStateDict(obj, path);
  return result(path, 'pytorch-legacy', tensorsOf(dict, path, !littleEndian), metadata, source);
}

// Zip archives (torch.save's format, .npz) through yauzl: it reads the central directory
// (zip64 included) with positioned reads; members stay in the file until a tensor is read.
import { inflateRawSync } from 'node:zlib';
import yauzl from 'yauzl';
import { type ByteSource, memorySource, sliceSource } from './source.js';
import { fail, formatError } from './types.js';

export interface ZipMember {
  name: string;
  /** Where the member's (possibly compressed) bytes start in the archive. */
  dataStart: number;
  compressedSize: number;
  size: number;
  /** 0 stored, 8 deflated. */
  method: number;
}

/** The members of the zip archive at `path`, in directory order. */
export async function listZip(path: string): Promise<ZipMember[]> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.open(path, { lazyEntries: true, autoClose: false, decodeStrings: true, strictFileNames: false }, (err, z) =>
      err ? reject(formatError(path, `not a readable zip archive: ${err.message}`)) : resolve(z),
    ),
  );
  try {
    const members: ZipMember[] = [];
    await new Promise<void>((resolve, reject) => {
      zip.on('error', (err: Error) => reject(formatError(path, `corrupt zip archive: ${err.message}`)));
      zip.on('end', () => resolve());
      zip.on('entry', (entry: yauzl.Entry) => {
        zip.readLocalFileHeader(entry, { minimal: true }, (err, header) => {
          if (err) return reject(formatError(path, `corrupt zip member ${entry.fileName}: ${err.message}`));
          members.push({
            name: entry.fileName,
            dataStart: header.fileDataStart,
            compressedSize: entry.compressedSize,
            size: entry.uncompressedSize,
            method: entry.compressionMethod,
          });
          zip.readEntry();
        });
      });
      zip.readEntry();
    });
    return members;
  } finally {
    zip.close();
  }
}

/** A member's uncompressed bytes as a source: a window of the archive when stored, inflated otherwise. */
export function memberSource(archive: ByteSource, member: ZipMember): ByteSource {
  const name = `${archive.path} (member ${member.name})`;
  if (member.method === 0) return sliceSource(archive, member.dataStart, member.size, name);
  if (member.method === 8) {
    const bytes = inflateRawSync(archive.read(member.dataStart, member.compressedSize));
    if (bytes.byteLength !== member.size) fail(name, `inflated to ${bytes.byteLength} bytes, the directory says ${member.size}`);
    return memorySource(name, bytes);
  }
  return fail(name, `compression method ${member.method} (expected 0 stored or 8 deflate)`);
}

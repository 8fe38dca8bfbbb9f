import { createGzip } from 'node:zlib';

let cached: Promise<Buffer> | undefined;

/** gzip of `inflatedMb` MB of zeros (about 1 MB for 1 GB), built by streaming zlib, never holding the zeros. */
export function gzipBomb(inflatedMb = 1024): Promise<Buffer> {
  cached ??= new Promise<Buffer>((resolve, reject) => {
    const gzip = createGzip({ level: 9 });
    const out: Buffer[] = [];
    gzip.on('data', (c: Buffer) => out.push(c));
    gzip.on('end', () => resolve(Buffer.concat(out)));
    gzip.on('error', reject);
    const zeros = Buffer.alloc(1024 * 1024);
    let left = inflatedMb;
    const write = () => {
      while (left > 0) {
        left -= 1;
        if (!gzip.write(zeros)) {
          gzip.once('drain', write);
          return;
        }
      }
      gzip.end();
    };
    write();
  });
  return cached;
}

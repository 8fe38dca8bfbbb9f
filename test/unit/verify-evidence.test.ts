import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { verifyEvidence } from '../../src/run/verify-evidence.js';

const { publicKey, privateKey } = generateKeyPairSync('ed25519');
const PUBLIC_PEM = publicKey.export({ type: 'spki', format: 'pem' }).toString();
const OTHER_PEM = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();

const entry = (name: string, text: string) => ({ name, sha256: createHash('sha256').update(text).digest('hex'), bytes: Buffer.byteLength(text) });

/** A folder holding `files` and a manifest (default: listing the files as written), and `signature` when given. */
function folder(files: Record<string, string>, options: { manifest?: string; signature?: string } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'verify-evidence-'));
  for (const [name, text] of Object.entries(files)) {
    writeFileSync(join(dir, name), text);
  }
  const manifest = options.manifest ?? JSON.stringify({ format: 1, files: Object.entries(files).map(([name, text]) => entry(name, text)) });
  writeFileSync(join(dir, 'manifest.json'), manifest);
  if (options.signature !== undefined) {
    writeFileSync(join(dir, 'manifest.json.sig'), options.signature);
  }
  return dir;
}

const signatureOf = (manifest: string) => sign(null, Buffer.from(manifest, 'utf8'), privateKey).toString('base64');
const FILES = { 'report.json': '{"a":1}', 'findings.csv': 'rule,token\n' };

describe('verifyEvidence', () => {
  it('a folder matching its manifest, without a signature, has no problem', async () => {
    expect(await verifyEvidence(folder(FILES), null)).toEqual({ problems: [], signature: 'absent' });
  });

  it('a signature is checked only with a public key: without one it is not-checked', async () => {
    const manifest = JSON.stringify({ files: [entry('report.json', '{"a":1}')] });
    const dir = folder({ 'report.json': '{"a":1}' }, { manifest, signature: `${signatureOf(manifest)}\n` });
    expect(await verifyEvidence(dir, null)).toEqual({ problems: [], signature: 'not-checked' });
    expect(await verifyEvidence(dir, PUBLIC_PEM)).toEqual({ problems: [], signature: 'verified' });
  });

  it('a public key given and no signature is a problem, and the signature absent', async () => {
    expect(await verifyEvidence(folder(FILES), PUBLIC_PEM)).toEqual({ problems: ['manifest.json.sig: missing (a public key was given)'], signature: 'absent' });
  });

  it('a signature by another key, or a key Node cannot read, is a bad signature', async () => {
    const manifest = JSON.stringify({ files: [] });
    const dir = folder({}, { manifest, signature: signatureOf(manifest) });
    const bad = 'manifest.json.sig: bad signature (the manifest was changed, or signed with another key)';
    expect(await verifyEvidence(dir, OTHER_PEM)).toEqual({ problems: [bad], signature: 'not-checked' });
    expect(await verifyEvidence(dir, 'not a key')).toEqual({ problems: [bad], signature: 'not-checked' });
  });

  it('a manifest missing or unreadable is the one problem told, and nothing else is checked', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'verify-evidence-'));
    expect(await verifyEvidence(empty, PUBLIC_PEM)).toEqual({ problems: ['manifest.json: missing'], signature: 'not-checked' });
    const unreadable = mkdtempSync(join(tmpdir(), 'verify-evidence-'));
    mkdirSync(join(unreadable, 'manifest.json'));
    expect(await verifyEvidence(unreadable, null)).toEqual({ problems: ['manifest.json: unreadable'], signature: 'not-checked' });
  });

  it.each([
    ['invalid JSON', '{'],
    ['null', 'null'],
    ['no list of files', '{"files":{}}'],
    ['a file that is null', '{"files":[null]}'],
    ['a path out of the folder', JSON.stringify({ files: [{ ...entry('x', ''), name: '../x' }] })],
    ['a hidden name', JSON.stringify({ files: [{ ...entry('x', ''), name: '.x' }] })],
    ['a name with a path after it', JSON.stringify({ files: [{ ...entry('x', ''), name: 'x/../../etc' }] })],
    ['a name that is not a string', JSON.stringify({ files: [{ ...entry('x', ''), name: 7 }] })],
    ['a digest that is not a string', JSON.stringify({ files: [{ ...entry('x', ''), sha256: 7 }] })],
    ['a size that is not a number', JSON.stringify({ files: [{ ...entry('x', ''), bytes: '0' }] })],
  ])('%s is not a manifest', async (_what, manifest) => {
    expect(await verifyEvidence(folder({ x: '' }, { manifest }), null)).toEqual({
      problems: ['manifest.json: not a manifest (invalid JSON, or its files are not plain names with a SHA-256 and a size)'],
      signature: 'not-checked',
    });
  });

  it('names each file missing, changed (content or size) or extra, and still checks the signature', async () => {
    const listed = [entry('gone.json', '{}'), entry('report.json', '{"a":1}'), { ...entry('findings.csv', 'rule,token\n'), bytes: 99 }, entry('ok.txt', 'ok')];
    const manifest = JSON.stringify({ files: listed });
    const dir = folder({ 'report.json': '{"a":2}', 'findings.csv': 'rule,token\n', 'ok.txt': 'ok', 'extra.txt': 'x' }, { manifest, signature: signatureOf(manifest) });
    const out = await verifyEvidence(dir, PUBLIC_PEM);
    expect(out.signature).toBe('verified');
    expect(out.problems).toEqual([
      'gone.json: missing',
      'report.json: changed (SHA-256 or size does not match the manifest)',
      'findings.csv: changed (SHA-256 or size does not match the manifest)',
      'extra.txt: extra (not in the manifest)',
    ]);
  });
});

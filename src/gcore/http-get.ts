import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { PassThrough, type Readable } from 'node:stream';
import { urlToHttpOptions } from 'node:url';
import { createBrotliDecompress, createInflateRaw, createUnzip } from 'node:zlib';

/** How one GET attempt ended. Deciding what it means (retry, error class) is the caller's. */
export type GetAttempt =
  | { readonly kind: 'answer'; readonly statusCode: number; readonly headers: IncomingHttpHeaders; readonly body: Buffer }
  /** No answer: a network error, or the timeout (`code` ETIMEDOUT), `error` kept as the cause. */
  | { readonly kind: 'failed'; readonly code: string; readonly error: Error }
  /** The body (announced, or read after decompression) passed `maxBytes`: reading stopped there. */
  | { readonly kind: 'too-large' };

export type HttpGet = (path: string, apiKey: string, maxBytes: number) => Promise<GetAttempt>;

// The headers got sent for us before (responseType json, decompress on Node 20): the requests stay the same.
const ACCEPT = 'application/json';
const ACCEPT_ENCODING = 'gzip, deflate, br';

/**
 * One GET over `node:http(s)` and Node's keep-alive global agent, nothing else: no options normalised per
 * request, no hooks, no retry (create-gcore-api.ts decides those). got cost about 0.4 ms of CPU a request
 * more than this, at 16 in flight the largest part of a token's read (README "Performance").
 */
export function createHttpGet(options: { baseUrl: string; timeoutMs: number }): HttpGet {
  // As got read it: an IPv6 host without its brackets (`[::1]`, a loopback the configuration allows).
  const url = new URL(options.baseUrl);
  const { protocol, hostname, port } = urlToHttpOptions(url);
  const send = protocol === 'https:' ? httpsRequest : httpRequest;
  // got's prefixUrl: the base and the path joined by exactly one slash.
  const prefix = url.pathname.endsWith('/') ? url.pathname : `${url.pathname}/`;

  return (path, apiKey, maxBytes) =>
    new Promise<GetAttempt>((resolve) => {
      // The first outcome counts; a promise settles once, so a later one (an error after the end) is dropped.
      const settle = (attempt: GetAttempt) => {
        clearTimeout(timer);
        resolve(attempt);
      };
      const fail = (error: Error & { code?: string }) => settle({ kind: 'failed', code: error.code ?? error.name, error });

      const req = send(
        {
          protocol,
          hostname,
          port,
          path: prefix + path, // GET, Node's default method
          headers: {
            'user-agent': 'gcore-token-audit',
            accept: ACCEPT,
            'accept-encoding': ACCEPT_ENCODING,
            authorization: `APIKey ${apiKey}`,
          },
        },
        (response) => read(response),
      );
      // The whole attempt, from sending to the last byte, as got's `timeout.request`.
      const timer = setTimeout(() => {
        const error = Object.assign(new Error(`no complete answer within ${options.timeoutMs} ms`), { code: 'ETIMEDOUT' });
        fail(error);
        req.destroy(error);
      }, options.timeoutMs);
      req.on('error', fail);
      req.end();

      function read(response: IncomingMessage) {
        const body = decompressed(response);
        // The announced size is the body's only when it is not compressed (got's rule): else the inflated bytes count.
        if (body === response && Number(response.headers['content-length'] ?? 0) > maxBytes) {
          tooLarge(body);
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        body.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) {
            tooLarge(body);
            return;
          }
          chunks.push(chunk);
        });
        body.on('end', () =>
          settle({ kind: 'answer', statusCode: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }),
        );
        body.on('error', fail);
        // A connection closed mid-answer errors the response (ECONNRESET), which a pipe to the inflater does not pass on.
        response.on('error', fail);
      }

      // Stop reading, and inflating, once past the bound: the socket goes, the rest is never read, and the
      // inflater's output ends (no more 'data', nothing more kept).
      function tooLarge(body: Readable) {
        settle({ kind: 'too-large' });
        body.destroy();
        req.destroy();
      }
    });
}

/**
 * The body as got's decompress-response inflated it: gzip, deflate (zlib-wrapped or raw, told apart by the
 * first byte), br; any other coding as sent. The decompressor is chosen on the first chunk.
 */
function decompressed(response: IncomingMessage): Readable {
  const coding = String(response.headers['content-encoding']).toLowerCase(); // 'undefined' when none
  if (coding !== 'gzip' && coding !== 'deflate' && coding !== 'br') {
    return response;
  }
  const out = new PassThrough();
  let empty = true;
  response.once('data', (first: Buffer) => {
    empty = false;
    const inflate =
      coding === 'br'
        ? createBrotliDecompress()
        : // gzip (0x1f) and zlib-wrapped deflate (0x78) have bit 3 set; raw deflate's first block does not
          ((first[0] as number) & 0x08) === 0
          ? createInflateRaw()
          : createUnzip();
    inflate.on('error', (error) => out.destroy(error));
    inflate.write(first);
    response.pipe(inflate).pipe(out);
  });
  // An empty body has no first chunk: nothing to inflate.
  response.once('end', () => {
    if (empty) {
      out.end();
    }
  });
  return out;
}

// What every client example does with its session: a GET of `/`, and a POST of `size` random
// bytes to `/echo` (h2wasm's server examples echo it back), compared by SHA-256. Plain Web
// APIs only (crypto, TextDecoder), so it runs unchanged in Node, Deno, Bun, workerd and pages.

const hex = async (bytes) => [...new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))]
  .map((b) => b.toString(16).padStart(2, '0')).join('');

/** Random bytes; getRandomValues fills at most 64 KiB per call. */
function randomBytes(size) {
  const bytes = new Uint8Array(size);
  for (let at = 0; at < size; at += 65536) crypto.getRandomValues(bytes.subarray(at, Math.min(size, at + 65536)));
  return bytes;
}

/** GET / and a `size`-byte echo on one ClientSession; resolves a JSON-able report. */
export async function getAndEcho(session, size = 1024 * 1024) {
  const get = await session.fetch('/');
  const getBody = await get.text();
  const sent = randomBytes(size);
  const echo = await session.fetch('/echo', { method: 'POST', body: sent });
  const received = new Uint8Array(await echo.arrayBuffer());
  const [sentSha, receivedSha] = await Promise.all([hex(sent), hex(received)]);
  return {
    get: { status: get.status, body: getBody },
    echo: { status: echo.status, length: received.length, sha256: receivedSha, same: sentSha === receivedSha },
  };
}

// Fetch-style API on top of the H2Stream API: handler(Request) → Response,
// with streaming bodies both ways and backpressure through the producer model.

import { createServer } from './index.js';
import { reportAppError } from './log.js';

/** A requestFactory that turns each stream into a WHATWG Request and writes the Response back. */
export function toFetchFactory(handler, options = {}) {
  return (stream) => {
    let controller = null;
    let request = null;
    const start = () => {
      const method = stream.command;
      const hasBody = !stream._endPending && method !== 'GET' && method !== 'HEAD';
      const body = hasBody ? new ReadableStream({
        start(c) { controller = c; },
        pull() { stream.resumeProducing(); },
        cancel() { try { stream.stopProducing(); } catch { /* gone */ } },
      }, { highWaterMark: 4 }) : null;
      const scheme = stream.scheme ?? (stream.isSecure() ? 'https' : 'http');
      const url = `${scheme}://${stream.authority ?? stream.headers.host ?? 'localhost'}${stream.path ?? '/'}`;
      const headers = new Headers();
      for (const [n, v] of stream.rawHeaders) if (n[0] !== ':') headers.append(n, v);
      const ac = new AbortController();
      request = new Request(url, { method, headers, body, duplex: body ? 'half' : undefined, signal: ac.signal });
      request._abort = ac;
      run(request).catch((e) => reportAppError(options, e, 'fetch handler', stream.getPeer()));
    };
    const run = async (req) => {
      let res;
      try {
        res = await handler(req, { stream });
        if (!(res instanceof Response)) res = new Response(res ?? null);
      } catch (e) {
        reportAppError(options, e, 'fetch handler', stream.getPeer());
        res = new Response('internal error\n', { status: 500 });
      }
      if (stream._done) return;
      const hdrs = [];
      res.headers.forEach((v, n) => hdrs.push([n, v]));
      if (!res.body || stream.command === 'HEAD') {
        stream.writeHeaders(res.status, hdrs, { endStream: true });
        res.body?.cancel().catch(() => {});
        return;
      }
      stream.writeHeaders(res.status, hdrs);
      let paused = false, wake = null;
      stream.registerProducer({
        pauseProducing() { paused = true; },
        resumeProducing() { paused = false; wake?.(); wake = null; },
        stopProducing() { paused = false; wake?.(); wake = null; },
      }, true);
      const reader = res.body.getReader();
      try {
        for (;;) {
          if (paused) await new Promise((r) => { wake = r; });
          if (stream._done) { reader.cancel().catch(() => {}); return; }
          const { value, done } = await reader.read();
          if (done) break;
          if (stream._done) { reader.cancel().catch(() => {}); return; }
          stream.write(value);
        }
        stream.unregisterProducer();
        stream.loseConnection();
      } catch (e) {
        if (!stream._done) reportAppError(options, e, 'fetch response body', stream.getPeer());
        try { stream.abortConnection(); } catch { /* gone */ }
      }
    };
    return {
      headersReceived() { start(); },
      dataReceived(chunk) {
        if (!controller) return;
        controller.enqueue(chunk); // zero copy: a view of the socket chunk
        if (controller.desiredSize <= 0) stream.pauseProducing();
      },
      requestReceived() { try { controller?.close(); } catch { /* cancelled */ } },
      connectionLost(reason) {
        try { controller?.error(reason); } catch { /* closed */ }
        request?._abort.abort(reason);
      },
    };
  };
}

/** createServer with a fetch-style handler. */
export function serve(options, handler) {
  if (typeof options === 'function') { handler = options; options = {}; }
  return createServer(options, toFetchFactory(handler, options));
}

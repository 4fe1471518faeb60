// api: the pages' HTTP client.
//
// Tokens travel only in the Authorization header, never in a URL (URLs end up in logs,
// history and Referer headers). That is also why event streams are read with fetch() and a
// stream parser instead of EventSource, which cannot send headers: the client carries
// Last-Event-ID itself and reconnects with backoff.

import { getLang, t } from './i18n.js';

// ApiError is every failure a call can end with. status 0 means the server was not reached
// (code "network") or the stream broke off (code "interrupted").
export class ApiError extends Error {
  constructor({ status = 0, code = 'network', message = '', field = '', requestId = '', retryAfter = 0 } = {}) {
    super(message || code);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.field = field;
    this.requestId = requestId;
    this.retryAfter = retryAfter;
  }

  // retriable errors are worth trying again unchanged: the network, a restart, a busy server.
  get retriable() {
    return this.status === 0 || this.status === 429 || this.status === 502 || this.status === 503 || this.status === 504;
  }
}

// errorMessage is what a page shows for err, in the current language. Bad input keeps the
// server's own words (already in the user's language and naming the field).
export function errorMessage(err) {
  if (!(err instanceof ApiError)) return t('err.unknown');
  switch (true) {
    case err.status === 0:
      return t('err.network');
    case err.status === 401:
      return t('err.unauthorized');
    case err.status === 429:
      return t('err.rateLimited', { seconds: err.retryAfter || 1 });
    case err.status === 500:
      return t('err.internal', { id: err.requestId || '-' });
    case err.status >= 502:
      return t('err.unavailable');
    case err.status === 413 && !err.message:
      return t('err.tooLarge');
    case err.status === 403 && !err.message:
      return t('err.forbidden');
  }
  return err.message || t('err.unknown');
}

// newIdempotencyKey names one attempt to send something, so that retrying it is safe.
// crypto.randomUUID needs a secure context; getRandomValues does not.
export function newIdempotencyKey() {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

const DEFAULT_TIMEOUT_MS = 35000;

function acceptLanguage() {
  return getLang() === 'zh' ? 'zh-CN,zh;q=0.9,en;q=0.5' : 'en';
}

async function errorFrom(res) {
  let body = null;
  try {
    body = await res.json();
  } catch {
    // not JSON: a proxy's page, say
  }
  const e = (body && body.error) || {};
  return new ApiError({
    status: res.status,
    code: e.code || `http_${res.status}`,
    message: e.message || '',
    field: e.field || '',
    requestId: e.request_id || res.headers.get('X-Request-Id') || '',
    retryAfter: Number(res.headers.get('Retry-After')) || 0,
  });
}

function networkError(err) {
  if (err instanceof ApiError) return err;
  if (err && err.name === 'AbortError') return err; // the caller cancelled: not an error to show
  return new ApiError({ status: 0, code: err && err.name === 'TimeoutError' ? 'timeout' : 'network', message: '' });
}

// createClient makes a client for one page. token is a string or a function returning the
// current token (so a refreshed token is used by the next call); onUnauthorized is told about
// every 401, e.g. to ask the host app for a fresh token.
export function createClient({ base = '', token = '', onUnauthorized = null } = {}) {
  let tokenSource = token;

  function headers(extra) {
    const h = new Headers(extra || {});
    const tok = typeof tokenSource === 'function' ? tokenSource() : tokenSource;
    if (tok) h.set('Authorization', `Bearer ${tok}`);
    h.set('Accept-Language', acceptLanguage());
    return h;
  }

  async function send(method, path, opts = {}) {
    const h = headers(opts.headers);
    let body = opts.body;
    if (opts.json !== undefined) {
      h.set('Content-Type', 'application/json');
      body = JSON.stringify(opts.json);
    } else if (opts.contentType) {
      h.set('Content-Type', opts.contentType);
    }
    if (opts.idempotencyKey) h.set('Idempotency-Key', opts.idempotencyKey);
    let res;
    try {
      res = await fetch(base + path, {
        method,
        headers: h,
        body,
        signal: opts.signal,
        cache: 'no-store',
        credentials: 'omit',
        referrerPolicy: 'no-referrer',
      });
    } catch (err) {
      throw networkError(err);
    }
    if (!res.ok) {
      const err = await errorFrom(res);
      if (err.status === 401 && onUnauthorized) onUnauthorized(err);
      throw err;
    }
    return res;
  }

  // request calls the API and returns the decoded JSON (null for 204). opts: json (a value
  // to send as JSON) or body + contentType (a file, say), headers, idempotencyKey, signal,
  // timeoutMs.
  async function request(method, path, opts = {}) {
    const signals = [AbortSignal.timeout(opts.timeoutMs || DEFAULT_TIMEOUT_MS)];
    if (opts.signal) signals.push(opts.signal);
    const res = await send(method, path, { ...opts, signal: AbortSignal.any(signals) });
    if (res.status === 204) return null;
    try {
      return await res.json();
    } catch (err) {
      throw networkError(err);
    }
  }

  // stream sends a request that answers with server-sent events (a streamed chat reply) and
  // calls onEvent({event, data, id}) for each; it resolves with the data of the "done" event.
  // An "error" event rejects with its ApiError; a stream that ends before "done" rejects
  // with code "interrupted". A server that answers with plain JSON resolves with that.
  async function stream(method, path, { onEvent = () => {}, signal, ...opts } = {}) {
    const res = await send(method, path, {
      ...opts,
      signal,
      headers: { ...(opts.headers || {}), Accept: 'text/event-stream' },
    });
    if (!(res.headers.get('Content-Type') || '').includes('text/event-stream')) {
      return res.status === 204 ? null : res.json();
    }
    let done;
    await readEvents(res.body, (ev) => {
      if (ev.event === 'error') throw errorEvent(ev);
      if (ev.event === 'done') done = ev.data;
      onEvent(ev);
    });
    if (done === undefined) throw new ApiError({ status: 0, code: 'interrupted' });
    return done;
  }

  // subscribe keeps an event stream open: it reconnects after a drop with growing delays,
  // resumes after the last event id it saw, and reconnects at once when the browser comes
  // back online. onStatus(state, info) hears 'connecting', 'open', 'reconnecting' ({delay,
  // error}), 'unauthorized' (stopped until resume()), 'failed' ({error}: stopped for good)
  // and 'closed'.
  function subscribe(path, { onEvent, onStatus = () => {}, lastEventId = '', idleTimeoutMs = 45000, minDelayMs = 500, maxDelayMs = 30000 } = {}) {
    let lastId = lastEventId;
    let closed = false;
    let paused = false;
    let attempt = 0;
    let retryMs = minDelayMs;
    let ctrl = null;
    let wake = null;

    const sleep = (ms) =>
      new Promise((resolve) => {
        const timer = setTimeout(done, ms);
        function done() {
          clearTimeout(timer);
          wake = null;
          resolve();
        }
        wake = done;
      });
    const online = () => wake && wake();
    window.addEventListener('online', online);

    async function once() {
      ctrl = new AbortController();
      let idle = null;
      const kick = () => {
        clearTimeout(idle);
        // A half-open connection shows no error: silence longer than the server's heartbeat
        // means the stream is dead.
        idle = setTimeout(() => ctrl.abort(new ApiError({ status: 0, code: 'idle' })), idleTimeoutMs);
      };
      try {
        const h = { Accept: 'text/event-stream' };
        if (lastId) h['Last-Event-ID'] = lastId;
        const res = await send('GET', path, { headers: h, signal: ctrl.signal });
        kick();
        attempt = 0;
        onStatus('open');
        await readEvents(
          res.body,
          (ev) => {
            if (ev.retry) retryMs = Math.max(minDelayMs, ev.retry);
            if (ev.event === undefined) return; // a retry-only frame
            if (ev.id) lastId = ev.id;
            if (ev.event === 'error') throw errorEvent(ev);
            onEvent(ev);
          },
          kick,
        );
        return new ApiError({ status: 0, code: 'interrupted' });
      } catch (err) {
        if (ctrl.signal.aborted && ctrl.signal.reason instanceof ApiError) return ctrl.signal.reason;
        return networkError(err);
      } finally {
        clearTimeout(idle);
      }
    }

    (async () => {
      onStatus('connecting');
      while (!closed) {
        if (paused) {
          await sleep(1e9);
          continue;
        }
        const err = await once();
        if (closed) break;
        if (err && err.name === 'AbortError') continue; // reconnectNow()
        if (err.status === 401) {
          paused = true;
          onStatus('unauthorized', { error: err });
          continue;
        }
        if (err.status === 403 || err.status === 404 || err.status === 400) {
          closed = true;
          onStatus('failed', { error: err });
          break;
        }
        attempt++;
        const delay = err.retryAfter
          ? err.retryAfter * 1000
          : Math.min(maxDelayMs, retryMs * 2 ** Math.min(attempt - 1, 6)) * (0.75 + Math.random() / 2);
        onStatus('reconnecting', { delay, error: err, attempt });
        await sleep(navigator.onLine === false ? 1e9 : delay);
      }
      window.removeEventListener('online', online);
      onStatus('closed');
    })();

    return {
      get lastEventId() {
        return lastId;
      },
      close() {
        closed = true;
        if (ctrl) ctrl.abort();
        if (wake) wake();
      },
      // resume restarts a stream stopped by a 401, after the token was renewed.
      resume() {
        paused = false;
        attempt = 0;
        if (wake) wake();
      },
      // reconnectNow drops the current connection and opens a new one at once.
      reconnectNow() {
        attempt = 0;
        if (ctrl) ctrl.abort();
        if (wake) wake();
      },
    };
  }

  return {
    request,
    stream,
    subscribe,
    get: (path, opts) => request('GET', path, opts),
    post: (path, json, opts = {}) => request('POST', path, { ...opts, json }),
    put: (path, json, opts = {}) => request('PUT', path, { ...opts, json }),
    del: (path, opts) => request('DELETE', path, opts),
    setToken(tok) {
      tokenSource = tok;
    },
  };
}

function errorEvent(ev) {
  const e = (ev.data && ev.data.error) || {};
  return new ApiError({ status: 500, code: e.code || 'stream_error', message: e.message || '', requestId: e.request_id || '' });
}

// readEvents reads a text/event-stream body and calls onEvent for each event; onBytes is
// called whenever anything arrives, heartbeat comments included.
export async function readEvents(body, onEvent, onBytes = () => {}) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  const parser = new SSEParser();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      onBytes();
      for (const ev of parser.feed(value)) onEvent(ev);
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}

// SSEParser turns chunks of an event stream into events, as the HTML standard's
// "interpret an event stream" does: lines end in CRLF, LF or CR; "data" lines join with LF;
// comments (":") are skipped; an event is dispatched at a blank line. Each event is {event,
// data, id, retry}; data is decoded as JSON when it is JSON, else kept as text. A frame with
// only "retry" yields {retry} (event undefined).
export class SSEParser {
  constructor() {
    this.buf = '';
    this.reset();
  }

  reset() {
    this.data = [];
    this.event = '';
    this.id = '';
    this.retry = 0;
    this.seen = false;
  }

  feed(chunk) {
    this.buf += chunk;
    const out = [];
    for (;;) {
      const m = /\r\n|\r|\n/.exec(this.buf);
      if (!m) break;
      // A lone CR at the very end may be the first half of CRLF: wait for more.
      if (m[0] === '\r' && m.index === this.buf.length - 1) break;
      const line = this.buf.slice(0, m.index);
      this.buf = this.buf.slice(m.index + m[0].length);
      const ev = this.line(line);
      if (ev) out.push(ev);
    }
    return out;
  }

  line(line) {
    if (line === '') {
      if (!this.seen) return null;
      const ev = { retry: this.retry || undefined };
      if (this.data.length || this.event || this.id) {
        const raw = this.data.join('\n');
        let data = raw;
        try {
          data = JSON.parse(raw);
        } catch {
          // text data
        }
        Object.assign(ev, { event: this.event || 'message', data, id: this.id });
      }
      this.reset();
      return ev;
    }
    if (line.startsWith(':')) return null;
    const i = line.indexOf(':');
    const field = i < 0 ? line : line.slice(0, i);
    let value = i < 0 ? '' : line.slice(i + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    this.seen = true;
    switch (field) {
      case 'data':
        this.data.push(value);
        break;
      case 'event':
        this.event = value;
        break;
      case 'id':
        if (!value.includes('\0')) this.id = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.retry = Number(value);
        break;
    }
    return null;
  }
}

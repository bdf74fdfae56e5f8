// Same-origin JSON client of the relay: the session cookie goes along by itself
// (credentials 'same-origin'), unsafe methods carry the session's X-CSRF-Token, and
// every error answer becomes an ApiError with the body's {error, code, field}.

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const MAX_RETRY_DELAY_MS = 10000;

export class ApiError extends Error {
  constructor(status, body, fallback) {
    super((body && typeof body.error === 'string' && body.error) || fallback || `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status; // 0: no answer at all
    this.code = (body && typeof body.code === 'string' && body.code) || (status === 0 ? 'unreachable' : `http_${status}`);
    this.field = (body && typeof body.field === 'string' && body.field) || null;
    this.handled = false; // true once the app has dealt with it (a 401 ending the session)
    this.retryAfter = 0;
  }

  // No answer, or the relay (or a proxy in front of it) failed: worth retrying.
  get unreachable() {
    return this.status === 0 || this.status >= 500;
  }

  // The message for people: the relay's own words, with the refused field on a 400.
  describe() {
    return this.field ? `${this.message} (field: ${this.field})` : this.message;
  }
}

// Errors a view should not report: a navigation aborted it, or the app handled it already.
export function isQuiet(err) {
  return (err && err.name === 'AbortError') || (err instanceof ApiError && err.handled);
}

export function errorMessage(err) {
  if (err instanceof ApiError) return err.describe();
  return (err && err.message) || String(err);
}

export function buildUrl(path, query) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

export function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal && signal.aborted) return reject(signal.reason || abortError());
    const timer = setTimeout(done, ms);
    function done() {
      if (signal) signal.removeEventListener('abort', aborted);
      resolve();
    }
    function aborted() {
      clearTimeout(timer);
      reject(signal.reason || abortError());
    }
    if (signal) signal.addEventListener('abort', aborted, { once: true });
  });
}

function abortError() {
  return new DOMException('aborted', 'AbortError');
}

async function readJson(res) {
  const text = await res.text().catch(() => '');
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

// hooks: csrf() → the session's token or null; sessionEnded(ApiError) on a 401;
// unreachable() when no answer or a 5xx came; reachable() when the relay answered;
// refreshSession() → fetches the current session's token after a 403 csrf_failed.
export function createApi(hooks) {
  // GETs now waiting to retry because the relay failed them: while any is, an answer to
  // another call does not hide the banner (it would flicker on every retry).
  let retrying = 0;
  const reachable = () => {
    if (!retrying) hooks.reachable();
  };

  // opts: query, body, signal; session: false for calls whose 401 is not a session end.
  async function request(method, path, opts = {}) {
    const headers = { Accept: 'application/json' };
    if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
    if (UNSAFE.has(method)) {
      const token = hooks.csrf();
      if (token) headers['X-CSRF-Token'] = token;
    }
    let res;
    try {
      res = await fetch(buildUrl(path, opts.query), {
        method,
        headers,
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
        credentials: 'same-origin',
        cache: 'no-store',
        signal: opts.signal,
      });
    } catch (err) {
      if (opts.signal && opts.signal.aborted) throw err;
      hooks.unreachable();
      throw new ApiError(0, null, 'The relay could not be reached.');
    }
    const data = await readJson(res);
    if (res.ok) {
      reachable();
      return data;
    }
    const error = new ApiError(res.status, data);
    if (error.unreachable) hooks.unreachable();
    else reachable();
    if (res.status === 429) error.retryAfter = Number(res.headers.get('Retry-After')) || 5;
    // Another tab signed in again: this tab's token is stale. Fetch the session's token and
    // repeat once (the refused request changed nothing).
    if (res.status === 403 && error.code === 'csrf_failed' && !opts.csrfRefreshed && hooks.refreshSession) {
      await hooks.refreshSession();
      return request(method, path, { ...opts, csrfRefreshed: true });
    }
    if (res.status === 401 && opts.session !== false) {
      error.handled = true;
      hooks.sessionEnded(error);
    }
    throw error;
  }

  // GETs are safe to repeat: while the relay is unreachable (or rate-limits) they retry
  // with a growing delay until they succeed or their signal aborts (retry: false: once).
  async function get(path, opts = {}) {
    let waiting = false;
    try {
      for (let delay = 1000; ; delay = Math.min(delay * 2, MAX_RETRY_DELAY_MS)) {
        try {
          const data = await request('GET', path, opts);
          if (waiting) {
            retrying -= 1;
            waiting = false;
            reachable();
          }
          return data;
        } catch (err) {
          if (opts.retry === false || !(err instanceof ApiError)) throw err;
          if (err.status === 429) {
            await sleep(err.retryAfter * 1000, opts.signal);
          } else if (err.unreachable) {
            if (!waiting) retrying += 1;
            waiting = true;
            await sleep(delay, opts.signal);
          } else {
            throw err;
          }
        }
      }
    } finally {
      if (waiting) retrying -= 1;
    }
  }

  return {
    request,
    get,
    post: (path, body, opts = {}) => request('POST', path, { ...opts, body }),
    put: (path, body, opts = {}) => request('PUT', path, { ...opts, body }),
    patch: (path, body, opts = {}) => request('PATCH', path, { ...opts, body }),
    del: (path, opts = {}) => request('DELETE', path, opts),
  };
}

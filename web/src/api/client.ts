/**
 * The one HTTP client of the web app: a small fetch wrapper that speaks JSON, turns every
 * failure into a typed {@link ProblemError} (RFC 9457 problem details, as the pqbank server
 * sends them) and decodes successful bodies with a caller-supplied decoder.
 */

/** RFC 9457 problem details, with pqbank's `code` and `request_id` members. */
export interface Problem {
  /** URI reference identifying the problem type (`about:blank` when absent). */
  type: string;
  /** Short human-readable summary. */
  title: string;
  /** HTTP status code; 0 when no response arrived. */
  status: number;
  /** Explanation specific to this occurrence. */
  detail?: string;
  /** URI reference identifying this occurrence. */
  instance?: string;
  /** Stable machine-readable error code, e.g. `insufficient_funds`. */
  code?: string;
  /** Server request id, for support and the audit log. */
  request_id?: string;
  /** Any other members the server included. */
  extensions: Readonly<Record<string, unknown>>;
}

/** Error codes the client itself produces when no problem document is available. */
export const CLIENT_ERROR_CODES = {
  network: 'network_error',
  timeout: 'timeout',
  invalidResponse: 'invalid_response',
} as const;

/** Thrown by {@link apiRequest} for every failure: HTTP errors, network errors, bad bodies. */
export class ProblemError extends Error {
  override readonly name = 'ProblemError';
  /** The parsed problem document. */
  readonly problem: Problem;

  constructor(problem: Problem, options?: ErrorOptions) {
    super(problem.detail ? `${problem.title}: ${problem.detail}` : problem.title, options);
    this.problem = problem;
  }

  /** HTTP status (0 when the server was not reached). */
  get status(): number {
    return this.problem.status;
  }

  /** Machine-readable error code, if any. */
  get code(): string | undefined {
    return this.problem.code;
  }

  /** Server request id, if any. */
  get requestId(): string | undefined {
    return this.problem.request_id;
  }
}

/** Type guard for {@link ProblemError}. */
export function isProblemError(error: unknown): error is ProblemError {
  return error instanceof ProblemError;
}

const KNOWN_MEMBERS = new Set([
  'type',
  'title',
  'status',
  'detail',
  'instance',
  'code',
  'request_id',
]);
const MAX_TEXT = 2000;

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value.slice(0, MAX_TEXT) : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** What is known about a response apart from its body. */
export interface ResponseMeta {
  status: number;
  statusText?: string;
  /** Value of the `x-request-id` response header, if present. */
  requestId?: string | null;
}

/**
 * Builds a {@link Problem} from a (possibly malformed) problem+json body. Members of the wrong
 * type are ignored, as RFC 9457 asks; the HTTP status wins over the body's `status`.
 */
export function parseProblem(body: unknown, meta: ResponseMeta): Problem {
  const record = isRecord(body) ? body : {};
  const extensions: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    if (!KNOWN_MEMBERS.has(key)) extensions[key] = value;
  }
  const status =
    meta.status > 0
      ? meta.status
      : typeof record.status === 'number' && Number.isInteger(record.status)
        ? record.status
        : 0;
  const problem: Problem = {
    type: text(record.type) ?? 'about:blank',
    title: text(record.title) ?? text(meta.statusText) ?? defaultTitle(status),
    status,
    extensions,
  };
  const detail = text(record.detail);
  const instance = text(record.instance);
  const code = text(record.code);
  const requestId = text(record.request_id) ?? text(meta.requestId);
  if (detail !== undefined) problem.detail = detail;
  if (instance !== undefined) problem.instance = instance;
  if (code !== undefined) problem.code = code;
  if (requestId !== undefined) problem.request_id = requestId;
  return problem;
}

function defaultTitle(status: number): string {
  if (status === 0) return 'No response from the server';
  if (status >= 500) return 'Server error';
  if (status === 404) return 'Not found';
  if (status === 401) return 'Sign-in required';
  if (status === 403) return 'Not permitted';
  return `Request failed (${status})`;
}

function isJsonContentType(contentType: string | null): boolean {
  const essence = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  return essence === 'application/json' || essence.endsWith('+json');
}

function clientProblem(code: string, title: string, detail: string, status = 0): ProblemError {
  return new ProblemError({
    type: 'about:blank',
    title,
    status,
    detail,
    code,
    extensions: {},
  });
}

/** Turns a non-2xx response into a {@link Problem}, reading its body when it is JSON. */
export async function problemFromResponse(response: Response): Promise<Problem> {
  const meta: ResponseMeta = {
    status: response.status,
    statusText: response.statusText,
    requestId: response.headers.get('x-request-id'),
  };
  let body: unknown = undefined;
  if (isJsonContentType(response.headers.get('content-type'))) {
    try {
      body = await response.json();
    } catch {
      body = undefined;
    }
  }
  return parseProblem(body, meta);
}

/**
 * Authenticates requests of a signed-in session: the bearer token and the request MAC
 * (`x-pqbank-mac`). Implemented by `src/auth/session.ts`; installed with
 * {@link setRequestAuthenticator} after login.
 */
export interface RequestAuthenticator {
  /** Headers for one request. `body` is exactly the bytes that will be sent. */
  headers(method: string, pathAndQuery: string, body: Uint8Array): Record<string, string>;
  /** Called when the server refuses the session (expired, revoked device, ...). */
  rejected(problem: Problem): void;
}

let authenticator: RequestAuthenticator | null = null;

/** Installs (or, with `null`, removes) the authenticator used for every `/api/` request. */
export function setRequestAuthenticator(next: RequestAuthenticator | null): void {
  authenticator = next;
}

/** Problem codes that mean the session is gone: the client forgets it. */
export const SESSION_ENDING_CODES: ReadonlySet<string> = new Set([
  'unauthenticated',
  'session_invalid',
  'session_expired',
  'device_revoked',
  'device_not_bound',
  'account_disabled',
]);

// Request MACs carry a strictly increasing counter, so authenticated requests go out one at a
// time: each waits until the previous one has its response headers (the server has checked the
// MAC by then). Otherwise two requests could overtake each other and the later counter would
// arrive first, making the earlier one look replayed.
let macQueue: Promise<unknown> = Promise.resolve();

function serialized<T>(task: () => Promise<T>): Promise<T> {
  const run = macQueue.then(task, task);
  macQueue = run.catch(() => undefined);
  return run;
}

const encoder = new TextEncoder();

/** The path and query as the browser will send them (normalized, percent-encoded). */
export function pathAndQueryOf(path: string): string {
  const url = new URL(path, window.location.origin);
  return `${url.pathname}${url.search}`;
}

/** Decodes an untrusted JSON body into a typed value, throwing on anything unexpected. */
export type Decoder<T> = (json: unknown) => T;

/** Options for {@link apiRequest}. */
export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Sent as JSON. */
  body?: unknown;
  headers?: Readonly<Record<string, string>>;
  signal?: AbortSignal;
  /** Gives up after this long (default 15 s). */
  timeoutMs?: number;
  /**
   * Send without the session's token and MAC (public routes such as login). By default every
   * `/api/` request of a signed-in session is authenticated.
   */
  anonymous?: boolean;
  /** Sees the raw response (headers) before its body is decoded. */
  onResponse?: (response: Response) => void;
  /** Hand the decoder the body as text instead of JSON (CSV downloads). */
  text?: boolean;
}

const DEFAULT_TIMEOUT_MS = 15_000;

/**
 * Sends a request to the pqbank server (same origin) and decodes the JSON answer.
 * Every failure is thrown as a {@link ProblemError}; an abort by the caller's signal is
 * re-thrown unchanged so that query libraries can recognise it.
 */
export async function apiRequest<T>(
  path: string,
  decode: Decoder<T>,
  options: RequestOptions = {},
): Promise<T> {
  const {
    method = 'GET',
    body,
    headers = {},
    signal,
    timeoutMs = DEFAULT_TIMEOUT_MS,
    anonymous = false,
    onResponse,
    text: asText = false,
  } = options;
  const timeout = AbortSignal.timeout(timeoutMs);
  const bodyText = body === undefined ? undefined : JSON.stringify(body);
  const auth = !anonymous && path.startsWith('/api/') ? authenticator : null;
  const init: RequestInit = {
    method,
    credentials: 'same-origin',
    headers: {
      Accept: 'application/json, application/problem+json',
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      ...headers,
    },
    signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
  };
  if (bodyText !== undefined) init.body = bodyText;

  let response: Response;
  try {
    response = auth
      ? await serialized(() => {
          init.headers = {
            ...(init.headers as Record<string, string>),
            ...auth.headers(method, pathAndQueryOf(path), encoder.encode(bodyText ?? '')),
          };
          return fetch(path, init);
        })
      : await fetch(path, init);
  } catch (error) {
    if (signal?.aborted) throw error;
    if (timeout.aborted) {
      throw clientProblem(
        CLIENT_ERROR_CODES.timeout,
        'The server took too long to answer',
        `No answer from ${path} within ${Math.round(timeoutMs / 1000)} s.`,
      );
    }
    throw clientProblem(
      CLIENT_ERROR_CODES.network,
      'Cannot reach the server',
      'Check the network connection and try again.',
    );
  }

  onResponse?.(response);
  if (!response.ok) {
    const problem = await problemFromResponse(response);
    if (auth && problem.code !== undefined && SESSION_ENDING_CODES.has(problem.code)) {
      auth.rejected(problem);
    }
    throw new ProblemError(problem);
  }
  if (response.status === 204) return decode(null);

  const invalid = (detail: string, cause?: unknown) => {
    const error = clientProblem(
      CLIENT_ERROR_CODES.invalidResponse,
      'Unexpected response from the server',
      detail,
      response.status,
    );
    if (cause !== undefined) error.cause = cause;
    const requestId = response.headers.get('x-request-id');
    if (requestId) error.problem.request_id = requestId;
    return error;
  };
  if (asText) {
    try {
      return decode(await response.text());
    } catch (error) {
      if (signal?.aborted) throw error;
      throw invalid(`The answer of ${path} could not be read.`, error);
    }
  }
  if (!isJsonContentType(response.headers.get('content-type'))) {
    throw invalid(`Expected JSON from ${path}.`);
  }
  let json: unknown;
  try {
    json = await response.json();
  } catch (error) {
    if (signal?.aborted) throw error;
    throw invalid(`The body of ${path} is not valid JSON.`, error);
  }
  try {
    return decode(json);
  } catch (error) {
    throw invalid(
      `The answer of ${path} has an unexpected shape${error instanceof Error ? `: ${error.message}` : ''}.`,
      error,
    );
  }
}

/** `GET path`, decoded. */
export function apiGet<T>(
  path: string,
  decode: Decoder<T>,
  options: Omit<RequestOptions, 'method' | 'body'> = {},
) {
  return apiRequest(path, decode, { ...options, method: 'GET' });
}

/** `POST path` with a JSON body, decoded. */
export function apiPost<T>(
  path: string,
  body: unknown,
  decode: Decoder<T>,
  options: Omit<RequestOptions, 'method' | 'body'> = {},
) {
  return apiRequest(path, decode, { ...options, method: 'POST', body });
}

/** Small decoding helpers for {@link Decoder}s. */
export const decode = {
  /** Asserts a JSON object. */
  object(json: unknown, what: string): Record<string, unknown> {
    if (!isRecord(json)) throw new TypeError(`${what} is not an object`);
    return json;
  },
  /** Asserts a string member. */
  string(record: Record<string, unknown>, key: string): string {
    const value = record[key];
    if (typeof value !== 'string') throw new TypeError(`${key} is not a string`);
    return value;
  },
  /** Asserts a finite number member. */
  number(record: Record<string, unknown>, key: string): number {
    const value = record[key];
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new TypeError(`${key} is not a number`);
    }
    return value;
  },
  /** Asserts an array of strings. */
  stringArray(record: Record<string, unknown>, key: string): string[] {
    const value = record[key];
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
      throw new TypeError(`${key} is not a list of strings`);
    }
    return value;
  },
  /** An optional string member. */
  optionalString(record: Record<string, unknown>, key: string): string | undefined {
    const value = record[key];
    return typeof value === 'string' ? value : undefined;
  },
  /** A string member that may be null or absent (then `null`); any other type is refused. */
  nullableString: (record: Record<string, unknown>, key: string): string | null => {
    const value = record[key];
    if (value === null || value === undefined) return null;
    if (typeof value !== 'string') throw new TypeError(`${key} is not a string`);
    return value;
  },
  /** A decoder of a JSON list whose items `item` decodes. */
  list:
    <T>(item: Decoder<T>, what: string): Decoder<T[]> =>
    (json) => {
      if (!Array.isArray(json)) throw new TypeError(`${what} is not a list`);
      return json.map(item);
    },
};

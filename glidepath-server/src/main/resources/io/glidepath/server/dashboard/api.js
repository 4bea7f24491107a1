// The server's API, with the token from this tab's sessionStorage in the Authorization header.
// The token never goes into the page, a URL or a log line.

const KEY = 'glidepath.token';
let onUnauthorized = () => {};

export const token = {
  get: () => sessionStorage.getItem(KEY),
  set: (t) => sessionStorage.setItem(KEY, t),
  clear: () => sessionStorage.removeItem(KEY),
};

/** What to do when the server refuses the token (401): sign out and say why. */
export function whenUnauthorized(fn) {
  onUnauthorized = fn;
}

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export function authHeaders(extra = {}) {
  return {...extra, Authorization: 'Bearer ' + token.get()};
}

/** Calls the API; resolves to the JSON answer, or rejects with an ApiError carrying the server's message. */
export async function api(path, {method = 'GET', body} = {}) {
  const resp = await fetch(path, {
    method,
    headers: authHeaders(body === undefined ? {} : {'Content-Type': 'application/json'}),
    body: body === undefined ? undefined : JSON.stringify(body),
    cache: 'no-store',
  });
  return answer(resp);
}

export async function answer(resp) {
  let json = null;
  try {
    json = await resp.json();
  } catch (e) {
    // an answer without JSON: the status says enough
  }
  if (resp.status === 401) onUnauthorized('The server refused the token (missing, wrong or revoked).');
  if (!resp.ok) throw new ApiError(resp.status, (json && json.error) || 'HTTP ' + resp.status);
  return json;
}
